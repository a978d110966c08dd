/**
 * Where a finding sits relative to the diff a reviewer sees. GitHub accepts a review comment
 * only on a line the pull request's diff shows (an added line, or a context line of a hunk);
 * one comment anywhere else makes it reject the whole review. So each finding is placed on the
 * best line of its argument that the diff shows, or marked as outside the diff, and publishers
 * decide from that: the App puts the first two kinds inline and the third in the review body,
 * the CLI shows all of them.
 */
import type { FilePatch } from '../patch/types.js';
import type { Finding } from './finding.js';

/**
 * - `added-line`: the anchor line was added by the patch.
 * - `in-hunk`: the anchor line is an unchanged line the diff shows as context.
 * - `outside-diff`: no line of the finding's argument is in the diff.
 */
export type PlacementKind = 'added-line' | 'in-hunk' | 'outside-diff';

export interface Placement {
  kind: PlacementKind;
  /** The post-patch line to anchor a comment on; the finding's own line when outside the diff. */
  line: number;
}

/** The post-patch lines one file's diff shows, by kind. */
export interface DiffLines {
  added: ReadonlySet<number>;
  context: ReadonlySet<number>;
}

/** The lines of the post-patch file that `fp`'s hunks show (the right side of the diff). */
export function diffLinesOf(fp: FilePatch): DiffLines {
  const added = new Set<number>();
  const context = new Set<number>();
  for (const h of fp.hunks) {
    let line = h.newStart;
    for (const l of h.lines) {
      if (l.kind === '-') continue;
      (l.kind === '+' ? added : context).add(line);
      line++;
    }
  }
  return { added, context };
}

/**
 * Places `finding` on the diff of its file. Candidate lines, in order of preference: the
 * finding's own line, where its evidence ends, then its related lines in the same file. An
 * added line beats a context line, so a comment lands on what the patch wrote when it can.
 */
export function placeFinding(finding: Finding, lines: DiffLines | undefined): Placement {
  if (!lines) return { kind: 'outside-diff', line: finding.line };
  const candidates = [finding.line, finding.endLine, ...finding.related.filter((r) => r.path === finding.path).map((r) => r.line)];
  const added = candidates.find((l) => lines.added.has(l));
  if (added !== undefined) return { kind: 'added-line', line: added };
  const context = candidates.find((l) => lines.context.has(l));
  if (context !== undefined) return { kind: 'in-hunk', line: context };
  return { kind: 'outside-diff', line: finding.line };
}
