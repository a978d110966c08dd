/**
 * Errors by kind. Expected trouble with the user's input is an {@link InputError}: the CLI
 * prints its message as one paragraph and exits 2, without a stack trace. Anything else that
 * escapes is a bug in widen and is reported as such.
 */
export class InputError extends Error {
  /** A short machine-readable kind, e.g. `patch-does-not-apply`. */
  readonly kind: string;

  constructor(kind: string, message: string) {
    super(message);
    this.name = 'InputError';
    this.kind = kind;
  }
}

/**
 * Why a file could not be read, in words, by the error code the system gave: what a message
 * says in place of a bare `EACCES`. A code not here is shown as it is.
 */
export const READ_ERROR_WORDS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ELOOP: 'a loop of symbolic links',
  EIO: 'an input/output error',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'a read-only file system',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EEXIST: 'something of that name is in the way',
};

/** A system error in words ({@link READ_ERROR_WORDS}), or its code, or its text. */
export function errorWords(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string') return READ_ERROR_WORDS[code] ?? code;
  return e instanceof Error ? e.message : String(e);
}
