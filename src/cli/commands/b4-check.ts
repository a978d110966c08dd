/**
 * `widen b4-check`: widen as a per-patch check of `b4 review` (b4 0.15 and later), configured with
 * `git config b4.review-perpatch-check-cmd 'widen b4-check'`.
 *
 * The protocol, as b4 documents it: b4 runs the command in the top directory of the repository
 * with one patch mail (RFC 2822) on stdin, and reads from stdout a JSON array of
 * `{"tool", "status": "pass"|"warn"|"fail", "summary", "url", "details"}` (`[]` when there is
 * nothing to say; a non-zero exit without JSON shows as a failure). `B4_TRACKING_FILE`, when set,
 * names a temporary JSON file with b4's tracking data of the series.
 *
 * The tree is read from git objects, never from the working tree or the index: the tracking
 * `--base`, else the tracking data's `series.base-commit`, else HEAD, with the series' earlier patches applied
 * in memory when b4's review branch (`b4/review/<change-id>`) holds them as commits.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { InputError } from '../../errors.js';
import { docsUrl } from '../../findings/docs.js';
import { isCommitFinding } from '../../findings/finding.js';
import { SEVERITIES } from '../../findings/severity.js';
import type { Report } from '../../pipeline/analyze.js';
import { fileNote, isCSource } from '../../pipeline/analyze.js';
import { review } from '../../pipeline/review.js';
import { GitSource, SourceUnavailable } from '../../pipeline/source.js';
import { PatchError, STDIN_SOURCE, readPatches } from '../../patch/index.js';
import { isMbox, isSingleMail } from '../../patch/mail.js';
import type { Patch } from '../../patch/types.js';
import { renderText } from '../../render/text.js';
import { B4_CHECK_USAGE } from '../messages/index.js';
import { parseRules } from './options.js';
import { parse } from './parse.js';
import type { CommandIo, CommandResult } from './types.js';

const run = promisify(execFile);

/** One entry of the JSON array b4 reads. */
export interface B4Result {
  tool: 'widen';
  status: 'pass' | 'warn' | 'fail';
  summary: string;
  url: string;
  details: string;
}

/** What widen uses of b4's tracking data (the rest of the file is b4's own business). */
export interface B4Tracking {
  /** The commit the series applies to. */
  baseCommit: string | null;
  /** The series' change-id, which names its review branch `b4/review/<change-id>`. */
  changeId: string | null;
}

/** b4 marks the empty commit on its review branch that carries the tracking data with this line. */
const TRACKING_MARKER = '--- b4-review-tracking ---';

export async function b4CheckCommand(args: string[], io: CommandIo, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<CommandResult> {
  const { values, positionals } = parse(args, { base: { type: 'string' }, rules: { type: 'string' } }, B4_CHECK_USAGE);
  if (values.help) return { stdout: `${B4_CHECK_USAGE}\n`, exitCode: 0 };
  if (positionals.length > 0) throw new InputError('usage', `widen b4-check reads one patch mail from stdin and takes no file names (got ${positionals.join(' ')}). Configure it with: git config b4.review-perpatch-check-cmd 'widen b4-check'`);
  const rules = parseRules(values.rules, B4_CHECK_USAGE);
  const results = await check(await io.readStdin(), { base: values.base, rules, env, cwd });
  return { stdout: `${JSON.stringify(results, null, 2)}\n`, exitCode: 0 };
}

interface CheckOptions {
  base: string | undefined;
  rules: ReturnType<typeof parseRules>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * The results for one patch mail. Trouble with the patch or the repository (a mail widen cannot
 * read, a patch that does not apply to the base) is a `fail` result saying so, since b4 shows
 * those to the maintainer; a mail that changes no C file has nothing to say.
 */
async function check(mail: Buffer, opts: CheckOptions): Promise<B4Result[]> {
  let source: GitSource | null = null;
  try {
    const patches = await readPatches(mail, STDIN_SOURCE);
    const [patch] = patches;
    // b4 hands over one mail per patch; a whole series on stdin would be checked as its first
    // patch alone, and the rest said nothing of (sweep R).
    if (patches.length > 1) return [failure(`widen b4-check checks one patch mail, and stdin holds ${patches.length} patches. b4 runs it once per patch; to check a whole series, run widen review on the mbox.`)];
    if (!patch || !patch.files.some((fp) => isCSource(fp.newPath ?? fp.oldPath ?? ''))) return [];
    const tracking = opts.env['B4_TRACKING_FILE'] ? await readTracking(opts.env['B4_TRACKING_FILE']) : { baseCommit: null, changeId: null };
    const top = (await git(opts.cwd, ['rev-parse', '--show-toplevel'])).trim();
    const base = opts.base ?? tracking.baseCommit ?? 'HEAD';
    source = await GitSource.open(top, base);
    const earlier = await earlierPatches(top, source.commit, tracking.changeId, patch);
    const report = await review({ patches: [...earlier, patch], tree: source, rules: opts.rules, applyOnly: new Set(earlier) });
    // Patch n/m checked on the base alone: what patches 1..n-1 add or change is not in the tree
    // (sweep R: a call of a helper patch 1 brings back, reported as missing from the tree).
    if (patch.index > 1 && earlier.length < patch.index - 1) {
      const missing = patch.index === 2 ? 'patch 1' : `patches 1-${patch.index - 1}`;
      report.notes.unshift(fileNote(patch.source, 'missing-patch', `Patch ${patch.index}/${patch.total} was checked without ${missing} of its series, which widen could not read (no b4 review branch for B4_TRACKING_FILE's change-id): a finding about what an earlier patch adds or changes may be wrong.`));
    }
    return [toResult(report, source.commit.slice(0, 12), earlier.length)];
  } catch (e) {
    // A mail without a diff (a cover letter, a reply) is not a patch to check: nothing to say.
    if (e instanceof PatchError && e.kind === 'no-diff' && isMail(mail)) return [];
    if (e instanceof SourceUnavailable) return [failure(`${e.path} could not be read from git (${e.reason}).`)];
    if (e instanceof InputError) return [failure(e.message)];
    throw e;
  } finally {
    source?.close();
  }
}

function isMail(bytes: Buffer): boolean {
  const lines = bytes.toString('utf8').split('\n');
  return isSingleMail(lines) || isMbox(lines);
}

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    return (await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024 })).stdout;
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim();
    throw new InputError('git-failed', `git ${args[0]} failed in ${cwd}${stderr ? `: ${stderr.split('\n')[0]}` : ''}. widen b4-check runs in the kernel's git repository, as b4 runs it.`);
  }
}

/** Reads b4's tracking file: `series.base-commit` and `series.change-id`, when present. */
export async function readTracking(path: string): Promise<B4Tracking> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new InputError('bad-tracking-file', `B4_TRACKING_FILE names ${path}, which is not a JSON file widen can read (${(e as Error).message}).`);
  }
  const series = (data as { series?: Record<string, unknown> } | null)?.series;
  const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
  return { baseCommit: text(series?.['base-commit']), changeId: text(series?.['change-id']) };
}

/**
 * Patches 1..n-1 of the series that `patch` (n/m) belongs to, read from b4's review branch: its
 * commits after the base, less the tracking commit, in order. None when the patch is the first,
 * or when there is no review branch to read them from.
 */
async function earlierPatches(top: string, base: string, changeId: string | null, patch: Patch): Promise<Patch[]> {
  if (patch.index <= 1 || changeId === null) return [];
  const branch = `refs/heads/b4/review/${changeId}`;
  const exists = await git(top, ['rev-parse', '--verify', '--quiet', branch]).then(() => true, () => false);
  if (!exists) return [];
  const log = await git(top, ['log', '--reverse', '--format=%H%x00%B%x00', `${base}..${branch}`]);
  const commits = log.split('\0').reduce<Array<{ sha: string; body: string }>>((out, piece, k, all) => {
    if (k % 2 === 0 && piece.trim() !== '') out.push({ sha: piece.trim(), body: all[k + 1] ?? '' });
    return out;
  }, []);
  const patchCommits = commits.filter((c) => !c.body.includes(TRACKING_MARKER)).slice(0, patch.index - 1);
  const patches: Patch[] = [];
  for (const [k, commit] of patchCommits.entries()) {
    const [earlier] = await readPatches(await git(top, ['format-patch', '--stdout', '-1', commit.sha]), `${branch} commit ${commit.sha.slice(0, 12)}`);
    if (earlier) patches.push(Object.assign(earlier, { index: k + 1, total: patch.total }));
  }
  return patches;
}

/** One result for the whole patch: the worst severity decides the status. */
function toResult(report: Report, base: string, earlier: number): B4Result {
  const { findings, notes } = report;
  const on = `${base}${earlier > 0 ? ` with patches 1-${earlier} of the series applied` : ''}`;
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (findings.length === 0) {
    const checked = `${count(report.stats.functions, 'function')} checked on ${on}, nothing found`;
    return { tool: 'widen', status: 'pass', summary: notes.length > 0 ? `${checked}; ${count(notes.length, 'note')}` : checked, url: '', details: notes.length > 0 ? plain(renderText(report)) : '' };
  }
  const status = findings.some((f) => f.severity === 'error') ? 'fail' : findings.some((f) => f.severity === 'warning') ? 'warn' : 'pass';
  // The summary leads with the most severe finding: a note on the commit message sorts first but matters least.
  const first = findings.reduce((best, f) => (SEVERITIES.indexOf(f.severity) < SEVERITIES.indexOf(best.severity) ? f : best));
  const more = findings.length > 1 ? ` (and ${count(findings.length - 1, 'more finding')})` : '';
  const where = first.function ? `${first.function}()` : isCommitFinding(first) ? 'the commit message' : first.path;
  return {
    tool: 'widen',
    status,
    summary: `${first.message} in ${where}${more}`,
    url: docsUrl(first.rule),
    details: plain(renderText(report)),
  };
}

function failure(message: string): B4Result {
  return { tool: 'widen', status: 'fail', summary: message.split(/(?<=\.) /)[0]!, url: '', details: message };
}

/** b4 shows details as plain text: no terminal escapes, even if a renderer learns colour. */
function plain(text: string): string {
  // A CSI sequence: ESC [ parameters final-byte.
  return text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g'), '');
}
