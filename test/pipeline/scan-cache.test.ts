/**
 * `widen scan --cache`: a file's results are reused only while its text, the helpers in other
 * files its summaries read (transitively), the files that define the names it looked up, the
 * headers' `__noreturn` functions, the rules and widen itself are what they were. Every test
 * compares a warm scan with a cold one of the same tree: the cache may save time, never change
 * a result.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rule } from '../../src/rules/define-rule.js';
import { findRule, RULES } from '../../src/rules/index.js';
import { scan, type ScanReport } from '../../src/pipeline/scan.js';
import { buildId, defaultCacheDir } from '../../src/pipeline/scan-cache.js';
import { lineOf } from '../helpers/analyze.js';

const gather = findRule('tlb-gather-finish-balance')!;
const workerUrl = new URL('../../dist/pipeline/scan-worker.js', import.meta.url);

/** Leaves the gather to `finish_for_caller()`, which no file of the tree may define. */
const caller = `void unmap_things(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct mmu_gather tlb;

	tlb_gather_mmu(&tlb, mm);
	unmap_vmas(&tlb, vma);
	finish_for_caller(&tlb);
}
`;

/** Finishes the gather through a second helper, in a third file. */
const helper = `void finish_for_caller(struct mmu_gather *tlb)
{
	tlb_flush_mmu(tlb);
	really_finish(tlb);
}

void finish_now(struct mmu_gather *tlb)
{
	tlb_finish_mmu(tlb);
}
`;

const finisher = `void really_finish(struct mmu_gather *tlb)
{
	tlb_finish_mmu(tlb);
}
`;

/** Only flushes: the caller leaks through it. */
const flusher = finisher.replace('tlb_finish_mmu', 'tlb_flush_mmu');

/** A function with a leak of its own, unrelated to the others. */
function leaky(name: string): string {
  return `void ${name}(struct mm_struct *mm)\n{\n\tstruct mmu_gather tlb;\n\n\ttlb_gather_mmu(&tlb, mm);\n\tif (!mm->map_count)\n\t\treturn;\n\ttlb_finish_mmu(&tlb);\n}\n`;
}

let tmp: string;
let n = 0;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'widen-cache-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A fresh directory with `files`, and a fresh cache directory beside it. */
function tree(files: Record<string, string>): { dir: string; cache: string } {
  const dir = join(tmp, `tree${++n}`);
  write(dir, files);
  return { dir, cache: join(tmp, `cache${n}`) };
}

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/** What a scan reports, without the time it took and the share that came from the cache. */
function results(r: ScanReport): unknown {
  return { findings: r.findings, notes: r.notes, files: r.stats.files, functions: r.stats.functions };
}

async function cold(dir: string, rules: readonly Rule[] = [gather]): Promise<ScanReport> {
  return scan({ paths: [dir], rules, jobs: 1 });
}

async function cached(dir: string, cache: string, opts: { rules?: readonly Rule[]; jobs?: number; build?: string } = {}): Promise<ScanReport> {
  return scan({ paths: [dir], rules: opts.rules ?? [gather], jobs: opts.jobs ?? 1, workerUrl, cache: { dir: cache, ...(opts.build ? { build: opts.build } : {}) } });
}

describe('scan cache', () => {
  it('reuses every file of an unchanged tree, with the results of a cold scan, and leaves the cache file as it was', async () => {
    const t = tree({ 'a.c': caller, 'b.c': helper, 'c.c': finisher, 'd.c': leaky('own_leak') });
    const first = await cached(t.dir, t.cache);
    expect(first.stats.cached).toBe(0);
    expect(first.warnings).toEqual([]);
    expect(results(first)).toEqual(results(await cold(t.dir)));
    expect(first.findings.map((f) => [f.rule, f.path.replace(/.*\//, ''), f.line])).toEqual([['tlb-gather-finish-balance', 'd.c', 5]]);
    const [file] = readdirSync(t.cache);
    expect(file).toMatch(/^scan-[\w-]+\.v8$/);
    const bytes = readFileSync(join(t.cache, file!));

    const second = await cached(t.dir, t.cache);
    expect(second.stats.cached).toBe(4);
    expect(results(second)).toEqual(results(first));
    expect(readFileSync(join(t.cache, file!))).toEqual(bytes);
  });

  it('analyses a file again when a helper it calls, two files away, changes', async () => {
    const t = tree({ 'a.c': caller, 'b.c': helper, 'c.c': finisher, 'd.c': leaky('own_leak') });
    await cached(t.dir, t.cache);
    write(t.dir, { 'c.c': flusher });
    const warm = await cached(t.dir, t.cache);
    expect(results(warm)).toEqual(results(await cold(t.dir)));
    // a.c reads b.c's summary, which reads c.c's: all three are analysed again; d.c is reused.
    expect(warm.stats.cached).toBe(1);
    expect(warm.findings.map((f) => [f.path.replace(/.*\//, ''), f.messageId, f.line])).toEqual([
      ['a.c', 'missingFinish', lineOf(caller, 'tlb_gather_mmu')],
      ['d.c', 'missingFinish', 5],
    ]);
  });

  it('analyses a caller again when a file newly defines a helper it looked up and did not find', async () => {
    const t = tree({ 'a.c': caller, 'd.c': leaky('own_leak') });
    const before = await cached(t.dir, t.cache);
    expect(before.findings.map((f) => f.path.replace(/.*\//, ''))).toEqual(['a.c', 'd.c']);
    write(t.dir, { 'b.c': helper, 'c.c': finisher });
    const warm = await cached(t.dir, t.cache);
    expect(results(warm)).toEqual(results(await cold(t.dir)));
    expect(warm.findings.map((f) => f.path.replace(/.*\//, ''))).toEqual(['d.c']);
    expect(warm.stats.cached).toBe(1);
  });

  it('keeps the results of the files an edit cannot reach', async () => {
    const t = tree({ 'a.c': caller, 'b.c': helper, 'c.c': finisher, 'd.c': leaky('own_leak'), 'e.c': leaky('other_leak') });
    await cached(t.dir, t.cache);
    write(t.dir, { 'e.c': `\n${leaky('other_leak')}` });
    const warm = await cached(t.dir, t.cache);
    expect(warm.stats.cached).toBe(4);
    expect(results(warm)).toEqual(results(await cold(t.dir)));
    expect(warm.findings.find((f) => f.path.endsWith('e.c'))?.line).toBe(6);
  });

  it('reuses a file whose text is rewritten unchanged (content decides, not the modification time)', async () => {
    const t = tree({ 'a.c': caller, 'b.c': helper, 'c.c': finisher });
    await cached(t.dir, t.cache);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(t.dir, 'c.c'), later, later);
    expect((await cached(t.dir, t.cache)).stats.cached).toBe(3);
  });

  it('reuses nothing when the functions the headers declare __noreturn change', async () => {
    const t = tree({ 'a.c': caller, 'b.c': helper, 'c.c': finisher, 'traps.h': 'void arch_die(void) __noreturn;\n' });
    await cached(t.dir, t.cache);
    write(t.dir, { 'traps.h': 'void arch_die(void) __noreturn;\nvoid arch_halt(void) __noreturn;\n' });
    const warm = await cached(t.dir, t.cache);
    expect(warm.stats.cached).toBe(0);
    expect(results(warm)).toEqual(results(await cold(t.dir)));
  });

  it('keeps one cache per set of rules, and reuses nothing from another build of widen', async () => {
    const t = tree({ 'a.c': caller, 'd.c': leaky('own_leak') });
    await cached(t.dir, t.cache);
    const all = await cached(t.dir, t.cache, { rules: RULES });
    expect(all.stats.cached).toBe(0);
    expect(results(all)).toEqual(results(await cold(t.dir, RULES)));
    expect(readdirSync(t.cache)).toHaveLength(2);
    expect((await cached(t.dir, t.cache)).stats.cached).toBe(2);

    const rebuilt = await cached(t.dir, t.cache, { build: `${buildId()}-next` });
    expect([rebuilt.stats.cached, rebuilt.warnings]).toEqual([0, []]);
  });

  it('ignores a damaged cache with a warning, and rewrites it', async () => {
    const t = tree({ 'a.c': caller, 'd.c': leaky('own_leak') });
    await cached(t.dir, t.cache);
    const [file] = readdirSync(t.cache);
    writeFileSync(join(t.cache, file!), readFileSync(join(t.cache, file!)).subarray(0, 40));
    const damaged = await cached(t.dir, t.cache);
    expect(damaged.warnings).toEqual([`ignored the scan cache ${join(t.cache, file!)}: it is damaged or is not a widen scan cache; it will be rewritten.`]);
    expect(results(damaged)).toEqual(results(await cold(t.dir)));
    expect((await cached(t.dir, t.cache)).stats.cached).toBe(2);
  });

  it('scans all the same when the cache cannot be written, with a warning', async () => {
    const t = tree({ 'a.c': caller });
    writeFileSync(t.cache, 'a file where the cache directory should be');
    const r = await cached(t.dir, t.cache);
    expect(results(r)).toEqual(results(await cold(t.dir)));
    expect(r.warnings).toEqual([expect.stringMatching(/^could not write the scan cache .* \(something of that name is in the way\); the next scan will analyse every file again\.$/)]);
  });

  it('a cache directory under /proc is a warning at once, not a loop (sweep J)', async () => {
    const t = tree({ 'a.c': caller });
    const r = await cached(t.dir, '/proc/widen-no-such-dir/cache');
    expect(results(r)).toEqual(results(await cold(t.dir)));
    expect(r.warnings).toEqual([expect.stringMatching(/^could not write the scan cache \/proc\/widen-no-such-dir\/cache\/.* \(no such file or directory\); the next scan will analyse every file again\.$/)]);
  }, 20_000);

  it('does not keep the results of a file whose analysis failed', async () => {
    const t = tree({ 'a.c': leaky('fine'), 'b.c': leaky('bad') });
    const throwing: Rule[] = [{ ...gather, check(fn, ctx) {
      if (fn.name === 'bad') throw new Error('boom');
      gather.check(fn, ctx);
    } }];
    const first = await cached(t.dir, t.cache, { rules: throwing });
    expect(first.notes.map((n) => [n.path.replace(/.*\//, ''), n.kind])).toEqual([['b.c', 'analysis-failed']]);
    const second = await cached(t.dir, t.cache, { rules: throwing });
    expect(second.stats.cached).toBe(1);
    expect(results(second)).toEqual(results(first));
  });

  it('is shared by worker threads and one thread, with the same results', async () => {
    // 70 files, for two workers; the helpers are read by different workers than their callers.
    const files: Record<string, string> = { 'a.c': caller, 'b.c': helper, 'c.c': finisher };
    for (let i = 0; i < 67; i++) files[`z${String(i).padStart(2, '0')}.c`] = i % 3 === 0 ? leaky(`leak_${i}`) : `int z${i};\n`;
    const t = tree(files);
    const reference = results(await cold(t.dir));
    const inWorkers = await cached(t.dir, t.cache, { jobs: 2 });
    expect(results(inWorkers)).toEqual(reference);
    const candidates = 3 + 23;
    expect((await cached(t.dir, t.cache, { jobs: 1 })).stats.cached).toBe(candidates);
    write(t.dir, { 'c.c': flusher });
    const changed = await cached(t.dir, t.cache, { jobs: 2 });
    // a.c and c.c are analysed again, the 23 others reused. b.c's own functions look nothing
    // up; one thread still counts c.c among its dependencies (it summarised b.c's helper for
    // a.c), a worker that never did has no reason to.
    expect(changed.stats.cached).toBeGreaterThanOrEqual(candidates - 3);
    expect(changed.stats.cached).toBeLessThanOrEqual(candidates - 2);
    expect(results(changed)).toEqual(results(await cold(t.dir)));
    expect(changed.findings.some((f) => f.path.endsWith('a.c'))).toBe(true);
  });

  it('lives under $XDG_CACHE_HOME/widen, else ~/.cache/widen', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/widen');
    // A relative XDG_CACHE_HOME is invalid by the XDG spec and ignored.
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'rel' })).toMatch(/\/\.cache\/widen$/);
    expect(defaultCacheDir({})).toMatch(/\/\.cache\/widen$/);
  });

  it('deletes caches of other scans unused for 30 days when it writes its own', async () => {
    const t = tree({ 'a.c': caller });
    mkdirSync(t.cache, { recursive: true });
    const old = join(t.cache, 'scan-old.v8');
    const recent = join(t.cache, 'scan-recent.v8');
    const other = join(t.cache, 'notes.txt');
    const dirNamedLikeOne = join(t.cache, 'scan-dir.v8');
    for (const p of [old, recent, other]) writeFileSync(p, 'x');
    mkdirSync(dirNamedLikeOne);
    const long = new Date(Date.now() - 31 * 24 * 3600 * 1000);
    for (const p of [old, other, dirNamedLikeOne]) utimesSync(p, long, long);
    await cached(t.dir, t.cache);
    const left = readdirSync(t.cache);
    expect(left).toHaveLength(4);
    expect(left).toEqual(expect.arrayContaining(['notes.txt', 'scan-recent.v8', 'scan-dir.v8']));
    expect(left.filter((f) => f !== 'scan-recent.v8' && f !== 'scan-dir.v8' && statSync(join(t.cache, f)).mtimeMs > Date.now() - 60_000)).toEqual([expect.stringMatching(/^scan-[\w-]+\.v8$/)]);
  });
});
