/**
 * The hunk header as git spells it: a module of its own, so that renderers quoting a hunk do not
 * load the diff parser.
 */
import type { Hunk } from './types.js';

/** The `@@ -a,b +c,d @@` header of a hunk, spelled the way git spells it. */
export function formatHunkHeader(hunk: Pick<Hunk, 'oldStart' | 'oldLines' | 'newStart' | 'newLines'>): string {
  const range = (start: number, count: number): string => (count === 1 ? `${start}` : `${start},${count}`);
  return `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`;
}
