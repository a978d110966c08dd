/**
 * The API level of the tree the code under review is for, as the code itself shows it: a live
 * call of one of an API's functions in the file (not under a `#ifdef` on a macro that may be
 * defined nowhere), or the tree's own definition of a probe function. Read, never assumed, by
 * the rules whose verdict depends on the kernel version (the const `vm_flags` union, the VMA
 * list, the per-VMA locks, missing APIs).
 */
import type { AnalyzedFile, AnalyzedFunction } from '../analysis/file.js';
import type { Span } from './define-rule.js';
import { API_VERSIONS } from './resources.js';

/** What shows the level, as a phrase for a message; `at` is the call in the file, when it is one. */
export interface ApiEvidence {
  phrase: string;
  name: string;
  at: Span | null;
}

export interface ApiLevel {
  /** Functions whose live use in the file shows the level. */
  names: readonly string[];
  /** The function the tree defines at that level (include/linux/mm.h). */
  probe: string;
  /** Whether a name in a comment ("no vma_start_write() here") is no evidence. */
  skipComments: boolean;
}

/**
 * The evidence that the code is for a tree at `api`'s level: a live call in the function
 * itself first, else the file's first, else the tree's definition of the probe; null when
 * nothing shows it, or when the tree shows it is below that level.
 */
export function apiEvidence(fn: AnalyzedFunction, api: ApiLevel, treeDefines: (name: string) => boolean): ApiEvidence | null {
  // A tree whose headers widen reads, and which lacks the probe, is below the level whatever
  // the file calls: such a call is code for another kernel (api-version-gate says so).
  if (treeDefines(API_VERSIONS.baseline) && !treeDefines(api.probe)) return null;
  const calls = liveCalls(fn.file, api);
  const call = calls.find((c) => c.start >= fn.span.start && c.start < fn.span.end) ?? calls[0];
  if (call) return { phrase: `this file's use of \`${call.name}()\``, name: call.name, at: { start: call.start, end: call.start + call.name.length } };
  if (treeDefines(api.probe)) return { phrase: `the tree's \`${api.probe}()\` (include/linux/mm.h)`, name: api.probe, at: null };
  return null;
}

/** The live calls of `api.names` in a file, in order; read once per file and API, not per function. */
export function liveCalls(file: AnalyzedFile, api: Pick<ApiLevel, 'names' | 'skipComments'>): ReadonlyArray<{ name: string; start: number }> {
  const key = `${api.skipComments ? 'c' : ''}|${api.names.join('|')}`;
  let perFile = callMemo.get(file);
  if (!perFile) callMemo.set(file, (perFile = new Map()));
  const known = perFile.get(key);
  if (known) return known;
  const text = api.skipComments ? withoutComments(file).text : file.source.text;
  const live = api.skipComments ? withoutComments(file).live : liveIn(file);
  const re = new RegExp(`\\b(${api.names.join('|')})\\s*\\(`, 'g');
  const out: Array<{ name: string; start: number }> = [];
  for (let m = re.exec(text); m; m = re.exec(text)) if (live(m.index)) out.push({ name: m[1]!, start: m.index });
  perFile.set(key, out);
  return out;
}

const callMemo = new WeakMap<AnalyzedFile, Map<string, ReadonlyArray<{ name: string; start: number }>>>();

/**
 * The file's text with its comments blanked to the same length (offsets stay those of the
 * file), and its live regions: made once per file, whichever APIs are asked about.
 */
export function withoutComments(file: AnalyzedFile): { text: string; live: (offset: number) => boolean } {
  let known = blankedMemo.get(file);
  if (!known) {
    const text = blankComments(file);
    blankedMemo.set(file, (known = { text, live: liveRegions(text) }));
  }
  return known;
}

/**
 * The file's text with every comment blanked, newlines kept: the lexer's comments of the
 * original text (so a `/*` in a string is no comment), which the normaliser keeps, those in
 * directive lines included.
 */
function blankComments(file: AnalyzedFile): string {
  const src = file.source.text;
  const spans = file.normalized.comments;
  const parts: string[] = [];
  let pos = 0;
  for (let i = 0; i < spans.length; i += 2) {
    parts.push(src.slice(pos, spans[i]));
    blankInto(parts, src, spans[i]!, spans[i + 1]!);
    pos = spans[i + 1]!;
  }
  parts.push(src.slice(pos));
  return parts.join('');
}

const SPACES = ' '.repeat(256);

/** Pushes `[start, end)` of `src` blanked, newlines kept, as slices of one string of spaces. */
function blankInto(parts: string[], src: string, start: number, end: number): void {
  const spaces = (n: number): string => (n <= SPACES.length ? SPACES.slice(0, n) : ' '.repeat(n));
  let at = start;
  for (let nl = src.indexOf('\n', at); nl >= 0 && nl < end; nl = src.indexOf('\n', at)) {
    parts.push(spaces(nl - at), '\n');
    at = nl + 1;
  }
  parts.push(spaces(end - at));
}

const blankedMemo = new WeakMap<AnalyzedFile, { text: string; live: (offset: number) => boolean }>();

/** {@link liveRegions} of a file's own text, read once per file. */
export function liveIn(file: AnalyzedFile): (offset: number) => boolean {
  let live = liveMemo.get(file);
  if (!live) liveMemo.set(file, (live = liveRegions(file.source.text)));
  return live;
}

const liveMemo = new WeakMap<AnalyzedFile, (offset: number) => boolean>();

/**
 * Whether an offset of `text` is outside every `#ifdef`/`#if defined()` branch that needs a
 * macro other than a `CONFIG_` option (which may be defined nowhere), and outside `#if 0`.
 */
export function liveRegions(text: string): (offset: number) => boolean {
  // Read once, when a branch first needs it: most files have no dubious branch at all.
  let macros: ReadonlySet<string> | null = null;
  const defines = (name: string): boolean => (macros ??= macroNames(text)).has(name);
  const dead: Array<[number, number]> = [];
  const stack: Array<{ dubious: boolean; from: number }> = [];
  const re = /^[ \t]*#[ \t]*(ifdef|ifndef|if|elif|else|endif)\b([^\n]*)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const [, kw, rest] = m as unknown as [string, string, string];
    const cond = rest.trim();
    const at = m.index;
    const close = (): void => {
      const top = stack.pop();
      if (top?.dubious) dead.push([top.from, at]);
    };
    if (kw === 'ifdef' || kw === 'if') {
      stack.push({ dubious: dubious(kw, cond, defines), from: at });
    } else if (kw === 'ifndef') {
      stack.push({ dubious: false, from: at });
    } else if (kw === 'elif' || kw === 'else') {
      if (stack.length === 0) continue;
      close();
      // The `#else` of `#ifdef FOO` is what builds when FOO is never defined.
      stack.push({ dubious: kw === 'elif' ? dubious('if', cond, defines) : false, from: at });
    } else {
      close();
    }
  }
  return (offset) => !dead.some(([a, b]) => offset >= a && offset < b);
}

/**
 * Whether a branch needs a macro that may be defined nowhere: `#if 0`, or `#ifdef X` / `#if
 * defined(X) ...` where X is not a config option and the file does not define it. A condition
 * with `||` has another way in (sound/usb/usx2y/usx2yhwdeppcm.c is all inside `#if
 * defined(USX2Y_NRPACKS_VARIABLE) || USX2Y_NRPACKS == 1`, and its own header defines the
 * first).
 */
function dubious(kw: string, cond: string, defines: (name: string) => boolean): boolean {
  if (/^0\b/.test(cond)) return true;
  if (kw !== 'ifdef' && cond.includes('||')) return false;
  const name = kw === 'ifdef' ? cond.split(/\s/)[0] ?? '' : /^defined\s*\(?\s*(\w+)/.exec(cond)?.[1] ?? null;
  if (name === null || name === '' || /^(CONFIG_\w+|__KERNEL__)$/.test(name)) return false;
  return !defines(name);
}

/** The names `text` `#define`s, in one pass. */
function macroNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^[ \t]*#[ \t]*define[ \t]+(\w+)/gm)].map((m) => m[1]!));
}

const macrosMemo = new WeakMap<AnalyzedFile, ReadonlySet<string>>();

/** Whether `file` itself `#define`s `name` (then it is no call of a function the tree lacks). */
export function definesMacro(file: AnalyzedFile, name: string): boolean {
  let names = macrosMemo.get(file);
  if (!names) macrosMemo.set(file, (names = macroNames(file.source.text)));
  return names.has(name);
}

/**
 * Whether `fn` is built only without an MMU: it is in mm/nommu.c, or inside `#ifndef
 * CONFIG_MMU` (or the `#else` of `#ifdef CONFIG_MMU`), as mm/gup.c's second
 * `__get_user_pages_locked()` is.
 */
export function withoutMmu(fn: AnalyzedFunction): boolean {
  if (/(^|\/)nommu\.c$/.test(fn.file.path)) return true;
  let regions = nommuRegions.get(fn.file);
  if (!regions) nommuRegions.set(fn.file, (regions = nommuRegionsOf(fn.file.source.text)));
  // The last directive before the function decides.
  let lo = 0;
  let hi = regions.length - 1;
  let state = false;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (regions[mid]!.at <= fn.span.start) {
      state = regions[mid]!.nommu;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return state;
}

/** Per file, once: see {@link nommuRegionsOf}. A scan asks for every function of a file. */
const nommuRegions = new WeakMap<object, ReadonlyArray<{ at: number; nommu: boolean }>>();

/**
 * For each conditional directive of `text`, in order, its offset and whether the code after it
 * is built only without an MMU: inside `#ifndef CONFIG_MMU`, `#if !defined(CONFIG_MMU)`, or the
 * `#else` of `#ifdef CONFIG_MMU`, at any depth.
 */
function nommuRegionsOf(text: string): Array<{ at: number; nommu: boolean }> {
  const out: Array<{ at: number; nommu: boolean }> = [];
  // Per open conditional: whether its current branch is nommu-only, and whether it opened on CONFIG_MMU.
  const stack: Array<{ nommu: boolean; ofMmu: boolean }> = [];
  for (const m of text.matchAll(/^[ \t]*#[ \t]*(ifdef|ifndef|if|elif|else|endif)\b(.*)$/gm)) {
    const [, kw, rest = ''] = m;
    const mmu = /\bCONFIG_MMU\b/.test(rest);
    const negated = /^\s*!\s*(defined|IS_ENABLED)?\s*\(?\s*CONFIG_MMU\b/.test(rest);
    const positive = /^\s*(defined\s*\(|IS_ENABLED\s*\()?\s*CONFIG_MMU\b/.test(rest);
    if (kw === 'ifdef') stack.push({ nommu: false, ofMmu: positive });
    else if (kw === 'ifndef') stack.push({ nommu: mmu, ofMmu: false });
    else if (kw === 'if') stack.push({ nommu: mmu && negated, ofMmu: positive });
    else if (kw === 'elif') {
      const top = stack[stack.length - 1];
      if (top) top.nommu = mmu && negated;
    } else if (kw === 'else') {
      const top = stack[stack.length - 1];
      if (top) top.nommu = !top.nommu && top.ofMmu;
    } else stack.pop();
    out.push({ at: m.index, nommu: stack.some((c) => c.nommu) });
  }
  return out;
}
