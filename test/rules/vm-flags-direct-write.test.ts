/**
 * vm-flags-direct-write reads the API level from the tree when the file itself does not show it:
 * a driver that calls no helper is judged by the tree's `vm_flags_set()` definition when the
 * scan can see the header, and left alone when it cannot.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

test("a tree whose headers lack vm_flags_set() outweighs the file's own call of it: that call is api-version-gate's", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'widen-old-tree-'));
  mkdirSync(join(dir, 'include', 'linux'), { recursive: true });
  mkdirSync(join(dir, 'drivers'));
  // A 6.1-style header: the mmap lock API, no vm_flags helpers.
  writeFileSync(join(dir, 'include', 'linux', 'mmap_lock.h'), 'static inline void mmap_read_lock(struct mm_struct *mm)\n{\n\tdown_read(&mm->mmap_lock);\n}\n');
  writeFileSync(
    join(dir, 'drivers', 'dev.c'),
    ['static void a(struct vm_area_struct *vma)', '{', '\tvm_flags_set(vma, VM_IO);', '}', '', 'static void b(struct vm_area_struct *vma)', '{', '\tvma->vm_flags |= VM_IO;', '}', ''].join('\n'),
  );
  try {
    const alone = await scanFiles([join(dir, 'drivers', 'dev.c')], [rule]);
    expect(alone.findings.map((f) => [f.line, f.messageId])).toEqual([[8, 'directWrite']]);
    const withTree = await scanFiles([join(dir, 'drivers', 'dev.c'), join(dir, 'include', 'linux', 'mmap_lock.h')], [rule]);
    expect(withTree.findings).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a 6.1 tree that backported the helpers as plain writes has no const union: no finding, and none in the helpers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'widen-shim-tree-'));
  mkdirSync(join(dir, 'include', 'linux'), { recursive: true });
  mkdirSync(join(dir, 'fs'));
  // sweep H's series: 6.1's mm.h given vm_flags_set() as a plain write of `vm_flags`.
  writeFileSync(
    join(dir, 'include', 'linux', 'mm.h'),
    ['static inline void vm_flags_set(struct vm_area_struct *vma, unsigned long flags)', '{', '\tmmap_assert_write_locked(vma->vm_mm);', '\tvma->vm_flags |= flags;', '}', ''].join('\n'),
  );
  writeFileSync(join(dir, 'fs', 'aio.c'), ['static int ring_mmap(struct file *file, struct vm_area_struct *vma)', '{', '\tvma->vm_flags |= VM_DONTEXPAND;', '\treturn 0;', '}', ''].join('\n'));
  try {
    const r = await scanFiles([join(dir, 'fs', 'aio.c'), join(dir, 'include', 'linux', 'mm.h')], [rule]);
    expect(r.findings).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('each direct write gets the helper call that does what it did, with the VMA write lock where vm_flags_reset() asserts it', async () => {
  const file = join(import.meta.dirname, '..', 'fixtures', 'rules', 'vm-flags-direct-write', 'replacements.c');
  const r = await scanFiles([file], [rule]);
  expect(r.findings.map((f) => [f.line, f.function, f.fix])).toEqual([
    [17, 'gate_vma_init', 'Replace the write with `vm_flags_init(&gate_vma, VM_READ | VM_EXEC)` (include/linux/mm.h).'],
    [24, 'unlock_range', 'Replace the write with `vm_flags_clear(vma, VM_LOCKED_MASK)` (include/linux/mm.h).'],
    [
      30,
      'keep_only',
      'Replace the write with `vm_flags_reset(vma, vma->vm_flags & mask)` (include/linux/mm.h), after `vma_start_write(vma)`: `vm_flags_reset()` asserts the VMA write lock, and 6.12 takes it there first.',
    ],
    [37, 'keep_only_locked', 'Replace the write with `vm_flags_reset(vma, vma->vm_flags & mask)` (include/linux/mm.h).'],
    [46, 'fallocate_range', 'Replace the write with `vm_flags_init(&pseudo_vma, VM_HUGETLB | VM_MAYSHARE | VM_SHARED)` (include/linux/mm.h).'],
    [
      53,
      'set_flags',
      'Replace the write with `vm_flags_reset(vma, newflags)` (include/linux/mm.h), after `vma_start_write(vma)`: `vm_flags_reset()` asserts the VMA write lock, and 6.12 takes it there first.',
    ],
    [59, 'ttm_mmap', 'Replace the write with `vm_flags_mod(vma, VM_PFNMAP, VM_MIXEDMAP)` (include/linux/mm.h).'],
  ]);
});
