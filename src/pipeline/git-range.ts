/**
 * A range of commits of a local git repository (`BASE..HEAD`) as a patch series, read from git's
 * object store with plumbing commands (`rev-list`, `log`, `diff-tree`): nothing is checked out,
 * and neither the working tree nor the index is read or written.
 */
import { execFile } from 'node:child_process';
import { InputError } from '../errors.js';
import { commitInfo, commitPatch } from '../patch/commit.js';
import { parseDiff } from '../patch/diff.js';
import type { FilePatch, Patch } from '../patch/types.js';
import { fileNote, type ReportNote } from './analyze.js';

/** A range holds at most this many commits: beyond it, it is not one series to review. */
export const MAX_RANGE_COMMITS = 1000;

export interface GitRange {
  /** The top of the repository. */
  repository: string;
  /** The commit the series applies to: the first reviewed commit's parent. */
  base: string;
  /** The range's commits, oldest first, merges left out. */
  patches: Patch[];
  /** One note per merge commit left out. */
  notes: ReportNote[];
}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, maxBuffer: 512 * 1024 * 1024, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr: String(stderr) }));
      else resolve(stdout);
    });
  });
}

const firstLine = (e: unknown): string => String((e as { stderr?: unknown }).stderr ?? (e as Error).message ?? '').trim().split('\n')[0] ?? '';

/**
 * Reads `range` (`BASE..HEAD`; an empty side means HEAD, as for git) in the repository that
 * holds `cwd`. Throws {@link InputError}: `not-a-git-checkout`, `bad-range`, `empty-range`.
 * Merge commits are left out with a note: their own changes are conflict resolutions, not a
 * patch of the series.
 */
export async function readGitRange(cwd: string, range: string, opts: { squashed?: boolean } = {}): Promise<GitRange> {
  let repository: string;
  try {
    repository = (await git(cwd, ['rev-parse', '--show-toplevel'])).trim();
  } catch (e) {
    throw new InputError('not-a-git-checkout', `--git reads commits from git, but ${cwd} is not in a git checkout (${firstLine(e)}). Run widen in the repository, or review format-patch mails instead: git format-patch --stdout ${range} | widen review --tree DIR`);
  }
  // Ref names may hold dots (v6.12..HEAD) but not `..`; `A...B` (symmetric difference) is no series.
  const sides = range.split('..');
  const m = sides.length === 2 && !range.includes('...') && !/\s/.test(range) ? ['', sides[0]!, sides[1]!] : null;
  if (!m || range.startsWith('-')) {
    throw new InputError('bad-range', `--git ${range} is not a range of commits. Give BASE..HEAD, the commits after BASE up to HEAD (for example origin/master..HEAD or HEAD~3..HEAD).`);
  }
  const resolve = async (rev: string): Promise<string> => {
    try {
      return (await git(repository, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev === '' ? 'HEAD' : rev}^{commit}`])).trim();
    } catch {
      throw new InputError('bad-range', `--git ${range}: ${rev === '' ? 'HEAD' : `'${rev}'`} is not a commit of the repository at ${repository}. Check the name (git log --oneline -5 ${rev || 'HEAD'}), or fetch the branch first.`);
    }
  };
  const [from, to] = [await resolve(m[1]!), await resolve(m[2]!)];
  // `%H %P`: each commit with its parents, oldest first; more than one parent is a merge.
  const listed = (await git(repository, ['rev-list', '--reverse', '--topo-order', '--parents', `${from}..${to}`])).trim();
  const commits = listed === '' ? [] : listed.split('\n').map((line) => {
    const [sha, ...parents] = line.split(' ');
    return { sha: sha!, parents };
  });
  if (commits.length === 0) {
    throw new InputError('empty-range', `--git ${range} holds no commits: every commit of ${m[2] || 'HEAD'} is already in ${m[1] || 'HEAD'}. Give the older commit first (BASE..HEAD), for example origin/master..HEAD.`);
  }
  if (commits.length > MAX_RANGE_COMMITS) {
    throw new InputError('range-too-long', `--git ${range} holds ${commits.length} commits; widen reviews at most ${MAX_RANGE_COMMITS} as one series. Review the range in parts.`);
  }
  const merges = commits.filter((c) => c.parents.length > 1);
  const single = commits.filter((c) => c.parents.length <= 1);
  const notes = merges.map((c): ReportNote =>
    fileNote(`commit ${c.sha.slice(0, 12)}`, 'skipped-commit', `commit ${c.sha.slice(0, 12)} is a merge; widen reviews the range's own commits as patches and left it out, so changes made in the merge itself were not checked.`),
  );
  if (single.length === 0) {
    throw new InputError('empty-range', `--git ${range} holds only merge commits (${merges.length}), and widen reviews commits as patches. Give the range of the branch's own commits, for example the merge's second parent: ${merges[0]!.sha.slice(0, 12)}^1..${merges[0]!.sha.slice(0, 12)}^2.`);
  }
  const base = single[0]!.parents[0] ?? '';
  if (opts.squashed) {
    // The range's whole change as one patch: the first commit's parent against HEAD.
    const from = base === '' ? (await git(repository, ['hash-object', '-t', 'tree', '/dev/null'])).trim() : base;
    const files = await diffFiles(repository, [from, to], `the range ${range}`);
    const patch: Patch = { index: 1, total: 1, subject: `${range} (${single.length} commit${single.length === 1 ? '' : 's'}, squashed)`, rawSubject: null, messageId: null, from: null, date: null, headers: {}, description: '', files, source: `--git ${range}` };
    return { repository, base, patches: [patch], notes };
  }
  const patches: Patch[] = [];
  for (const [k, c] of single.entries()) {
    // One NUL-separated record: author name, email, ISO date, raw message.
    const meta = await git(repository, ['log', '-1', '--no-show-signature', '--format=%an%x00%ae%x00%aI%x00%B', c.sha]);
    const [authorName = '', authorEmail = '', date = '', ...message] = meta.split('\0');
    const info = commitInfo({ sha: c.sha, authorName, authorEmail, date, message: message.join('\0') });
    const source = `commit ${c.sha.slice(0, 12)}`;
    const files = await diffFiles(repository, ['--root', c.sha], `${source} ("${info.subject}")`);
    patches.push(commitPatch(info, files, { index: k + 1, total: single.length, source }));
  }
  return { repository, base, patches, notes };
}

/** The diff `git diff-tree -p` prints for `revs`, parsed; `name` names it in errors. */
async function diffFiles(repository: string, revs: string[], name: string): Promise<FilePatch[]> {
  // Plumbing: no pager, no colour, no external diff, whatever the user's configuration says.
  const diff = await git(repository, ['-c', 'core.quotePath=false', 'diff-tree', '-p', '-M', '--no-commit-id', '--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/', ...revs]);
  return diff.trim() === '' ? [] : parseDiff(diff.split('\n'), { patchName: name, where: (index) => `line ${index + 1} of the diff of ${name}` });
}
