/**
 * The `widen` command line driven in-process through `run` (src/cli/run.ts), so coverage sees
 * the commands, their options and their messages. cli.test.ts runs the same front door as users
 * do, the built entry point in a child process; this file checks what `run` returns and what
 * `failure` makes of what it throws: stdout, stderr and the exit status.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandIo, CommandResult } from '../../src/cli/commands/types.js';
import { failure, run } from '../../src/cli/run.js';
import { InputError } from '../../src/errors.js';
import { RULES } from '../../src/rules/index.js';
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
  notes: Array<{ kind: string; path: string; function: string | null }>;
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
    expectInputError(await widen(['review', '--pr', 'a/b#1', join(seed, 'seed.patch')]), /--pr reviews a pull request as GitHub has it/);
  });
});

describe('widen scan', () => {
  const dir = join(fixtures, 'rules', 'tlb-gather-finish-balance');

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
    expect(o.stderr).toMatch(/^widen: 1 file could not be read and was not scanned: .*broken\.c \(ENOENT\)/);
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
    expect(blind).toEqual({ exitCode: 0, stdout: '', stderr: 'widen: no findings, so no reply was written; there is 1 note on what widen could not check (--format text lists it).\n' });
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
    expect(o.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(0, 2))).toEqual(RULES.map((r) => [r.id, r.meta.severity]));
  });

  test.each(RULES.map((r) => r.id))('explain %s prints its page', async (id) => {
    const o = await widen(['explain', id]);
    expect([o.exitCode, o.stdout.split('\n')[0]]).toEqual([0, `# ${id}`]);
  });

  test('debug cfg prints the golden text dump and DOT', async () => {
    const c = join(fixtures, 'cfg', 'constructs.c');
    const text = await widen(['debug', 'cfg', c, 'goto_chain', '--format', 'text']);
    expect(text.stdout).toBe(readFileSync(join(fixtures, 'cfg', 'constructs.cfg'), 'utf8').split('\n== ')[0]!.replace(/^== goto_chain\n/, ''));
    const dot = await widen(['debug', 'cfg', c, 'goto_chain']);
    expect([dot.exitCode, dot.stdout.split('\n')[0]]).toEqual([0, 'digraph "goto_chain" {']);
  });

  test('--version, --help and no command at all', async () => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expect(await widen(['--version'])).toEqual({ exitCode: 0, stdout: `widen ${version}\n`, stderr: '' });
    const help = await widen(['--help']);
    expect([help.exitCode, help.stdout]).toEqual([0, expect.stringMatching(/^widen: reviews Linux-kernel-style C patches/)]);
    const none = await widen([]);
    expect([none.exitCode, none.stdout]).toEqual([2, help.stdout]);
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
    [['explain'], /widen explain takes exactly one rule id/],
    [['debug', 'cfg'], /widen debug needs: cfg FILE FUNCTION/],
  ])('%j', async (args, message) => {
    expectInputError(await widen(args), message, /Usage:/);
  });

  test('an unknown rule for explain, a missing path for scan, a missing function for debug', async () => {
    expectInputError(await widen(['explain', 'nope']), /There is no rule 'nope'/);
    expectInputError(await widen(['scan', join(tmp, 'nowhere')]), /cannot read .*nowhere \(no such file or directory\)/);
    expectInputError(await widen(['debug', 'cfg', join(fixtures, 'cfg', 'constructs.c'), 'nope']), /defines no function named nope\. It defines: goto_chain/);
  });
});

describe('failure: how main words what run throws', () => {
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
