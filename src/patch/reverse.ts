/** Undoing a file patch: the pre-patch text from the post-patch text and the hunks. */
import { applyFilePatch } from './apply.js';
import type { FilePatch, Patch } from './types.js';

/** `fp` the other way round: applying it to the post-patch file gives the pre-patch file. */
export function reverseFilePatch(fp: FilePatch): FilePatch {
  return {
    ...fp,
    oldPath: fp.newPath,
    newPath: fp.oldPath,
    status: fp.status === 'added' ? 'deleted' : fp.status === 'deleted' ? 'added' : fp.status,
    hunks: fp.hunks.map((h) => ({
      ...h,
      oldStart: h.newStart,
      oldLines: h.newLines,
      newStart: h.oldStart,
      newLines: h.oldLines,
      lines: h.lines.map((l) => ({ ...l, kind: l.kind === '+' ? '-' : l.kind === '-' ? '+' : ' ' })),
    })),
  };
}

/**
 * The pre-patch text of a file, from its post-patch text. Throws the same PatchError as
 * applying would when the text does not match the hunks.
 */
export function unapplyFilePatch(post: string, fp: FilePatch, patch: Patch): string {
  return applyFilePatch(post, reverseFilePatch(fp), patch).text;
}
