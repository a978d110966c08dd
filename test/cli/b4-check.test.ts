/**
 * `widen b4-check`, b4 review's per-patch check protocol, in temporary git repositories: the tree
 * comes from git objects (never the working tree or the index), the tracking file's base commit
 * and the review branch's earlier patches are honoured, and every outcome is b4's JSON.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { b4CheckCommand, type B4Result } from '../../src/cli/commands/b4-check.js';
import { GitSource } from '../../src/pipeline/source.js';
import { ScratchRepo } from '../helpers/git.js';
import { repoRoot } from '../helpers/root.js';

const seedDir = join(repoRoot(), 'examples', 'seed');
const base = readFileSync(join(seedDir, 'tree/mm/memory.c'), 'utf8');
const seedPatch = readFileSync(join(seedDir, 'seed.patch'));

async function b4Check(repo: ScratchRepo, mail: Buffer | string, env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<B4Result[]> {
  const io = { readStdin: async () => Buffer.from(mail), progress: null };
  const result = await b4CheckCommand(args, io, env, repo.dir);
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.stdout) as B4Result[];
}

let repo: ScratchRepo;
beforeEach(() => {
  repo = new ScratchRepo();
  repo.commit({ 'mm/memory.c': base, 'README': 'a tree\n' }, 'mm: base');
});
afterEach(() => repo.remove());

test('the seed patch on HEAD: one fail result, the headline as summary, the widened excerpt as plain text in details', async () => {
  const [result, ...rest] = await b4Check(repo, seedPatch);
  expect(rest).toEqual([]);
  expect(result).toMatchObject({
    tool: 'widen',
    status: 'fail',
    summary: '`vma` changes between `tlb_start_vma()` and `tlb_end_vma()` in free_pgtables() (and 1 more finding)',
    url: 'https://github.com/widen-review/widen/blob/main/docs/rules/tlb-vma-bracket-vma-reassigned.md',
  });
  const details = result!.details.split('\n');
  expect(details[0]).toBe('mm/memory.c:31:3: error: `vma` changes between `tlb_start_vma()` and `tlb_end_vma()` [tlb-vma-bracket-vma-reassigned]');
  expect(details).toEqual(expect.arrayContaining(['  >  31 |+                tlb_start_vma(tlb, vma);']));
  expect(result!.details).not.toContain('\x1b');
});

test('the working tree and the index are neither read nor written', async () => {
  // An uncommitted edit that would make the patch fail to apply, and a staged one: both ignored.
  writeFileSync(join(repo.dir, 'mm/memory.c'), base.replace('unlink_file_vma(vma);\n\n', 'unlink_file_vma(vma);\n\tdirty();\n'));
  writeFileSync(join(repo.dir, 'README'), 'staged\n');
  repo.git('add', 'README');
  const status = repo.git('status', '--porcelain');
  const index = readFileSync(join(repo.dir, '.git', 'index'));
  const [result] = await b4Check(repo, seedPatch);
  expect(result!.status).toBe('fail');
  expect(repo.git('status', '--porcelain')).toBe(status);
  expect(readFileSync(join(repo.dir, '.git', 'index'))).toEqual(index);
});

test('patch 2/2 of a tracked series: read at the base commit with patch 1 from the review branch applied in memory', async () => {
  const baseSha = repo.git('rev-parse', 'HEAD').trim();
  // Patch 1 changes the lines patch 2's first hunk has as context: patch 2 applies only after it.
  repo.git('checkout', '-q', '-b', 'b4/review/20240305-walk-v1-abc');
  const afterOne = base.replace('\t\tunlink_file_vma(vma);\n\n', '\t\tunlink_file_vma(vma);\n\t\tcond_resched();\n\n');
  repo.commit({ 'mm/memory.c': afterOne }, 'mm: resched while freeing page tables');
  const seeded = afterOne.replace('\t\tcond_resched();\n\n', '\t\tcond_resched();\n\n\t\ttlb_start_vma(tlb, vma);\n\n').replace('\t\t}\n\t\tvma = next;\n\t}\n}', '\t\t}\n\n\t\ttlb_end_vma(tlb, vma);\n\t\tvma = next;\n\t}\n}');
  repo.commit({ 'mm/memory.c': seeded }, 'mm: use correct VMA flags when freeing page-tables');
  const mails = repo.git('format-patch', '--stdout', '-2');
  const patch2 = mails.slice(mails.indexOf('\nFrom ', 1) + 1);
  expect(patch2).toMatch(/^Subject: \[PATCH 2\/2\] mm: use correct VMA flags/m);
  repo.git('commit', '-q', '--allow-empty', '-m', 'mm: walk\n\n--- b4-review-tracking ---\n{}');
  // HEAD is elsewhere: a branch without the series, with a change of its own to the file.
  repo.git('checkout', '-q', '-b', 'elsewhere', baseSha);
  repo.commit({ 'mm/memory.c': `/* elsewhere */\n${base}` }, 'mm: unrelated');

  const tracking = join(repo.dir, '..', `${repo.dir.split('/').pop()}-tracking.json`);
  writeFileSync(tracking, JSON.stringify({ series: { 'change-id': '20240305-walk-v1-abc', 'base-commit': baseSha, 'branch-tips': [] }, patches: [], followups: [] }));
  const [result] = await b4Check(repo, patch2, { B4_TRACKING_FILE: tracking });
  expect([result!.status, result!.summary]).toEqual(['fail', '`vma` changes between `tlb_start_vma()` and `tlb_end_vma()` in free_pgtables() (and 3 more findings)']);
  // Line 32 on base plus patch 1; the unrelated line on HEAD would make it 33.
  // The test commits have no body and no sign-off: the commit message's notes come first.
  expect(result!.details.split('\n')[0]).toBe('<stdin>: note: a patch to mm code (`mm/memory.c`) has no commit message body [patch-mm-empty-body]');
  expect(result!.details.split('\n').find((l) => l.startsWith('mm/'))).toBe('mm/memory.c:32:3: error: `vma` changes between `tlb_start_vma()` and `tlb_end_vma()` [tlb-vma-bracket-vma-reassigned]');

  // Without the tracking file the patch does not apply to HEAD: a fail result that says so.
  const [alone] = await b4Check(repo, patch2);
  expect(alone!.status).toBe('fail');
  expect(alone!.summary).toMatch(/^patch 2\/2 "mm: use correct VMA flags when freeing page-tables" \(<stdin>\) does not apply to mm\/memory\.c: hunk 1/);
});

test('patch 2/2 without its review branch is checked on the base alone, and says so; a whole series on stdin is refused (sweep R)', async () => {
  const afterOne = base.replace('\t\tunlink_file_vma(vma);\n\n', '\t\tunlink_file_vma(vma);\n\t\tcond_resched();\n\n');
  repo.commit({ 'mm/memory.c': afterOne }, 'mm: resched while freeing page tables');
  repo.commit({ 'mm/memory.c': afterOne.replace('/*', '/* freed here */\n/*') }, 'mm: a comment');
  const mails = repo.git('format-patch', '--stdout', '-2');
  const patch2 = mails.slice(mails.indexOf('\nFrom ', 1) + 1);
  // Patch 2 applies to HEAD, which has patch 1 in it; no tracking file names a review branch.
  const [result] = await b4Check(repo, patch2, {}, ['--base', 'HEAD~1']);
  expect(result!.details).toContain('<stdin>: note: Patch 2/2 was checked without patch 1 of its series, which widen could not read');
  const [series] = await b4Check(repo, mails);
  expect(series).toMatchObject({ status: 'fail', summary: 'widen b4-check checks one patch mail, and stdin holds 2 patches.' });
});

test('a clean patch passes; a patch without C changes, or a cover letter, has nothing to say', async () => {
  const fixed = await b4Check(repo, readFileSync(join(seedDir, 'seed-fixed.patch')), {}, ['--rules', 'tlb-vma-bracket-vma-reassigned']);
  expect(fixed).toEqual([{ tool: 'widen', status: 'pass', summary: expect.stringMatching(/^1 function checked on [0-9a-f]{12}, nothing found$/), url: '', details: '' }]);
  repo.commit({ README: 'changed\n' }, 'docs: readme');
  expect(await b4Check(repo, repo.formatPatch(1))).toEqual([]);
  const cover = repo.git('format-patch', '--stdout', '--cover-letter', '-1').split(/^From [0-9a-f]{40} /m)[1]!;
  expect(await b4Check(repo, `From 0000000000000000000000000000000000000000 ${cover}`)).toEqual([]);
});

test('bad input, a bad tracking file, a bad --base and no repository are fail results, not crashes', async () => {
  const garbage = await b4Check(repo, Buffer.from([0, 1, 2, 255, 10, 13]));
  expect(garbage).toEqual([expect.objectContaining({ tool: 'widen', status: 'fail', summary: expect.stringMatching(/^<stdin> holds no diff/) })]);
  const badJson = join(repo.dir, '..', `${repo.dir.split('/').pop()}-bad.json`);
  writeFileSync(badJson, '{ not json');
  expect((await b4Check(repo, seedPatch, { B4_TRACKING_FILE: badJson }))[0]!.summary).toMatch(/^B4_TRACKING_FILE names .*-bad\.json, which is not a JSON file widen can read/);
  expect((await b4Check(repo, seedPatch, {}, ['--base', 'no-such-branch']))[0]).toMatchObject({ status: 'fail', summary: 'no-such-branch could not be read from git (not a commit of this repository).' });
  const io = { readStdin: async () => seedPatch, progress: null };
  const outside = JSON.parse((await b4CheckCommand([], io, {}, '/')).stdout) as B4Result[];
  expect(outside[0]).toMatchObject({ status: 'fail', summary: expect.stringMatching(/^git rev-parse failed in \//) });
});

test('as b4 runs it: the installed command in the repository, the mail on stdin, JSON on stdout, exit 0', () => {
  const r = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'cli', 'main.js'), 'b4-check'], { cwd: repo.dir, input: seedPatch, encoding: 'utf8' });
  expect([r.status, r.stderr]).toEqual([0, '']);
  expect((JSON.parse(r.stdout) as B4Result[]).map((x) => [x.tool, x.status])).toEqual([['widen', 'fail']]);
});

test('GitSource reads blobs of a commit, lists a directory, and says null for what is no file', async () => {
  repo.commit({ 'mm/other.c': 'int other;\n', 'mm/sub/deep.c': 'int deep;\n' }, 'mm: more files');
  writeFileSync(join(repo.dir, 'mm/other.c'), 'int changed_in_the_working_tree;\n');
  const source = await GitSource.open(repo.dir, 'HEAD');
  try {
    expect(await source.read('mm/other.c')).toBe('int other;\n');
    expect([await source.read('mm/nothing.c'), await source.read('mm/sub')]).toEqual([null, null]);
    expect(await source.read('mm/memory.c')).toBe(base);
    expect(await source.list('mm')).toEqual(['memory.c', 'other.c']);
    expect(await source.list('')).toEqual(['README']);
  } finally {
    source.close();
  }
  await expect(GitSource.open(repo.dir, 'no-such-ref')).rejects.toMatchObject({ path: 'no-such-ref', reason: 'not a commit of this repository' });
});
