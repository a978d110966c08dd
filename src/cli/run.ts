/**
 * The `widen` command line as functions, without the process around it: {@link run} dispatches
 * to a command and returns what to print and the exit status; {@link failure} words whatever it
 * throws. main.ts wires them to argv, stdin, stdout, stderr and the exit code; tests call them
 * in-process.
 */
import { InputError } from '../errors.js';
import type { CommandIo, CommandResult } from './commands/types.js';
import { escapeControls, quoteText } from '../patch/errors.js';
import { MAIN_USAGE, describeInputError, usageError } from './messages/index.js';
import { version } from './version.js';

/** Runs the command line `argv` (without node and script) and returns what to print. */
export async function run(argv: string[], io: CommandIo): Promise<CommandResult> {
  const [command, ...rest] = argv;
  // Commands are loaded on demand: `widen --version` should not pay for the parser and mail code.
  switch (command) {
    case 'review':
      return (await import('./commands/review.js')).reviewCommand(rest, io);
    case 'scan':
      return (await import('./commands/scan.js')).scanCommand(rest, io);
    case 'b4-check':
      return (await import('./commands/b4-check.js')).b4CheckCommand(rest, io);
    case 'rules':
      return (await import('./commands/rules.js')).rulesCommand(rest);
    case 'explain':
      return (await import('./commands/rules.js')).explainCommand(rest);
    case 'worker':
      return (await import('./commands/worker.js')).workerCommand(rest);
    case 'debug':
      return (await import('./commands/debug.js')).debugCommand(rest);
    case '--version':
    case '-V':
      return { stdout: `widen ${version()}\n`, exitCode: 0 };
    case undefined:
      // No command is a usage error: the usage goes where errors go, as for any other.
      return { stdout: '', stderr: `${MAIN_USAGE}\n`, exitCode: 2 };
    case '--help':
    case '-h':
    case 'help':
      return { stdout: `${MAIN_USAGE}\n`, exitCode: 0 };
    default:
      throw usageError(`'${quoteText(command)}' is not a widen command.`, MAIN_USAGE);
  }
}

/**
 * What to tell the user about an error {@link run} threw, and the exit status (always 2): an
 * input error in one paragraph, anything else as a bug in widen, its stack only with `debug`.
 */
/**
 * Whether to keep a progress line on stderr: only on a terminal that can erase a line (the line
 * is redrawn with `\r` and `ESC [K`, which a `TERM=dumb` terminal, an Emacs shell buffer, prints
 * as it is).
 */
export function showsProgress(stderrIsTty: boolean | undefined, term: string | undefined): boolean {
  return stderrIsTty === true && term !== 'dumb';
}

export function failure(e: unknown, debug: boolean): { stderr: string; exitCode: 2 } {
  // Messages quote input (file names, subjects, lines): no control character reaches the terminal.
  if (e instanceof InputError) return { stderr: `widen: ${escapeControls(describeInputError(e))}\n`, exitCode: 2 };
  const message = (e as Error)?.message ?? e;
  const stack = debug ? `${(e as Error)?.stack ?? ''}\n` : '';
  return { stderr: `widen: internal error: ${message}. This is a bug in widen; please report it with the command you ran${debug ? '' : ' (set WIDEN_DEBUG=1 for details)'}.\n${stack}`, exitCode: 2 };
}

