/**
 * Trouble a review cannot get past, by kind plus data. The pipeline words these neutrally; each
 * front door (the CLI, the App) says what to do about them in its own terms.
 */
import { InputError } from '../errors.js';

/**
 * - `file-not-in-tree`: the patch changes a file the tree does not have.
 * - `file-exists`: the patch creates a file the tree already has.
 * - `unsafe-path`: the patch names a path that would leave the tree (`../../etc/passwd`).
 */
export type ReviewErrorKind = 'file-not-in-tree' | 'file-exists' | 'unsafe-path';

export interface ReviewErrorData {
  /** The patch, as {@link describePatch} names it. */
  patch: string;
  /** The file it names. */
  path: string;
}

export class ReviewError extends InputError {
  declare readonly kind: ReviewErrorKind;

  constructor(
    kind: ReviewErrorKind,
    readonly data: ReviewErrorData,
  ) {
    super(kind, defaultMessage(kind, data));
    this.name = 'ReviewError';
  }
}

function defaultMessage(kind: ReviewErrorKind, { patch, path }: ReviewErrorData): string {
  switch (kind) {
    case 'file-not-in-tree':
      return `${patch} changes ${path}, but the tree has no such file.`;
    case 'file-exists':
      return `${patch} creates ${path}, but the tree already has that file. The patch does not apply to this tree.`;
    case 'unsafe-path':
      return `${patch} names the file ${path}, which lies outside the tree; widen refuses to read it. Check the patch's file names.`;
  }
}
