/**
 * vma-list-removed reads the tree's API level, never assumes it. The seed patch is a v5.15 one
 * and its tree walks `vma->vm_next` legitimately: neither the seed review nor a scan of the
 * seed tree may report it. The same file checked with a maple-tree `include/linux/mm.h` in
 * sight is reported, which shows the silence comes from the tree, not from a blind rule.
 */
import { join } from 'node:path';
import { scanFiles } from '../../src/pipeline/scan.js';
import { findRule } from '../../src/rules/index.js';
import { seedReviewReport } from '../helpers/reports.js';

const root = join(import.meta.dirname, '..', '..');
const seedFile = join(root, 'examples', 'seed', 'tree', 'mm', 'memory.c');
const mapleHeader = join(root, 'test', 'fixtures', 'rules', 'vma-list-removed', 'tree', 'include', 'linux', 'mm.h');
const rule = findRule('vma-list-removed')!;

test('the seed review reports no vma-list-removed finding', async () => {
  const report = await seedReviewReport();
  expect(report.findings.filter((f) => f.rule === 'vma-list-removed')).toEqual([]);
  // The review did run the rules on the function that walks the list.
  expect(report.findings.map((f) => f.function)).toContain('free_pgtables');
});

test('the seed tree alone reads as a tree with the VMA list: no report', async () => {
  const r = await scanFiles([seedFile], [rule]);
  expect(r.findings).toEqual([]);
});

test("with a maple-tree tree's vma_find() in sight, the same walks are reported, one per function", async () => {
  const r = await scanFiles([seedFile, mapleHeader], [rule]);
  expect(r.findings.map((f) => [f.function, f.line, f.messageId, f.message, f.related.map((x) => x.line)])).toEqual([
    ['free_pgtables', 21, 'link', '`vma->vm_next` walks the VMA linked list, which this tree no longer has', [41]],
    ['zap_vma_list', 76, 'link', '`vma->vm_next` walks the VMA linked list, which this tree no longer has', []],
  ]);
  expect(r.findings[0]!.explanation).toContain("the tree's `vma_find()` (include/linux/mm.h)");
});
