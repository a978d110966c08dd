/**
 * The `widen` check run's output: a title, a Markdown summary and line annotations, within
 * GitHub's limits (named below; overflow is summarised, never dropped silently).
 */
import { docsUrl } from '../findings/docs.js';
import { isCommitFinding, type Finding } from '../findings/finding.js';
import { atLeast, type FailLevel } from '../findings/severity.js';
import type { Report } from '../pipeline/analyze.js';
import { codeSpan, cutText, escapeText, noteItem } from './markdown.js';
import { patchLabel, SHORT_SHA } from './text.js';

/** GitHub rejects an `output.summary` or `output.text` longer than this (OpenAPI `maxLength`). */
export const MAX_CHECK_SUMMARY = 65_535;
/** GitHub takes at most 50 annotations per create or update request; more are appended by further updates. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** Annotations widen sends for one run; the summary counts the rest. */
export const MAX_ANNOTATIONS = 1_000;

/**
 * An annotation's message, in UTF-16 units: GitHub takes at most 64 KB, and four UTF-8 bytes a
 * unit is the worst case. A headline that long names a 16,000-character identifier.
 */
export const MAX_ANNOTATION_MESSAGE = 16_000;

export type CheckConclusion = 'success' | 'neutral' | 'failure';

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title: string;
}

export interface CheckOutput {
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  annotations: CheckAnnotation[];
}

const LEVEL: Record<Finding['severity'], CheckAnnotation['annotation_level']> = { error: 'failure', warning: 'warning', note: 'notice' };

/**
 * Green only when everything was checked and nothing found; failure when a finding reaches
 * `failOn`; neutral otherwise, including every review that could not check everything.
 */
export function checkConclusion(report: Report, failOn: FailLevel): CheckConclusion {
  if (report.findings.some((f) => atLeast(f.severity, failOn))) return 'failure';
  if (report.findings.length > 0 || report.notes.length > 0) return 'neutral';
  return 'success';
}

/** A finding's lines in the commit the check run is for, when they differ from its own. */
export interface HeadLines {
  line: number;
  endLine: number;
}

/**
 * `headLines`: for a pull request reviewed commit by commit, where each finding's lines are at
 * the head commit the annotations point into; null for a finding whose lines later commits
 * removed, which is listed in the summary without an annotation (any line would be a wrong one).
 */
export function renderCheckRun(report: Report, failOn: FailLevel, extra: { excluded?: number; remarks?: readonly string[]; headLines?: ReadonlyMap<Finding, HeadLines | null>; deleted?: number } = {}): CheckOutput {
  const conclusion = checkConclusion(report, failOn);
  const n = report.findings.length;
  const title = n === 0 && report.notes.length === 0 && report.stats.files === 0
    ? (extra.deleted ? 'No C files to check: the changed ones are deleted' : 'No C files to check')
    : n > 0
    ? `${n} finding${n === 1 ? '' : 's'}${report.notes.length ? `; ${report.notes.length} thing${report.notes.length === 1 ? '' : 's'} not checked` : ''}`
    : report.notes.length > 0
      ? `No findings, but ${report.notes.length} thing${report.notes.length === 1 ? '' : 's'} not checked`
      : 'No findings';
  const head: string[] = [];
  const { files, functions, ms } = report.stats;
  head.push(`widen checked ${functions} function${functions === 1 ? '' : 's'} in ${files} C file${files === 1 ? '' : 's'} in ${ms} ms.`);
  if (extra.excluded) head.push(`${extra.excluded} changed C file${extra.excluded === 1 ? ' was' : 's were'} left out by the path filters of .github/widen.yml.`);
  head.push(...(extra.remarks ?? []));
  // An annotation sits on a line of a file of the repository; a commit message has none (the summary lists it).
  const onLines = report.findings.filter((f) => !isCommitFinding(f));
  const placed = onLines.flatMap((f) => {
    const at = extra.headLines?.has(f) ? extra.headLines.get(f)! : { line: f.line, endLine: f.endLine };
    return at === null ? [] : [{ f, at }];
  });
  const gone = onLines.length - placed.length;
  if (gone > 0) head.push(`${gone} finding${gone === 1 ? ' is' : 's are'} on lines that later commits of the pull request removed: listed below, without an annotation on the head commit.`);
  // A finding of a commit names it: its line is that commit's.
  const commitOf = (f: Finding): string => (f.patch?.commit ? ` in commit \`${f.patch.commit.slice(0, SHORT_SHA)}\`` : '');
  const items = [
    ...report.findings.map((f) => `- **${f.severity}** ${isCommitFinding(f) && f.patch ? `commit message of ${escapeText(patchLabel(f.patch))}` : `${codeSpan(`${f.path}:${f.line}`)}${commitOf(f)}`} [\`${f.rule}\`](${docsUrl(f.rule)}): ${escapeText(f.message)}`),
  ];
  const notes = report.notes.map(noteItem);
  const summary = fitSummary(head, n > 0 ? ['', '### Findings', '', ...items] : [], notes.length > 0 ? ['', '### Not checked', '', ...notes] : []);
  const annotations = placed.slice(0, MAX_ANNOTATIONS).map(({ f, at }) => ({
    path: f.path,
    start_line: at.line,
    end_line: Math.max(at.line, at.endLine),
    annotation_level: LEVEL[f.severity],
    message: cutText(f.message, MAX_ANNOTATION_MESSAGE),
    title: f.rule,
  }));
  return { conclusion, title, summary, annotations };
}

/**
 * Joins the sections, cutting list items from the end of each section when the whole would pass
 * {@link MAX_CHECK_SUMMARY}, and saying how many were cut.
 */
function fitSummary(head: string[], ...sections: string[][]): string {
  // Room for one "…and N more" line per section.
  const budget = MAX_CHECK_SUMMARY - 200 * sections.length;
  let text = head.join('\n');
  for (const section of sections) {
    let cut = 0;
    for (const line of section) {
      if (text.length + line.length + 1 > budget) {
        cut++;
        continue;
      }
      text += `\n${line}`;
    }
    if (cut > 0) text += `\n- …and ${cut} more, cut to fit GitHub's limit of ${MAX_CHECK_SUMMARY} characters (the annotations and \`widen review --pr\` list them all).`;
  }
  return text;
}
