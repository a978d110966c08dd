/**
 * One bad function never costs the rest: code nested too deep for the analysis, a rule that
 * throws, and a worker thread that dies each cost only the function or file they happen in, in
 * `widen scan` as users run it (the built CLI) and in the scan pipeline itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Rule } from '../../src/rules/define-rule.js';
import { RULES } from '../../src/rules/index.js';
import { scan } from '../../src/pipeline/scan.js';
import { MAX_ANALYSED_BYTES } from '../../src/pipeline/read-phase.js';
import { repoRoot } from '../helpers/root.js';

const root = repoRoot();
const bin = join(root, 'dist', 'cli', 'main.js');
const builtWorker = pathToFileURL(join(root, 'dist', 'pipeline', 'scan-worker.js'));

/** A function that leaves the gather open on one path: one finding of tlb-gather-finish-balance. */
function leaky(name: string): string {
  return `void ${name}(struct mm_struct *mm)\n{\n\tstruct mmu_gather tlb;\n\n\ttlb_gather_mmu(&tlb, mm);\n\tif (!mm->map_count)\n\t\treturn;\n\ttlb_finish_mmu(&tlb);\n}\n`;
}

/** A function whose body is `inner`, bracketed by a balanced gather so the rules parse it. */
function wrapped(name: string, inner: string): string {
  return `void ${name}(struct mm_struct *mm, int a)\n{\n\tstruct mmu_gather tlb;\n\n\ttlb_gather_mmu(&tlb, mm);\n${inner}\n\ttlb_finish_mmu(&tlb);\n}\n`;
}

/** The generated inputs that overflowed the recursive converter and CFG builder. */
const DEEP: Record<string, string> = {
  'deep-if.c': wrapped('deep_if', `${'\tif (a) {\n'.repeat(600)}\t\tzap(mm);\n${'\t}\n'.repeat(600)}`),
  'braces.c': wrapped('braces', `\t${'{'.repeat(1000)} zap(mm); ${'}'.repeat(1000)}`),
  'parens.c': wrapped('parens', `\ta = ${'('.repeat(4000)}a${')'.repeat(4000)};`),
};

/** Each deep file also holds a healthy function after the bad one, with a finding. */
function writeTree(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, bad] of Object.entries(DEEP)) writeFileSync(join(dir, name), `${bad}\n${leaky(`after_${name.replace(/\W/g, '_')}`)}`);
  writeFileSync(join(dir, 'good.c'), leaky('good'));
}

interface JsonReport {
  findings: Array<{ path: string; function: string; rule: string }>;
  notes: Array<{ path: string; function: string | null; kind: string; message: string }>;
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'widen-isolation-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('widen scan with code nested too deep to analyse', () => {
  test('the other functions and files are checked; each bad function has a note; exit 1, not 2', () => {
    const dir = join(tmp, 'deep');
    writeTree(dir);
    const r = spawnSync(process.execPath, [bin, 'scan', dir, '--format', 'json', '--jobs', '1'], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([1, '']);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.findings.map((f) => f.function).sort()).toEqual(['after_braces_c', 'after_deep_if_c', 'after_parens_c', 'good']);
    const notes = report.notes.map((n) => [n.path.replace(/.*\//, ''), n.function, n.kind]);
    expect(notes).toEqual([
      ['braces.c', 'braces', 'too-deep'],
      ['deep-if.c', 'deep_if', 'too-deep'],
      ['parens.c', 'parens', 'too-deep'],
    ]);
    for (const n of report.notes) expect(n.message).toMatch(/^widen left lines? [\d-]+ of `\w+\(\)` out of its analysis because the code there nests more than 256 levels deep, so findings that depend on that code may be missed\.$/);
  });

  test('worker threads report the same', () => {
    const dir = join(tmp, 'deep-many');
    for (let i = 0; i < 16; i++) writeTree(join(dir, `copy${i}`));
    const run = (jobs: string): JsonReport => JSON.parse(spawnSync(process.execPath, [bin, 'scan', dir, '--format', 'json', '--jobs', jobs], { encoding: 'utf8' }).stdout) as JsonReport;
    const one = run('1');
    const two = run('2');
    expect(one.findings).toHaveLength(64);
    expect([two.findings, two.notes]).toEqual([one.findings, one.notes]);
  });
});

describe('the scan pipeline', () => {
  const files = (dir: string, n: number): string[] => {
    mkdirSync(dir, { recursive: true });
    return Array.from({ length: n }, (_, i) => {
      const p = join(dir, `f${String(i).padStart(2, '0')}.c`);
      writeFileSync(p, leaky(`fn${i}`) + (i === 3 ? `\n${leaky('bad')}` : ''));
      return p;
    });
  };

  test('a rule that throws costs only the file it threw in, with a note naming the file', async () => {
    const paths = files(join(tmp, 'throwing'), 5);
    const throwing: Rule[] = RULES.map((rule) => ({
      ...rule,
      check(fn, ctx) {
        if (fn.name === 'bad') throw new Error('boom');
        rule.check(fn, ctx);
      },
    }));
    const report = await scan({ paths, rules: throwing, jobs: 1 });
    expect(report.findings.map((f) => f.function)).toEqual(['fn0', 'fn1', 'fn2', 'fn4']);
    expect(report.notes).toEqual([
      {
        path: paths[3],
        line: 0,
        endLine: 0,
        function: null,
        kind: 'analysis-failed',
        message: `widen skipped ${paths[3]} because analysing it failed with an internal error (boom), so no finding in it is reported.`,
      },
    ]);
  });

  /** Enough files for `jobs: 2` to start two workers (scan.ts starts one per 32 files). */
  const MANY = 70;

  /** A worker module running the real worker (`serveScan`) with `before` in front of it. */
  const workerWith = (before: string, port = 'parentPort'): URL => new URL(`data:text/javascript,${encodeURIComponent([
    "import { existsSync, writeFileSync } from 'node:fs';",
    "import { parentPort, workerData } from 'node:worker_threads';",
    `import { serveScan } from ${JSON.stringify(pathToFileURL(join(root, 'dist', 'pipeline', 'scan.js')).href)};`,
    before,
    `await serveScan(${port}, workerData);`,
  ].join('\n'))}`);

  test('worker threads run from the built worker named by workerUrl, with the same findings and counts as one thread', async () => {
    const paths = files(join(tmp, 'workers'), MANY);
    const seen: string[] = [];
    const inThread = await scan({ paths, rules: RULES, jobs: 1 });
    const inWorkers = await scan({ paths, rules: RULES, jobs: 2, workerUrl: builtWorker, progress: (phase, done, total) => seen.push(`${phase} ${done}/${total}`) });
    expect(inWorkers.findings).toHaveLength(MANY + 1);
    expect(inWorkers.findings).toEqual(inThread.findings);
    expect([inWorkers.stats.files, inWorkers.stats.functions]).toEqual([MANY, MANY + 1]);
    // Reading is reported as the workers finish their shares, then each file analysed.
    expect(seen.filter((s) => s.startsWith('read')).at(-1)).toBe(`read ${MANY}/${MANY}`);
    expect(seen.filter((s) => s.startsWith('analysed'))).toEqual(paths.map((_, i) => `analysed ${i + 1}/${MANY}`));
  });

  test('a file a worker cannot read is reported as unreadable, as in one thread', async () => {
    const dir = join(tmp, 'unreadable');
    const paths = files(dir, MANY);
    const link = join(dir, 'zz-dangling.c');
    symlinkSync(join(tmp, 'nowhere.c'), link);
    const report = await scan({ paths: [dir], rules: RULES, jobs: 2, workerUrl: builtWorker });
    expect(report.unreadable).toEqual([{ path: link, reason: 'ENOENT' }]);
    expect([report.stats.files, report.findings.length]).toEqual([paths.length, MANY + 1]);
    expect(report.notes.map((n) => [n.path, n.kind])).toEqual([[link, 'skipped-file']]);
  });

  test('a file that names a rule API and is larger than analysis can hold is skipped with a note; the rest is scanned (sweep AI)', async () => {
    const dir = join(tmp, 'too-large');
    files(dir, 3);
    const big = join(dir, 'zz-generated.c');
    // One function and a comment that fills the file to `size` bytes.
    const sized = (size: number): string => {
      const code = `${leaky('gen')}/* `;
      return `${code}${'x'.repeat(size - code.length - 4)} */\n`;
    };
    writeFileSync(big, sized(MAX_ANALYSED_BYTES + 1));
    const report = await scan({ paths: [dir], rules: RULES, jobs: 1 });
    expect(report.findings.map((f) => f.function)).toEqual(['fn0', 'fn1', 'fn2']);
    expect(report.notes.map((n) => [n.path, n.kind, n.message])).toEqual([[big, 'skipped-file', `${big} names an API a rule checks but is larger than 4 MiB (generated code?), more than widen analyses in one file; it was not scanned.`]]);
    // Just under the limit, it is analysed.
    writeFileSync(big, sized(MAX_ANALYSED_BYTES));
    const under = await scan({ paths: [big], rules: RULES, jobs: 1 });
    expect([under.notes, under.findings.map((f) => f.function)]).toEqual([[], ['gen']]);
  });

  test('a UTF-16 file is noted as not scanned, not passed over as clean (sweep AI)', async () => {
    const dir = join(tmp, 'utf16');
    files(dir, 1);
    const wide = join(dir, 'zz-wide.c');
    writeFileSync(wide, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(leaky('wide'), 'utf16le')]));
    const report = await scan({ paths: [dir], rules: RULES, jobs: 1 });
    expect(report.findings.map((f) => f.function)).toEqual(['fn0']);
    expect(report.notes.map((n) => [n.path, n.kind, n.message])).toEqual([[wide, 'skipped-file', `${wide} is UTF-16 text, which widen does not read (C sources are ASCII or UTF-8); it was not scanned. Convert it to UTF-8 to scan it.`]]);
  });

  test('a worker that dies on a file costs that file only: a note for it, a new worker does the rest', async () => {
    const paths = files(join(tmp, 'crashing'), MANY);
    // The real worker, except that it dies when it is sent f03.c.
    const worker = workerWith(
      "const port = { postMessage: (m) => parentPort.postMessage(m), close: () => parentPort.close(), on: (e, f) => parentPort.on(e, (m) => { if (m.k === 'file' && m.path.endsWith('f03.c')) process.exit(70); f(m); }) };",
      'port',
    );
    const report = await scan({ paths, rules: RULES, jobs: 2, workerUrl: worker });
    expect(report.findings.map((f) => f.function).sort()).toEqual(paths.map((_, i) => `fn${i}`).filter((f) => f !== 'fn3').sort());
    expect(report.notes).toEqual([expect.objectContaining({ path: paths[3], kind: 'analysis-failed', message: expect.stringMatching(/because analysing it failed with an internal error \(the worker thread stopped with exit code 70\)/) })]);
    expect(report.stats.functions).toBe(MANY - 1);
  });

  test('a worker stuck on a file past the deadline is stopped: a note for that file, a new worker does the rest', async () => {
    const paths = files(join(tmp, 'stuck'), MANY);
    // The real worker, except that it never comes back from f03.c (a runaway analysis).
    const worker = workerWith(
      "const port = { postMessage: (m) => parentPort.postMessage(m), close: () => parentPort.close(), on: (e, f) => parentPort.on(e, (m) => { if (m.k === 'file' && m.path.endsWith('f03.c')) for (;;); f(m); }) };",
      'port',
    );
    const report = await scan({ paths, rules: RULES, jobs: 2, workerUrl: worker, fileDeadlineMs: 1500 });
    expect(report.findings.map((f) => f.function).sort()).toEqual(paths.map((_, i) => `fn${i}`).filter((f) => f !== 'fn3').sort());
    expect(report.notes).toEqual([expect.objectContaining({ path: paths[3], kind: 'analysis-failed', message: expect.stringMatching(/\(analysing it took longer than 2 s, so its worker thread was stopped\)/) })]);
  });

  test('a worker that dies while reading its share is replaced and the share read again, once', async () => {
    const paths = files(join(tmp, 'dies-reading'), MANY);
    const marker = join(tmp, 'died-once');
    const once = workerWith(`if (workerData.files.length > 0 && !existsSync(${JSON.stringify(marker)})) { writeFileSync(${JSON.stringify(marker)}, ''); parentPort.postMessage({ k: 'ready' }); process.exit(71); }`);
    const inThread = await scan({ paths, rules: RULES, jobs: 1 });
    const report = await scan({ paths, rules: RULES, jobs: 2, workerUrl: once });
    expect([report.findings, report.notes, report.stats.files]).toEqual([inThread.findings, [], MANY]);
    const always = workerWith("if (workerData.files.length > 0) { parentPort.postMessage({ k: 'ready' }); process.exit(71); }");
    await expect(scan({ paths, rules: RULES, jobs: 2, workerUrl: always })).rejects.toThrow(/^a scan worker stopped twice while reading files \(the worker thread stopped with exit code 71\)$/);
  });

  test('a worker that cannot start is an error of the installation, not of a file', async () => {
    const paths = files(join(tmp, 'nostart'), MANY);
    await expect(scan({ paths, rules: RULES, jobs: 2, workerUrl: new URL(`data:text/javascript,${encodeURIComponent("throw new Error('no grammar');")}`) })).rejects.toThrow(/a scan worker failed to start \(no grammar\)/);
  });

  test('a scan of few files runs in this thread: starting a worker would cost more than it saves', async () => {
    const paths = files(join(tmp, 'few'), 20);
    const report = await scan({ paths, rules: RULES, jobs: 2, workerUrl: new URL(`data:text/javascript,${encodeURIComponent("throw new Error('no worker expected');")}`) });
    expect(report.findings).toHaveLength(21);
  });
});
