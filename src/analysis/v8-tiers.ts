/**
 * How soon V8 optimises, chosen by a command's entry point: the grammar's WebAssembly and
 * widen's own JavaScript. Its own module, so that importing it costs `widen --version` nothing
 * of the parser. A setting applies to the whole process and the worker threads it starts, so
 * only a command's entry point should call these, before the work they are for begins.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * For a process that parses a few functions and exits (a CLI review, the Action): compile the
 * parser with V8's baseline WebAssembly tier only. Otherwise V8 starts optimising the grammar's
 * code in the background as soon as it runs, and the process waits for that work at exit: 150 ms
 * of a 600 ms review of the seed patch, for code the review never uses. A long run (a scan, the
 * App's server, a queue worker) keeps the optimising tier: a scan of the whole 6.12 tree is
 * 0.6-1 s slower with baseline code only. Call it before anything loads the grammar.
 */
export function preferQuickStart(): void {
  setFlagsFromString('--liftoff-only');
}

/** V8's default `--interrupt-budget` in the V8 of Node 20 (11.3). */
const DEFAULT_INTERRUPT_BUDGET = 67_584;

/**
 * The V8 flag {@link optimiseHotCodeOnly} sets for the V8 of `version` (`process.versions.v8`),
 * or null when that V8 is left as it is.
 */
export function hotCodeOnlyFlag(version: string): string | null {
  return Number.parseInt(version, 10) === 11 ? `--interrupt-budget=${6 * DEFAULT_INTERRUPT_BUDGET}` : null;
}

/**
 * For a command that runs once and exits (a scan, a review, the Action): let V8 optimise only
 * the JavaScript that stays hot. Node 20's V8 (11.x) hands a function to its optimising compiler
 * as soon as it has run about 66 KB of bytecode, which in a run of a few seconds is hundreds of
 * functions still changing their types: a cold scan of 6.12's `mm/` optimised 478 functions, and
 * 128 of them were deoptimised again. With six times that budget it optimised 208 and
 * deoptimised 39; cold scans of `mm/` and of the whole tree took 15-20% less time, a review of
 * a 533-file diff 11% less, all with less memory, and the seed review the same
 * (docs/performance.md, "Start-up"). The App's server and `widen worker`, which run for days,
 * keep V8's default. Later V8s (Node 22 on) tier up by invocation counts and through Maglev,
 * and do not have this flag (setting it prints an error); the like setting gained nothing
 * beyond the noise on Node 24, the Docker image's, so they are left alone.
 */
export function optimiseHotCodeOnly(): void {
  const flag = hotCodeOnlyFlag(process.versions.v8);
  if (flag !== null) setFlagsFromString(flag);
}
