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
