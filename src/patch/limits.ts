/** The sizes widen reads, in a module of their own so that the CLI can check them before loading the parsers. */

/**
 * The most input (all the files of one review together) widen reads. A review holds the patch,
 * every file it changes and their syntax trees in memory at once; measured on this machine class,
 * a 250 MB diff of 20 new files (5 million lines) took 2.3 GB and 70 s, and a 57 MiB one 600 MB
 * and 8 s. Real diffs of many files cost more per byte, the tree's version of each file being
 * held too: the 6.1 to 6.12 diff of fs/, kernel/ and a few driver directories (33 MB, 3,185
 * files) peaked at 850 MB of RSS with a live heap under 450 MB, and with arch/x86, arch/arm64
 * and more (55 MB, 6,501 files) at 1.2 GB, in 15 s. Under this cap a review stays within about
 * 1.5 GB. The largest kernel patches (generated register headers) stay well below it.
 */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** The name a patch read from standard input goes by: in findings' `path`, and in SARIF, which has no file to point at. */
export const STDIN_SOURCE = '<stdin>';

/**
 * The bytes of a stream with no size to check first (stdin, a pipe, a device), read only until
 * one byte past {@link MAX_INPUT_BYTES}: the reader then refuses the input as too large
 * without widen holding all of it, however much the stream would give.
 */
export async function readCapped(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    chunks.push(b);
    size += b.length;
    if (size > MAX_INPUT_BYTES) break;
  }
  return Buffer.concat(chunks);
}

/**
 * RFC 5322 2.1.1: a line of a message is at most 998 characters. A longer identity or mailbox
 * (`Name <a@b>`) is none, and the patterns that read one backtrack quadratically on such text (a
 * `Signed-off-by:` of 100,000 spaces took 12 s, a From of 100,000 `<` 11 s): it is kept whole.
 */
export const MAX_MAIL_LINE = 998;
