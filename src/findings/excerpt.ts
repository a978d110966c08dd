/**
 * The widened context under a finding: the lines of the enclosing function a reviewer needs to
 * see the bug without opening the file. The function's signature, the finding's own lines, its
 * related lines, a little context around each, and, when the evidence spans a short stretch of
 * code (a bracket and what happens inside it), that whole stretch, as a reviewer would quote it.
 */
import type { FunctionSpan } from '../analysis/functions.js';
import type { SourceFile } from '../analysis/source.js';
import { escapeControls } from '../patch/errors.js';
import type { Excerpt, ExcerptLine, Finding } from './finding.js';

/** Lines of context shown around each key line. */
const CONTEXT = 2;
/** A finding whose evidence spans at most this many lines is quoted whole. */
const WHOLE_SPAN = 40;
/** An excerpt never shows more lines than this (elisions excluded). */
export const MAX_EXCERPT_LINES = 60;
/** Signature lines shown at most. */
const SIGNATURE_LINES = 3;
/**
 * A quoted line is cut after this many characters: a line of generated data or a 20 MB comment
 * would otherwise be copied into every finding's excerpt, and every output after it.
 */
export const MAX_EXCERPT_LINE = 400;

/**
 * `spanAt` finds the function around a line: a related line in another function of the file (a
 * callee that takes the lock again) is shown under that function's own signature, so that the
 * reader sees whose line it is.
 */
export function buildExcerpt(
  finding: Finding,
  file: SourceFile,
  span: FunctionSpan | undefined,
  added: ReadonlySet<number>,
  spanAt: (line: number) => FunctionSpan | undefined = () => undefined,
): Excerpt {
  const roles = new Map<number, { role: ExcerptLine['role']; note: string | null }>();
  for (const r of finding.related) if (r.path === finding.path) roles.set(r.line, { role: 'related', note: r.message });
  if (finding.endLine !== finding.line && !roles.has(finding.endLine)) roles.set(finding.endLine, { role: 'end', note: null });
  roles.set(finding.line, { role: 'primary', note: null });

  const first = span ? span.startLine : finding.line;
  const last = span ? span.endLine : finding.endLine;
  const inFunction = (n: number): boolean => n >= first && n <= last;
  const clamp = (n: number): number => Math.max(first, Math.min(last, n));
  const keys = [...roles.keys()].sort((a, b) => a - b);
  // The stretch quoted whole lies in this function: a related line of another function (a
  // caller's lock) is shown on its own, not with everything in between.
  const own = keys.filter(inFunction);
  const lo = own[0] ?? finding.line;
  const hi = own[own.length - 1] ?? finding.line;

  const wanted = new Set<number>();
  const signature = (s: FunctionSpan): void => {
    const bodyLine = file.position(s.bodyStart).line;
    for (let l = s.startLine; l < bodyLine && l < s.startLine + SIGNATURE_LINES; l++) wanted.add(l);
  };
  if (span) signature(span);
  for (const k of keys) {
    const other = inFunction(k) ? undefined : spanAt(k);
    if (other && other !== span) signature(other);
  }
  const fill = hi - lo + 1 <= WHOLE_SPAN;
  // Widest first; narrow until it fits: drop context, then the stretch between key lines.
  const attempts: Array<[context: number, whole: boolean]> = [[CONTEXT, fill], [0, fill], [0, false]];
  let chosen = new Set<number>();
  for (const [context, whole] of attempts) {
    chosen = new Set(wanted);
    if (whole) for (let l = lo; l <= hi; l++) chosen.add(l);
    for (const k of keys) {
      // A related line of another function (the caller whose lock a callee's finding is about)
      // is shown where it is, with its own context: clamped to this function it would vanish.
      const [from, to] = inFunction(k) ? [clamp(k - context), clamp(k + context)] : [k - context, k + context];
      for (let l = from; l <= to; l++) chosen.add(l);
    }
    if (chosen.size <= MAX_EXCERPT_LINES) break;
  }
  const name = finding.function ?? '';
  // A line between two functions (a comment above one) goes with the lines quoted before it.
  const owner = (l: number): string | null => (inFunction(l) ? name : (spanAt(l)?.name ?? null));
  return { path: finding.path, function: name, lines: render(chosen, file, roles, added, owner, name) };
}

/** `text` cut at {@link MAX_EXCERPT_LINE} characters, saying how many were left out. */
export function cutLongLine(text: string): string {
  return text.length <= MAX_EXCERPT_LINE ? text : `${text.slice(0, MAX_EXCERPT_LINE)}… (${text.length - MAX_EXCERPT_LINE} more characters)`;
}

function render(
  lines: ReadonlySet<number>,
  file: SourceFile,
  roles: ReadonlyMap<number, { role: ExcerptLine['role']; note: string | null }>,
  added: ReadonlySet<number>,
  owner: (line: number) => string | null,
  excerptFunction: string,
): Array<ExcerptLine | null> {
  const sorted = [...lines].filter((l) => l >= 1 && l <= file.lineCount).sort((a, b) => a - b);
  const out: Array<ExcerptLine | null> = [];
  let prev = 0;
  // Whose lines came last: a run in another function is named above it (sweep AJ: a callee's
  // lines quoted first under "In do_mincore():").
  let current = excerptFunction;
  for (const l of sorted) {
    if (prev !== 0 && l > prev + 1) out.push(null);
    const r = roles.get(l);
    const fn = owner(l) ?? current;
    // Control characters of the source (an escape sequence in a string literal) are written out:
    // a hostile patch must not reach the reader's terminal through the excerpt.
    out.push({ line: l, text: escapeControls(cutLongLine(file.lineText(l))), added: added.has(l), role: r?.role ?? null, note: r?.note ?? null, ...(fn !== current ? { function: fn } : {}) });
    current = fn;
    prev = l;
  }
  return out;
}
