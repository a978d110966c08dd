/**
 * A scan of many files in one job reads them with a second thread (read-phase.ts): whatever that
 * thread does (reads its share, dies after taking chunks, never starts), the result is the one
 * thread's, in the same order.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prefilter, prefilterShared, type Prefiltered } from '../../src/pipeline/read-phase.js';
import { scan } from '../../src/pipeline/scan.js';
import { RULES } from '../../src/rules/index.js';

const builtWorker = new URL('../../dist/pipeline/scan-worker.js', import.meta.url);
const dyingWorker = new URL('../helpers/read-then-die-worker.mjs', import.meta.url);

const gatherUser = `static void zap_range(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	struct mmu_gather tlb;

	tlb_gather_mmu(&tlb, vma->vm_mm);
	unmap_page_range(&tlb, vma, start, end, NULL);
	if (vma->vm_flags & VM_HUGETLB)
		return;
	tlb_finish_mmu(&tlb);
}
`;
const lockUser = `int touch_range(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma;

	mmap_read_lock(mm);
	vma = find_vma(mm, addr);
	if (!vma)
		return -EFAULT;
	mmap_read_unlock(mm);
	return 0;
}
`;
const plain = 'static int add(int a, int b)\n{\n\treturn a + b;\n}\n';
const header = 'void arch_halt(const char *why) __noreturn;\n';

/** A tree of a few files, and a list that reads its plain file thousands of times between the others. */
function tree(): { root: string; files: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'widen-read-phase-'));
  mkdirSync(join(root, 'mm'));
  writeFileSync(join(root, 'mm/gather.c'), gatherUser);
  writeFileSync(join(root, 'mm/lock.c'), lockUser);
  writeFileSync(join(root, 'mm/plain.c'), plain);
  writeFileSync(join(root, 'mm/halt.h'), header);
  writeFileSync(join(root, 'mm/secret.c'), lockUser);
  chmodSync(join(root, 'mm/secret.c'), 0);
  const p = (f: string): string => join(root, 'mm', f);
  const files: string[] = [];
  // About 40,000 reads: long enough (a third of a second or more) for the reading thread to start.
  for (let i = 0; i < 8; i++) {
    files.push(p('gather.c'));
    for (let j = 0; j < 5000; j++) files.push(p('plain.c'));
    files.push(p(i % 2 ? 'lock.c' : 'halt.h'));
  }
  files.push(p('secret.c'), join(root, 'mm/missing.c'));
  return { root, files };
}

/** What a result says, in order, texts and hashes included. */
function shape(r: Prefiltered): unknown {
  return {
    read: r.read,
    candidates: r.candidates.map((c) => ({ path: c.path, text: c.text, hash: c.hash })),
    noreturn: [...r.noreturn].sort(),
    unreadable: r.unreadable,
  };
}

const asRoot = process.getuid?.() === 0;

describe('reading with a second thread', () => {
  const { files } = tree();
  const one = prefilter(files, RULES, false, () => {});
  const oneHashed = prefilter(files, RULES, true, () => {});

  it('finds what one thread finds, in file order, with the other thread reading a share', async () => {
    expect(one.candidates.filter((c) => c.path.endsWith('gather.c'))).toHaveLength(8);
    expect([...one.noreturn]).toEqual(['arch_halt']);
    expect(one.unreadable.map((u) => u.reason)).toEqual(asRoot ? ['ENOENT'] : ['EACCES', 'ENOENT']);
    const seen: number[] = [];
    const shared = await prefilterShared(files, RULES, false, builtWorker, (done) => seen.push(done));
    expect(shape(shared)).toEqual(shape(one));
    expect(shared.readByOther).toBeGreaterThan(0);
    expect(shared.lostByOther).toBe(0);
    // Progress counts both threads' files, and ends at the last file.
    expect(seen.at(-1)).toBe(files.length);
    expect(seen.every((n, i) => i === 0 || n >= seen[i - 1]!)).toBe(true);
  });

  it('hashes candidates for the cache and decodes them the same way', async () => {
    const shared = await prefilterShared(files, RULES, true, builtWorker, () => {});
    expect(shape(shared)).toEqual(shape(oneHashed));
    expect(shared.readByOther).toBeGreaterThan(0);
  });

  it('reads again the chunks of a thread that died before posting them', async () => {
    const shared = await prefilterShared(files, RULES, false, dyingWorker, () => {});
    expect(shape(shared)).toEqual(shape(one));
    expect(shared.readByOther).toBe(0);
    expect(shared.lostByOther).toBeGreaterThan(0);
  });

  it('reads everything itself when the thread cannot start', async () => {
    const shared = await prefilterShared(files, RULES, false, new URL('../helpers/no-such-worker.mjs', import.meta.url), () => {});
    expect(shape(shared)).toEqual(shape(one));
    expect(shared.readByOther).toBe(0);
  });

  it('gives a scan in one job the same report with or without the reading thread', async () => {
    const { root } = tree();
    const alone = await scan({ paths: [root], rules: RULES, jobs: 1, readThreadFrom: Infinity });
    const shared = await scan({ paths: [root], rules: RULES, jobs: 1, workerUrl: builtWorker, readThreadFrom: 1 });
    expect(alone.findings.map((f) => `${f.rule} ${f.messageId} ${f.path.slice(root.length + 1)}:${f.line}`)).toEqual([
      'tlb-gather-finish-balance missingFinish mm/gather.c:5',
      'mmap-lock-balance leak mm/lock.c:5',
      'find-vma-missing-start-check mapped mm/lock.c:7',
      ...(asRoot ? ['mmap-lock-balance leak mm/secret.c:5', 'find-vma-missing-start-check mapped mm/secret.c:7'] : []),
    ]);
    expect({ ...shared, stats: { ...shared.stats, ms: 0 } }).toEqual({ ...alone, stats: { ...alone.stats, ms: 0 } });
  });
});
