/**
 * Reading patches (plain diffs, `git format-patch` mails, mbox series) and applying them in
 * memory. Everything a caller needs is exported here.
 */
export { MAX_INPUT_BYTES, readCapped } from './limits.js';
export { STDIN_SOURCE, inputTooLarge, readPatches, readSeries, type PatchInput, type ReadOptions, type SeriesReading } from './read.js';
export { unapplyFilePatch, reverseFilePatch } from './reverse.js';
export { applyFilePatch, lineMapFromHunks, postImageFromHunks, preImageFromHunks, type SparseImage } from './apply.js';
export { PatchError, describePatch, shownText, type PatchErrorKind } from './errors.js';
export { formatHunkHeader } from './hunk-header.js';
export type { FilePatch, FileStatus, Hunk, HunkLine, LineMap, Patch } from './types.js';
export { commitInfo, commitPatch, forwardLine, forwardLineNear } from './commit.js';
export type { CommitInfo } from './types.js';
