/**
 * What users read, as golden files: the text rendering of the seed review and of a scan with
 * one finding of each rule. A wording change shows up as a readable diff; run with
 * UPDATE_GOLDEN=1 to accept it.
 */
import { join } from 'node:path';
import { renderText } from '../../src/render/text.js';
import { expectGolden } from '../helpers/golden.js';
import { scanFixturesReport, seedReviewReport } from '../helpers/reports.js';
import { repoRoot } from '../helpers/root.js';

const goldenDir = join(repoRoot(), 'test', 'fixtures', 'render');

test('the seed review', async () => {
  expectGolden(join(goldenDir, 'seed-review.txt'), renderText(await seedReviewReport()));
});

test('a scan with a finding of each rule', async () => {
  expectGolden(join(goldenDir, 'scan-fixtures.txt'), renderText(await scanFixturesReport()));
});
