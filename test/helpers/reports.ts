/** The reports the rendering goldens are made from, built once here for every format. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPatches } from '../../src/patch/index.js';
import type { Report } from '../../src/pipeline/analyze.js';
import { review } from '../../src/pipeline/review.js';
import { scan } from '../../src/pipeline/scan.js';
import { DirectorySource } from '../../src/pipeline/source.js';
import { RULES } from '../../src/rules/index.js';
import { repoRoot } from './root.js';

/** Timings zeroed, so goldens do not change from run to run. */
function steady(report: Report): Report {
  return { ...report, stats: { ...report.stats, ms: 0 } };
}

/** `widen review examples/seed/seed.patch --tree examples/seed/tree`. */
export async function seedReviewReport(): Promise<Report> {
  const root = repoRoot();
  const patch = join(root, 'examples', 'seed', 'seed.patch');
  return steady(await review({ patches: await readPatches(readFileSync(patch), 'examples/seed/seed.patch'), tree: new DirectorySource(join(root, 'examples', 'seed', 'tree')), rules: RULES }));
}

/** A scan with one finding of each rule. */
export async function scanFixturesReport(): Promise<Report> {
  const dir = join('test', 'fixtures', 'rules');
  return steady(await scan({
    paths: [join(dir, 'tlb-gather-finish-balance', 'exits.c'), join(dir, 'tlb-vma-bracket-balance', 'order.c'), join(dir, 'tlb-vma-bracket-vma-reassigned', 'iterators.c')],
    rules: RULES,
    jobs: 1,
  }));
}
