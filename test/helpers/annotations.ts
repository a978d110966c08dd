/**
 * Rule fixture annotations (Semgrep style), on the line before the target line:
 *
 *   // ruleid: <rule-id> <messageId>   a finding of this rule and message starts on the next line
 *   // ok: <rule-id>                   no finding of this rule starts on the next line
 *   // related: <rule-id>              a finding of this rule lists the next line as related
 *   // todoruleid: <rule-id> <messageId>  a known gap: a finding belongs here, widen misses it today
 *   // todook: <rule-id>               a known false report: widen reports here today, wrongly
 *   // unjudged: <rule-id>             the rule says in a note that it made no judgement from here
 *
 * The `todo` forms keep a limit visible: the test fails when the behaviour changes, so a fix
 * shows up and the annotation is promoted to `ruleid` / `ok`.
 */
export interface Annotation {
  kind: 'ruleid' | 'ok' | 'related' | 'todoruleid' | 'todook' | 'unjudged';
  rule: string;
  messageId: string | null;
  /** The 1-based line the annotation is about (the one after the comment). */
  target: number;
}

export function readAnnotations(text: string): Annotation[] {
  const out: Annotation[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /\/\/\s*(todoruleid|todook|unjudged|ruleid|ok|related):\s*([a-z0-9-]+)(?:\s+([A-Za-z]+))?/.exec(line);
    if (!m) return;
    let target = i + 2;
    const lines = text.split('\n');
    // Annotations may be stacked; the target is the first line that is not an annotation.
    while (/^\s*\/\/\s*(todoruleid|todook|unjudged|ruleid|ok|related):/.test(lines[target - 1] ?? '')) target++;
    out.push({ kind: m[1] as Annotation['kind'], rule: m[2]!, messageId: m[3] ?? null, target });
  });
  return out;
}
