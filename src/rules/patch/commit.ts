/**
 * What patch rules read of a patch: its commit message (author, subject, body, trailers) and
 * the paths it changes. Mails, `git log -p` commits and any commit a front door builds all reduce
 * to this, so a rule never looks at mail headers or at how the patch arrived.
 */
import type { Patch } from '../../patch/types.js';

/** A `Name <address>` as a mail header or a trailer writes it; either part may be missing. */
export interface Identity {
  /** The display name, quotes removed and white space collapsed, or null. */
  name: string | null;
  /** The address, or null when there is none. */
  email: string | null;
  /** The text as it was written, for messages. */
  text: string;
}

/** One `Key: value` line of the trailer block (`Signed-off-by: ...`, `Fixes: ...`). */
export interface Trailer {
  /** The key as written (`Signed-off-by`); compare it case-insensitively. */
  key: string;
  value: string;
  /** The whole line as written, for messages. */
  line: string;
}

export interface CommitMessage {
  /** The author, as `git am` takes it: an in-body `From:` line beats the mail's From header. */
  author: Identity;
  /** The subject without `[PATCH ...]` groups. */
  subject: string;
  /** The message between the subject and the trailer block, trimmed; '' when there is none. */
  body: string;
  /** Every line of the message after the subject (body and trailers), as written. */
  lines: readonly string[];
  /** The trailer block: the last paragraph, when it is one (see {@link splitTrailers}). */
  trailers: readonly Trailer[];
  /** The paths the patch changes, before and after (a rename counts both). */
  paths: readonly string[];
}

/**
 * The commit message a patch carries, or null when it carries none: a plain diff has no author
 * and no subject, nor does a pull request reviewed as its whole diff, and a rule judging those
 * would only report its own lack of input. A cover letter never gets here (the series reader
 * leaves it out).
 */
export function commitOf(patch: Patch): CommitMessage | null {
  if (patch.subject === null || patch.from === null || patch.from.trim() === '') return null;
  const lines = patch.description === '' ? [] : patch.description.split('\n').map((l) => l.replace(/\r$/, ''));
  const { body, trailers } = splitTrailers(lines);
  const paths = [...new Set(patch.files.flatMap((fp) => [fp.oldPath, fp.newPath]).filter((p): p is string => p !== null))];
  return { author: parseIdentity(patch.from), subject: patch.subject, body, lines, trailers, paths };
}

/** `Name <a@b>`, `"Last, First" <a@b>`, `a@b (Name)` or a bare `a@b`. */
export function parseIdentity(text: string): Identity {
  const t = text.trim();
  const angle = /^(.*?)\s*<([^<>]*)>\s*$/.exec(t);
  if (angle) return { name: cleanName(angle[1]!), email: angle[2]!.trim() || null, text: t };
  const comment = /^(\S+@\S+)\s*\((.*)\)\s*$/.exec(t);
  if (comment) return { name: cleanName(comment[2]!), email: comment[1]!, text: t };
  if (/^\S+@\S+$/.test(t)) return { name: null, email: t, text: t };
  return { name: cleanName(t), email: null, text: t };
}

function cleanName(s: string): string | null {
  const name = s.replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1').replace(/\s+/g, ' ').trim();
  return name === '' ? null : name;
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
