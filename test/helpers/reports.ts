/** The reports the rendering goldens are made from, built once here for every format. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPatches, type Patch } from '../../src/patch/index.js';
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

/** The seed patch as read (the email replies answer it). */
export async function seedPatches(): Promise<Patch[]> {
  return readPatches(readFileSync(join(repoRoot(), 'examples', 'seed', 'seed.patch')), 'examples/seed/seed.patch');
}

/** `widen review examples/seed/seed.patch --tree examples/seed/tree`. */
export async function seedReviewReport(): Promise<Report> {
  return steady(await review({ patches: await seedPatches(), tree: new DirectorySource(join(repoRoot(), 'examples', 'seed', 'tree')), rules: RULES }));
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
