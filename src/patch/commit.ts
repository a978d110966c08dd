/**
 * Commits as patches: what `widen review --git` reads from git and what the App reads from a
 * pull request's commits become {@link Patch}es carrying their author, subject and body the way
 * a mail of the same commit would, plus the commit itself ({@link CommitInfo}) for checks that
 * look at the message (trailers, subject prefix).
 */
import { shownText } from './errors.js';
import { splitTrailers } from './trailers.js';
import type { CommitInfo, FilePatch, Hunk, Patch } from './types.js';

/** Splits a commit message into subject, body and the trailers of its last paragraph. */
export function commitInfo(c: { sha: string; authorName: string; authorEmail: string; date: string; message: string }): CommitInfo {
  const lines = shownText(c.message.replace(/\r\n/g, '\n').replace(/\s+$/, '')).split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  const subject = first < 0 ? '' : lines[first]!.trim();
  const body = first < 0 ? '' : lines.slice(first + 1).join('\n').replace(/^\s*\n/, '').trim();
  return { sha: c.sha, author: { name: shownText(c.authorName), email: shownText(c.authorEmail) }, date: shownText(c.date), subject, body, trailers: splitTrailers(body === '' ? [] : body.split('\n')).trailers.map(({ key, value }) => ({ key, value })) };
}

/** The patch of one commit of a series, with the fields a mail of that commit would fill. */
export function commitPatch(commit: CommitInfo, files: FilePatch[], at: { index: number; total: number; source: string }): Patch {
  return {
    index: at.index,
    total: at.total,
    subject: commit.subject,
    rawSubject: commit.subject,
    messageId: null,
    from: `${commit.author.name} <${commit.author.email}>`,
    date: commit.date,
    headers: {},
    description: commit.body,
    files,
    source: at.source,
    commit,
  };
}

/**
 * Where line `oldLine` of the file before `fp` is in the file after it, or null when `fp`
 * deletes (or replaces) that line. Carries a finding of an earlier commit to a later tree.
 */
export function forwardLine(hunks: readonly Hunk[], oldLine: number): number | null {
  return carryLine(hunks, oldLine, false);
}

/**
 * Like {@link forwardLine}, but a line the hunks delete or replace goes to where it was: the
 * first line after the patch that took its place (or that follows the deletion).
 */
export function forwardLineNear(hunks: readonly Hunk[], oldLine: number): number {
  return carryLine(hunks, oldLine, true)!;
}

function carryLine(hunks: readonly Hunk[], oldLine: number, near: boolean): number | null {
  let shift = 0;
  for (const h of hunks) {
    const start = h.oldLines === 0 ? h.oldStart + 1 : h.oldStart;
    if (oldLine < start) break;
    if (oldLine >= start + h.oldLines) {
      shift += h.newLines - h.oldLines;
      continue;
    }
    // A pure deletion: the line that followed it, where it now is.
    if (near && h.newLines === 0) return start + shift;
    let old = start;
    let next = h.newLines === 0 ? h.newStart + 1 : h.newStart;
    for (const l of h.lines) {
      if (l.kind === '+') {
        next++;
        continue;
      }
      if (old === oldLine) return l.kind === ' ' || near ? next : null;
      old++;
      if (l.kind === ' ') next++;
    }
    return near ? next : null;
  }
  return oldLine + shift;
}
