/**
 * The analysis step shared by `scan` and `review`: run the rules on chosen functions of one file
 * and attach the widened context to each finding.
 */
import { BracketSummaries } from '../analysis/brackets.js';
import type { AnalysisNote, AnalyzedFile } from '../analysis/file.js';
import type { FunctionSpan } from '../analysis/functions.js';
import { buildExcerpt } from '../findings/excerpt.js';
import type { Finding, PatchRef } from '../findings/finding.js';
import type { Rule } from '../rules/define-rule.js';
import { rulesForChange, runRules } from '../rules/run.js';

/**
 * A note of a report: what the analysis could not check ({@link AnalysisNote}), plus what only a
 * review of a series can say:
 * - `missing-patch`: a patch of the series was absent and the rest was reviewed without it
 *   (`--allow-gaps`).
 * - `already-applied`: the tree already holds the patch; it was reviewed as the post-patch state.
 * - `skipped-commit`: a commit of a git range or pull request that is not reviewed as a patch
 *   (a merge commit).
 * - `series-squashed`: a pull request's commits were reviewed as one change, not one by one
 *   (settings, or too many commits).
 */
export interface ReportNote extends Omit<AnalysisNote, 'kind'> {
  kind: AnalysisNote['kind'] | 'missing-patch' | 'already-applied' | 'skipped-commit' | 'series-squashed';
  /** In a review, the patch whose state of the file the note is about (line numbers are that state's). */
  patch?: PatchRef;
}

/** A note on a whole file, patch, commit or pull request, not on a line of it (`line` 0). */
export function fileNote<K extends ReportNote['kind']>(path: string, kind: K, message: string): ReportNote & { kind: K } {
  return { path, line: 0, endLine: 0, function: null, kind, message };
}

/** What every front door prints: findings, notes on what could not be analysed, and figures. */
export interface Report {
  findings: Finding[];
  notes: ReportNote[];
  stats: ReportStats;
}

export interface ReportStats {
  /** C files read. */
  files: number;
  /** Functions parsed and checked (after the token prefilter). */
  functions: number;
  /** Files whose results a scan took from its cache (`--cache`); present only then. */
  cached?: number;
  /** Findings left out because `scan --baseline` holds them; present only then. */
  baseline?: number;
  /** Wall-clock milliseconds. */
  ms: number;
}

export interface FileAnalysis {
  findings: Finding[];
  /** Functions actually parsed and checked. */
  functions: number;
}

/**
 * Runs `rules` on `spans` of `file`. Functions that mention none of a rule's trigger
 * identifiers are not parsed for it. `added` lists the lines a patch added, for the excerpts.
 * `summaries` says what called helpers do (by default, those of `file` alone); share one across
 * the files of a scan so each helper is summarised once. In a review, `pre` is the file before
 * the patch, for the rules that compare a function with its pre-patch form. With `elsewhere` (a
 * review), a function that reaches a rule's calls only through helpers of other files is checked
 * too (see `rulesFor()`).
 */
export function analyzeSpans(
  file: AnalyzedFile,
  spans: readonly FunctionSpan[],
  rules: readonly Rule[],
  added: ReadonlySet<number> = new Set(),
  summaries: BracketSummaries = new BracketSummaries(),
  pre: AnalyzedFile | null = null,
  elsewhere = false,
): FileAnalysis {
  const findings: Finding[] = [];
  let functions = 0;
  for (const span of spans) {
    const applicable = rulesForChange(file, span, pre, rules, summaries, elsewhere);
    if (applicable.length === 0) continue;
    const fn = file.analyze(span);
    if (!fn) continue;
    functions++;
    for (const f of runRules(fn, applicable, summaries, pre)) {
      f.excerpt = buildExcerpt(f, file.source, span, added, (line) => file.functionAt(line));
      findings.push(f);
    }
  }
  return { findings, functions };
}

/** Files widen analyses: C sources and headers. */
export function isCSource(path: string): boolean {
  return /\.[ch]$/.test(path);
}

/** Notes sorted by file and line, duplicates dropped. */
export function sortNotes<N extends ReportNote>(notes: readonly N[]): N[] {
  const seen = new Set<string>();
  const out: N[] = [];
  for (const n of notes) {
    const k = `${n.path}|${n.line}|${n.kind}|${n.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(n);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
}
