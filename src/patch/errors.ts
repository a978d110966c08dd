import { InputError } from '../errors.js';
import type { Patch } from './types.js';

/**
 * The kinds of {@link PatchError}. Each is trouble with the user's input, never a bug in widen:
 *
 * - `empty-input`: nothing (or only whitespace) was given.
 * - `no-diff`: the text holds no diff at all, or a mailbox holds no mail with a diff.
 * - `unsupported-diff`: a combined diff (`diff --cc`, from a merge) that widen cannot review.
 * - `corrupt-hunk`: a hunk whose lines do not add up to its `@@` header, a truncated patch.
 * - `corrupt-diff`: a file header that does not name its file, or a hunk without a file header.
 * - `bad-mail`: a mail that cannot be decoded at all.
 * - `missing-patch`, `duplicate-patch`, `inconsistent-series`, `mixed-series`: mails that do
 *   not form one whole series.
 * - `patch-does-not-apply`: a hunk that does not match the tree.
 * - `binary-patch`: a binary diff was asked to be applied; widen does not decode those.
 * - `series-too-long`: a subject numbers more patches than widen reviews in one series.
 * - `input-too-large`: an input beyond the size widen holds in memory.
 * - `bad-encoding`: UTF-16 text, which no patch tool reads.
 * - `bad-line-endings`: lines ended by CR alone, so the input is one line.
 */
export type PatchErrorKind =
  | 'empty-input'
  | 'no-diff'
  | 'unsupported-diff'
  | 'corrupt-hunk'
  | 'corrupt-diff'
  | 'bad-mail'
  | 'missing-patch'
  | 'duplicate-patch'
  | 'inconsistent-series'
  | 'mixed-series'
  | 'patch-does-not-apply'
  | 'binary-patch'
  | 'series-too-long'
  | 'input-too-large'
  | 'bad-encoding'
  | 'bad-line-endings';

/**
 * Trouble with a patch given to widen: unreadable, incomplete, or not applying to the tree.
 * The message is one paragraph that says what is wrong and what to do about it.
 */
export class PatchError extends InputError {
  declare readonly kind: PatchErrorKind;

  constructor(kind: PatchErrorKind, message: string) {
    super(kind, message);
    this.name = 'PatchError';
  }
}

/**
 * Names a patch for messages: `patch 2/3 "mm: fix foo" (series.mbox)` for a mail of a series,
 * `patch "mm: fix foo" (fix.patch)` for a lone mail, `the patch in fix.diff` for a plain diff.
 */
export function describePatch(patch: Pick<Patch, 'index' | 'total' | 'subject' | 'source'>): string {
  if (patch.subject === null) return `the patch in ${patch.source}`;
  const position = patch.total > 1 ? ` ${patch.index}/${patch.total}` : '';
  const subject = patch.subject === '' ? '' : ` "${patch.subject}"`;
  return `patch${position}${subject} (${patch.source})`;
}

/** Quoted input is cut to this many characters in messages: a message is one paragraph. */
const MAX_QUOTED_CHARS = 120;

/**
 * A piece of input (a source line, a header) as messages quote it: control characters escaped
 * (see {@link escapeControls}), and anything longer than {@link MAX_QUOTED_CHARS} cut, saying how
 * much was left out.
 */
export function quoteText(text: string): string {
  const shown = text.length > MAX_QUOTED_CHARS ? text.slice(0, MAX_QUOTED_CHARS) : text;
  const escaped = escapeControls(shown.replace(/\n/g, ' '));
  return text.length > shown.length ? `${escaped}... (${text.length - shown.length} more characters)` : escaped;
}

/**
 * Text a patch carries to be shown, not parsed (its subject, author, date, message, header
 * values): a CR closing a line dropped, every other control character escaped (see
 * {@link escapeControls}). A mail's escape sequences then reach no terminal, reply or comment,
 * whichever output quotes them.
 */
export function shownText(text: string): string {
  return escapeControls(text.replace(/\r$/gm, ''));
}

/**
 * Whether a UTF-16 code unit is written out by {@link escapeControls}: C0 controls but tab and
 * line feed, DEL, the C1 controls (U+0080-U+009F: U+009B is a one-character CSI that some
 * terminals obey), and the bidirectional formatting characters that make text read in an order
 * other than the one it has (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069: the "Trojan
 * Source" characters).
 */
function isControl(code: number): boolean {
  if (code < 0x20) return code !== 0x09 && code !== 0x0a;
  if (code < 0x7f) return false;
  if (code <= 0x9f) return true;
  return code === 0x061c || code === 0x200e || code === 0x200f || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/**
 * `text` with its control characters (a NUL byte, an escape sequence that would reach the
 * terminal, a bidirectional override; see {@link isControl}) written as `\xNN` or `\uNNNN`;
 * tabs and line breaks stay. Text without any comes back as it is, without a copy.
 */
export function escapeControls(text: string): string {
  return writeOut(text, (code) => (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`));
}

/**
 * JSON text (from `JSON.stringify`, which escapes C0 controls but leaves the C1 and
 * bidirectional ones raw) with those written as `\uNNNN` escapes: the same JSON value, safe to
 * print. They can only stand inside strings, where the escape means the same character.
 */
export function escapeJsonControls(json: string): string {
  return writeOut(json, (code) => `\\u${code.toString(16).padStart(4, '0')}`);
}

function writeOut(text: string, escaped: (code: number) => string): string {
  let i = 0;
  while (i < text.length && !isControl(text.charCodeAt(i))) i++;
  if (i === text.length) return text;
  let out = text.slice(0, i);
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += isControl(code) ? escaped(code) : text[i];
  }
  return out;
}
