/**
 * Patch rules from the command line (the built dist/cli/main.js in a child process): listed
 * and explained like the others, switched by `--rules`, counted by `--fail-on note`, refused
 * by `scan` with a message that says why, and silent on a plain diff.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/root.js';

const root = repoRoot();
const bin = join(root, 'dist', 'cli', 'main.js');
const subjects = join('test', 'fixtures', 'rules', 'patch-subject-prefix', 'subjects.mbox');

function widen(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--rules selects one patch rule: only its notes, each naming the patch; notes do not fail the run by default', () => {
  const r = widen(['review', subjects, '--rules', 'patch-subject-prefix', '--format', 'json']);
  expect(r.status).toBe(0);
  const findings = (JSON.parse(r.stdout) as { findings: Array<{ rule: string; path: string; line: number; patch: { index: number; subject: string } }> }).findings;
  // Each note's line is its mail's `From ` line in the mbox.
  const fromLines = readFileSync(join(root, subjects), 'utf8').split('\n').flatMap((l, i) => (l.startsWith('From ') ? [i + 1] : []));
  expect(fromLines.slice(0, 3)).toEqual([1, 21, 41]);
  expect(findings.map((f) => [f.rule, f.path, f.line, f.patch.index, f.patch.subject])).toEqual([
    ['patch-subject-prefix', subjects, fromLines[0], 1, 'Check the gap before merging'],
    ['patch-subject-prefix', subjects, fromLines[1], 2, 'Fix the walk: check the gap'],
    ['patch-subject-prefix', subjects, fromLines[2], 3, 'mm:check the gap'],
    ['patch-subject-prefix', subjects, fromLines[8], 9, 'mm/mmap:'],
    ['patch-subject-prefix', subjects, fromLines[12], 13, 'Fix the bug: check the gap'],
  ]);
});

test('--fail-on note fails on a note; a function rule alone leaves the commit messages unjudged', () => {
  expect(widen(['review', subjects, '--rules', 'patch-subject-prefix', '--fail-on', 'note']).status).toBe(1);
  const code = widen(['review', subjects, '--rules', 'tlb-vma-bracket-balance', '--fail-on', 'note', '--format', 'json']);
  expect([code.status, (JSON.parse(code.stdout) as { findings: unknown[] }).findings]).toEqual([0, []]);
});

test('a plain diff gets no patch notes: nothing to judge', () => {
  const diff = 'diff --git a/mm/mmap.c b/mm/mmap.c\n--- a/mm/mmap.c\n+++ b/mm/mmap.c\n@@ -1,2 +1,3 @@\n int a;\n+int b;\n int c;\n';
  const r = widen(['review', '-', '--format', 'json'], diff);
  expect([r.status, (JSON.parse(r.stdout) as { findings: unknown[] }).findings]).toEqual([0, []]);
});

test('scan refuses a patch rule, saying it reads files, not patches', () => {
  const r = widen(['scan', 'test/fixtures/rules/tlb-vma-bracket-balance', '--rules', 'patch-signoff-author,tlb-vma-bracket-balance']);
  expect([r.status, r.stdout]).toEqual([2, '']);
  expect(r.stderr).toMatch(/^widen: --rules names patch-signoff-author, which checks a patch's commit message; widen scan reads files, not patches\. Use it with widen review\./);
});

test('rules lists them and explain prints their page', () => {
  expect(widen(['rules']).stdout).toMatch(/^patch-mm-empty-body +note +a patch that changes mm code says what and why in its commit message body$/m);
  const e = widen(['explain', 'patch-fixes-tag-format']);
  expect([e.status, e.stdout.split('\n')[0]]).toEqual([0, '# patch-fixes-tag-format']);
});
