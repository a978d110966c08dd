/**
 * Hidden markers that let widen recognise its own comments on a later run: every inline comment
 * and every finding listed in a review body carries the finding's fingerprint in an HTML
 * comment, which GitHub keeps in the body but does not show.
 *
 * Comments quote text a pull request's author wrote (commit subjects in code spans, code in
 * fenced excerpts), and a fingerprint is no secret (the CLI computes it): a marker typed there
 * must not read as "already posted", or a real finding is never posted. widen writes each marker
 * at the end of a line, after a space or alone on it, outside any fenced block; only markers
 * placed so are read.
 */

import { createHash } from 'node:crypto';

const MARKER = /(?:^| )<!-- widen:fingerprint=([0-9a-f]{8,64}(?::[0-9a-f]{8})?) -->$/;

/**
 * The key a finding is known by on a pull request: its fingerprint and its file. A fingerprint
 * leaves the path out on purpose (code that moves keeps it), but the same bug pasted into a second
 * file (kernel arch code repeats functions per architecture) is a second finding to post: with
 * the fingerprint alone it counted as posted, and got no comment.
 */
export function findingKey(fingerprint: string, path: string): string {
  return `${fingerprint}:${createHash('sha1').update(path).digest('hex').slice(0, 8)}`;
}

/**
 * The marker for one finding: its {@link findingKey} when the path is given; markers written
 * before the path was added carry the fingerprint alone, and are read as posted for any file.
 */
export function fingerprintMarker(fingerprint: string, path?: string): string {
  return `<!-- widen:fingerprint=${path === undefined ? fingerprint : findingKey(fingerprint, path)} -->`;
}

/** Every key (or, from older comments, bare fingerprint) marked in `body`, as widen places its markers (not inside fenced code). */
export function markedFingerprints(body: string | null | undefined): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of (body ?? '').split('\n')) {
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence !== null) {
      // A fence closes with a run of the same character at least as long, and nothing after it.
      if (opener && opener[1]![0] === fence[0] && opener[1]!.length >= fence.length && line.trim() === opener[1]) fence = null;
      continue;
    }
    if (opener) {
      fence = opener[1]!;
      continue;
    }
    const m = MARKER.exec(line.replace(/\r$/, ''));
    if (m) out.push(m[1]!);
  }
  return out;
}
