/**
 * What users read, as golden files: the text rendering of the seed review and of a scan with
 * one finding of each rule. A wording change shows up as a readable diff; run with
 * UPDATE_GOLDEN=1 to accept it.
 */
import { join } from 'node:path';
import { labelBelow, renderText } from '../../src/render/text.js';
import { expectGolden, expectGoldenSection } from '../helpers/golden.js';
import { scanFixturesReport, seedReviewReport } from '../helpers/reports.js';
import { repoRoot } from '../helpers/root.js';

const goldenDir = join(repoRoot(), 'test', 'fixtures', 'render');

test('the seed review', async () => {
  expectGolden(join(goldenDir, 'seed-review.txt'), renderText(await seedReviewReport()));
});

test('docs/cli.md shows exactly what widen prints for the seed patch (its error only)', async () => {
  const seed = await seedReviewReport();
  const text = renderText({ ...seed, findings: seed.findings.filter((f) => f.rule === 'tlb-vma-bracket-vma-reassigned') });
  // The summary line's time differs from run to run; the docs end the example before it.
  const shown = text.replace(/\n\nwiden: [^\n]*\n$/, '\n');
  expectGoldenSection(join(repoRoot(), 'docs', 'cli.md'), 'text-example', `\n\`\`\`\n${shown}\`\`\`\n\n`);
});

test('a scan with a finding of each rule', async () => {
  expectGolden(join(goldenDir, 'scan-fixtures.txt'), renderText(await scanFixturesReport()));
});

describe('labelBelow(): a label under its line, as rustc writes one', () => {
  // A gutter of 8 columns and code indented 64 deep: 26 columns are left before a 98-column wrap.
  const deep = { gutter: 8, indent: 64 };

  test('a label that fits whole under deeply indented code stays under it', () => {
    expect(labelBelow('`vma` reassigned here', deep.gutter, deep.indent, 98, 40)).toEqual([`${' '.repeat(72)}^ \`vma\` reassigned here`]);
  });

  test('a longer one that would be squeezed into a narrow column moves left to the start of the code column', () => {
    const note = 'the loop moves `vma` on to the VMA after it, so the bracket closes another VMA';
    expect(labelBelow(note, deep.gutter, deep.indent, 98, 40)).toEqual([
      `${' '.repeat(8)}^ the loop moves \`vma\` on to the VMA after it, so the bracket closes another VMA`,
    ]);
  });

  test('with room enough it wraps under itself, below the code it labels', () => {
    const note = 'the loop moves `vma` on to the VMA after it, so the bracket closes another VMA';
    expect(labelBelow(note, 8, 8, 72, 36)).toEqual([
      `${' '.repeat(16)}^ the loop moves \`vma\` on to the VMA after it, so the`,
      `${' '.repeat(18)}bracket closes another VMA`,
    ]);
  });
});
