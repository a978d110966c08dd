/** Options shared by `review` and `scan`, validated into typed values. */
import { availableParallelism } from 'node:os';
import { isSeverity, type FailLevel } from '../../findings/severity.js';
import type { ReportNote } from '../../pipeline/analyze.js';
import type { Rule } from '../../rules/define-rule.js';
import { RULES } from '../../rules/index.js';
import { usageError } from '../messages/index.js';

export type OutputFormat = 'text' | 'json' | 'markdown';

/** Formats the contract names that this version cannot write yet. */
const PLANNED_FORMATS = new Set(['email', 'sarif']);

export function parseFormat(value: string | undefined, usage: string): OutputFormat {
  const v = value ?? 'text';
  if (v === 'text' || v === 'json' || v === 'markdown') return v;
  if (PLANNED_FORMATS.has(v)) throw usageError(`--format ${v} is not available in this version of widen yet; use --format text, json or markdown.`, usage);
  throw usageError(`--format must be text, json or markdown, not '${v}'.`, usage);
}

export function parseFailOn(value: string | undefined, usage: string): FailLevel {
  const v = value ?? 'warning';
  if (v === 'none' || isSeverity(v)) return v;
  throw usageError(`--fail-on must be error, warning, note or none, not '${v}'.`, usage);
}

export function parseRules(value: string | undefined, usage: string): Rule[] {
  if (value === undefined) return [...RULES];
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !RULES.some((r) => r.id === id));
  if (unknown.length > 0 || ids.length === 0) {
    throw usageError(`--rules names ${unknown.length ? `unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` : 'no rule'}. Known rules: ${RULES.map((r) => r.id).join(', ')}.`, usage);
  }
  return RULES.filter((r) => ids.includes(r.id));
}

export function parseJobs(value: string | undefined, usage: string): number {
  if (value === undefined) return availableParallelism();
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 256) {
    throw usageError(`--jobs must be a whole number from 1 to 256, not '${value}'.`, usage);
  }
  return Number(value);
}

/** Notes that say something was done, not that something could not be checked. */
const CHECKED_NOTES: ReadonlySet<ReportNote['kind']> = new Set(['already-applied']);

/**
 * Whether `--fail-on-unchecked` fails on these notes: any note that something could not be
 * checked (a function the diff did not carry, a file that could not be read or parsed, a patch
 * missing from the series) does.
 */
export function hasUnchecked(notes: readonly ReportNote[]): boolean {
  return notes.some((n) => !CHECKED_NOTES.has(n.kind));
}
