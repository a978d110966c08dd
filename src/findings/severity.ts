/** Finding severities, most severe first. `--fail-on` compares against this order. */
export const SEVERITIES = ['error', 'warning', 'note'] as const;

export type Severity = (typeof SEVERITIES)[number];

/** `--fail-on` levels: a severity, or `none` to never fail on findings. */
export type FailLevel = Severity | 'none';

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}

/** True when `s` is at least as severe as `level`. */
export function atLeast(s: Severity, level: FailLevel): boolean {
  if (level === 'none') return false;
  return SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(level);
}
