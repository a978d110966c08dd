/**
 * The path a finding's argument runs through, as the rule gave it: where it starts, each related
 * line of the same file in the rule's order, where the evidence ends. The Markdown flowchart and
 * SARIF's code flows both draw it, so both show the same steps.
 */
import type { Finding } from '../findings/finding.js';

export interface PathStep {
  line: number;
  /** What the step shows (the related location's message); null for the finding's own line and the end. */
  note: string | null;
  /** The finding's own line. */
  primary: boolean;
  /** The path is back at the finding's own line, a second time (after a `back` related line). */
  again?: boolean;
}

/**
 * The steps of `f`'s path, or null for a finding about one line only. Findings carry no witness
 * path, only the lines the argument needs, so the order is rebuilt. A related line the rule
 * placed (`order`: a caller's lock before a callee's finding, a callee's lock after the call)
 * goes where it says, in the rule's order, and one `aside` not at all. Of the others, those above the finding's own line come
 * before it, top to bottom (what led to it: a lock taken, a lookup), and those below it after
 * it, in the rule's order (the rule knows the path, which may run upward in a loop). Where the
 * evidence ends comes next. A `back` line (the loop head or backward `goto` that brings the path
 * round again) comes last, and then the finding's own line once more.
 */
export function pathSteps(f: Finding): PathStep[] | null {
  const seen = new Set<number>([f.line]);
  const before: PathStep[] = [];
  const after: PathStep[] = [];
  const back: PathStep[] = [];
  let placed = false;
  // The path comes back to the finding's own line (a `goto retry` to the lookup that overwrites it).
  let again = false;
  for (const r of f.related) {
    if (r.path === f.path && r.line === f.line && r.order === 'back') again = true;
    if (r.path !== f.path || seen.has(r.line) || r.order === 'aside') continue;
    seen.add(r.line);
    const step = { line: r.line, note: r.message, primary: false };
    if (r.order === 'back') {
      back.push(step);
    } else if (r.order === 'before' || (r.order === undefined && r.line < f.line)) {
      before.push(step);
      placed ||= r.order !== undefined;
    } else {
      after.push(step);
    }
  }
  if (!placed) before.sort((a, b) => a.line - b.line);
  const own = f.related.find((r) => r.path === f.path && r.line === f.line)?.message ?? null;
  const steps: PathStep[] = [...before, { line: f.line, note: own, primary: true }, ...after];
  if (f.endLine !== f.line && !seen.has(f.endLine)) steps.push({ line: f.endLine, note: null, primary: false });
  if (back.length > 0 || again) steps.push(...back, { line: f.line, note: null, primary: false, again: true });
  return steps.length < 2 ? null : steps;
}
