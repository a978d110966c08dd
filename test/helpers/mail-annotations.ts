/**
 * Annotations of patch rule fixtures. A fixture is an mbox; each mail says what the rules
 * should find on it in an `X-Widen-Expect` header (a header, so the commit message the rules
 * read stays as it would be sent), annotations separated by `;`:
 *
 *   X-Widen-Expect: ruleid: <rule-id> <messageId>   a finding of this rule and message
 *   X-Widen-Expect: ok: <rule-id>                   no finding of this rule
 *
 * The same `ruleid` twice expects two findings. Every mail must carry the header: a mail
 * without one fails, so that no case goes unjudged.
 */
import type { Patch } from '../../src/patch/types.js';

export interface MailAnnotation {
  kind: 'ruleid' | 'ok';
  rule: string;
  messageId: string | null;
}

/** The annotations of one header value. */
export function parseExpect(value: string): MailAnnotation[] {
  return value
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(ruleid|ok):\s*([a-z0-9-]+)(?:\s+([A-Za-z]+))?$/.exec(s);
      if (!m) throw new Error(`bad X-Widen-Expect annotation: ${s}`);
      return { kind: m[1] as MailAnnotation['kind'], rule: m[2]!, messageId: m[3] ?? null };
    });
}

/** The annotations of a patch read from a fixture; throws when it has none. */
export function patchAnnotations(patch: Patch): MailAnnotation[] {
  const value = patch.headers['x-widen-expect'];
  if (value === undefined) throw new Error(`patch ${patch.index} ("${patch.subject}") of ${patch.source} has no X-Widen-Expect header`);
  return parseExpect(value);
}

/** Every annotation of an mbox's text, read from its headers without parsing the mails. */
export function readMailAnnotations(text: string): MailAnnotation[] {
  return [...text.matchAll(/^X-Widen-Expect:\s*(.*)$/gim)].flatMap((m) => parseExpect(m[1]!));
}
