/**
 * The `widen` check run's output: a title, a Markdown summary and line annotations, within
 * GitHub's limits (named below; overflow is summarised, never dropped silently).
 */
import { docsUrl } from '../findings/docs.js';
import { isCommitFinding, type Finding } from '../findings/finding.js';
import { atLeast, type FailLevel } from '../findings/severity.js';
import type { Report, ReportNote } from '../pipeline/analyze.js';
import { escapeText } from './markdown.js';
import { patchLabel } from './text.js';

/** GitHub rejects an `output.summary` or `output.text` longer than this (OpenAPI `maxLength`). */
export const MAX_CHECK_SUMMARY = 65_535;
/** GitHub takes at most 50 annotations per create or update request; more are appended by further updates. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** Annotations widen sends for one run; the summary counts the rest. */
export const MAX_ANNOTATIONS = 1_000;

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

export function renderCheckRun(report: Report, failOn: FailLevel, extra: { excluded?: number; remarks?: readonly string[] } = {}): CheckOutput {
  const conclusion = checkConclusion(report, failOn);
  const n = report.findings.length;
  const title = n === 0 && report.notes.length === 0 && report.stats.files === 0
    ? 'No C files to check'
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
  const items = [
    ...report.findings.map((f) => `- **${f.severity}** ${isCommitFinding(f) && f.patch ? `commit message of ${escapeText(patchLabel(f.patch))}` : `\`${f.path}:${f.line}\``} [\`${f.rule}\`](${docsUrl(f.rule)}): ${escapeText(f.message)}`),
  ];
  const notes = report.notes.map(noteItem);
  const summary = fitSummary(head, n > 0 ? ['', '### Findings', '', ...items] : [], notes.length > 0 ? ['', '### Not checked', '', ...notes] : []);
  // An annotation sits on a line of a file of the repository; a commit message has none (the summary lists it).
  const annotations = report.findings.filter((f) => !isCommitFinding(f)).slice(0, MAX_ANNOTATIONS).map((f) => ({
    path: f.path,
    start_line: f.line,
    end_line: Math.max(f.line, f.endLine),
    annotation_level: LEVEL[f.severity],
    message: f.message,
    title: f.rule,
  }));
  return { conclusion, title, summary, annotations };
}

function noteItem(n: ReportNote): string {
  return `- \`${n.path}${n.line > 0 ? `:${n.line}` : ''}\`: ${escapeText(n.message)}`;
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
