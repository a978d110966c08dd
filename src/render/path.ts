/**
 * The path a finding's argument runs through, as the rule gave it: where it starts, each related
 * line of the same file in the rule's order, where the evidence ends. The Markdown flowchart and
 * SARIF's code flows both draw it, so both show the same steps.
 */
import type { Finding } from '../findings/finding.js';

export interface PathStep {
  line: number;
  /** What the step shows (the related location's message); null for the start and the end. */
  note: string | null;
}

/**
 * The steps of `f`'s path, or null for a finding about one line only. The rule's order, not
 * source order: the rule knows the path, which may run upward (a loop).
 */
export function pathSteps(f: Finding): PathStep[] | null {
  const steps: PathStep[] = [{ line: f.line, note: null }];
  for (const r of f.related) if (r.path === f.path && !steps.some((s) => s.line === r.line)) steps.push({ line: r.line, note: r.message });
  if (f.endLine !== f.line && !steps.some((s) => s.line === f.endLine)) steps.push({ line: f.endLine, note: null });
  return steps.length < 2 ? null : steps;
}
