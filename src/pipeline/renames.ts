/**
 * What a patch only renamed. A review tells a finding the patch introduced from one that was
 * there before by its text on the same line; renaming a local (`op` to `req`) changes both the
 * line and the message, so the old finding came back as the patch's own (sweep AE: a rename in
 * xen's gntdev.c got the `find_vma()` finding the function always had, at exit status 1).
 */
import type { LineMap } from '../patch/types.js';

export interface Renames {
  /** Post-patch line to pre-patch line, for the changed lines that differ only by {@link names}. */
  readonly lineOf: ReadonlyMap<number, number>;
  /** Pre-patch identifier to post-patch identifier. */
  readonly names: ReadonlyMap<string, string>;
  /** `text` (a pre-patch message) with every renamed identifier in its post-patch name. */
  apply(text: string): string;
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
 * identifiers (no keyword, no called name) proposes those renames. A name renamed two ways, or
 * two names renamed to one, is no rename; a pair counts only if all its differences are renames.
 */
export function renamesOf(pre: string, post: string, lineMap: LineMap): Renames {
  const oldLines = pre.split('\n');
  const newLines = post.split('\n');
  const pairs: Array<{ newLine: number; oldLine: number; diffs: Array<[string, string]> }> = [];
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
      const diffs = identifierDiffs(oldLines[before + i]!, newLines[n + i - 1]!);
      if (diffs) pairs.push({ newLine: n + i, oldLine: before + 1 + i, diffs });
    }
  }
  const to = new Map<string, Set<string>>();
  const from = new Map<string, Set<string>>();
  for (const { diffs } of pairs) {
    for (const [o, w] of diffs) {
      to.set(o, (to.get(o) ?? new Set()).add(w));
      from.set(w, (from.get(w) ?? new Set()).add(o));
    }
  }
  const names = new Map<string, string>();
  for (const [o, ws] of to) {
    const w = [...ws][0]!;
    if (ws.size === 1 && from.get(w)!.size === 1) names.set(o, w);
  }
  const lineOf = new Map<number, number>();
  for (const p of pairs) if (p.diffs.every(([o, w]) => names.get(o) === w)) lineOf.set(p.newLine, p.oldLine);
  const pattern = names.size > 0 ? new RegExp(`\\b(?:${[...names.keys()].join('|')})\\b`, 'g') : null;
  return { lineOf, names, apply: (text) => (pattern ? text.replace(pattern, (m) => names.get(m)!) : text) };
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
    if (!IDENT.test(a[i]!) || !IDENT.test(b[i]!) || KEYWORDS.has(a[i]!) || KEYWORDS.has(b[i]!) || a[i + 1] === '(' || b[i + 1] === '(') return null;
    out.push([a[i]!, b[i]!]);
  }
  return out.length > 0 ? out : null;
}
