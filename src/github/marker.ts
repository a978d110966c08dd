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

const MARKER = /(?:^| )<!-- widen:fingerprint=([0-9a-f]{8,64}) -->$/;

/** The marker for one finding. */
export function fingerprintMarker(fingerprint: string): string {
  return `<!-- widen:fingerprint=${fingerprint} -->`;
}

/** Every fingerprint marked in `body`, as widen places its markers (not inside fenced code). */
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
