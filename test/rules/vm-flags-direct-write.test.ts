/**
 * vm-flags-direct-write reads the API level from the tree when the file itself does not show it:
 * a driver that calls no helper is judged by the tree's `vm_flags_set()` definition when the
 * scan can see the header, and left alone when it cannot.
 */
import { join } from 'node:path';
import { scanFiles } from '../../src/pipeline/scan.js';
import { findRule } from '../../src/rules/index.js';

const tree = join(import.meta.dirname, '..', 'fixtures', 'rules', 'vm-flags-direct-write', 'tree');
const rule = findRule('vm-flags-direct-write')!;

test('a tree that defines vm_flags_set() makes a direct write in a helper-free driver a finding', async () => {
  const r = await scanFiles([join(tree, 'drivers', 'dev.c'), join(tree, 'include', 'linux', 'mm.h')], [rule]);
  expect(r.findings.map((f) => [f.line, f.messageId, f.message])).toEqual([
    [7, 'directWrite', '`vma->vm_flags` is written directly with `|=`; use `vm_flags_set()`'],
  ]);
  expect(r.findings[0]!.explanation).toContain("the tree's `vm_flags_set()` (include/linux/mm.h)");
});

test('without the header, the same driver reads as 6.1-style code and is left alone', async () => {
  const r = await scanFiles([join(tree, 'drivers', 'dev.c')], [rule]);
  expect(r.findings).toEqual([]);
});
