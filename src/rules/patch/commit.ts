/**
 * What patch rules read of a patch: its commit message (author, subject, body, trailers) and
 * the paths it changes. Mails, `git log -p` commits and any commit a front door builds all reduce
 * to this, so a rule never looks at mail headers or at how the patch arrived.
 */
import { MAX_MAIL_LINE } from '../../patch/limits.js';
import type { Patch } from '../../patch/types.js';
import { splitTrailers, type Trailer } from '../../patch/trailers.js';

export { splitTrailers, type Trailer };

/** A `Name <address>` as a mail header or a trailer writes it; either part may be missing. */
export interface Identity {
  /** The display name, quotes removed and white space collapsed, or null. */
  name: string | null;
  /** The address, or null when there is none. */
  email: string | null;
  /** The text as it was written, for messages. */
  text: string;
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
  // Longer than a mail line is no identity, and the patterns below would backtrack on it.
  if (t.length > MAX_MAIL_LINE) return { name: cleanName(t), email: null, text: t };
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
