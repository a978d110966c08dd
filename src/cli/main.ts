#!/usr/bin/env node
/**
 * The `widen` command. Runs the command line (run.ts), prints its output, and turns every
 * expected problem into a one-paragraph message and exit status 2, never a stack trace.
 */
import { optimiseHotCodeOnly, preferQuickStart } from '../analysis/v8-tiers.js';
import { InputError, errorWords } from '../errors.js';
import { escapeControls } from '../patch/errors.js';
import { readCapped } from '../patch/limits.js';
import type { CommandResult } from './commands/types.js';
import { failure, run, showsProgress } from './run.js';

async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) {
    throw new InputError('no-input', "no PATCH file was given and stdin is a terminal, so there is no patch to read. Give a patch file (widen review fix.patch) or pipe one in (git format-patch -1 --stdout | widen review).");
  }
  return readCapped(process.stdin);
}

// A reader that stops early (`widen scan mm/ | head`) closes the pipe: that is not an error of
// widen. Any other failure to write (a full disk under `--format sarif > out.sarif`, a closed
// stdout) loses the output: an input/output error, exit 2, not "findings" (1) or a stack.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`widen: could not write the output (${errorWords(e)}); it is incomplete or missing.\n`);
  process.exit(2);
});

/** Commands that parse a few functions and exit: see {@link preferQuickStart}. */
const QUICK_COMMANDS: ReadonlySet<string | undefined> = new Set(['review', 'b4-check', 'debug']);

async function main(): Promise<void> {
  // The stack a bug report needs, in src/ lines rather than the bundle's (scripts/bundle.mjs
  // writes source maps beside it).
  if (process.env['WIDEN_DEBUG']) process.setSourceMapsEnabled(true);
  if (QUICK_COMMANDS.has(process.argv[2])) preferQuickStart();
  // Every command but the queue's worker, which runs for as long as the App does.
  if (process.argv[2] !== 'worker') optimiseHotCodeOnly();
  // Redrawn in place with a carriage return, so it must fit on one line of the terminal.
  const progress = showsProgress(process.stderr.isTTY, process.env['TERM'])
    ? (m: string): void => {
        const width = (process.stderr.columns || 80) - 1;
        // The message names a file, whose name may hold an escape sequence of its own.
        const line = `widen: ${escapeControls(m)}`;
        process.stderr.write(`\r\x1b[K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
      }
    : null;
  let result: CommandResult;
  try {
    result = await run(process.argv.slice(2), { readStdin, progress, stdoutIsTty: process.stdout.isTTY === true, env: process.env });
    if (progress) process.stderr.write('\r\x1b[K');
  } catch (e) {
    if (progress) process.stderr.write('\r\x1b[K');
    const f = failure(e, !!process.env['WIDEN_DEBUG']);
    process.stderr.write(f.stderr);
    process.exitCode = f.exitCode;
    return;
  }
  process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}

await main();
