/**
 * Rule fixtures of a change: `name.c` beside `name.before.c` is the file after and before a
 * patch. Such a fixture is reviewed, not scanned: the patch between the two (a unified diff made
 * here) is reviewed against a tree holding the `.before.c` text at the fixture's path, so that
 * the checks whose evidence is what a patch took away (`RuleContext.previous`) have fixtures
 * like every other check. The annotations are in `name.c`, on the post-patch lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readPatches } from '../../src/patch/index.js';
import type { Report } from '../../src/pipeline/analyze.js';
import { review } from '../../src/pipeline/review.js';
import { MemorySource } from '../../src/pipeline/source.js';
import type { CatalogRule } from '../../src/rules/index.js';

/** The pre-patch file of fixture `path` (`x.c` → `x.before.c`), or null for a plain fixture. */
export function beforeOf(path: string): string | null {
  const before = path.replace(/\.c$/, '.before.c');
  return existsSync(before) ? before : null;
}

/** Whether `name` is the pre-patch half of a change fixture, not a fixture of its own. */
export function isBeforeHalf(name: string): boolean {
  return name.endsWith('.before.c');
}

/** The review of change fixture `path` (relative to the repository root, as the report names it). */
export async function reviewChange(path: string, rules: readonly CatalogRule[]): Promise<Report> {
  const before = readFileSync(beforeOf(path)!, 'utf8');
  const after = readFileSync(path, 'utf8');
  const patch = unifiedDiff(path, before, after);
  return review({ patches: await readPatches(patch, `${path}.patch`), tree: new MemorySource({ [path]: before }), rules });
}

/** A unified diff of `a` to `b` with three lines of context, from a longest common subsequence of their lines. */
export function unifiedDiff(path: string, a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  // Both end with a newline: the empty last element is not a line.
  if (x[x.length - 1] === '') x.pop();
  if (y[y.length - 1] === '') y.pop();
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const ops: Array<{ k: ' ' | '-' | '+'; text: string; i: number; j: number }> = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) ops.push({ k: ' ', text: x[i]!, i: i++, j: j++ });
    else if (j < y.length && (i === x.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) ops.push({ k: '+', text: y[j]!, i, j: j++ });
    else ops.push({ k: '-', text: x[i]!, i: i++, j });
  }
  const out = [`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`];
  const changed = ops.map((o, n) => (o.k !== ' ' ? n : -1)).filter((n) => n >= 0);
  let n = 0;
  while (n < changed.length) {
    // One hunk: changes less than seven lines apart, with three lines of context around them.
    let last = n;
    while (last + 1 < changed.length && changed[last + 1]! - changed[last]! <= 6) last++;
    const from = Math.max(0, changed[n]! - 3);
    const to = Math.min(ops.length - 1, changed[last]! + 3);
    const hunk = ops.slice(from, to + 1);
    const oldLines = hunk.filter((o) => o.k !== '+').length;
    const newLines = hunk.filter((o) => o.k !== '-').length;
    out.push(`@@ -${hunk[0]!.i + (oldLines > 0 ? 1 : 0)},${oldLines} +${hunk[0]!.j + (newLines > 0 ? 1 : 0)},${newLines} @@`);
    for (const o of hunk) out.push(`${o.k}${o.text}`);
    n = last + 1;
  }
  return `${out.join('\n')}\n`;
}
