/**
 * The `widen` command as users run it (the built dist/cli/main.js in a child process): exit
 * statuses, output formats, and a clear one-paragraph message, never a stack trace, for every
 * kind of bad input.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOG, RULES } from '../../src/rules/index.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'dist', 'cli', 'main.js');
const seed = join(root, 'examples', 'seed');
const fixtures = join(root, 'test', 'fixtures');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function widen(args: string[], input?: string | Buffer): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An input error: exit 2, one `widen:` message on stderr, no stack trace, nothing on stdout. */
function expectInputError(r: Run, ...mentions: RegExp[]): void {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^widen: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/internal error/);
  for (const m of mentions) expect(r.stderr).toMatch(m);
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'widen-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}

describe('widen review', () => {
  test('the seed patch: exit 1 and the compiler-style line with the widened context', () => {
    const r = widen(['review', join(seed, 'seed.patch'), '--tree', join(seed, 'tree')]);
    expect(r.status).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('mm/memory.c:31:3: error: `vma` changes between `tlb_start_vma()` and `tlb_end_vma()` [tlb-vma-bracket-vma-reassigned]');
    expect(r.stdout).toContain('  = note: `tlb_start_vma()` recorded the flags of one VMA');
    expect(r.stdout).toContain('  = help: Bracket each VMA separately');
    expect(r.stdout).toContain('  >  31 |+                tlb_start_vma(tlb, vma);');
    expect(r.stdout).toMatch(/ {2}\* {2}42 \| {33}vma = next; +<- `vma` reassigned here/);
    expect(r.stdout).toContain('  >  51 |+                tlb_end_vma(tlb, vma);');
    expect(r.stdout).toContain('     40 |                         while (next && next->vm_start <= vma->vm_end + PMD_SIZE');
    expect(r.stderr).toBe('');
  });

  test('the corrected patch: exit 0, with the advisory note below --fail-on', () => {
    const r = widen(['review', join(seed, 'seed-fixed.patch'), '--tree', join(seed, 'tree')]);
    expect([r.status, r.stdout.trim().split('\n').pop()]).toEqual([0, expect.stringMatching(/^widen: 1 finding \(1 note\); 1 file, 1 function checked in \d+ ms\.$/)]);
    expect(widen(['review', join(seed, 'seed-fixed.patch'), '--tree', join(seed, 'tree'), '--fail-on', 'note']).status).toBe(1);
  });

  test('reads the patch from stdin', () => {
    const r = widen(['review', '-', '--tree', join(seed, 'tree')], readFileSync(join(seed, 'seed.patch')));
    expect(r.status).toBe(1);
  });

  test('--format json has the contract shape', () => {
    const r = widen(['review', join(seed, 'seed.patch'), '--tree', join(seed, 'tree'), '--format', 'json']);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['version', 'findings', 'notes', 'stats']);
    expect(out.version).toBe(1);
    const [f] = out.findings;
    expect(f).toEqual({
      rule: 'tlb-vma-bracket-vma-reassigned',
      severity: 'error',
      message: '`vma` changes between `tlb_start_vma()` and `tlb_end_vma()`',
      confidence: 'high',
      explanation: expect.stringContaining('`vma` is reassigned in between (by `vma = next;`)'),
      fix: expect.stringMatching(/^Bracket each VMA separately/),
      messageId: 'reassigned',
      path: 'mm/memory.c',
      line: 31,
      column: 3,
      endLine: 51,
      function: 'free_pgtables',
      patch: { index: 1, subject: 'mm: use correct VMA flags when freeing page-tables' },
      related: [{ path: 'mm/memory.c', line: 42, message: '`vma` reassigned here' }],
      fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
      docsUrl: 'https://github.com/widen-review/widen/blob/main/docs/rules/tlb-vma-bracket-vma-reassigned.md',
      placement: 'added-line',
    });
    expect(out.stats).toEqual({ files: 1, functions: 1, ms: expect.any(Number) });
  });

  test('--fail-on decides the exit status; --rules narrows the rules', () => {
    const args = ['review', join(seed, 'seed.patch'), '--tree', join(seed, 'tree')];
    expect(widen([...args, '--fail-on', 'none']).status).toBe(0);
    expect(widen([...args, '--fail-on', 'error']).status).toBe(1);
    expect(widen([...args, '--rules', 'tlb-gather-finish-balance']).status).toBe(0);
  });

  test('without --tree it says which function it could not see', () => {
    const r = widen(['review', join(seed, 'seed.patch')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^mm\/memory\.c:28: note: widen had no tree to read and patch "mm: use correct VMA flags when freeing page-tables" \(.*seed\.patch\) does not carry the whole of `free_pgtables\(\)`/m);
    expect(r.stdout).toMatch(/^widen: give --tree DIR \(the tree the patch applies to\) to check those functions whole\.$/m);
  });
});

describe('bad input', () => {
  test('an empty patch', () => {
    expectInputError(widen(['review', file('empty.patch', '')]), /empty/i);
  });

  test('a text that holds no diff', () => {
    expectInputError(widen(['review', file('prose.txt', 'Hello,\n\nthis is just a mail without any diff in it.\n')]), /no diff|diff/i);
  });

  test('a reply quoting the patch: exit 2, and the patch itself is asked for', () => {
    const reply = 'On Mon, 2 Nov 2026, Jane Doe wrote:\n> diff --git a/mm/gap.c b/mm/gap.c\n> --- a/mm/gap.c\n> +++ b/mm/gap.c\n> @@ -1 +1,2 @@\n>  int a;\n> +int b;\n\nWhy?\n';
    expectInputError(widen(['review', file('reply.txt', reply)]), /holds no diff of its own, only one quoted with `> ` \(line 2 starts `> diff --git`\)/, /b4 am <message-id>/);
  });

  test('random bytes', () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    const r = widen(['review', file('random.bin', bytes)]);
    expectInputError(r);
  });

  test('a patch with no C files: exit 0 with a note', () => {
    const diff = 'diff --git a/Documentation/mm/x.rst b/Documentation/mm/x.rst\n--- a/Documentation/mm/x.rst\n+++ b/Documentation/mm/x.rst\n@@ -1 +1 @@\n-old\n+new\n';
    const r = widen(['review', file('docs.patch', diff)]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/note: The patch changes no \.c or \.h file/);
  });

  test('a binary diff of a C file is skipped with a note; one of another file is out of scope, like a Makefile', () => {
    const binary = (path: string): string => `diff --git a/${path} b/${path}\nindex 1234567..89abcde 100644\nBinary files a/${path} and b/${path} differ\n`;
    const r = widen(['review', file('binary.patch', binary('mm/blob.c'))]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/mm\/blob\.c: note: .*binary file; widen skipped it\./);
    // A firmware blob is no more unchecked than a Makefile: --fail-on-unchecked passes both (sweep R).
    const blob = widen(['review', file('blob.patch', binary('mm/blob.bin')), '--fail-on', 'none', '--fail-on-unchecked']);
    expect(blob.stdout).not.toMatch(/binary file/);
    const make = widen(['review', file('make.patch', 'diff --git a/mm/Makefile b/mm/Makefile\n--- a/mm/Makefile\n+++ b/mm/Makefile\n@@ -1 +1 @@\n-old\n+new\n'), '--fail-on', 'none', '--fail-on-unchecked']);
    expect([blob.status, make.status]).toEqual([make.status, make.status]);
  });

  test('a patch that does not apply names the file and the hunk', () => {
    const patch = readFileSync(join(seed, 'seed.patch'), 'utf8').replace('\t\tvma = next;\n \t}\n }', '\t\tvma = vma->vm_next;\n \t}\n }');
    expectInputError(widen(['review', file('stale.patch', patch), '--tree', join(seed, 'tree')]), /mm\/memory\.c/, /hunk 2/, /\(The tree is the directory given with --tree\.\)\n$/);
  });

  test('a tree that does not exist', () => {
    expectInputError(widen(['review', join(seed, 'seed.patch'), '--tree', join(tmp, 'no-such-tree')]), /--tree .*no-such-tree is not a directory/);
  });

  test('a tree without the patched file', () => {
    mkdirSync(join(tmp, 'emptytree'), { recursive: true });
    expectInputError(widen(['review', join(seed, 'seed.patch'), '--tree', join(tmp, 'emptytree')]), /changes mm\/memory\.c, but the tree has no such file/);
  });

  test('a patch file that does not exist', () => {
    expectInputError(widen(['review', join(tmp, 'missing.patch')]), /cannot read .*missing\.patch \(no such file or directory\)/);
  });

  test('a patch that adds a .c file that is not C at all: notes, no crash', () => {
    const junk = ['@@@ tlb_gather_mmu(&tlb, mm) <<<', '}}}} {{ ;; "unterminated', '\x01\x02 binary-ish text tlb_finish_mmu((((', 'int f(void) { return; }}}'];
    const diff = `diff --git a/mm/junk.c b/mm/junk.c\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/mm/junk.c\n@@ -0,0 +1,${junk.length} @@\n${junk.map((l) => `+${l}`).join('\n')}\n`;
    mkdirSync(join(tmp, 'tree1'), { recursive: true });
    const r = widen(['review', file('junk.patch', diff), '--tree', join(tmp, 'tree1')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  test('a patch naming a file outside the tree is refused', () => {
    const diff = 'diff --git a/../../etc/passwd b/../../etc/passwd\n--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-root\n+toor\n';
    mkdirSync(join(tmp, 'tree2'), { recursive: true });
    expectInputError(widen(['review', file('escape.patch', diff), '--tree', join(tmp, 'tree2')]), /names the file \.\.\/\.\.\/etc\/passwd, which lies outside the tree/);
  });

  test('usage errors: unknown command, option, format, rule, level', () => {
    expectInputError(widen(['frobnicate']), /'frobnicate' is not a widen command/);
    expectInputError(widen(['review', '--bogus']), /Unknown option '--bogus'/);
    expectInputError(widen(['review', '--format', 'yaml']), /--format must be text, json, markdown, email or sarif/);
    expectInputError(widen(['scan', '.', '--rules', 'no-such-rule']), new RegExp(`unknown rule no-such-rule\\. Known rules: ${RULES.map((r) => r.id).join(', ')}\\.`));
    expectInputError(widen(['scan', '.', '--fail-on', 'fatal']), /--fail-on must be error, warning, note or none/);
    expectInputError(widen(['scan', '.', '--jobs', '0']), /--jobs must be a whole number/);
    expectInputError(widen(['scan']), /needs at least one file or directory/);
  });
});

describe('bad input from the issue: a clear message, never a crash, nothing written but stdout and stderr', () => {
  /** Runs widen in a fresh empty directory with a copy of the seed tree, and checks both stay as they were. */
  function widenClean(args: (tree: string) => string[], input?: string | Buffer): Run {
    const cwd = mkdtempSync(join(tmpdir(), 'widen-clean-'));
    const tree = mkdtempSync(join(tmpdir(), 'widen-clean-tree-'));
    try {
      cpSync(join(seed, 'tree'), tree, { recursive: true });
      const before = snapshot(tree);
      const r = spawnSync(process.execPath, [bin, ...args(tree)], { cwd, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(readdirSync(cwd)).toEqual([]);
      expect(snapshot(tree)).toEqual(before);
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    } finally {
      rmSync(cwd, { recursive: true, force: true });
      rmSync(tree, { recursive: true, force: true });
    }
  }

  /** Every file under `dir` with its size, modification time and content. */
  function snapshot(dir: string): Array<[string, number, number, string]> {
    return (readdirSync(dir, { recursive: true }) as string[]).sort().map((f) => {
      const st = statSync(join(dir, f));
      return [f, st.size, st.mtimeMs, st.isFile() ? readFileSync(join(dir, f), 'utf8') : ''];
    });
  }

  const seedText = readFileSync(join(seed, 'seed.patch'), 'utf8');

  test('a truncated mbox: the cut hunk is named', () => {
    const series = readFileSync(join(fixtures, 'patch', 'series.mbox'), 'utf8');
    const cut = series.slice(0, series.indexOf('stats->huge_pages += HPAGE_PMD_NR;'));
    const r = widenClean((tree) => ['review', '-', '--tree', tree], cut);
    expectInputError(r, /patch 2\/3 "mm\/pgwalk: count the pages behind huge PMDs" \(<stdin>\): hunk 1 of mm\/pgwalk\.c is corrupt/);
  });

  test('a mail with no diff', () => {
    const mail = seedText.slice(0, seedText.indexOf('---\n'));
    expectInputError(widenClean(() => ['review', '-'], mail), /^widen: The mail in <stdin> carries no diff \(its body has no `---` line and no `diff` line\)\. Give widen the patch mails themselves/);
  });

  test('a series with a missing patch names it; --allow-gaps turns it into a note', () => {
    const mbox = join(fixtures, 'patch', 'series-missing.mbox');
    expectInputError(widenClean((tree) => ['review', mbox, '--tree', tree]), /but patch 2\/3 is missing\./);
    const r = widenClean(() => ['review', mbox, '--allow-gaps']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`${mbox}: note: Patch 2/3 is missing in ${mbox}; widen reviewed the patches that are there without it.`);
  });

  test('patches that conflict: the second, which no longer applies after the first, is named', () => {
    const first = seedText.replace('Subject: [PATCH]', 'Subject: [PATCH 1/2]');
    // The same place, another change: after the first patch its context is gone.
    const second = seedText
      .replace('Subject: [PATCH] mm: use correct VMA flags when freeing page-tables', 'Subject: [PATCH 2/2] mm: bracket the next VMA')
      .replace('+\t\ttlb_start_vma(tlb, vma);', '+\t\ttlb_start_vma(tlb, next);');
    const r = widenClean((tree) => ['review', '-', '--tree', tree], first + second);
    expectInputError(r, /^widen: patch 2\/2 "mm: bracket the next VMA" \(<stdin>\) does not apply to mm\/memory\.c: hunk 1/);
  });

  test('a 50,000-line diff is reviewed, with its findings, in a few seconds', () => {
    const body = Array.from({ length: 50_000 }, (_, i) => `+int filler_${i};`);
    const big = `diff --git a/mm/filler.c b/mm/filler.c\nnew file mode 100644\n--- /dev/null\n+++ b/mm/filler.c\n@@ -0,0 +1,${body.length} @@\n${body.join('\n')}\n`;
    const seedDiff = seedText.slice(seedText.indexOf('diff --git'), seedText.indexOf('\n-- \n') + 1);
    const t0 = Date.now();
    const r = widenClean((tree) => ['review', '-', '--tree', tree, '--format', 'json'], seedDiff + big);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect([r.status, r.stderr]).toEqual([1, '']);
    expect(JSON.parse(r.stdout).findings.map((f: { rule: string; line: number }) => [f.rule, f.line])).toEqual([['tlb-vma-bracket-vma-reassigned', 31], ['tlb-vma-bracket-misuse', 31]]);
  });

  test('no PATCH and stdin a terminal: one plain message, no class name, no doubled prefix', () => {
    // script(1) (util-linux) runs widen on a pseudo-terminal, as a user typing `widen review` would.
    const r = spawnSync('script', ['-qec', `"${process.execPath}" "${bin}" review; echo "exit=$?"`, '/dev/null'], { cwd: tmp, encoding: 'utf8', input: '' });
    const lines = r.stdout.replace(/\r/g, '').split('\u001b[K').join('').split('\n').filter(Boolean);
    expect(lines).toEqual([
      'widen: no PATCH file was given and stdin is a terminal, so there is no patch to read. Give a patch file (widen review fix.patch) or pipe one in (git format-patch -1 --stdout | widen review).',
      'exit=2',
    ]);
  });

  test('an output that cannot be written (a full disk) is an input/output error, exit 2, not findings', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" rules > /dev/full; echo "exit=$?" >&2`], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('widen: could not write the output (no space left on the device); it is incomplete or missing.\nexit=2\n');
  });

  test('random bytes on stdin', () => {
    const bytes = Buffer.from(Array.from({ length: 65_536 }, (_, i) => (i * 2654435761) % 251));
    expectInputError(widenClean((tree) => ['review', '--tree', tree], bytes), /^widen: <stdin> holds no diff/);
  });
});

describe('an internal error', () => {
  // A loader hook makes the parser's init throw: a failure widen did not expect.
  const hook = `data:text/javascript,${encodeURIComponent(
    "import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent('export async function load(url, context, next) { if (url.includes(\"web-tree-sitter/tree-sitter.js\")) return { format: \"module\", shortCircuit: true, source: \"export class Parser { static init() { throw new TypeError(String.fromCharCode(98, 111, 111, 109)); } } export class Language {}\" }; return next(url, context); }'));",
  )}`;
  const run = (env: Record<string, string>): { status: number | null; stderr: string } =>
    spawnSync(process.execPath, ['--import', hook, bin, 'scan', join(fixtures, 'rules', 'tlb-gather-finish-balance')], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

  test('says it is a bug, with no stack unless WIDEN_DEBUG is set', () => {
    const { WIDEN_DEBUG: _, ...env } = process.env;
    const r = spawnSync(process.execPath, ['--import', hook, bin, 'scan', join(fixtures, 'rules', 'tlb-gather-finish-balance')], { cwd: root, encoding: 'utf8', env });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('widen: internal error: boom. This is a bug in widen; please report it with the command you ran (set WIDEN_DEBUG=1 for details).\n');
  });

  test('with WIDEN_DEBUG, the stack names lines of src/, not of the bundle', () => {
    const r = run({ WIDEN_DEBUG: '1' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^widen: internal error: boom\. This is a bug in widen; please report it with the command you ran\.\nTypeError: boom\n/);
    expect(r.stderr).toMatch(/at loadCLanguage \(.*\/src\/analysis\/parser\.ts:\d+:\d+\)/);
    expect(r.stderr).toMatch(/at scanInThread \(.*\/src\/pipeline\/scan\.ts:\d+:\d+\)/);
    // The bundle's entry was loaded before source maps were turned on: only its own frames stay unmapped.
    expect(r.stderr.split('\n').filter((l) => l.includes('/dist/bundle/') && !l.includes('/dist/bundle/main.js'))).toEqual([]);
  });
});

describe('widen scan', () => {
  const dir = join(fixtures, 'rules', 'tlb-gather-finish-balance');

  test('loads no package that only review needs (the mail and diff parsers, picomatch)', () => {
    // A loader hook names every module as Node loads it.
    const hook = `data:text/javascript,${encodeURIComponent("import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent('export async function load(url, context, next) { process.stderr.write(\"loaded \" + url + \"\\\\n\"); return next(url, context); }'));")}`;
    const loadedBy = (args: string[], status: number): string[] => {
      const r = spawnSync(process.execPath, ['--import', hook, bin, ...args], { cwd: root, encoding: 'utf8' });
      expect(r.status).toBe(status);
      return r.stderr.split('\n').filter((l) => l.startsWith('loaded ')).map((l) => l.slice('loaded '.length));
    };
    const reviewOnly = (urls: string[]): string[] => urls.filter((u) => /node_modules\/(?:postal-mime|parse-diff|picomatch)\//.test(u)).map((u) => /node_modules\/([^/]+)\//.exec(u)![1]!);
    // The hook sees packages: a scan loads the parser, a review the diff parser too.
    const scanned = loadedBy(['scan', dir, '--format', 'json'], 1);
    expect(scanned.some((u) => u.includes('/node_modules/web-tree-sitter/'))).toBe(true);
    expect(reviewOnly(scanned)).toEqual([]);
    const reviewed = loadedBy(['review', join(root, 'examples/seed/seed.patch'), '--tree', join(root, 'examples/seed/tree'), '--format', 'json'], 1);
    expect(reviewOnly(reviewed)).toContain('parse-diff');
  });

  /**
   * `widen ARGS` on a terminal: util-linux's `script` (Essential in Debian) gives it a pty for
   * stdout and stderr, which it merges into what it prints.
   */
  function onTerminal(args: string[], env: Record<string, string>): string {
    const command = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '', TERM: 'xterm', COLUMNS: '200', ...env } });
    expect(r.error).toBeUndefined();
    return r.stdout;
  }

  test('on a terminal: a progress line on stderr (files done of total, the directory), cleared at the end; colour on stdout', () => {
    const relative = 'test/fixtures/rules/tlb-gather-finish-balance';
    const out = onTerminal(['scan', relative, '--jobs', '1'], {});
    expect(out).toContain(`\r\x1b[Kwiden: read 2/2 files, in ${relative}/\r`);
    expect(out).toContain(`\r\x1b[Kwiden: checked 2/2 files, in ${relative}/\r\x1b[K\x1b[1m${relative}/exits.c:18:2:`);
    expect(out).toContain('\x1b[1;31merror:\x1b[0m');
    expect(onTerminal(['scan', relative, '--jobs', '1'], { NO_COLOR: '1' })).not.toContain('\x1b[1;31m');
  });

  test('on a terminal: a progress line too long for it is cut, so that redrawing it in place works', () => {
    const lines = onTerminal(['scan', dir, '--jobs', '1'], {}).split('\r\x1b[K').filter((l) => l.startsWith('widen: ')).map((l) => l.split('\r')[0]!);
    expect(lines.length).toBeGreaterThan(0);
    // script's terminal is 80 columns wide.
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(79);
    expect(lines[lines.length - 1]).toMatch(/^widen: checked 2\/2 files, in \/.*…$/);
  });

  test('a reader that stops early (| head) is not an error: no stack trace', () => {
    // 260 kB of SARIF: more than a pipe holds, so widen is still writing when head exits.
    const r = spawnSync('sh', ['-c', `'${process.execPath}' '${bin}' scan test/fixtures/rules --format sarif --jobs 1 | head -1`], { cwd: root, encoding: 'utf8', shell: false });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe('{');
  });

  test('off a terminal: no progress and no colour', () => {
    const r = spawnSync(process.execPath, [bin, 'scan', dir, '--jobs', '1'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '' } });
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('\x1b[');
  });

  test('reports every finding of a directory', () => {
    const r = widen(['scan', dir, '--format', 'json', '--jobs', '1']);
    expect(r.status).toBe(1);
    const found = JSON.parse(r.stdout).findings.map((f: { path: string; line: number; messageId: string }) => `${f.path.replace(/.*\//, '')}:${f.line}:${f.messageId}`);
    expect(found).toEqual([
      'exits.c:18:missingFinish',
      'exits.c:33:missingFinish',
      'exits.c:108:missingFinish',
      'exits.c:131:missingFinish',
      'exits.c:149:finishWithoutGather',
      'exits.c:160:missingFinish',
      'exits.c:164:finishWithoutGather',
      'exits.c:177:finishWithoutGather',
      // One early return that skips the finish, the notifier's end and the bracket's end.
      'exits.c:194:missingFinish',
      'exits.c:195:missingEnd',
      'exits.c:196:missingEnd',
      'ownership.c:85:finishWithoutGather',
      'ownership.c:96:gatherTwice',
    ]);
  });

  test('a directory that cannot be listed makes the scan incomplete: exit 2, like an unreadable file', () => {
    // Root reads everything, so as root the scan runs as the unprivileged `nobody` (setpriv, util-linux).
    const asRoot = process.getuid?.() === 0;
    const d = mkdtempSync(join(tmpdir(), 'widen-locked-'));
    try {
      mkdirSync(join(d, 'locked'));
      writeFileSync(join(d, 'open.c'), readFileSync(join(dir, 'exits.c')));
      chmodSync(join(d, 'locked'), 0o000);
      chmodSync(d, 0o755);
      const run = asRoot
        ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, 'scan', d], { cwd: '/', encoding: 'utf8' })
        : spawnSync(process.execPath, [bin, 'scan', d], { encoding: 'utf8' });
      expect(run.status).toBe(2);
      expect(run.stdout).toMatch(/open\.c:18:2: error:/);
      expect(run.stdout).toContain(`${join(d, 'locked')}: note: widen could not list the directory ${join(d, 'locked')} (permission denied); nothing in it was scanned.`);
      expect(run.stderr).toBe(`widen: 1 path could not be read and was not scanned: the directory ${join(d, 'locked')} (permission denied). To scan it, fix the permissions; or leave it out. The results above are incomplete.\n`);
    } finally {
      chmodSync(join(d, 'locked'), 0o755);
      rmSync(d, { recursive: true, force: true });
    }
  });

  test('worker threads (--jobs 2 on enough files) find exactly what one thread finds', () => {
    const many = join(tmp, 'many');
    mkdirSync(many, { recursive: true });
    const sources = ['exits.c', 'ownership.c'].map((f) => readFileSync(join(dir, f)));
    for (let i = 0; i < 20; i++) writeFileSync(join(many, `copy${String(i).padStart(2, '0')}.c`), sources[i % 2]!);
    const one = JSON.parse(widen(['scan', many, '--format', 'json', '--jobs', '1']).stdout);
    const two = JSON.parse(widen(['scan', many, '--format', 'json', '--jobs', '2']).stdout);
    expect(one.findings).toHaveLength(130);
    expect(two.findings).toEqual(one.findings);
    expect(two.stats.functions).toBe(one.stats.functions);
    expect(two.stats.files).toBe(20);
  });

  test('a path that does not exist', () => {
    expectInputError(widen(['scan', join(tmp, 'nowhere')]), /cannot read .*nowhere \(no such file or directory\)/);
  });

  test('a directory with a file that cannot be read: results, then exit 2 naming the file', () => {
    const d = join(tmp, 'partly-unreadable');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'good.c'), readFileSync(join(dir, 'exits.c')));
    symlinkSync(join(d, 'gone.c.orig'), join(d, 'broken.c'));
    const r = widen(['scan', d]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/good\.c:18:2: error:/);
    expect(r.stderr).toMatch(/^widen: 1 path could not be read and was not scanned: .*broken\.c \(it vanished, or is a symbolic link to nothing\)\. To scan it, remove the dangling link; or leave it out\./);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('a .c file that is not C at all: no crash, a note', () => {
    const p = file('garbage.c', 'tlb_gather_mmu\n\x00\x01 ((( {{{ not C ]]] \n void x( { tlb_finish_mmu( }\n');
    const r = widen(['scan', p]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/widen: 0 findings/);
  });
});

describe('widen rules, explain, debug', () => {
  test('rules lists every rule with its severity', () => {
    const r = widen(['rules']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(0, 2))).toEqual(CATALOG.map((rule) => [rule.id, rule.meta.severity]));
    expect(r.stdout).toMatch(/^patch-signoff-author +note +a patch carries a `Signed-off-by:` from its author/m);
    expect(r.stdout).toMatch(/^tlb-vma-bracket-misuse +note +tlb_start_vma\(\)\/tlb_end_vma\(\) around page-table freeing only/m);
  });

  test('explain prints the rule page; an unknown id is an input error', () => {
    const r = widen(['explain', 'tlb-vma-bracket-vma-reassigned']);
    expect([r.status, r.stdout.split('\n')[0]]).toEqual([0, '# tlb-vma-bracket-vma-reassigned']);
    expectInputError(widen(['explain', 'nope']), /There is no rule 'nope'/);
  });

  test('debug cfg dumps DOT and text', () => {
    const c = join(fixtures, 'cfg', 'constructs.c');
    const dot = widen(['debug', 'cfg', c, 'goto_chain']);
    expect([dot.status, dot.stdout.split('\n')[0]]).toEqual([0, 'digraph "goto_chain" {']);
    const text = widen(['debug', 'cfg', c, 'goto_chain', '--format', 'text']);
    expect(text.stdout).toBe(readFileSync(join(fixtures, 'cfg', 'constructs.cfg'), 'utf8').split('\n== ')[0]!.replace(/^== goto_chain\n/, ''));
    expectInputError(widen(['debug', 'cfg', c, 'nope']), /defines no function named nope\. It defines: goto_chain/);
  });

  test('the built entry point is executable on its own, as npx runs it', () => {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    expect([r.status, r.stdout]).toEqual([0, expect.stringMatching(/^widen \d/)]);
  });

  test('--version and --help', () => {
    expect(widen(['--version']).stdout).toMatch(/^widen \d+\.\d+\.\d+\n$/);
    const help = widen(['--help']);
    expect([help.status, help.stdout.split('\n')[0]]).toEqual([0, 'widen: reviews Linux-kernel-style C patches by reading the whole function around each hunk.']);
  });
});
