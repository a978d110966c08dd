/**
 * The rule API. A rule is one file named by its id that declares its metadata, the resources it
 * checks (rules/resources.ts), its messages, and a `check` that queries facts about a function
 * (CFG, dataflow, bracket events and balance, path exploration) and calls `ctx.report`. Rules
 * never parse or walk raw text themselves, and never rebuild what another rule already asked
 * for: `ctx.facts` computes each fact once per function and shares it.
 *
 * Messages read like a reviewer's reply (rustc's diagnostics are the model): a one-line
 * `headline` under 100 characters with identifiers in backticks and no line numbers (the
 * location carries them); labelled spans on the excerpt (`related`, one per line the argument
 * needs); an `explanation` with the reasoning; a `fix`.
 */
import type { BracketSummaries } from '../analysis/brackets.js';
import type { AnalyzedFile, AnalyzedFunction } from '../analysis/file.js';
import type { FunctionSpan } from '../analysis/functions.js';
import type { Severity } from '../findings/severity.js';
import type { RelatedLocation } from '../findings/finding.js';
import type { FunctionFacts } from './facts.js';
import { resourceCalls, type Resource } from './resources.js';

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
  /** The resources the rule checks; their calls are the rule's first trigger words. */
  resources: readonly Resource[];
  /**
   * Other kernel functions whose presence makes the rule worth running (beyond the resources'
   * calls). A function that mentions none of the trigger words is never parsed for this rule.
   */
  calls?: readonly string[];
  /**
   * Whether a function that names none of the trigger words is one to check all the same,
   * because a same-file helper it calls names them for it (`tlb-flush-before-ptl-unlock`:
   * mremap's flush moved into a static helper). Asked only of the files the prefilter kept (the
   * helper's trigger is in the file); a function it picks still goes through `needs`. Cheaper
   * than making the calls the function does name triggers: `spin_unlock` is in 2,800 files.
   */
  triggeredVia?: (file: AnalyzedFile, span: FunctionSpan) => boolean;
  /**
   * A finer test on a function that mentions a trigger, read from its tokens before it is parsed
   * (`vm-flags-direct-write` needs `vm_flags` written, not read), and from the tokens of the
   * helpers the scan's or review's summaries would read ({@link BracketSummaries.mayName}).
   * Such a rule is about the function's own code: the callers of a function it applies to are
   * not made relevant, unless a helper moves one of the rule's resources for them and they pass
   * this test too (a function that takes the mmap lock through a same-file wrapper).
   */
  needs?: (file: AnalyzedFile, span: FunctionSpan, summaries: BracketSummaries) => boolean;
  /**
   * What `needs` asks, on the raw text of a whole file: false only when `needs` is false for
   * every function of the file (a necessary condition, tested before the file is normalised).
   * A scan does not analyse a file that mentions a rule's trigger only where this says no
   * (`vm_flags` read, never written): on the whole 6.12 tree that is most of the files that
   * would be analysed for nothing.
   */
  fileNeeds?: (text: string) => boolean;
  /**
   * The rule reads `RuleContext.previous`: in a review it also runs on a function whose
   * pre-patch form mentions one of its triggers, though the new one may mention none (a patch
   * that deletes a function's every lock call).
   */
  comparesPrevious?: true;
  /**
   * Calls that are not the rule's triggers but whose deletion by a patch explains a finding of
   * it: a review names them when the patch deleted them from the function
   * (`vma_start_write()` for a `vm_flags_reset()` on a VMA nothing write-locks).
   */
  remedies?: readonly string[];
  /**
   * False for a rule whose findings are about the code as written, not about what a patch
   * removed: a review then adds no "This patch deletes ..." sentence to them (an API the tree
   * lacks is missing whatever else the patch deleted; sweep P: a `vm_flags_init()` finding told
   * of a deleted `do_mas_munmap()`).
   */
  deletionsExplain?: false;
}

/** One message of a rule, as templates with `{{placeholders}}`. */
export interface MessageSpec {
  /** Under 100 characters, identifiers in backticks, no line numbers. */
  headline: string;
  /**
   * The headline said in fewer words, for when the names it quotes (never cut: a cut name names
   * nothing) fill `headline` to 100 characters or more: a 33-character helper's name is not rare.
   */
  brief?: string;
  /** Why this is a bug: the reasoning a review comment quotes as its note. */
  explanation: string;
  /** What to do about it. */
  fix: string;
}

export interface RuleReport<M extends string> {
  messageId: M;
  /** Values for the message's `{{placeholders}}`. */
  data?: Record<string, string | number>;
  /** Where the reader should look first. */
  at: Span;
  /** Where the evidence ends (the closing call of a bracket); defaults to `at`. */
  until?: Span;
  /** Every other place the explanation depends on, each with a short label. */
  related?: ReadonlyArray<RelatedSpan>;
}

/** A place the explanation depends on, with its label and, where it matters, its place on the path. */
export interface RelatedSpan<S extends Span = Span> {
  at: S;
  message: string;
  /** See {@link RelatedLocation.order}. */
  order?: RelatedLocation['order'];
}

export interface RuleContext<M extends string> {
  report(r: RuleReport<M>): void;
  /** The analysis could not finish for this function (e.g. the path budget ran out). */
  incomplete(reason: string): void;
  /** The rule chose not to judge part of the function; `why` says what and why, in a sentence. */
  unjudged(line: number, why: string): void;
  /** Bracket effects of the functions defined in the same file. */
  readonly summaries: BracketSummaries;
  /** Facts about the function, computed once and shared by every rule. */
  readonly facts: FunctionFacts;
  /**
   * In a review, the function as it was before the patch (parsed on first use); null in a scan,
   * for a function the patch adds, and for the pre-patch run itself. For the checks whose
   * evidence is what the patch took away: a lock no longer taken around a call that needs it.
   */
  readonly previous: AnalyzedFunction | null;
}

export interface Rule<M extends string = string> {
  /** Kebab-case id, also the rule's file name and docs page name. */
  readonly id: string;
  readonly meta: RuleMeta;
  /** Messages by message id. */
  readonly messages: Readonly<Record<M, MessageSpec>>;
  check(fn: AnalyzedFunction, ctx: RuleContext<M>): void;
}

/**
 * `text`, a message's reference to a kernel function as an example of the right way (`, as
 * \`madvise_dontneed_free()\` does`), unless the finding is in that very function: a review of
 * a patch to it must not cite it as the model it no longer is.
 */
export function unlessIn(fn: { name: string }, example: string, text: string): string {
  return fn.name === example ? '' : text;
}

/** Code quoted in a message is cut past this many characters. */
const MAX_QUOTED = 60;

/**
 * Code to quote in a message, on one line and short: a long call keeps its callee and loses its
 * arguments (`mlock_fixup(…)`, `err = mlock_fixup(…)`) rather than stopping inside one of them.
 */
export function quoteCode(text: string, max = MAX_QUOTED): string {
  const s = text.replace(/\s+/g, ' ').trim();
  if (s.length <= max) return s;
  const call = /^((?:[\w.>*&[\]-]+\s*[-+*/|&^%]?=\s*)?[A-Za-z_]\w*)\s*\(/.exec(s);
  if (call && call[1]!.length <= max - 3) return `${call[1]}(…)${s.endsWith(';') ? ';' : ''}`;
  return `${s.slice(0, max - 1)}…`;
}

/** An expression quoted in a headline is cut past this many characters. */
const MAX_IN_HEADLINE = 24;

/**
 * An expression as a headline quotes it, which must stay on one line under 100 characters
 * whatever the code: a leading cast dropped (`(unsigned long)ioeventfd->ioreq` reads as
 * `ioeventfd->ioreq`), then cut as {@link quoteCode} cuts. The explanation quotes it whole.
 */
export function headlineCode(text: string): string {
  return quoteCode(withoutCast(text.replace(/\s+/g, ' ').trim()), MAX_IN_HEADLINE);
}

/** `s` without a leading cast: `(unsigned long)fault_addr` is `fault_addr`. */
function withoutCast(s: string): string {
  const cast = /^\((?:const |volatile |unsigned |signed |struct )*[A-Za-z_]\w*(?: [A-Za-z_]\w*)?\s*\**\s*\)\s*(?=[A-Za-z_(])/.exec(s);
  return cast ? s.slice(cast[0].length) : s;
}

/**
 * The `needs` test of a rule that reports only at calls of `names` in the function itself:
 * the function must call one of them (a mention of the lock calls among its triggers, or being
 * the caller of such a function, is not enough).
 */
export function callsOneOf(names: Iterable<string>): NonNullable<RuleMeta['needs']> {
  const set = new Set(names);
  return (file, span) => file.mentions(span, set);
}

/**
 * The `needs` test of a rule about a function's own walks: it calls one of `names`, or one of
 * the iterator macros `loops` is rewritten from (their names are gone from the tokens once the
 * normaliser turned them into `if` for the parser; normalize.ts keeps them as block macros).
 */
export function callsOrLoops(names: Iterable<string>, loops: Iterable<string>): NonNullable<RuleMeta['needs']> {
  const calls = callsOneOf(names);
  const loopNames = [...new Set(loops)];
  return (file, span, summaries) => calls(file, span, summaries) || loopNames.some((n) => blockMacroNames(file, span).has(n));
}

const macroNames = new WeakMap<AnalyzedFile, Map<FunctionSpan, ReadonlySet<string>>>();

/** The names of the block macros in each function of a file, indexed once per file (not per question). */
function blockMacroNames(file: AnalyzedFile, span: FunctionSpan): ReadonlySet<string> {
  let perSpan = macroNames.get(file);
  if (!perSpan) {
    perSpan = new Map();
    const spans = [...file.functions].sort((a, b) => a.start - b.start);
    for (const [at, m] of file.normalized.blockMacros) {
      // The function whose span holds the macro: the last one starting at or before it.
      let lo = 0;
      let hi = spans.length - 1;
      let found: FunctionSpan | null = null;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (spans[mid]!.start <= at) {
          found = spans[mid]!;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (!found || at >= found.end) continue;
      const set = (perSpan.get(found) as Set<string> | undefined) ?? new Set<string>();
      set.add(m.name);
      perSpan.set(found, set);
    }
    macroNames.set(file, perSpan);
  }
  return perSpan.get(span) ?? EMPTY;
}

const EMPTY: ReadonlySet<string> = new Set();

/** Identity function that gives a rule object its type. */
export function defineRule<M extends string>(rule: Rule<M>): Rule<M> {
  return rule;
}

/** The words that make a function worth running `rule` on: its resources' calls and its other calls. */
export function ruleTriggers(rule: Rule): string[] {
  return [...new Set([...rule.meta.resources.flatMap(resourceCalls), ...(rule.meta.calls ?? [])])];
}

/**
 * Fills `{{name}}` placeholders; an unknown placeholder is left visible rather than dropped. A
 * value the template quotes as code (between backticks) has its own backticks turned into `'`:
 * an author's name with a backtick must not end the code span and let the rest of it (a
 * mention, a link) be read as Markdown.
 */
export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, k: string, at: number) => {
    if (!(k in data)) return m;
    const value = String(data[k]);
    const inCode = (template.slice(0, at).match(/`/g)?.length ?? 0) % 2 === 1;
    return inCode ? value.replace(/`/g, "'") : value;
  });
}

/** A name longer than this is cut in a headline after all: the kernel's longest run to about 60 characters. */
const MAX_NAME_IN_HEADLINE = 64;

/** A headline, filled in, is shorter than this (it is read in lists, one per line). */
export const HEADLINE_LIMIT = 100;

/**
 * A headline filled in with `data`. Code it quotes comes from the function under review and can
 * be of any length: when the headline would reach {@link HEADLINE_LIMIT} characters, the values of
 * the placeholders it quotes as code (inside backticks) are shortened as {@link headlineCode}
 * does; when names keep it that long, the message's `brief` form is used instead. The explanation
 * still quotes them whole.
 */
export function formatHeadline(template: string, data: Record<string, string | number> = {}, brief?: string): string {
  // A headline never quotes a leading cast: "is `fault_addr` mapped", not "is
  // `(unsigned long)fault_addr` mapped" (sweep AJ). The explanation keeps it.
  const quoted = quotedSlots(template);
  data = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, quoted.has(k) && typeof v === 'string' ? withoutCast(v) : v]));
  const full = formatMessage(template, data);
  if (full.length < HEADLINE_LIMIT) return full;
  const cut = shortenQuoted(template, data);
  if (cut.length < HEADLINE_LIMIT || brief === undefined) return cut;
  const briefFull = formatMessage(brief, data);
  return briefFull.length < HEADLINE_LIMIT ? briefFull : shortenQuoted(brief, data);
}

/** The placeholders `template` quotes as code (inside backticks). */
function quotedSlots(template: string): Set<string> {
  const quoted = new Set<string>();
  for (const span of template.match(/`[^`]*`/g) ?? []) for (const m of span.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) quoted.add(m[1]!);
  return quoted;
}

/** `template` filled with the values it quotes as code shortened as {@link headlineCode} does, names kept whole. */
function shortenQuoted(template: string, data: Record<string, string | number>): string {
  const quoted = quotedSlots(template);
  // A name is quoted whole: `madvise_dontneed_free_v…` names nothing (sweep H). Only code
  // around names is cut, even when the headline then runs a little long.
  const name = /^[A-Za-z_]\w*(?:\(\))?$/;
  // Except a name no kernel code has: a generated 200,000-character identifier made a
  // 200 KB headline (sweep L).
  const cut = (v: string): string => (v.length > MAX_NAME_IN_HEADLINE ? `${v.slice(0, MAX_NAME_IN_HEADLINE - 1)}…` : v);
  const short = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, quoted.has(k) && typeof v === 'string' ? (name.test(v.trim()) ? cut(v) : headlineCode(v)) : v]));
  return formatMessage(template, short);
}

/**
 * A rule's message `messageId` filled in with `data`, as a finding carries it: the headline, the
 * explanation and the fix. An unknown message id stands as its own headline. Shared by the
 * function rules' and the patch rules' runners.
 */
export function formatSpec(
  messages: Readonly<Record<string, MessageSpec>>,
  messageId: string,
  data?: Record<string, string | number>,
): { message: string; explanation: string; fix: string } {
  const spec = messages[messageId];
  if (!spec) return { message: messageId, explanation: '', fix: '' };
  return { message: formatHeadline(spec.headline, data, spec.brief), explanation: formatMessage(spec.explanation, data), fix: formatMessage(spec.fix, data) };
}
