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
  | 'input-too-large';

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
 * `text` with its control characters (a NUL byte, an escape sequence that would reach the
 * terminal) written as `\xNN`; tabs and line breaks stay.
 */
export function escapeControls(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const control = (code < 0x20 && ch !== '\t' && ch !== '\n') || code === 0x7f;
    out += control ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}
