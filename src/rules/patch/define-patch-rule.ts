/**
 * The patch rule API: rules about a patch as a whole (its author, subject, body, trailers and
 * the paths it changes) rather than about a C function. They live beside the function rules of
 * `define-rule.ts`, share their message shape and their switches (`--rules`, `.github/widen.yml`
 * `rules:`), and report findings of the same {@link Finding} model, marked
 * `scope: 'commit-message'` so that every output places them on the patch, not on a file line.
 */
import { fingerprint } from '../../findings/fingerprint.js';
import { patchRef, type Finding } from '../../findings/finding.js';
import type { Severity } from '../../findings/severity.js';
import type { Patch } from '../../patch/types.js';
import { formatSpec, type MessageSpec } from '../define-rule.js';
import { commitOf, type CommitMessage } from './commit.js';

export interface PatchRuleMeta {
  /** One line for `widen rules`. */
  summary: string;
  severity: Severity;
  confidence: 'high' | 'medium' | 'low';
}

export interface PatchRuleReport<M extends string> {
  messageId: M;
  /** Values for the message's `{{placeholders}}`. */
  data?: Record<string, string | number>;
  /**
   * The text the finding is about (the bad `Fixes:` line, the subject), part of its fingerprint:
   * two findings of one message on one patch differ by it.
   */
  evidence?: string;
  /**
   * The line of the message the finding is about, exactly as one of {@link CommitMessage.lines}
   * holds it: a mail reply quotes it and answers under it ({@link Finding.quote}).
   */
  at?: string;
}

export interface PatchRuleContext<M extends string> {
  report(r: PatchRuleReport<M>): void;
}

export interface PatchRule<M extends string = string> {
  /** Tells the two kinds of rule apart in the catalog. */
  readonly kind: 'patch';
  /** Kebab-case id, also the rule's file name (in `src/rules/patch/`) and docs page name. */
  readonly id: string;
  readonly meta: PatchRuleMeta;
  readonly messages: Readonly<Record<M, MessageSpec>>;
  check(commit: CommitMessage, ctx: PatchRuleContext<M>): void;
}

/** Gives a patch rule object its type; `kind` is filled in. */
export function definePatchRule<M extends string>(rule: Omit<PatchRule<M>, 'kind'>): PatchRule<M> {
  return { kind: 'patch', ...rule };
}

/** Whether a catalog entry is a patch rule (the other kind has no `kind`). */
export function isPatchRule(rule: object): rule is PatchRule {
  return (rule as { kind?: unknown }).kind === 'patch';
}

/**
 * Runs `rules` on the commit message `patch` carries; a patch without one (a plain diff) gets no
 * findings. Each finding names the patch and is placed outside any diff, so the App puts it in
 * the review body.
 */
export function runPatchRules(patch: Patch, rules: readonly PatchRule[]): Finding[] {
  const commit = commitOf(patch);
  if (commit === null || rules.length === 0) return [];
  const out: Finding[] = [];
  for (const rule of rules) {
    rule.check(commit, { report: (r) => out.push(toFinding(patch, commit, rule, r)) });
  }
  return out;
}

function toFinding(patch: Patch, commit: CommitMessage, rule: PatchRule, r: PatchRuleReport<string>): Finding {
  // Lines are 1-based in every finding: the line where the patch begins in the file it was read
  // from (1 for a commit read from git or GitHub, which has no such file).
  const line = patch.startLine ?? 1;
  return {
    rule: rule.id,
    severity: rule.meta.severity,
    confidence: rule.meta.confidence,
    messageId: r.messageId,
    ...formatSpec(rule.messages, r.messageId, r.data),
    scope: 'commit-message',
    ...(r.at !== undefined && commit.lines.includes(r.at) ? { quote: r.at } : {}),
    path: patch.source,
    line,
    column: 1,
    endLine: line,
    function: null,
    patch: patchRef(patch),
    related: [],
    // The subject and author identify the patch across re-runs; line numbers play no part.
    fingerprint: fingerprint(rule.id, null, r.messageId, [commit.subject, commit.author.text, r.evidence ?? '']),
    placement: { kind: 'outside-diff', line },
  };
}
