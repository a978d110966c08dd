/**
 * V8's WebAssembly tiers, chosen by a command's entry point. Its own module, so that importing
 * it costs `widen --version` nothing of the parser.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * For a process that parses a few functions and exits (a CLI review, the Action): compile the
 * parser with V8's baseline WebAssembly tier only. Otherwise V8 starts optimising the grammar's
 * code in the background as soon as it runs, and the process waits for that work at exit: 150 ms
 * of a 600 ms review of the seed patch, for code the review never uses. A long run (a scan, the
 * App's server, a queue worker) keeps the optimising tier: a scan of the whole 6.12 tree is
 * 0.6-1 s slower with baseline code only. Call it before anything loads the grammar; it applies
 * to the whole process, so only a command's entry point should.
 */
export function preferQuickStart(): void {
  setFlagsFromString('--liftoff-only');
}
