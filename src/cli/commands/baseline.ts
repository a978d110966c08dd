/**
 * `widen scan --baseline FILE`: a scan that reports only what a saved report does not hold, so
 * that a tree with findings already judged (and kept) can be scanned in CI for new ones, as
 * semgrep's `--baseline-commit` and CodeQL's alert tracking do.
 *
 * A finding of the baseline is matched by its fingerprint (rule, function, message id and the
 * text of its statements; no line numbers, so it survives code moving around it) and its file:
 * the same path, or one path ending with the other, so that a baseline written by `widen scan .`
 * in the tree still matches `widen scan /src/linux`.
 */
import { InputError } from '../../errors.js';
import type { Finding } from '../../findings/finding.js';
import { shownText } from '../../patch/errors.js';
import { readSourceFile, SourceUnavailable } from '../../pipeline/source.js';

/** The findings of a saved report, by fingerprint: the paths each was found in. */
export type Baseline = ReadonlyMap<string, readonly string[]>;

const HOW = 'Write one with `widen scan PATH... --format json > FILE`, and scan with --baseline FILE to see only what is new.';

export async function readBaseline(path: string): Promise<Baseline> {
  const shown = shownText(path);
  let text: string | null;
  try {
    text = await readSourceFile(path, shown);
  } catch (e) {
    if (!(e instanceof SourceUnavailable)) throw e;
    throw new InputError('baseline-unreadable', `cannot read the baseline ${e.path}: ${e.reason}.`);
  }
  if (text === null) throw new InputError('baseline-unreadable', `cannot read the baseline ${shown}: there is no such file. ${HOW}`);
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch (e) {
    throw new InputError('bad-baseline', `the baseline ${shown} is not JSON (${(e as Error).message}). ${HOW}`);
  }
  const findings = typeof report === 'object' && report !== null && 'findings' in report ? report.findings : undefined;
  if (!Array.isArray(findings)) throw new InputError('bad-baseline', `the baseline ${shown} is not a widen JSON report: it has no "findings" list. ${HOW}`);
  const out = new Map<string, string[]>();
  findings.forEach((f: unknown, i) => {
    const fingerprint = field(f, 'fingerprint');
    const file = field(f, 'path');
    if (fingerprint === null || file === null) {
      throw new InputError('bad-baseline', `finding ${i + 1} of the baseline ${shown} has no "fingerprint" or "path" string: it is not a widen JSON report. ${HOW}`);
    }
    const paths = out.get(fingerprint);
    if (paths) paths.push(file);
    else out.set(fingerprint, [file]);
  });
  return out;
}

function field(f: unknown, key: string): string | null {
  if (typeof f !== 'object' || f === null || !(key in f)) return null;
  const v = (f as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : null;
}

/** Whether two reports name the same file: equal, or one path ends with the other at a `/`. */
function samePath(a: string, b: string): boolean {
  const strip = (p: string): string => p.replace(/^(?:\.\/)+/, '');
  const x = strip(a);
  const y = strip(b);
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

/** `findings` without those of the baseline, and how many were left out. */
export function withoutBaseline(findings: readonly Finding[], baseline: Baseline): { findings: Finding[]; known: number } {
  const kept = findings.filter((f) => !(baseline.get(f.fingerprint) ?? []).some((p) => samePath(p, f.path)));
  return { findings: kept, known: findings.length - kept.length };
}
