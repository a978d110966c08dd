#!/usr/bin/env node
/**
 * The `widen` command. Dispatches to a command, prints its output, and turns every expected
 * problem into a one-paragraph message and exit status 2, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { CommandIo, CommandResult } from './commands/types.js';
import { MAIN_USAGE, describeInputError, usageError } from './messages/index.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) {
    throw new InputError('no-input', "widen review reads the patch from stdin when no PATCH file is given, but stdin is a terminal. Give a patch file (widen review fix.patch) or pipe one in (git format-patch -1 --stdout | widen review).");
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Runs the command line `argv` (without node and script) and returns what to print. */
export async function run(argv: string[], io: CommandIo): Promise<CommandResult> {
  const [command, ...rest] = argv;
  // Commands are loaded on demand: `widen --version` should not pay for the parser and mail code.
  switch (command) {
    case 'review':
      return (await import('./commands/review.js')).reviewCommand(rest, io);
    case 'scan':
      return (await import('./commands/scan.js')).scanCommand(rest, io);
    case 'rules':
      return (await import('./commands/rules.js')).rulesCommand(rest);
    case 'explain':
      return (await import('./commands/rules.js')).explainCommand(rest);
    case 'debug':
      return (await import('./commands/debug.js')).debugCommand(rest);
    case '--version':
    case '-V':
      return { stdout: `widen ${version()}\n`, exitCode: 0 };
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      return { stdout: `${MAIN_USAGE}\n`, exitCode: command === undefined ? 2 : 0 };
    default:
      throw usageError(`'${command}' is not a widen command.`, MAIN_USAGE);
  }
}

async function main(): Promise<void> {
  const progress = process.stderr.isTTY
    ? (m: string): void => {
        process.stderr.write(`\r\x1b[Kwiden: ${m}`);
      }
    : null;
  let result: CommandResult;
  try {
    result = await run(process.argv.slice(2), { readStdin, progress });
    if (progress) process.stderr.write('\r\x1b[K');
  } catch (e) {
    if (progress) process.stderr.write('\r\x1b[K');
    if (e instanceof InputError) {
      process.stderr.write(`widen: ${describeInputError(e)}\n`);
    } else {
      process.stderr.write(`widen: internal error: ${(e as Error)?.message ?? e}. This is a bug in widen; please report it with the command you ran${process.env['WIDEN_DEBUG'] ? '' : ' (set WIDEN_DEBUG=1 for details)'}.\n`);
      if (process.env['WIDEN_DEBUG']) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    }
    process.exitCode = 2;
    return;
  }
  process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}

await main();
