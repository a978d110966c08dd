/**
 * Runs rules on one analysed function and turns their reports into findings.
 */
import type { AnalyzedFunction } from '../analysis/file.js';
import { SummaryMemo, type BracketSummaries } from '../analysis/brackets.js';
import type { FunctionSpan } from '../analysis/functions.js';
import type { AnalyzedFile } from '../analysis/file.js';
import { fingerprint } from '../findings/fingerprint.js';
import { escapeControls } from '../patch/errors.js';
import type { Finding } from '../findings/finding.js';
import { formatSpec, ruleTriggers, type Rule, type RuleReport, type Span } from './define-rule.js';
import { FunctionFacts } from './facts.js';
import { withoutOverlaps } from './overlaps.js';

/**
 * The rules worth running on a function: those whose trigger identifiers it mentions, directly
 * or through a function of the same file that does and moves one of the rule's resources for its
 * caller (a helper that finishes the gather for its caller makes the caller relevant). This is
 * the cheap prefilter before the functions a rule is not about are parsed. `summaries` is the
 * one the rules will run with: what a helper does to a resource decides whether its callers count.
 * With `elsewhere` (a review), a helper of another file counts too ({@link handsToHelperElsewhere}).
 */
export function rulesFor(file: AnalyzedFile, span: FunctionSpan, rules: readonly Rule[], summaries: BracketSummaries, elsewhere = false): Rule[] {
  return rules.filter((r) => relevantNames(file, r, summaries).has(span.name) || (elsewhere && handsToHelperElsewhere(file, span, r, summaries)));
}

/**
 * Whether `span`, which names none of the rule's calls, hands one of its resources to a function
 * the file does not define that opens or closes it ({@link BracketSummaries.handsOn}): sweep Z's
 * lock taken and dropped through helpers moved into mm/internal.h, a review's commonest shape of
 * it. A review asks this of the functions a patch touches; a scan does not, for every function of
 * every file (it cost a scan of `mm/` a tenth of its time): a scan judges a function that names
 * a rule's call, or reaches one through a helper of its own file.
 */
function handsToHelperElsewhere(file: AnalyzedFile, span: FunctionSpan, rule: Rule, summaries: BracketSummaries): boolean {
  if (rule.meta.resources.length === 0 || (rule.meta.needs && !rule.meta.needs(file, span, summaries))) return false;
  for (const callee of file.calleesOf(span)) {
    if (file.calleeDefinitionsOf(callee).length === 0 && rule.meta.resources.some((pair) => summaries.handsOn(pair, callee, file))) return true;
  }
  return false;
}

const relevanceCache = new SummaryMemo<AnalyzedFile, Map<Rule, ReadonlySet<string>>>();
const callerCache = new WeakMap<AnalyzedFile, ReadonlyMap<string, readonly string[]>>();

/**
 * The names of the file's functions a rule is relevant to: those that mention one of its
 * triggers, then the callers in the file of those that hand one of the rule's resources back
 * to their caller, and so on up. A walk up the file's call graph, which is built once per file;
 * re-testing every function against a growing name set until nothing changed cost a fifth of a
 * scan.
 *
 * A caller reached this way mentions none of the rule's calls: all a rule can see in it is what
 * the summaries of its helpers say (a gather opened, a lock released for it). A helper that
 * leaves every resource as it found it (locks and unlocks, gathers and finishes) shows nothing
 * there, so its callers are not parsed for the rule: on the whole 6.12 tree that was two in
 * five of the functions parsed.
 */
function relevantNames(file: AnalyzedFile, rule: Rule, summaries: BracketSummaries): ReadonlySet<string> {
  const perRule = relevanceCache.get(summaries, file, () => new Map());
  const known = perRule.get(rule);
  if (known) return known;
  const triggers = new Set(ruleTriggers(rule));
  const needs = (f: FunctionSpan): boolean => !rule.meta.needs || rule.meta.needs(file, f, summaries);
  const names = new Set<string>();
  const reached = new Set<string>();
  const work: string[] = [];
  for (const f of file.functions) {
    if (!file.mentions(f, triggers) && !rule.meta.triggeredVia?.(file, f)) continue;
    if (!reached.has(f.name)) {
      reached.add(f.name);
      work.push(f.name);
    }
    if (needs(f)) names.add(f.name);
  }
  // A rule with a finer test judges a function's own code: a caller made relevant by a helper
  // that moves one of the rule's resources for it must pass that test too (sweep S: the mmap
  // lock taken through same-file wrappers), and a rule without resources makes none relevant.
  if (rule.meta.needs && rule.meta.resources.length === 0) {
    perRule.set(rule, names);
    return names;
  }
  const callers = callersOf(file);
  while (work.length > 0) {
    const name = work.pop()!;
    const up = callers.get(name);
    if (!up || !handsOn(file, name, rule, summaries)) continue;
    for (const caller of up) {
      if (reached.has(caller)) continue;
      reached.add(caller);
      work.push(caller);
      if (file.definitionsOf(caller).some(needs)) names.add(caller);
    }
  }
  perRule.set(rule, names);
  return names;
}

/**
 * Whether a call of the file's function `name` changes one of `rule`'s resources for the caller,
 * through a pointer parameter, as the summaries see it (opens it, closes it, or may do either).
 * A definition widen cannot analyse counts as changing it.
 */
function handsOn(file: AnalyzedFile, name: string, rule: Rule, summaries: BracketSummaries): boolean {
  for (const span of file.calleeDefinitionsOf(name)) {
    const fn = file.analyze(span);
    if (!fn) return true;
    for (let i = 0; i < fn.ast.params.length; i++) {
      if (!fn.ast.params[i]!.pointer) continue;
      if (rule.meta.resources.some((pair) => summaries.effect(pair, name, i, file) !== 'none')) return true;
    }
  }
  return false;
}

/** For each function name of the file, the names of the file's functions that mention it. */
function callersOf(file: AnalyzedFile): ReadonlyMap<string, readonly string[]> {
  const known = callerCache.get(file);
  if (known) return known;
  const defined = new Set(file.functions.map((f) => f.name));
  const callers = new Map<string, string[]>();
  for (const f of file.functions) {
    for (const id of file.identifiersOf(f)) {
      if (id === f.name || !defined.has(id)) continue;
      const list = callers.get(id) ?? [];
      list.push(f.name);
      callers.set(id, list);
    }
  }
  callerCache.set(file, callers);
  return callers;
}

/**
 * The rules that can concern a file whose text is `text` and holds `triggers` as identifiers
 * (everything the scan's prefilter found): those with one of their triggers there, whose
 * `fileNeeds` (if any) passes. A file no rule concerns is not analysed at all.
 */
export function rulesForFile(rules: readonly Rule[], triggers: ReadonlySet<string>, text: string): Rule[] {
  return rules.filter((r) => triggersOf(r).some((t) => triggers.has(t)) && (!r.meta.fileNeeds || r.meta.fileNeeds(text)));
}

const triggerLists = new WeakMap<Rule, readonly string[]>();

function triggersOf(rule: Rule): readonly string[] {
  let list = triggerLists.get(rule);
  if (!list) triggerLists.set(rule, (list = ruleTriggers(rule)));
  return list;
}

/** Every identifier any of `rules` is triggered by. */
export function allTriggers(rules: readonly Rule[]): string[] {
  return [...new Set(rules.flatMap(ruleTriggers))];
}

/** In a review, the span in the pre-patch file `pre` of post-patch function `span`: the one definition of its name and signature. */
export function previousSpan(pre: AnalyzedFile, span: FunctionSpan): FunctionSpan | null {
  const spans = pre.definitionsOf(span.name).filter((p) => p.key === span.key);
  return spans.length === 1 ? spans[0]! : null;
}

/**
 * The rules worth running on `span` in a review whose pre-patch file is `pre`: those of
 * {@link rulesFor}, and those that compare a function with its pre-patch form where that form
 * concerns them.
 */
export function rulesForChange(file: AnalyzedFile, span: FunctionSpan, pre: AnalyzedFile | null, rules: readonly Rule[], summaries: BracketSummaries, elsewhere = false): Rule[] {
  const now = rulesFor(file, span, rules, summaries, elsewhere);
  const comparing = rules.filter((r) => r.meta.comparesPrevious && !now.includes(r));
  const was = pre && comparing.length > 0 ? previousSpan(pre, span) : null;
  if (!was) return now;
  const then = rulesFor(pre!, was, comparing, summaries, elsewhere);
  return rules.filter((r) => now.includes(r) || then.includes(r));
}

/**
 * Runs `rules` on `fn`. Fingerprints are made unique within the function. In a review, `pre` is
 * the file before the patch (see `RuleContext.previous`).
 */
export function runRules(fn: AnalyzedFunction, rules: readonly Rule[], summaries: BracketSummaries, pre: AnalyzedFile | null = null): Finding[] {
  const out: Finding[] = [];
  const facts = new FunctionFacts(fn, summaries);
  let previous: AnalyzedFunction | null | undefined;
  for (const rule of rules) {
    rule.check(fn, {
      summaries,
      facts,
      get previous() {
        if (previous === undefined) {
          const was = pre ? previousSpan(pre, fn.span) : null;
          previous = was ? pre!.analyze(was) : null;
        }
        return previous;
      },
      report: (r) => out.push(toFinding(fn, rule, r)),
      incomplete: (what) => {
        fn.file.note(fn.span, fn.span.startLine, fn.span.endLine, 'path-budget', `\`${fn.name}()\` has more paths than widen explores; it made no judgement on ${what} there (rule ${rule.id}).`);
      },
      unjudged: (line, why) => {
        fn.file.note(fn.span, line, line, 'not-judged', `In \`${fn.name}()\`, ${why} (rule ${rule.id}).`);
      },
    });
  }
  // One defect, one finding: where two rules report the same one, the more specific stays.
  const kept = withoutOverlaps(out);
  const seen = new Map<string, number>();
  for (const f of kept) {
    const n = (seen.get(f.fingerprint) ?? 0) + 1;
    seen.set(f.fingerprint, n);
    if (n > 1) f.fingerprint = fingerprint(f.rule, f.function, f.messageId, [f.fingerprint, String(n)]);
  }
  return kept;
}

function toFinding(fn: AnalyzedFunction, rule: Rule, r: RuleReport<string>): Finding {
  const src = fn.file.source;
  const at = src.position(r.at.start);
  const until = r.until ?? r.at;
  const related = (r.related ?? []).map((x) => {
    const p = src.position(x.at.start);
    return { path: fn.file.path, line: p.line, column: p.column, message: escapeControls(x.message), ...(x.order ? { order: x.order } : {}) };
  });
  const evidence: Span[] = [r.at, ...(r.until ? [r.until] : []), ...(r.related ?? []).map((x) => x.at)];
  const text = formatSpec(rule.messages, r.messageId, r.data);
  return {
    rule: rule.id,
    severity: rule.meta.severity,
    confidence: rule.meta.confidence,
    messageId: r.messageId,
    // The data quote the code (an expression, a string): its control characters are written out.
    message: escapeControls(text.message),
    explanation: escapeControls(text.explanation),
    fix: escapeControls(text.fix),
    path: fn.file.path,
    line: at.line,
    column: at.column,
    endLine: src.position(Math.max(until.start, until.end - 1)).line,
    function: fn.name,
    related,
    fingerprint: fingerprint(rule.id, fn.name, r.messageId, evidence.map((s) => fn.text(s))),
  };
}
