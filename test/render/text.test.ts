/**
 * What users read, as golden files: the text rendering of the seed review and of a scan with
 * one finding of each rule. A wording change shows up as a readable diff; run with
 * UPDATE_GOLDEN=1 to accept it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPatches } from '../../src/patch/index.js';
import type { Report } from '../../src/pipeline/analyze.js';
import { DirectorySource } from '../../src/pipeline/source.js';
import { review } from '../../src/pipeline/review.js';
import { scan } from '../../src/pipeline/scan.js';
import { renderText } from '../../src/render/text.js';
import { RULES } from '../../src/rules/index.js';
import { expectGolden } from '../helpers/golden.js';

const root = join(import.meta.dirname, '..', '..');
const goldenDir = join(root, 'test', 'fixtures', 'render');

function expectTextGolden(name: string, report: Report): void {
  expectGolden(join(goldenDir, name), renderText({ ...report, stats: { ...report.stats, ms: 0 } }));
}

test('the seed review', async () => {
  const patch = join(root, 'examples', 'seed', 'seed.patch');
  const report = await review({ patches: await readPatches(readFileSync(patch), 'examples/seed/seed.patch'), tree: new DirectorySource(join(root, 'examples', 'seed', 'tree')), rules: RULES });
  expectTextGolden('seed-review.txt', report);
});

test('a scan with a finding of each rule', async () => {
  const dir = join('test', 'fixtures', 'rules');
  const report = await scan({
    paths: [join(dir, 'tlb-gather-finish-balance', 'exits.c'), join(dir, 'tlb-vma-bracket-balance', 'order.c'), join(dir, 'tlb-vma-bracket-vma-reassigned', 'iterators.c')],
    rules: RULES,
    jobs: 1,
  });
  expectTextGolden('scan-fixtures.txt', report);
});
