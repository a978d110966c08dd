/**
 * Hidden markers that let widen recognise its own comments on a later run: every inline comment
 * and every finding listed in a review body carries the finding's fingerprint in an HTML
 * comment, which GitHub keeps in the body but does not show.
 */

const MARKER = /<!-- widen:fingerprint=([0-9a-f]{8,64}) -->/g;

/** The marker for one finding. */
export function fingerprintMarker(fingerprint: string): string {
  return `<!-- widen:fingerprint=${fingerprint} -->`;
}

/** Every fingerprint marked in `body`. */
export function markedFingerprints(body: string | null | undefined): string[] {
  return [...(body ?? '').matchAll(MARKER)].map((m) => m[1]!);
}
