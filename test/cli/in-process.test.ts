/**
 * The `widen` command line driven in-process through `run` (src/cli/run.ts), so coverage sees
 * the commands, their options and their messages. cli.test.ts runs the same front door as users
 * do, the built entry point in a child process; this file checks what `run` returns and what
 * `failure` makes of what it throws: stdout, stderr and the exit status.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { CommandIo, CommandResult } from '../../src/cli/commands/types.js';
import { defaultJobs } from '../../src/cli/commands/options.js';
import { failure, run, showsProgress } from '../../src/cli/run.js';
import { InputError } from '../../src/errors.js';
import { CATALOG, RULES } from '../../src/rules/index.js';
import { readAnnotations } from '../helpers/annotations.js';
import { repoRoot } from '../helpers/root.js';

const root = repoRoot();
const seed = join(root, 'examples', 'seed');
const fixtures = join(root, 'test', 'fixtures');

interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What `widen ARGS` prints and exits with, as main.ts would turn `run`'s result or error into it. */
async function widen(args: string[], io: Partial<CommandIo> = {}): Promise<Outcome> {
  const full: CommandIo = { readStdin: () => Promise.reject(new Error('no stdin in this test')), progress: null, ...io };
  let result: CommandResult;
  try {
    result = await run(args, full);
  } catch (e) {
    return { stdout: '', ...failure(e, false) };
  }
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr ?? '' };
}

/** An input error: exit 2, nothing on stdout, one `widen:` paragraph on stderr, no stack. */
function expectInputError(o: Outcome, ...mentions: RegExp[]): void {
  expect([o.exitCode, o.stdout]).toEqual([2, '']);
  expect(o.stderr).toMatch(/^widen: /);
  expect(o.stderr).not.toMatch(/internal error|\n\s+at /);
  for (const m of mentions) expect(o.stderr).toMatch(m);
}

interface JsonReport {
  findings: Array<{ rule: string; path: string; line: number; messageId: string; related: Array<{ line: number }> }>;
  notes: Array<{ kind: string; path: string; function: string | null; message: string }>;
  stats: { files: number; functions: number };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'widen-run-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('widen review', () => {
  // The seed rule only, so that these tests follow the commands, not the growing rule set.
  const seedArgs = ['review', join(seed, 'seed.patch'), '--tree', join(seed, 'tree'), '--rules', 'tlb-vma-bracket-vma-reassigned'];

  test('the seed patch: exit 1, the finding on the added tlb_start_vma() line, the reassignment related', async () => {
    const text = await widen(seedArgs);
    expect([text.exitCode, text.stderr]).toEqual([1, '']);
    expect(text.stdout).toMatch(/^mm\/memory\.c:31:3: error: .*\[tlb-vma-bracket-vma-reassigned\]$/m);
    const json = JSON.parse((await widen([...seedArgs, '--format', 'json'])).stdout) as JsonReport;
    expect(json.findings.map((f) => [f.rule, f.path, f.line, f.related.map((r) => r.line)])).toEqual([['tlb-vma-bracket-vma-reassigned', 'mm/memory.c', 31, [42]]]);
    expect(json.stats).toMatchObject({ files: 1, functions: 1 });
  });

  test('the corrected patch: exit 0, no finding', async () => {
    const o = await widen(['review', join(seed, 'seed-fixed.patch'), '--tree', join(seed, 'tree'), '--rules', 'tlb-vma-bracket-vma-reassigned', '--format', 'json']);
    expect([o.exitCode, (JSON.parse(o.stdout) as JsonReport).findings]).toEqual([0, []]);
  });

  test("'-' and no PATCH read the patch from stdin", async () => {
    const readStdin = async (): Promise<Buffer> => readFileSync(join(seed, 'seed.patch'));
    expect((await widen(['review', '-', ...seedArgs.slice(2)], { readStdin })).exitCode).toBe(1);
    expect((await widen(['review', ...seedArgs.slice(2)], { readStdin })).exitCode).toBe(1);
  });

  test('--fail-on decides the exit status; --rules narrows the rules; markdown renders', async () => {
    expect((await widen([...seedArgs, '--fail-on', 'none'])).exitCode).toBe(0);
    expect((await widen([...seedArgs, '--fail-on', 'error'])).exitCode).toBe(1);
    expect((await widen([...seedArgs.slice(0, 4), '--rules', 'tlb-gather-finish-balance'])).exitCode).toBe(0);
    const md = await widen([...seedArgs, '--format', 'markdown']);
    expect([md.exitCode, md.stdout]).toEqual([1, expect.stringContaining('tlb-vma-bracket-vma-reassigned')]);
  });

  test('without --tree: exit 0 and a note on the function it could not see whole', async () => {
    const o = await widen(['review', join(seed, 'seed.patch'), '--rules', 'tlb-vma-bracket-vma-reassigned', '--format', 'json']);
    expect(o.exitCode).toBe(0);
    expect((JSON.parse(o.stdout) as JsonReport).notes.map((n) => [n.kind, n.path, n.function])).toEqual([['limited-context', 'mm/memory.c', 'free_pgtables']]);
  });

  test('bad input is an input error, never a crash', async () => {
    expectInputError(await widen(['review', join(tmp, 'missing.patch')]), /cannot read .*missing\.patch/);
    writeFileSync(join(tmp, 'empty.patch'), '');
    expectInputError(await widen(['review', join(tmp, 'empty.patch')]), /empty/i);
    expectInputError(await widen([...seedArgs.slice(0, 2), '--tree', join(tmp, 'no-such-tree')]), /no-such-tree is not a directory/);
    expectInputError(await widen([...seedArgs.slice(0, 2), '--tree', '']), /^widen: --tree '' \(an empty name\) is not a directory\./);
    expectInputError(await widen(['review', '--pr', 'a/b#1', join(seed, 'seed.patch')]), /--pr reviews a pull request as GitHub has it/);
  });
});

describe('widen scan', () => {
  const dir = join(fixtures, 'rules', 'tlb-gather-finish-balance');

  test('--jobs defaults to the CPUs less one, at least 1 and at most 8', () => {
    expect([1, 2, 3, 4, 9, 10, 64].map(defaultJobs)).toEqual([1, 1, 2, 3, 8, 8, 8]);
  });

  test('every finding a fixture announces, and exit 1', async () => {
    const o = await widen(['scan', dir, '--format', 'json', '--jobs', '1', '--rules', 'tlb-gather-finish-balance']);
    expect([o.exitCode, o.stderr]).toEqual([1, '']);
    const found = (JSON.parse(o.stdout) as JsonReport).findings.map((f) => `${f.path.replace(/.*\//, '')}:${f.line}:${f.messageId}`);
    const announced = readdirSync(dir)
      .filter((f) => f.endsWith('.c'))
      .sort()
      .flatMap((f) => readAnnotations(readFileSync(join(dir, f), 'utf8')).filter((a) => a.kind === 'ruleid' && a.rule === 'tlb-gather-finish-balance').map((a) => `${f}:${a.target}:${a.messageId}`));
    expect(found).toEqual(announced);
  });

  test('--baseline: only what an earlier report does not hold, matched by fingerprint and file, not line', async () => {
    const tree = mkdtempSync(join(tmpdir(), 'widen-baseline-'));
    try {
      const leak = (name: string): string => `int ${name}(struct mm_struct *mm)\n{\n\tmmap_read_lock(mm);\n\tif (busy(mm))\n\t\treturn -EBUSY;\n\tmmap_read_unlock(mm);\n\treturn 0;\n}\n`;
      mkdirSync(join(tree, 'mm'));
      writeFileSync(join(tree, 'mm', 'a.c'), leak('a_old'));
      const first = await widen(['scan', tree, '--format', 'json', '--jobs', '1']);
      expect(first.exitCode).toBe(1);
      const baseline = join(tree, 'known.json');
      writeFileSync(baseline, first.stdout);
      // The known finding moves down two lines; a new one appears in another file.
      writeFileSync(join(tree, 'mm', 'a.c'), `/* moved */\n\n${leak('a_old')}`);
      writeFileSync(join(tree, 'mm', 'b.c'), leak('b_new'));
      const again = await widen(['scan', tree, '--format', 'json', '--jobs', '1', '--baseline', baseline]);
      const report = JSON.parse(again.stdout) as { findings: Array<{ path: string; function: string; rule: string }>; stats: { baseline?: number } };
      expect([again.exitCode, report.findings.map((f) => [f.path.slice(tree.length + 1), f.function, f.rule]), report.stats.baseline]).toEqual([1, [['mm/b.c', 'b_new', 'mmap-lock-balance']], 1]);
      // Written from inside the tree (relative paths), it matches a scan by absolute path too.
      writeFileSync(baseline, (await widen(['scan', tree, '--format', 'json', '--jobs', '1'])).stdout.replaceAll(`${tree}/`, ''));
      const text = await widen(['scan', tree, '--jobs', '1', '--baseline', baseline]);
      expect([text.exitCode, text.stdout.trim().split('\n').at(-1)]).toEqual([0, expect.stringMatching(/^widen: 0 new findings; 2 findings of the baseline not shown; 2 files, 2 functions checked in \d+ ms\.$/)]);
      // A file that is not a report, or no file: exit 2 before any scan, saying how to make one.
      writeFileSync(join(tree, 'x.json'), '{"version": 1}');
      expectInputError(await widen(['scan', tree, '--baseline', join(tree, 'x.json')]), /is not a widen JSON report: it has no "findings" list\. Write one with `widen scan PATH\.\.\. --format json > FILE`/);
      expectInputError(await widen(['scan', tree, '--baseline', join(tree, 'gone.json')]), /cannot read the baseline .*gone\.json: there is no such file\./);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  test('progress is reported while reading and analysing', async () => {
    const messages: string[] = [];
    await widen(['scan', dir, '--jobs', '1'], { progress: (m) => messages.push(m) });
    expect(messages).toEqual(expect.arrayContaining([`read 2/2 files, in ${dir}/`, `checked 2/2 files, in ${dir}/`]));
  });

  test('a file that cannot be read: the results, then exit 2 naming it', async () => {
    const d = join(tmp, 'partly-unreadable');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'good.c'), readFileSync(join(dir, 'exits.c')));
    symlinkSync(join(d, 'gone.c.orig'), join(d, 'broken.c'));
    const o = await widen(['scan', d, '--jobs', '1']);
    expect(o.exitCode).toBe(2);
    expect(o.stdout).toMatch(/good\.c:\d+:\d+: error:/);
    expect(o.stderr).toBe(`widen: 1 path could not be read and was not scanned: ${join(d, 'broken.c')} (it vanished, or is a symbolic link to nothing). To scan it, remove the dangling link; or leave it out. The results above are incomplete.\n`);
  });

  test('--cache keeps results in $XDG_CACHE_HOME/widen and says how many files it reused; --cache-dir names the place', async () => {
    const xdg = join(tmp, 'xdg');
    const args = ['scan', dir, '--jobs', '1', '--rules', 'tlb-gather-finish-balance', '--cache'];
    const first = await widen(args, { env: { XDG_CACHE_HOME: xdg } });
    expect([first.exitCode, first.stderr]).toEqual([1, '']);
    expect(first.stdout).not.toMatch(/from the cache/);
    expect(readdirSync(join(xdg, 'widen'))).toEqual([expect.stringMatching(/^scan-[\w-]+\.v8$/)]);
    const second = await widen(args, { env: { XDG_CACHE_HOME: xdg } });
    expect(second.stdout.replace(/ in \d+ ms/, '')).toBe(first.stdout.replace(/ in \d+ ms/, '').replace(/\.\n$/, ' (the results of 2 files from the cache).\n'));
    const json = JSON.parse((await widen([...args.slice(0, -1), '--cache-dir', join(tmp, 'elsewhere'), '--format', 'json'])).stdout) as JsonReport & { stats: { cached: number } };
    expect(json.stats.cached).toBe(0);
    expect(readdirSync(join(tmp, 'elsewhere'))).toHaveLength(1);
    expect((await widen(['scan', dir, '--format', 'json'])).stdout).not.toMatch(/"cached"/);
  });

  test('a cache that cannot be written: the results, a warning on stderr, the usual exit status', async () => {
    const blocker = join(tmp, 'not-a-dir');
    writeFileSync(blocker, '');
    const o = await widen(['scan', dir, '--jobs', '1', '--cache-dir', blocker]);
    expect(o.exitCode).toBe(1);
    expect(o.stdout).toMatch(/exits\.c:\d+:\d+: error:/);
    expect(o.stderr).toMatch(/^widen: could not write the scan cache .*not-a-dir\/scan-[\w-]+\.v8 \(something of that name is in the way\); the next scan will analyse every file again\.\n$/);
    expectInputError(await widen(['scan', dir, '--cache-dir', '']), /--cache-dir needs a directory/);
  });

  test('a file with nothing to report: exit 0', async () => {
    const p = join(tmp, 'quiet.c');
    writeFileSync(p, 'int quiet(int a)\n{\n\treturn a + 1;\n}\n');
    const o = await widen(['scan', p, '--format', 'json']);
    expect([o.exitCode, (JSON.parse(o.stdout) as JsonReport).findings]).toEqual([0, []]);
  });
});

describe('--format email and sarif, and --color', () => {
  const seedArgs = ['review', join(seed, 'seed.patch'), '--tree', join(seed, 'tree')];
  /** An SGR escape sequence (ESC spelled as a code, which a regular expression literal may not hold). */
  const ANSI = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*m`);

  test('email: one reply on stdout, exit 1 as for any format; no findings: nothing, and why on stderr', async () => {
    const o = await widen([...seedArgs, '--format', 'email']);
    expect([o.exitCode, o.stderr]).toEqual([1, '']);
    expect(o.stdout.split('\n').slice(0, 2)).toEqual(['From widen Mon Sep 17 00:00:00 2001', 'Subject: Re: [PATCH] mm: use correct VMA flags when freeing page-tables']);
    const clean = await widen(['review', join(seed, 'seed-fixed.patch'), '--tree', join(seed, 'tree'), '--format', 'email', '--rules', 'tlb-vma-bracket-vma-reassigned']);
    expect(clean).toEqual({ exitCode: 0, stdout: '', stderr: 'widen: no findings, so no reply was written.\n' });
  });

  test('email from a plain diff: the body, and on stderr what it lacks and what was not checked', async () => {
    const diff = readFileSync(join(seed, 'seed.patch'), 'utf8').replace(/^[\s\S]*?(?=^diff --git)/m, '');
    const o = await widen(['review', '--format', 'email', '--tree', join(seed, 'tree')], { readStdin: () => Promise.resolve(Buffer.from(diff)) });
    expect(o.stdout).toMatch(/^> diff --git a\/mm\/memory\.c b\/mm\/memory\.c\n/);
    expect(o.stderr).toBe("widen: the patch in <stdin> came without mail headers, so its reply has no Subject, In-Reply-To, References, To or Cc: paste it into your mail client's reply to the patch.\n");
    // Without the tree, free_pgtables() is not in the diff whole: no finding, and a note that says so.
    const blind = await widen(['review', '--format', 'email'], { readStdin: () => Promise.resolve(Buffer.from(diff)) });
    expect(blind).toMatchObject({ exitCode: 0, stdout: '' });
    // The note itself, as text lists it: no second run to read it.
    expect(blind.stderr.split('\n')).toEqual([
      'widen: no findings, so no reply was written; this note on what widen could not check:',
      expect.stringMatching(/^mm\/memory\.c:28: note: widen had no tree to read and the patch in <stdin> does not carry the whole of `free_pgtables\(\)`/) as unknown,
      '',
    ]);
  });

  test('a file named with `./` is reported by its plain relative path (sweep J)', async () => {
    const dir = join(fixtures, 'rules', 'tlb-gather-finish-balance');
    const file = readdirSync(dir).filter((f) => f.endsWith('.c')).sort()[0]!;
    const given = `./${relative(process.cwd(), join(dir, file))}`;
    const o = await widen(['scan', given, '--format', 'json', '--jobs', '1', '--rules', 'tlb-gather-finish-balance']);
    const paths = new Set((JSON.parse(o.stdout) as JsonReport).findings.map((f) => f.path));
    expect([...paths]).toEqual([given.slice(2)]);
  });

  test('sarif: the log on stdout, relative paths under the tree given', async () => {
    const o = await widen([...seedArgs, '--format', 'sarif']);
    const log = JSON.parse(o.stdout) as { runs: Array<{ originalUriBaseIds: Record<string, { uri: string }>; results: Array<{ ruleId: string }> }> };
    expect(o.exitCode).toBe(1);
    expect(log.runs[0]!.results.map((r) => r.ruleId)).toEqual(['tlb-vma-bracket-vma-reassigned', 'tlb-vma-bracket-misuse']);
    expect(log.runs[0]!.originalUriBaseIds['%SRCROOT%']!.uri).toBe(`file://${join(seed, 'tree')}/`);
  });

  test('scan --format sarif: an unreadable file makes the run unsuccessful', async () => {
    const d = join(tmp, 'sarif-unreadable');
    mkdirSync(d, { recursive: true });
    symlinkSync(join(d, 'gone.c.orig'), join(d, 'broken.c'));
    const o = await widen(['scan', d, '--format', 'sarif', '--jobs', '1']);
    expect(o.exitCode).toBe(2);
    expect((JSON.parse(o.stdout) as { runs: Array<{ invocations: Array<{ executionSuccessful: boolean }> }> }).runs[0]!.invocations[0]!.executionSuccessful).toBe(false);
  });

  test.each([
    ['auto, stdout a terminal', [], { stdoutIsTty: true, env: {} }, true],
    ['auto, stdout a pipe', [], { stdoutIsTty: false, env: {} }, false],
    ['auto, a terminal with NO_COLOR=1', [], { stdoutIsTty: true, env: { NO_COLOR: '1' } }, false],
    ['auto, a terminal with NO_COLOR empty (unset, says no-color.org)', [], { stdoutIsTty: true, env: { NO_COLOR: '' } }, true],
    ['auto, TERM=dumb', [], { stdoutIsTty: true, env: { TERM: 'dumb' } }, false],
    ['always, into a pipe with NO_COLOR=1 (the flag wins)', ['--color', 'always'], { stdoutIsTty: false, env: { NO_COLOR: '1' } }, true],
    ['never, on a terminal', ['--color', 'never'], { stdoutIsTty: true, env: {} }, false],
  ] as const)('--color %s', async (_name, flag, io, coloured) => {
    const o = await widen([...seedArgs, ...flag], io);
    expect(o.exitCode).toBe(1);
    expect(ANSI.test(o.stdout)).toBe(coloured);
    // Colour changes nothing but the colour.
    const steady = (text: string): string => text.replace(/\d+ ms\./, 'N ms.');
    expect(steady(o.stdout.replace(new RegExp(ANSI.source, 'g'), ''))).toBe(steady((await widen(seedArgs)).stdout));
  });

  test('--color paints the headline: location bold, severity red, rule id dim', async () => {
    const o = await widen([...seedArgs, '--color', 'always']);
    expect(o.stdout.split('\n')[0]).toBe('\x1b[1mmm/memory.c:31:3:\x1b[0m \x1b[1;31merror:\x1b[0m \x1b[1m`vma` changes between `tlb_start_vma()` and `tlb_end_vma()`\x1b[0m \x1b[2m[tlb-vma-bracket-vma-reassigned]\x1b[0m');
  });

  test('--color leaves the other formats alone', async () => {
    for (const format of ['json', 'markdown', 'email', 'sarif']) {
      expect(ANSI.test((await widen([...seedArgs, '--format', format, '--color', 'always'])).stdout)).toBe(false);
    }
  });

  test('scan takes --color too', async () => {
    const o = await widen(['scan', join(fixtures, 'rules', 'tlb-gather-finish-balance', 'exits.c'), '--color', 'always', '--jobs', '1']);
    expect(ANSI.test(o.stdout)).toBe(true);
  });
});

describe('widen rules, explain, debug, --version, --help', () => {
  test('rules lists every registered rule with its severity, in registry order', async () => {
    const o = await widen(['rules']);
    expect(o.exitCode).toBe(0);
    expect(o.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(0, 2))).toEqual(CATALOG.map((r) => [r.id, r.meta.severity]));
  });

  test.each(CATALOG.map((r) => r.id))('explain %s prints its page', async (id) => {
    const o = await widen(['explain', id]);
    expect([o.exitCode, o.stdout.split('\n')[0]]).toEqual([0, `# ${id}`]);
    // The markers of the page's generated sections are for the docs build, not the reader.
    expect(o.stdout).not.toContain('<!--');
  });

  test('debug cfg prints the golden text dump and DOT', async () => {
    const c = join(fixtures, 'cfg', 'constructs.c');
    const text = await widen(['debug', 'cfg', c, 'goto_chain', '--format', 'text']);
    expect(text.stdout).toBe(readFileSync(join(fixtures, 'cfg', 'constructs.cfg'), 'utf8').split('\n== ')[0]!.replace(/^== goto_chain\n/, ''));
    const dot = await widen(['debug', 'cfg', c, 'goto_chain']);
    expect([dot.exitCode, dot.stdout.split('\n')[0]]).toEqual([0, 'digraph "goto_chain" {']);
  });

  test('debug cfg names what it cannot read in words: a device, a directory, no file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'widen-debug-'));
    try {
      const outcomes = await Promise.all(['/dev/zero', dir, join(dir, 'gone.c')].map((p) => widen(['debug', 'cfg', p, 'f'])));
      expect(outcomes.map((o) => [o.exitCode, o.stderr.trim()])).toEqual([
        [2, 'widen: cannot read /dev/zero: it is a device, FIFO or socket, not a regular file.'],
        [2, `widen: cannot read ${dir}: it is a directory.`],
        [2, `widen: cannot read ${join(dir, 'gone.c')}: there is no such file.`],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--version, --help and no command at all', async () => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expect(await widen(['--version'])).toEqual({ exitCode: 0, stdout: `widen ${version}\n`, stderr: '' });
    const help = await widen(['--help']);
    expect([help.exitCode, help.stdout]).toEqual([0, expect.stringMatching(/^widen: reviews Linux-kernel-style C patches/)]);
    const none = await widen([]);
    // No command is a usage error: the usage on stderr, exit 2 (sweep J).
    expect([none.exitCode, none.stdout, none.stderr]).toEqual([2, '', help.stdout]);
    expect(help.stdout).toMatch(/widen --version \| --help/);
    for (const command of ['review', 'scan', 'debug']) expect((await widen([command, '--help'])).stdout).toMatch(/^Usage: widen /);
  });
});

describe('usage errors: exit 2, what went wrong and the usage', () => {
  test.each([
    [['frobnicate'], /'frobnicate' is not a widen command/],
    [['review', '--bogus'], /Unknown option '--bogus'/],
    [['review', '--format', 'yaml'], /--format must be text, json, markdown, email or sarif, not 'yaml'/],
    [['scan', '.', '--format', 'email'], /--format email writes replies to patch mails, and widen scan has no patch to answer/],
    [['review', '--pr', 'o/r#1', '--format', 'email'], /--format email answers patch mails on a mailing list; for a pull request use --format markdown/],
    [['review', '--color', 'sometimes'], /--color must be always, never or auto, not 'sometimes'/],
    [['scan', '.', '--color', 'yes'], /--color must be always, never or auto, not 'yes'/],
    [['scan', '.', '--rules', 'no-such-rule'], new RegExp(`unknown rule no-such-rule\\. Known rules: ${RULES.map((r) => r.id).join(', ')}\\.`)],
    [['scan', '.', '--fail-on', 'fatal'], /--fail-on must be error, warning, note or none/],
    [['scan', '.', '--jobs', '0'], /--jobs must be a whole number/],
    [['scan'], /needs at least one file or directory/],
    [['rules', 'extra'], /widen rules takes no arguments/],
    [['explain'], /widen explain takes exactly one rule id, for example 'widen explain tlb-vma-bracket-vma-reassigned'; 'widen rules' lists them\. Run/],
    [['review', '--tree'], /--tree needs a value \(--tree VALUE or --tree=VALUE\)\./],
    [['debug', 'cfg'], /widen debug needs: cfg FILE FUNCTION/],
  ])('%j', async (args, message) => {
    const o = await widen(args);
    // One short paragraph: the problem, the command's synopsis and where the rest is; never the whole usage text.
    expectInputError(o, message, /(\nUsage: widen \w+ .*\nRun 'widen \w+ --help' for the options\.|Run 'widen --help' for the commands\.)\n$/);
    expect(o.stderr.split('\n').length).toBeLessThanOrEqual(4);
  });

  test('an unknown rule for explain, a missing path for scan, a missing function for debug', async () => {
    expectInputError(await widen(['explain', 'nope']), /There is no rule 'nope'/);
    expectInputError(await widen(['scan', join(tmp, 'nowhere')]), /cannot read .*nowhere \(no such file or directory\)/);
    expectInputError(await widen(['debug', 'cfg', join(fixtures, 'cfg', 'constructs.c'), 'nope']), /defines no function named nope\. It defines: goto_chain/);
  });
});

describe('failure: how main words what run throws', () => {
  test('a progress line only on a terminal that can erase it (sweep J: TERM=dumb got raw escapes)', () => {
    expect([showsProgress(true, 'xterm-256color'), showsProgress(true, undefined), showsProgress(true, 'dumb'), showsProgress(false, 'xterm'), showsProgress(undefined, 'xterm')]).toEqual([true, true, false, false, false]);
  });

  test('an input error is its message alone', () => {
    expect(failure(new InputError('usage', 'Something was wrong.'), false)).toEqual({ exitCode: 2, stderr: 'widen: Something was wrong.\n' });
  });

  test('anything else is a bug in widen; the stack only with WIDEN_DEBUG', () => {
    const e = new Error('it broke');
    expect(failure(e, false)).toEqual({ exitCode: 2, stderr: 'widen: internal error: it broke. This is a bug in widen; please report it with the command you ran (set WIDEN_DEBUG=1 for details).\n' });
    const debug = failure(e, true);
    expect(debug.stderr).toMatch(/^widen: internal error: it broke\. This is a bug in widen; please report it with the command you ran\.\nError: it broke\n\s+at /);
  });
});

describe('what a first-time user hit', () => {
  /** A hunk adding a multi-line block inside a function the diff does not carry whole. */
  const blockHunk = [
    'diff --git a/mm/zap.c b/mm/zap.c',
    '--- a/mm/zap.c',
    '+++ b/mm/zap.c',
    '@@ -40,6 +40,12 @@ static void zap_range(struct mmu_gather *tlb, struct vm_area_struct *vma)',
    ' \tunsigned long addr = vma->vm_start;',
    ' ',
    ' \ttlb_start_vma(tlb, vma);',
    '+\tfor (; vma; vma = vma->vm_next) {',
    '+\t\tunmap_page_range(tlb, vma, addr, vma->vm_end);',
    '+\t\tif (need_resched()) {',
    '+\t\t\tcond_resched();',
    '+\t\t}',
    '+\t}',
    ' \ttlb_end_vma(tlb, vma);',
    ' \tflush(addr);',
    ' }',
    '',
  ].join('\n');

  test('without --tree, a hunk with a multi-line block is named in a note; --fail-on-unchecked makes that exit 1', async () => {
    const p = join(tmp, 'block.diff');
    writeFileSync(p, blockHunk);
    const o = await widen(['review', p, '--format', 'json']);
    expect(o.exitCode).toBe(0);
    const report = JSON.parse(o.stdout) as JsonReport;
    expect([report.findings, report.notes.map((n) => [n.kind, n.path, n.function]), report.stats.functions]).toEqual([[], [['limited-context', 'mm/zap.c', 'zap_range']], 0]);
    expect((await widen(['review', p, '--fail-on-unchecked'])).exitCode).toBe(1);
    // The seed patch with its tree is checked whole: nothing unchecked, so the flag changes nothing.
    expect((await widen(['review', join(seed, 'seed-fixed.patch'), '--tree', join(seed, 'tree'), '--fail-on-unchecked'])).exitCode).toBe(0);
  });

  test('`git diff --no-prefix` output applies to the tree (mm/memory.c is not read as memory.c)', async () => {
    const seedPatch = readFileSync(join(seed, 'seed.patch'), 'utf8');
    const noPrefix = seedPatch.replace('diff --git a/mm/memory.c b/mm/memory.c', 'diff --git mm/memory.c mm/memory.c').replace('--- a/mm/memory.c', '--- mm/memory.c').replace('+++ b/mm/memory.c', '+++ mm/memory.c');
    expect(noPrefix).toContain('diff --git mm/memory.c mm/memory.c');
    const p = join(tmp, 'noprefix.patch');
    writeFileSync(p, noPrefix);
    const o = await widen(['review', p, '--tree', join(seed, 'tree'), '--rules', 'tlb-vma-bracket-vma-reassigned', '--format', 'json']);
    expect([o.exitCode, (JSON.parse(o.stdout) as JsonReport).findings.map((f) => [f.path, f.line])]).toEqual([1, [['mm/memory.c', 31]]]);
  });

  test('--allow-gaps reviews a series with a patch missing and names the gap in a note', async () => {
    const mbox = join(fixtures, 'patch', 'series-missing.mbox');
    expectInputError(await widen(['review', mbox]), /holds patches 1\/3, 3\/3 of a 3-patch series, but patch 2\/3 is missing\. .*or give --allow-gaps/);
    const o = await widen(['review', mbox, '--allow-gaps', '--format', 'json']);
    const notes = (JSON.parse(o.stdout) as JsonReport).notes;
    expect(notes.filter((n) => n.kind === 'missing-patch').map((n) => [n.path, n.message])).toEqual([[mbox, `Patch 2/3 is missing in ${mbox}; widen reviewed the patches that are there without it.`]]);
    expect((await widen(['review', mbox, '--allow-gaps', '--fail-on-unchecked'])).exitCode).toBe(1);
  });

  test('messages: --jobs -1, NUL bytes, long lines and limits are worded for people', async () => {
    expectInputError(await widen(['scan', '.', '--jobs', '-1']), /^widen: --jobs needs a value, and what follows it starts with '-', so widen takes it for an option\. Give the value as --jobs=VALUE if it really starts with '-'\.\n/);
    expectInputError(await widen(['scan', '.', '--jobs=-1']), /^widen: --jobs must be a whole number from 1 to 256, not '-1'\.\n/);
    expectInputError(await widen(['fr\x00ob\x1b[31m']), /^widen: 'fr\\x00ob\\x1b\[31m' is not a widen command\./);

    const seedPatch = readFileSync(join(seed, 'seed.patch'), 'utf8');
    const longLine = `\t${'x'.repeat(1_000_000)};`;
    const tree = join(tmp, 'long-line-tree');
    mkdirSync(join(tree, 'mm'), { recursive: true });
    writeFileSync(join(tree, 'mm', 'memory.c'), readFileSync(join(seed, 'tree', 'mm', 'memory.c'), 'utf8').replace('\t\tunlink_file_vma(vma);\n', `\t\tunlink_file_vma(vma);${longLine}\n`));
    const o = await widen(['review', join(seed, 'seed.patch'), '--tree', tree]);
    expectInputError(o, /but the file has `\t\tunlink_file_vma\(vma\);\tx{96}\.\.\. \(999905 more characters\)`/);
    expect(o.stderr.length).toBeLessThan(1000);

    const nul = join(tmp, 'nul.patch');
    writeFileSync(nul, seedPatch.replace('+\t\ttlb_start_vma(tlb, vma);\n', '+\t\ttlb_start_vma(tlb, vma);\n\x00junk\n'));
    const corrupt = await widen(['review', nul]);
    expectInputError(corrupt, /\(`\\x00junk`\)/);
    expect(corrupt.stderr).not.toContain('\x00');

    const huge = join(tmp, 'huge-lines.diff');
    writeFileSync(huge, 'diff --git a/mm/x.c b/mm/x.c\n--- a/mm/x.c\n+++ b/mm/x.c\n@@ -20000000,1 +20000000,1 @@\n-a\n+b\n');
    expectInputError(await widen(['review', huge]), /hunk 1 of mm\/x\.c names lines beyond line 10,000,000 .*more than widen reviews in one file\./);
    // The same hunk in a file that is not C is skipped with the rest of the non-C files.
    const data = join(tmp, 'huge-data.diff');
    writeFileSync(data, `${seedPatch.slice(seedPatch.indexOf('diff --git'))}diff --git a/Documentation/x.txt b/Documentation/x.txt\n--- a/Documentation/x.txt\n+++ b/Documentation/x.txt\n@@ -20000000,1 +20000000,1 @@\n-a\n+b\n`);
    const skipped = await widen(['review', data, '--tree', join(seed, 'tree'), '--format', 'json']);
    expect([skipped.exitCode, (JSON.parse(skipped.stdout) as { findings: Array<{ rule: string }> }).findings.map((f) => f.rule)]).toEqual([1, ['tlb-vma-bracket-vma-reassigned', 'tlb-vma-bracket-misuse']]);

    const long = join(tmp, 'long-series.mbox');
    writeFileSync(long, seedPatch.replace('Subject: [PATCH]', 'Subject: [PATCH 1/5000]'));
    expectInputError(await widen(['review', long]), /numbers a series of 5000 patches; widen reviews series of at most 1000 patches\./);

    const separators = join(tmp, 'separators.mbox');
    writeFileSync(separators, 'From 1234567890abcdef Mon Sep 17 00:00:00 2001\n\nFrom 1234567890abcdef Mon Sep 17 00:00:00 2001\n');
    expectInputError(await widen(['review', separators]), /separators\.mbox holds mbox `From ` separator lines but no mail under them\./);
  });

  test('an input beyond the size limit is refused before it is read', async () => {
    const big = join(tmp, 'sparse.patch');
    writeFileSync(big, '');
    truncateSync(big, 65 * 1024 * 1024);
    expectInputError(await widen(['review', big]), /sparse\.patch holds more than 64 MiB of patches, the most widen reviews at once/);
  });

  test('--pr against a server that is not the GitHub API: one message naming the answer, no internal error', async () => {
    // A login page, as a proxy or a wrong --api-url gives, for every request.
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><body>Sign in</body></html>');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    try {
      const o = await widen(['review', '--pr', 'o/r#1', '--api-url', `http://127.0.0.1:${port}`], { env: { GITHUB_TOKEN: 'x' } });
      expectInputError(o, /^widen: http:\/\/127\.0\.0\.1:\d+ did not answer like the GitHub REST API: GET pulls\/\{number\} gave an HTML page, not a JSON object\. Check --api-url/);
    } finally {
      server.close();
    }
  });

  test('email: a name that decodes to a line break stays one quoted name; an empty Message-Id threads nothing', async () => {
    const seedMail = readFileSync(join(seed, 'seed.patch'), 'utf8');
    const mail = join(tmp, 'crlf-name.patch');
    writeFileSync(mail, seedMail.replace(/^From: .*$/m, 'From: =?utf-8?Q?Te=0D=0ABcc:_x@y?= <t@example.org>').replace(/^Message-I[dD]: .*$/m, 'Message-Id: '));
    const o = await widen(['review', mail, '--tree', join(seed, 'tree'), '--format', 'email']);
    const headers = o.stdout.slice(0, o.stdout.indexOf('\n\n')).split('\n');
    expect(headers).toContain('To: "Te Bcc: x@y" <t@example.org>');
    expect(headers.filter((h) => /^(In-Reply-To|References):/.test(h))).toEqual([]);
  });

  test('a tree file that is a FIFO, a directory or a link out of the tree is noted in words, and not read', async () => {
    const outside = join(tmp, 'secret.c');
    writeFileSync(outside, 'SECRET-LINE-1\n');
    for (const [kind, make, words] of [
      ['fifo', (p: string) => execFileSync('mkfifo', [p]), 'it is a device, FIFO or socket, not a regular file'],
      ['directory', (p: string) => mkdirSync(p), 'it is a directory'],
      // Sweep J: an untrusted tree must not make widen quote a file of the machine.
      ['link-out', (p: string) => symlinkSync(outside, p), 'it is a symbolic link to a file outside the tree'],
      ['device', (p: string) => symlinkSync('/dev/zero', p), 'it is a symbolic link to a file outside the tree'],
    ] as const) {
      const tree = join(tmp, `tree-${kind}`);
      mkdirSync(join(tree, 'mm'), { recursive: true });
      make(join(tree, 'mm', 'memory.c'));
      const o = await widen(['review', join(seed, 'seed.patch'), '--tree', tree, '--format', 'json']);
      expect(o.exitCode).toBe(0);
      const notes = (JSON.parse(o.stdout) as JsonReport).notes.map((n) => n.message);
      expect(notes).toEqual([expect.stringContaining(`mm/memory.c could not be read (${words}), so widen did not check the changes`)]);
      // A tree made of links (`cp -rs`) is told what to give instead (sweeps S and T).
      expect(notes[0]!.endsWith('for a tree made of links, give --tree the directory they point into.')).toBe(kind === 'link-out' || kind === 'device');
    }
  });

  test('a link inside the tree to a file of the tree is read through', async () => {
    const tree = join(tmp, 'tree-link-in');
    mkdirSync(join(tree, 'mm'), { recursive: true });
    mkdirSync(join(tree, 'real'), { recursive: true });
    copyFileSync(join(seed, 'tree', 'mm', 'memory.c'), join(tree, 'real', 'memory.c'));
    symlinkSync('../real/memory.c', join(tree, 'mm', 'memory.c'));
    const o = await widen(['review', join(seed, 'seed.patch'), '--tree', tree, '--format', 'json']);
    expect([o.exitCode, (JSON.parse(o.stdout) as JsonReport).findings.map((f) => f.rule)]).toEqual([1, ['tlb-vma-bracket-vma-reassigned', 'tlb-vma-bracket-misuse']]);
  });

  test('a PATCH that is a pipe or a device is read only up to the limit', async () => {
    expectInputError(await widen(['review', '/dev/zero']), /^widen: \/dev\/zero holds more than 64 MiB of patches/);
  });

  test('a statement added above an identical old one is reported at the added line', async () => {
    const tree = join(tmp, 'dup-tree');
    mkdirSync(join(tree, 'mm'), { recursive: true });
    // The helper shows the tree has vm_flags_set() and friends (6.3 and later).
    writeFileSync(join(tree, 'mm', 'foo.c'), 'static void helper(struct vm_area_struct *vma)\n{\n\tvm_flags_reset(vma, 0);\n}\n\nint foo(struct vm_area_struct *vma, unsigned long addr)\n{\n\tif (addr & 1)\n\t\treturn -EINVAL;\n\n\tvma->vm_flags |= VM_IO;\n\treturn 0;\n}\n');
    const patch = join(tmp, 'dup.diff');
    writeFileSync(patch, 'diff --git a/mm/foo.c b/mm/foo.c\n--- a/mm/foo.c\n+++ b/mm/foo.c\n@@ -7,6 +7,8 @@ int foo(struct vm_area_struct *vma, unsigned long addr)\n {\n \tif (addr & 1)\n \t\treturn -EINVAL;\n+\tif (addr & 2)\n+\t\tvma->vm_flags |= VM_IO;\n \n \tvma->vm_flags |= VM_IO;\n \treturn 0;\n');
    const o = await widen(['review', patch, '--tree', tree, '--format', 'json']);
    expect((JSON.parse(o.stdout) as JsonReport).findings.map((f) => [f.rule, f.line])).toEqual([['vm-flags-direct-write', 11]]);
  });

  test('without --tree, a new file is checked whole, whatever the layout of its functions', async () => {
    const header = join(tmp, 'one-line.diff');
    const fn = 'static inline int foo(struct mm_struct *mm, unsigned long a) { mmap_read_lock(mm); if (a) return -EINVAL; mmap_read_unlock(mm); return 0; }';
    writeFileSync(header, `diff --git a/include/linux/foo.h b/include/linux/foo.h\nnew file mode 100644\n--- /dev/null\n+++ b/include/linux/foo.h\n@@ -0,0 +1,3 @@\n+#include <linux/mm.h>\n+\n+${fn}\n`);
    const o = await widen(['review', header, '--format', 'json']);
    expect(o.exitCode).toBe(1);
    expect((JSON.parse(o.stdout) as JsonReport).findings.map((f) => [f.rule, f.messageId, f.line])).toEqual([['mmap-lock-balance', 'leak', 3]]);
  });

  test('a line of megabytes in the function is cut in every excerpt and quote', async () => {
    const long = join(tmp, 'long-comment.diff');
    const body = ['int foo(struct mm_struct *mm, int a)', '{', '\tmmap_read_lock(mm);', `\t/* ${'x'.repeat(2_000_000)} */`, '\tif (a)', '\t\treturn -EINVAL;', '\tmmap_read_unlock(mm);', '\treturn 0;', '}'];
    writeFileSync(long, `diff --git a/mm/foo.c b/mm/foo.c\nnew file mode 100644\n--- /dev/null\n+++ b/mm/foo.c\n@@ -0,0 +1,${body.length} @@\n${body.map((l) => `+${l}`).join('\n')}\n`);
    for (const format of ['text', 'markdown', 'email']) {
      const o = await widen(['review', long, '--format', format]);
      expect([format, o.exitCode]).toEqual([format, 1]);
      // 400 characters of the line (of the diff line, in a mail's quote), then the count.
      expect(o.stdout).toMatch(/\/\* x{395,396}… \(199960[67] more characters\)/);
      expect(o.stdout.length).toBeLessThan(20_000);
    }
  });

  test('a patch with 130,000 findings does not overflow the stack', async () => {
    const many = join(tmp, 'many-fixes.patch');
    const fixes = Array.from({ length: 130_000 }, (_, i) => `Fixes: zz${i}`).join('\n');
    writeFileSync(many, readFileSync(join(seed, 'seed.patch'), 'utf8').replace(/\n---\n/, `\n\n${fixes}\n---\n`));
    const o = await widen(['review', many, '--format', 'json']);
    expect(o.stderr).toBe('');
    const report = JSON.parse(o.stdout) as JsonReport;
    expect(report.findings.filter((f) => f.rule === 'patch-fixes-tag-format')).toHaveLength(130_000);
  });

  test('scan skips a FIFO and a link to a device, each with a note, instead of blocking or reading forever', async () => {
    const d = join(tmp, 'special');
    mkdirSync(d);
    execFileSync('mkfifo', [join(d, 'fifo.c')]);
    symlinkSync('/dev/zero', join(d, 'zero.c'));
    writeFileSync(join(d, 'ok.c'), 'int ok(void)\n{\n\treturn 0;\n}\n');
    const o = await widen(['scan', d, '--format', 'json']);
    expect(o.exitCode).toBe(0);
    const report = JSON.parse(o.stdout) as JsonReport;
    expect(report.notes.map((n) => [n.kind, n.path])).toEqual([
      ['skipped-file', join(d, 'fifo.c')],
      ['skipped-file', join(d, 'zero.c')],
    ]);
    expect(report.notes[0]!.message).toContain('is not a regular file (a device, FIFO or socket, or a link to one)');
  });

  test('scan writes out the control characters of a file name on disk', async () => {
    const d = join(tmp, 'named');
    mkdirSync(d);
    writeFileSync(join(d, 'b\x1b]0;t\x07\u009b.c'), 'int f(struct mm_struct *mm, int a)\n{\n\tmmap_read_lock(mm);\n\tif (a)\n\t\treturn -EINVAL;\n\tmmap_read_unlock(mm);\n\treturn 0;\n}\n');
    const text = await widen(['scan', d]);
    expect(text.stdout).toContain(`${d}/b\\x1b]0;t\\x07\\x9b.c:3:2: error: `);
    const raw = (out: string): string[] => [...out].filter((c) => '\x1b\x07\u009b'.includes(c));
    expect(raw(text.stdout)).toEqual([]);
    // JSON keeps the real name, escaped the JSON way.
    const json = await widen(['scan', d, '--format', 'json']);
    expect(raw(json.stdout)).toEqual([]);
    expect((JSON.parse(json.stdout) as JsonReport).findings[0]!.path).toBe(join(d, 'b\x1b]0;t\x07\u009b.c'));
  });

  test('scan names symbolic links to directories it does not follow, unless it walks their target anyway', async () => {
    const d = join(tmp, 'with-link');
    const outside = join(tmp, 'outside');
    mkdirSync(join(d, 'real'), { recursive: true });
    mkdirSync(join(d, 'node_modules', 'pkg'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(d, 'real', 'a.c'), 'int a(void)\n{\n\treturn 0;\n}\n');
    writeFileSync(join(outside, 'b.c'), 'int b(void)\n{\n\treturn 0;\n}\n');
    // Into the tree (as scripts/dtc/include-prefixes/arm points into arch/arm/boot/dts), out of
    // it, and into a directory the walk skips.
    symlinkSync(join(d, 'real'), join(d, 'linked'));
    symlinkSync(outside, join(d, 'elsewhere'));
    symlinkSync(join(d, 'node_modules', 'pkg'), join(d, 'vendored'));
    const o = await widen(['scan', d, '--format', 'json']);
    expect(o.exitCode).toBe(0);
    const report = JSON.parse(o.stdout) as JsonReport;
    expect(report.notes.map((n) => [n.kind, n.message])).toEqual([
      ['skipped-file', `${join(d, 'elsewhere')} is a symbolic link to a directory; widen scan does not follow those. Name the directory it points to on the command line to scan it.`],
      ['skipped-file', `${join(d, 'vendored')} is a symbolic link to a directory; widen scan does not follow those. Name the directory it points to on the command line to scan it.`],
    ]);
    expect(report.stats.files).toBe(1);
    // What was not followed was not checked: --fail-on-unchecked says so in the exit status.
    expect((await widen(['scan', d, '--fail-on-unchecked'])).exitCode).toBe(1);
    rmSync(join(d, 'elsewhere'));
    rmSync(join(d, 'vendored'));
    // A link whose target the scan walks anyway costs nothing: no note, nothing unchecked.
    const inside = await widen(['scan', d, '--format', 'json', '--fail-on-unchecked']);
    expect([inside.exitCode, (JSON.parse(inside.stdout) as JsonReport).notes]).toEqual([0, []]);
  });
});

describe('control characters of a hostile patch never reach the reader', () => {
  // An escape sequence in a string literal (colour, then a terminal title and a bell), and a
  // git-quoted file name holding a newline and an escape.
  const body = ' int a;\n+int b(struct mm_struct *mm)\n+{\n+\tmmap_read_lock(mm);\n+\tif (!mm->map_count) {\n+\t\tpr_err("\x1b[31mRED\x1b]0;pwned\x07");\n+\t\treturn -EINVAL;\n+\t}\n+\tmmap_read_unlock(mm);\n+\treturn 0;\n+}\n';
  const patches = {
    'literal.patch': `diff --git a/mm/e.c b/mm/e.c\n--- a/mm/e.c\n+++ b/mm/e.c\n@@ -1 +1,11 @@\n${body}`,
    'name.patch': `diff --git "a/mm/we\\nird\\033.c" "b/mm/we\\nird\\033.c"\n--- "a/mm/we\\nird\\033.c"\n+++ "b/mm/we\\nird\\033.c"\n@@ -1 +1,11 @@\n${body}`,
    // An unquoted name (tools other than git quote nothing) with an escape, a C1 CSI and a bidi override.
    'raw-name.patch': `diff --git a/mm/f\x1b[31mo\u009bo\u202e.c b/mm/f\x1b[31mo\u009bo\u202e.c\n--- a/mm/f\x1b[31mo\u009bo\u202e.c\n+++ b/mm/f\x1b[31mo\u009bo\u202e.c\n@@ -1 +1,11 @@\n${body}`,
    // The commit message carries them: author, subject (raw and RFC 2047-encoded), a trailer.
    'mail.patch':
      'From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001\n' +
      'From: Evil \x1b[31mRed\x1b[0m <e@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n' +
      'Subject: [PATCH] mm: \x1b]0;pwned\x07 =?UTF-8?Q?t=1B[2Jitle?=\nReply-To: =?UTF-8?Q?R=1B[5m?= <r@example.org>\n\n' +
      'Body.\n\nFixes: abc\x1b[2J ("x")\nSigned-off-by: Other <o@example.org>\n---\n' +
      `diff --git a/mm/e.c b/mm/e.c\n--- a/mm/e.c\n+++ b/mm/e.c\n@@ -1 +1,11 @@\n${body}-- \n2.39.2\n`,
    'log.patch':
      'commit 2222222222222222222222222222222222222222\nAuthor: Evil \x1b[31mRed\x1b[0m <e@example.org>\nDate:   Mon Jan 1 00:00:00 2024 +0000\n\n' +
      '    mm: \x1b]0;pwned\x07 title\n\n    Fixes: abc\x1b[2J ("x")\n    Signed-off-by: Other <o@example.org>\n\n' +
      `diff --git a/mm/e.c b/mm/e.c\n--- a/mm/e.c\n+++ b/mm/e.c\n@@ -1 +1,11 @@\n${body}`,
  };

  test.each(Object.keys(patches))('%s: text, markdown, email and SARIF carry the characters written out', async (name) => {
    const dir = mkdtempSync(join(tmpdir(), 'widen-controls-'));
    try {
      const file = join(dir, name);
      writeFileSync(file, patches[name as keyof typeof patches]);
      for (const format of ['text', 'markdown', 'email', 'sarif', 'json']) {
        const out = await widen(['review', file, '--format', format]);
        expect([format, out.exitCode]).toEqual([format, 1]);
        // Nothing below a space but tab and newline (no ESC, no BEL, no line broken inside a
        // name), and no C1 control or bidi override.
        const controls = [...out.stdout, ...out.stderr].filter((c) => (c < ' ' && c !== '\t' && c !== '\n') || (c >= '\x7f' && c <= '\x9f') || /[\u202a-\u202e\u2066-\u2069]/.test(c));
        expect([format, controls]).toEqual([format, []]);
        if (format === 'text') {
          const first = { 'name.patch': /^mm\/we\\nird\\x1b\.c:4:2: error: /m, 'raw-name.patch': /^mm\/f\\x1b\[31mo\\x9bo\\u202e\.c:4:2: error: /m }[name] ?? /^mm\/e\.c:4:2: error: /m;
          expect(out.stdout).toMatch(first);
          if (name === 'literal.patch') expect(out.stdout).toContain('pr_err("\\x1b[31mRED\\x1b]0;pwned\\x07");');
        }
        if (format === 'text' && (name === 'mail.patch' || name === 'log.patch')) {
          const subject = name === 'mail.patch' ? 'mm: \\x1b]0;pwned\\x07 t\\x1b[2Jitle' : 'mm: \\x1b]0;pwned\\x07 title';
          expect(out.stdout).toContain(`note: a \`Fixes:\` tag that does not start with a commit id: \`Fixes: abc\\x1b[2J ("x")\` [patch-fixes-tag-format]\n  in the commit message of "${subject}"`);
          expect(out.stdout).toContain('note: no `Signed-off-by:` from the author `Evil \\x1b[31mRed\\x1b[0m <e@example.org>` [patch-signoff-author]');
        }
        if (format === 'email' && name === 'mail.patch') {
          expect(out.stdout).toContain('\nTo: "R\\\\x1b[5m" <r@example.org>\n');
          expect(out.stdout).toContain('\nOn Mon, 1 Jan 2024 00:00:00 +0000, Evil \\x1b[31mRed\\x1b[0m wrote:\n');
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
