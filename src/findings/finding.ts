/**
 * The one neutral finding model every renderer and publisher takes. Rules never reach
 * renderers; renderers never see rules.
 *
 * Range semantics: `line`/`column` is where the finding starts and `endLine` where its
 * evidence ends (for a bracket, the line of the closing call), all 1-based and inclusive,
 * referring to the post-patch file (`review`) or the file as scanned (`scan`). `related`
 * lists every other line the explanation depends on, each with a short message.
 *
 * A finding of a patch rule (`scope: 'commit-message'`) is about the patch as a whole, not a
 * line of a file: `path` is where the patch came from (the mail file, `<stdin>`), `line`,
 * `column` and `endLine` are 0, `function` is null, and `patch` names the patch.
 */
import type { Patch } from '../patch/types.js';
import type { Placement } from './placement.js';
import { SEVERITIES, type Severity } from './severity.js';

export interface RelatedLocation {
  path: string;
  line: number;
  column?: number;
  message: string;
  /**
   * Where the line comes on the path, when source order would mislead: `before` the finding's
   * line (a caller's lock, reported at the callee's), or `after` it (a callee's lock, reported at
   * the call), or `back`: after it, on the way back to it (the loop head or backward `goto` by
   * which the path reaches the finding's line a second time), or `aside`: not on the path shown at
   * all (the same lock taken at another line, whose path leaks it too). Drawn paths only; not part
   * of the JSON contract.
   */
  order?: 'before' | 'after' | 'back' | 'aside';
}

/** The patch of a series that introduced a finding. */
export interface PatchRef {
  index: number;
  subject: string | null;
  /** Patches in the series; a lone patch (a pull request reviewed whole) is 1 of 1. */
  total?: number;
  /** The commit's full id, when the patch is a commit (`review --git`, a pull request's commits). */
  commit?: string;
}

/** One line of the wider context quoted under a finding. */
export interface ExcerptLine {
  line: number;
  text: string;
  /** The patch added this line. */
  added: boolean;
  /** `primary`: where the finding points; `end`: where its evidence ends; `related`: a related location. */
  role: 'primary' | 'end' | 'related' | null;
  /** What the line shows, for related locations (the related message). */
  note: string | null;
  /**
   * Set on the first line of a run of lines in another function than the line quoted before it
   * (a callee of the same file, or the caller whose lock the finding is about): that function's
   * name, which renderings print above the run. On the excerpt's first line, set only when that
   * line is not in the excerpt's `function`.
   */
  function?: string;
}

/** Lines of the enclosing function a reader needs, with `null` standing for elided lines. */
export interface Excerpt {
  path: string;
  function: string;
  lines: Array<ExcerptLine | null>;
  /**
   * A later patch of the series changes this file: the lines and their numbers are those of the
   * file as the finding's own patch left it, and may differ at the series' end.
   */
  changedLater?: boolean;
}

export interface Finding {
  rule: string;
  severity: Severity;
  /** How sure the rule is of findings of this kind. */
  confidence: 'high' | 'medium' | 'low';
  /** The rule's message id, stable across wording changes. */
  messageId: string;
  /** The one-line headline: under 100 characters, no line numbers. */
  message: string;
  /** The reasoning, as a reviewer's note under the excerpt. */
  explanation: string;
  /** What to do about it. */
  fix: string;
  /** `commit-message`: the finding is about the patch's commit message, not a line of code. */
  scope?: 'commit-message';
  /**
   * For a finding on a commit message: the line of the message it is about, as written (the bad
   * `Fixes:` tag, the stray sign-off; for a missing trailer, the line it should follow). A mail
   * reply quotes it and answers under it. Absent for a finding on the subject or on the message
   * as a whole.
   */
  quote?: string;
  path: string;
  line: number;
  column: number;
  endLine: number;
  function: string | null;
  patch?: PatchRef;
  /**
   * A later patch of the same series that removes the finding again. The finding stays reported
   * against {@link patch}: the series is not bisectable between the two.
   */
  fixedBy?: PatchRef;
  related: RelatedLocation[];
  /**
   * Other checks (`rule/messageId`) whose findings of the same defect were folded into this one:
   * one report per defect, and the note stays free of widen's own rule names.
   */
  alsoFoundBy?: string[];
  /** Stable across line shifts: rule, function and the normalised statements involved. */
  fingerprint: string;
  /** The widened context to quote; filled in by the pipeline. */
  excerpt?: Excerpt;
  /** Where the finding sits on the diff that introduced it; set by `review`, absent for `scan`. */
  placement?: Placement;
}

/** Whether `f` is about a patch's commit message rather than a line of code. */
export function isCommitFinding(f: Finding): boolean {
  return f.scope === 'commit-message';
}

/**
 * Orders findings on commit messages first (by patch, then rule id), as a reviewer answers a
 * patch top down; then the rest by patch, path, line, column, the most severe first, then rule id.
 */
export function compareFindings(a: Finding, b: Finding): number {
  if (isCommitFinding(a) !== isCommitFinding(b)) return isCommitFinding(a) ? -1 : 1;
  if (isCommitFinding(a)) return (a.patch?.index ?? 0) - (b.patch?.index ?? 0) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
  // A series is read patch by patch (sweep R: a nine-patch review began with patch 7).
  if ((a.patch?.index ?? 0) !== (b.patch?.index ?? 0)) return (a.patch?.index ?? 0) - (b.patch?.index ?? 0);
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.line - b.line || a.column - b.column || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

/** How a finding names its patch: place in the series, subject, and the commit when it is one. */
export function patchRef(patch: Patch): PatchRef {
  return { index: patch.index, subject: patch.subject, total: patch.total, ...(patch.commit ? { commit: patch.commit.sha } : {}) };
}
