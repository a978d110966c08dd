/** Options shared by `review` and `scan`, validated into typed values. */
import { availableParallelism } from 'node:os';
import { isSeverity, type FailLevel } from '../../findings/severity.js';
import type { ReportNote } from '../../pipeline/analyze.js';
import type { Rule } from '../../rules/define-rule.js';
import { CATALOG, RULES, type CatalogRule } from '../../rules/index.js';
import { usageError } from '../messages/index.js';
import { wordList } from '../../words.js';

export type OutputFormat = 'text' | 'json' | 'markdown' | 'email' | 'sarif';

/** Every output format, in the order usage texts name them. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'markdown', 'email', 'sarif'];

/** `--format`, one of `allowed` (a command that has no patch to answer cannot write `email`). */
export function parseFormat(value: string | undefined, usage: string, allowed: readonly OutputFormat[] = OUTPUT_FORMATS): OutputFormat {
  const v = value ?? 'text';
  const known = allowed.find((f) => f === v);
  if (known) return known;
  throw usageError(`--format must be ${wordList(allowed, 'or')}, not '${v}'.`, usage);
}

export type ColorChoice = 'always' | 'never' | 'auto';

/** `--color`: `auto` (the default) colours text only on a terminal, and not when NO_COLOR is set. */
export function parseColor(value: string | undefined, usage: string): ColorChoice {
  const v = value ?? 'auto';
  if (v === 'always' || v === 'never' || v === 'auto') return v;
  throw usageError(`--color must be always, never or auto, not '${v}'.`, usage);
}

/**
 * Whether to colour: `always` and `never` as said; `auto` on a terminal unless NO_COLOR is set
 * to anything but the empty string (no-color.org) or TERM is `dumb`. The flag beats NO_COLOR:
 * a command-line choice overrides the environment.
 */
export function useColor(choice: ColorChoice, stdoutIsTty: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (choice !== 'auto') return choice === 'always';
  return stdoutIsTty && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

export function parseFailOn(value: string | undefined, usage: string): FailLevel {
  const v = value ?? 'warning';
  if (v === 'none' || isSeverity(v)) return v;
  throw usageError(`--fail-on must be error, warning, note or none, not '${v}'.`, usage);
}

/** `--rules` of `review`: rules of both kinds, those on the code and those on the commit messages. */
export function parseRules(value: string | undefined, usage: string): CatalogRule[] {
  return selectRules(value, usage, CATALOG);
}

/** `--rules` of `scan`, which reads files and no patch: a patch rule has nothing to judge there. */
export function parseScanRules(value: string | undefined, usage: string): Rule[] {
  const patchOnly = (value ?? '').split(',').map((s) => s.trim()).filter((id) => CATALOG.some((r) => r.id === id) && !RULES.some((r) => r.id === id));
  if (patchOnly.length > 0) {
    throw usageError(`--rules names ${patchOnly.join(', ')}, which check${patchOnly.length > 1 ? '' : 's'} a patch's commit message; widen scan reads files, not patches. Use ${patchOnly.length > 1 ? 'them' : 'it'} with widen review.`, usage);
  }
  return selectRules(value, usage, RULES);
}

function selectRules<R extends CatalogRule>(value: string | undefined, usage: string, known: readonly R[]): R[] {
  if (value === undefined) return [...known];
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !known.some((r) => r.id === id));
  if (unknown.length > 0 || ids.length === 0) {
    throw usageError(`--rules names ${unknown.length ? `unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` : 'no rule'}. Known rules: ${known.map((r) => r.id).join(', ')}.`, usage);
  }
  return known.filter((r) => ids.includes(r.id));
}

/** The most workers `--jobs` starts by default; more can be asked for. */
export const MAX_DEFAULT_JOBS = 8;

/**
 * The default of `--jobs` on a machine with `cpus` CPUs: one worker per CPU but one, at most
 * {@link MAX_DEFAULT_JOBS}. A scan thread keeps more than one CPU busy (V8 collects garbage and
 * compiles on threads of its own: a one-job scan of 6.12's mm/ used 1.45 CPUs), so on a 2-CPU
 * machine two workers took 4.5 s where one thread took 3.0-3.6 s. Each worker holds its own
 * parser and cache of analysed files (about 100 MB on the whole 6.12 tree), so a 64-CPU machine
 * does not get 63 of them unasked: a kernel tree keeps only a few hundred files to analyse.
 */
export function defaultJobs(cpus: number): number {
  return Math.min(MAX_DEFAULT_JOBS, Math.max(1, cpus - 1));
}

export function parseJobs(value: string | undefined, usage: string): number {
  if (value === undefined) return defaultJobs(availableParallelism());
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 256) {
    throw usageError(`--jobs must be a whole number from 1 to 256, not '${value}'.`, usage);
  }
  return Number(value);
}

/** Notes that say something was done, not that something could not be checked. */
const CHECKED_NOTES: ReadonlySet<ReportNote['kind']> = new Set(['already-applied', 'series-squashed']);

/**
 * Whether `--fail-on-unchecked` fails on these notes: any note that something could not be
 * checked (a function the diff did not carry, a file that could not be read or parsed, a patch
 * missing from the series) does.
 */
export function hasUnchecked(notes: readonly ReportNote[]): boolean {
  return notes.some((n) => !CHECKED_NOTES.has(n.kind));
}
