/**
 * What each rule says, as a user reads it: the text rendering of a scan of the rule's fixtures,
 * one golden file per rule. A change in a message, a label or an excerpt shows up as a readable
 * diff; `UPDATE_GOLDEN=1 npm test` rewrites them (review the diff).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { scan } from '../../src/pipeline/scan.js';
import { renderText } from '../../src/render/text.js';
import { RULES } from '../../src/rules/index.js';
import { expectGolden } from '../helpers/golden.js';
import { repoRoot } from '../helpers/root.js';

const root = repoRoot();

test.each(RULES.map((r) => [r.id, r] as const))('%s', async (id, rule) => {
  const dir = join('test', 'fixtures', 'rules', id);
  const paths = readdirSync(join(root, dir)).filter((f) => f.endsWith('.c')).sort().map((f) => join(dir, f));
  const report = await scan({ paths, rules: [rule], jobs: 1 });
  expectGolden(join(root, 'test', 'fixtures', 'render', 'rules', `${id}.txt`), renderText({ ...report, stats: { ...report.stats, ms: 0 } }));
});
