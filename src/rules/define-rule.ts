/**
 * The rule API. A rule is one file named by its id that declares its metadata and messages
 * and a `check` that reads precomputed facts about a function (CFG, dataflow, brackets,
 * paths) and calls `ctx.report`. Rules never parse or walk raw text themselves.
 */
import type { BracketSummaries } from '../analysis/brackets.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import type { Severity } from '../findings/severity.js';

/** A source span by string offsets; CFG nodes and AST nodes are spans. */
export interface Span {
  start: number;
  end: number;
}

export interface RuleMeta {
  /** One line for `widen rules`. */
  summary: string;
  severity: Severity;
  /** How sure a finding of this rule is: advisory rules say `low`. */
  confidence: 'high' | 'medium' | 'low';
  /**
   * Identifiers whose presence in a function makes the rule worth running. A function that
   * mentions none of them is never parsed for this rule.
   */
  triggers: readonly string[];
}

export interface RuleReport<M extends string> {
  messageId: M;
  /** Values for the message's `{{placeholders}}`. */
  data?: Record<string, string | number>;
  /** Where the reader should look first. */
  at: Span;
  /** Where the evidence ends (the closing call of a bracket); defaults to `at`. */
  until?: Span;
  /** Every other place the explanation depends on. */
  related?: ReadonlyArray<{ at: Span; message: string }>;
}

export interface RuleContext<M extends string> {
  report(r: RuleReport<M>): void;
  /** The analysis could not finish for this function (e.g. the path budget ran out). */
  incomplete(reason: string): void;
  /** Bracket effects of the functions defined in the same file. */
  readonly summaries: BracketSummaries;
}

export interface Rule<M extends string = string> {
  /** Kebab-case id, also the rule's file name and docs page name. */
  readonly id: string;
  readonly meta: RuleMeta;
  /** Message templates by message id; `{{name}}` is replaced from the report's data. */
  readonly messages: Readonly<Record<M, string>>;
  check(fn: AnalyzedFunction, ctx: RuleContext<M>): void;
}

/** Identity function that gives a rule object its type. */
export function defineRule<M extends string>(rule: Rule<M>): Rule<M> {
  return rule;
}

/** Fills `{{name}}` placeholders; an unknown placeholder is left visible rather than dropped. */
export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, k: string) => (k in data ? String(data[k]) : m));
}
