/**
 * Every patch rule fixture: each mail of each mbox gets exactly the findings its
 * `X-Widen-Expect` header announces (rule and message id, counted), so an unannotated finding
 * fails; and what each rule says reads as a golden file, the text rendering of a review of its
 * fixtures (`UPDATE_GOLDEN=1 npm test` rewrites it; review the diff).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPatches } from '../../../src/patch/index.js';
import { review } from '../../../src/pipeline/review.js';
import { renderText } from '../../../src/render/text.js';
import { runPatchRules } from '../../../src/rules/patch/define-patch-rule.js';
import { PATCH_RULES } from '../../../src/rules/patch/index.js';
import { expectGolden } from '../../helpers/golden.js';
import { patchAnnotations } from '../../helpers/mail-annotations.js';
import { repoRoot } from '../../helpers/root.js';

const root = repoRoot();

describe.each(PATCH_RULES.map((r) => [r.id, r] as const))('%s fixtures', (id, rule) => {
  const dir = join('test', 'fixtures', 'rules', id);
  const files = readdirSync(join(root, dir)).filter((f) => f.endsWith('.mbox')).sort();

  test.each(files)('%s', async (name) => {
    const patches = await readPatches(readFileSync(join(root, dir, name)), name);
    expect(patches.length).toBeGreaterThan(1);
    for (const patch of patches) {
      const annotations = patchAnnotations(patch).filter((a) => a.rule === id);
      expect([patch.index, annotations.length > 0]).toEqual([patch.index, true]);
      const found = runPatchRules(patch, [rule]).map((f) => `${patch.index} ${f.rule} ${f.messageId}`).sort();
      const expected = annotations.filter((a) => a.kind === 'ruleid').map((a) => `${patch.index} ${a.rule} ${a.messageId}`).sort();
      expect(found).toEqual(expected);
    }
  });

  test('what it says, as a review of its fixtures in text', async () => {
    const patches = (await Promise.all(files.map(async (name) => readPatches(readFileSync(join(root, dir, name)), join(dir, name))))).flat();
    const report = await review({ patches, tree: null, rules: [rule] });
    // Only the commit messages: the fixtures' diffs are stand-ins, noted as context the review lacked.
    const text = renderText({ findings: report.findings, notes: [], stats: { ...report.stats, ms: 0 } });
    expectGolden(join(root, 'test', 'fixtures', 'render', 'rules', `${id}.txt`), text);
  });
});

test('patch-signoff-author: each note quotes the line a reply answers under', async () => {
  const dir = join(root, 'test', 'fixtures', 'rules', 'patch-signoff-author');
  const patches = await readPatches(readFileSync(join(dir, 'signoffs.mbox')), 'signoffs.mbox');
  const rule = PATCH_RULES.find((r) => r.id === 'patch-signoff-author')!;
  const quotes = patches.flatMap((p) => runPatchRules(p, [rule]).map((f) => [p.index, f.messageId, f.quote ?? null]));
  expect(quotes.slice(0, 3)).toEqual([
    [1, 'missing', 'The gap can be short.'],
    [2, 'notByAuthor', 'Signed-off-by: John Roe <john@example.org>'],
    [3, 'otherAddress', 'Signed-off-by: Jane Doe <jane@work.example.com>'],
  ]);
  expect(quotes.filter(([, id]) => id === 'notTrailer').every(([, , q]) => typeof q === 'string' && /signed-off-by/i.test(q))).toBe(true);
});
