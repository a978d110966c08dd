/**
 * The trailer block of a commit message (`Signed-off-by:`, `Fixes:`, `Link:`...), found the way
 * `git interpret-trailers` finds it. One reading for everything that looks at trailers: the
 * commits a front door builds (`CommitInfo.trailers`) and the patch rules.
 */

/** One `Key: value` line of the trailer block (`Signed-off-by: ...`, `Fixes: ...`). */
export interface Trailer {
  /** The key as written (`Signed-off-by`); compare it case-insensitively. */
  key: string;
  value: string;
  /** The whole line as written, for messages. */
  line: string;
}

/** A trailer line: a key of letters, digits and dashes, a colon, then the value. */
const TRAILER = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/;

/**
 * Trailer keys the kernel's process documents (submitting-patches.rst); one of them makes a
 * last paragraph with some prose in it still a trailer block, as git's `trailer.<key>` does.
 */
const KERNEL_TRAILERS = new Set([
  'signed-off-by',
  'co-developed-by',
  'acked-by',
  'reviewed-by',
  'tested-by',
  'reported-by',
  'suggested-by',
  'cc',
  'fixes',
  'link',
  'closes',
]);

/**
 * Splits a message into its body and its trailer block the way `git interpret-trailers` finds
 * the block: the last paragraph, when every line of it is a trailer, or when a quarter of its
 * lines are trailers and one of them has a kernel key (so a wrapped line inside the block does
 * not turn it into prose). Continuation lines (indented) belong to the trailer above them, and a
 * maintainer's `[akpm: ...]` note is neither trailer nor body.
 */
export function splitTrailers(lines: readonly string[]): { body: string; trailers: Trailer[] } {
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === '') end--;
  let start = end;
  while (start > 0 && lines[start - 1]!.trim() !== '') start--;
  const block = lines.slice(start, end);
  const trailers: Trailer[] = [];
  // Lines of the block that are neither trailers, their continuations, nor `[name: note]`s.
  const prose: string[] = [];
  let last: Trailer | null = null;
  for (const line of block) {
    const m = TRAILER.exec(line);
    if (m) {
      last = { key: m[1]!, value: m[2]!.trim(), line };
      trailers.push(last);
    } else if (last && /^\s/.test(line)) {
      last.value = `${last.value} ${line.trim()}`;
    } else if (!/^\[.*\]$/.test(line.trim())) {
      prose.push(line);
    }
  }
  const isBlock =
    trailers.length > 0 &&
    (prose.length === 0 || (trailers.length * 4 >= block.length && trailers.some((t) => KERNEL_TRAILERS.has(t.key.toLowerCase()))));
  if (!isBlock) return { body: lines.join('\n').trim(), trailers: [] };
  // Prose inside the block (a sentence with no blank line before the sign-off) is still body.
  return { body: [...lines.slice(0, start), ...prose].join('\n').trim(), trailers };
}
