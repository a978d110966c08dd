/**
 * Fingerprints identify a finding independently of where it sits in the file: the rule, the
 * function, the message id and the normalised text of the statements involved. Line numbers
 * are deliberately left out, so a finding that only moved (because the patch added lines above
 * it) keeps its fingerprint and is not reported as new.
 */
import { createHash } from 'node:crypto';
import { replaceBlockComments } from '../analysis/lexer.js';

/** Collapses white space and drops comments, so re-indentation does not change a fingerprint. */
export function normalizeStatement(text: string): string {
  return replaceBlockComments(text, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function fingerprint(rule: string, fn: string | null, messageId: string, statements: readonly string[]): string {
  const h = createHash('sha256');
  h.update([rule, fn ?? '', messageId, ...statements.map(normalizeStatement)].join('\u0000'));
  return h.digest('hex').slice(0, 32);
}
