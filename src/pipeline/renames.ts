/**
 * What a patch only renamed. A review tells a finding the patch introduced from one that was
 * there before by its text on the same line; renaming a local (`op` to `req`) changes both the
 * line and the message, so the old finding came back as the patch's own (sweep AE: a rename in
 * xen's gntdev.c got the `find_vma()` finding the function always had, at exit status 1).
 */
import type { LineMap } from '../patch/types.js';

export interface Renames {
  /** Post-patch line to pre-patch line, for the changed lines that differ only by renames. */
  readonly lineOf: ReadonlyMap<number, number>;
  /** Per function (by its post-patch name), pre-patch identifier to post-patch identifier. */
  readonly names: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /**
   * `text`, a pre-patch message about function `fn`, with every identifier that function
   * renamed in its post-patch name, in the code the message quotes (between backticks); member
   * names (after `.` or `->`) are left as they are.
   */
  apply(text: string, fn: string | null): string;
}

/** Tokens of a line as far as comparing two lines goes: identifiers, numbers, strings, punctuators. */
const TOKEN = /[A-Za-z_]\w*|\d[\w.]*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\S/g;
const IDENT = /^[A-Za-z_]\w*$/;
/** Words whose change changes what the code does: a type or a keyword is never a rename. */
const KEYWORDS: ReadonlySet<string> = new Set([
  'auto', 'bool', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern', 'float', 'for',
  'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed', 'sizeof', 'static', 'struct', 'switch',
  'typedef', 'union', 'unsigned', 'void', 'volatile', 'while', 'true', 'false', 'NULL',
]);

/**
 * The renames of a patch whose file was `pre` and is `post`: each run of added lines that
 * replaced as many deleted ones is paired line by line, and a pair whose tokens differ only in
 * identifiers (no keyword, no called name, no member name) proposes those renames, for the
 * function `functionOf` says the line is in. Within a function, a name renamed two ways, or two
 * names renamed to one, is no rename; a pair counts only if all its differences are renames.
 * Each function has its own renames: one renamed `vma` to `v` says nothing of another's `vma`
 * (sweep AF).
 */
export function renamesOf(pre: string, post: string, lineMap: LineMap, functionOf: (newLine: number) => string | null): Renames {
  const oldLines = pre.split('\n');
  const newLines = post.split('\n');
  const pairs: Array<{ newLine: number; oldLine: number; fn: string; diffs: Array<[string, string]> }> = [];
  const { oldLineOf, added } = lineMap;
  for (let n = 1; n < newLines.length + 1; n++) {
    if (!added.has(n) || added.has(n - 1)) continue;
    // A run of added lines n..end, between the kept lines n-1 and end+1.
    let end = n;
    while (added.has(end + 1)) end++;
    const before = n > 1 ? oldLineOf[n - 1]! : 0;
    const after = end + 1 < oldLineOf.length ? oldLineOf[end + 1]! : oldLines.length + 1;
    if (before < 0 || after <= 0 || (n > 1 && before === 0)) continue;
    if (after - before - 1 !== end - n + 1) continue;
    for (let i = 0; i <= end - n; i++) {
      const fn = functionOf(n + i);
      const diffs = fn === null ? null : identifierDiffs(oldLines[before + i]!, newLines[n + i - 1]!);
      if (diffs) pairs.push({ newLine: n + i, oldLine: before + 1 + i, fn: fn!, diffs });
    }
  }
  const names = new Map<string, Map<string, string>>();
  for (const fn of new Set(pairs.map((p) => p.fn))) {
    const to = new Map<string, Set<string>>();
    const from = new Map<string, Set<string>>();
    for (const { diffs } of pairs.filter((p) => p.fn === fn)) {
      for (const [o, w] of diffs) {
        to.set(o, (to.get(o) ?? new Set()).add(w));
        from.set(w, (from.get(w) ?? new Set()).add(o));
      }
    }
    const map = new Map<string, string>();
    for (const [o, ws] of to) {
      const w = [...ws][0]!;
      if (ws.size === 1 && from.get(w)!.size === 1) map.set(o, w);
    }
    if (map.size > 0) names.set(fn, map);
  }
  const lineOf = new Map<number, number>();
  for (const p of pairs) if (p.diffs.every(([o, w]) => names.get(p.fn)?.get(o) === w)) lineOf.set(p.newLine, p.oldLine);
  const patterns = new Map([...names].map(([fn, map]) => [fn, new RegExp(`(?<!\\.|->)\\b(?:${[...map.keys()].join('|')})\\b`, 'g')] as const));
  return {
    lineOf,
    names,
    apply: (text, fn) => {
      const pattern = fn === null ? undefined : patterns.get(fn);
      // Only in the code a message quotes: its prose may use the same words ("si code").
      return pattern ? text.replace(/`[^`]*`/g, (code) => code.replace(pattern, (m) => names.get(fn!)!.get(m)!)) : text;
    },
  };
}

/**
 * The identifiers `newText` has where `oldText` has others, token for token; null when the lines
 * differ in anything else (a token added or removed, a literal, a keyword, a called name) or not
 * at all.
 */
function identifierDiffs(oldText: string, newText: string): Array<[string, string]> | null {
  const a = oldText.match(TOKEN) ?? [];
  const b = newText.match(TOKEN) ?? [];
  if (a.length !== b.length) return null;
  const out: Array<[string, string]> = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    // A member name is the structure's, not the function's: `kioreq->dom` and `kioreq->vcpus`
    // swapped between two lines is no rename (sweep AF).
    const member = i > 0 && (a[i - 1] === '.' || (a[i - 1] === '>' && a[i - 2] === '-'));
    if (member || !IDENT.test(a[i]!) || !IDENT.test(b[i]!) || KEYWORDS.has(a[i]!) || KEYWORDS.has(b[i]!) || a[i + 1] === '(' || b[i + 1] === '(') return null;
    out.push([a[i]!, b[i]!]);
  }
  return out.length > 0 ? out : null;
}
