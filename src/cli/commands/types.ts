/** What a command hands back to main: the text for stdout and the exit status. */
export interface CommandResult {
  stdout: string;
  /** A closing message for stderr (e.g. why the exit status is 2 although output was written). */
  stderr?: string;
  exitCode: 0 | 1 | 2;
}

/** Where a command may talk to the user while it works (stderr), and read stdin. */
export interface CommandIo {
  readStdin(): Promise<Buffer>;
  /** Progress on long runs; only wired to a terminal. */
  progress: ((message: string) => void) | null;
  /** Whether stdout is a terminal: `--color auto` colours text only there. */
  stdoutIsTty?: boolean;
  /** The environment `--color auto` consults (NO_COLOR, TERM); none when absent. */
  env?: Readonly<Record<string, string | undefined>>;
}
