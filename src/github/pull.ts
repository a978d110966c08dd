/**
 * A pull request as widen reviews it, read through the GitHub API: its changed files (all
 * pages, fetched in parallel), each changed C file's diff parsed by the same reader as the
 * CLI's patches, and the file contents by blob SHA with bounded concurrency. The analysis is
 * the shared pipeline; nothing here knows how findings are published.
 */
import pLimit from 'p-limit';
import { expectFields, expectList } from './answers.js';
import type { AnalysisNote } from '../analysis/file.js';
import { fileNote, isCSource, sortNotes, type Report } from '../pipeline/analyze.js';
import { review } from '../pipeline/review.js';
import { ReviewError } from '../pipeline/errors.js';
import { SourceUnavailable, type TreeSource } from '../pipeline/source.js';
import type { Finding } from '../findings/finding.js';
import { diffLinesOf, placeFinding, type Placement } from '../findings/placement.js';
import { commitInfo, commitPatch, forwardLine, forwardLineNear, PatchError, readPatches, shownText, unapplyFilePatch } from '../patch/index.js';
import type { HeadLines } from '../render/check-run.js';
import { SHORT_SHA } from '../render/text.js';
import type { FilePatch, Patch } from '../patch/types.js';
import type { CatalogRule } from '../rules/index.js';
import { configuredRules, pathFilter, type WidenConfig } from './config.js';
import type { GitHubClient } from './octokit.js';
import { append } from '../append.js';

export interface PullRef {
  owner: string;
  repo: string;
  number: number;
}

export interface PullInfo {
  number: number;
  title: string;
  draft: boolean;
  state: string;
  headSha: string;
  baseSha: string;
  /** As GitHub counts them; decides how many pages of files to ask for at once. */
  changedFiles: number;
  /** Commits as GitHub counts them, or null when the payload did not say. */
  commits: number | null;
  htmlUrl: string;
  /**
   * When GitHub last changed the pull request (`updated_at`, ISO 8601), as the payload or the API
   * said; absent when it did not. Orders two pushes whose deliveries came out of order.
   */
  updatedAt?: string;
}

/** One entry of GitHub's list of a pull request's files. */
export interface PullFile {
  filename: string;
  status: string;
  /** The blob SHA of the file at the head commit (null for a submodule). */
  sha: string | null;
  /** The file's hunks; GitHub leaves it out for binary files and very large diffs. */
  patch?: string;
  previous_filename?: string;
  /** Lines added plus lines deleted; 0 for a pure rename. */
  changes?: number;
}

/** `GET …/pulls/{n}/files` returns at most this many files, whatever the pagination. */
export const MAX_LISTED_FILES = 3000;
/** Largest page GitHub serves. */
const FILES_PER_PAGE = 100;
/** Requests in flight at once for one review: well under GitHub's 100 concurrent requests. */
export const MAX_PARALLEL_REQUESTS = 8;
/** C files analysed in one review; a larger pull request is reviewed in part, with a note. */
export const MAX_ANALYSED_FILES = 500;
/** A blob larger than this is not analysed (no C source file comes near it). */
export const MAX_BLOB_BYTES = 8 * 1024 * 1024;

/** The fields of a pull request widen reads, with their types (see {@link expectFields}). */
const PULL_FIELDS = { number: 'number', title: 'string', state: 'string', 'head.sha': 'string', 'base.sha': 'string', changed_files: 'number?', commits: 'number?', html_url: 'string' };
/** The fields of a changed file widen reads. */
const FILE_FIELDS = { 'filename': 'string', 'status': 'string', 'patch': 'string?', 'sha': 'string?', 'changes': 'number?', 'previous_filename': 'string?' };

/** What widen needs of a pull request object, from a webhook payload or the API. */
export function pullInfo(pr: {
  number: number;
  title: string;
  draft?: boolean | null;
  state: string;
  head: { sha: string };
  base: { sha: string };
  changed_files?: number;
  commits?: number;
  html_url: string;
  updated_at?: string | null;
}): PullInfo {
  return {
    ...(typeof pr.updated_at === 'string' ? { updatedAt: pr.updated_at } : {}),
    number: pr.number,
    title: pr.title,
    draft: pr.draft ?? false,
    state: pr.state,
    headSha: pr.head.sha,
    baseSha: pr.base.sha,
    changedFiles: pr.changed_files ?? 0,
    commits: pr.commits ?? null,
    htmlUrl: pr.html_url,
  };
}

export async function getPull(octokit: GitHubClient, ref: PullRef): Promise<PullInfo> {
  const { data } = await octokit.rest.pulls.get({ owner: ref.owner, repo: ref.repo, pull_number: ref.number });
  expectFields('GET pulls/{number}', data, PULL_FIELDS);
  return pullInfo(data);
}

/**
 * All changed files, every page requested at once (the pull request says how many there are).
 * GitHub lists at most {@link MAX_LISTED_FILES}; `unlisted` counts the rest.
 */
export async function listPullFiles(octokit: GitHubClient, ref: PullRef, changedFiles: number): Promise<{ files: PullFile[]; unlisted: number }> {
  const limit = pLimit(MAX_PARALLEL_REQUESTS);
  const listed = Math.min(changedFiles, MAX_LISTED_FILES);
  const pages = Math.max(1, Math.ceil(listed / FILES_PER_PAGE));
  const fetchPage = (page: number) =>
    limit(async () => {
      const { data } = await octokit.rest.pulls.listFiles({ owner: ref.owner, repo: ref.repo, pull_number: ref.number, per_page: FILES_PER_PAGE, page });
      expectList('GET pulls/{number}/files', data, FILE_FIELDS);
      return data;
    });
  const results = await Promise.all(Array.from({ length: pages }, (_, i) => fetchPage(i + 1)));
  const files: PullFile[] = results.flat();
  // The count in the payload can be stale (a push between event and request): follow on.
  for (let page = pages + 1; results[results.length - 1]!.length === FILES_PER_PAGE && files.length < MAX_LISTED_FILES; page++) {
    const more = await fetchPage(page);
    append(files, more);
    if (more.length < FILES_PER_PAGE) break;
  }
  return { files, unlisted: Math.max(0, changedFiles - files.length) };
}

/**
 * Blobs by SHA, each fetched once, {@link MAX_PARALLEL_REQUESTS} at a time. Fetching can start
 * as soon as the file list is known, before the configuration says which files to analyse, so
 * the blobs' round trip overlaps the configuration's.
 */
export class BlobFetcher {
  private readonly blobs = new Map<string, Promise<string>>();
  private readonly limit = pLimit(MAX_PARALLEL_REQUESTS);

  constructor(
    private readonly octokit: GitHubClient,
    private readonly ref: { owner: string; repo: string },
    /** Aborts the requests not yet answered, and refuses new ones (the App's deadline). */
    private readonly signal?: AbortSignal,
  ) {}

  get(sha: string): Promise<string> {
    let blob = this.blobs.get(sha);
    if (!blob) {
      blob = this.limit(() => this.fetch(sha));
      blob.catch(() => undefined); // Reported by whoever reads it.
      this.blobs.set(sha, blob);
    }
    return blob;
  }

  /** Starts fetching now; reads later wait for these. */
  prefetch(shas: Iterable<string>): void {
    for (const sha of shas) void this.get(sha);
  }

  private async fetch(sha: string): Promise<string> {
    this.signal?.throwIfAborted();
    const { data } = await this.octokit.rest.git.getBlob({ owner: this.ref.owner, repo: this.ref.repo, file_sha: sha, ...(this.signal ? { request: { signal: this.signal } } : {}) });
    expectFields('GET git/blobs/{sha}', data, { content: 'string', encoding: 'string?', size: 'number?' });
    if ((data.size ?? 0) > MAX_BLOB_BYTES) throw new Error(`the file is ${((data.size ?? 0) / 1048576).toFixed(1)} MiB, over widen's limit of ${MAX_BLOB_BYTES / 1048576} MiB`);
    return data.encoding === 'base64' ? Buffer.from(data.content, 'base64').toString('utf8') : data.content;
  }
}

/**
 * The base tree as the pull request's diff sees it, for the files the diff changes: each file's
 * head blob, fetched by SHA, with the file's hunks undone. This is exactly the merge-base text
 * GitHub computed the diff from, at one request per file, and it cannot disagree with the diff.
 */
export class PullSource implements TreeSource {
  constructor(
    private readonly blobs: BlobFetcher,
    /** By pre-patch path: the head blob and the file patch that leads to it. */
    private readonly entries: ReadonlyMap<string, { sha: string; fp: FilePatch; patch: Patch }>,
  ) {}

  async read(path: string): Promise<string | null> {
    const entry = this.entries.get(path);
    if (!entry) return null;
    const text = await this.blobs.get(entry.sha).catch((e: unknown) => {
      throw new SourceUnavailable(entry.fp.newPath ?? path, describeFailure(e), retryHint(e));
    });
    try {
      return unapplyFilePatch(text, entry.fp, entry.patch);
    } catch (e) {
      if (e instanceof PatchError) throw new SourceUnavailable(path, 'the diff GitHub sent does not match the file at the head commit');
      throw e;
    }
  }
}

/** What the user can do about a blob GitHub did not serve: ask again, since it listed the file. */
function retryHint(e: unknown): string {
  const status = (e as { status?: number }).status;
  return status === 404 ? 'The branch may have moved while widen read it: run `/widen` to review the pull request again.' : 'Run `/widen` to try again.';
}

function describeFailure(e: unknown): string {
  const status = (e as { status?: number }).status;
  if (status === 404) return 'GitHub answered 404 Not Found for its blob';
  if (status !== undefined) return `GitHub answered ${status} for its blob`;
  return (e as Error).message ?? String(e);
}

/** A pull request's review: the shared report plus what the review did not look at. */
export interface PullReview {
  report: Report;
  /** The pull request's diff of each analysed file, by post-patch path, for placing comments. */
  files: ReadonlyMap<string, FilePatch>;
  /** Changed files left out by the configuration's path filters. */
  excluded: number;
  /** Changed C files the pull request deletes (named in `remarks`). */
  deleted?: number;
  /** What the review did differently from what was asked (a series reviewed squashed), for the reader. */
  remarks: string[];
  /**
   * Reviewed commit by commit: where each finding's lines are at the head commit (its lines are
   * those of the commit that introduced it), or null when later commits removed them.
   */
  headLines?: ReadonlyMap<Finding, HeadLines | null>;
}

function quotePath(prefix: string, path: string): string {
  const p = `${prefix}${path}`;
  return /[\s"\\]/.test(p) ? JSON.stringify(p) : p;
}

/** The git diff of one listed file, as `git diff` would print it, for the shared diff reader. */
function fileDiff(f: PullFile): string {
  const oldPath = f.status === 'renamed' || f.status === 'copied' ? (f.previous_filename ?? f.filename) : f.filename;
  const head = [`diff --git ${quotePath('a/', oldPath)} ${quotePath('b/', f.filename)}`];
  if (f.status === 'added') head.push('new file mode 100644');
  if (f.status === 'removed') head.push('deleted file mode 100644');
  if (oldPath !== f.filename) head.push(`${f.status === 'copied' ? 'copy' : 'rename'} from ${oldPath}`, `${f.status === 'copied' ? 'copy' : 'rename'} to ${f.filename}`);
  head.push(f.status === 'added' ? '--- /dev/null' : `--- ${quotePath('a/', oldPath)}`);
  head.push(f.status === 'removed' ? '+++ /dev/null' : `+++ ${quotePath('b/', f.filename)}`);
  const body = f.patch ?? '';
  return `${head.join('\n')}\n${body}${body.endsWith('\n') || body === '' ? '' : '\n'}`;
}

/** GitHub lists at most this many commits of a pull request (`GET …/pulls/{n}/commits`). */
export const MAX_LISTED_COMMITS = 250;
/** Commits a pull request may have and still be reviewed one by one; beyond, squashed with a note. */
export const MAX_SERIES_COMMITS = 50;
/** GitHub's largest page of a commit's files (`GET …/commits/{sha}`); it lists at most 3000 of them. */
const COMMIT_FILES_PER_PAGE = 100;

/** One commit of a pull request, as `GET …/pulls/{n}/commits` lists it. */
export interface PullCommit {
  sha: string;
  parents: string[];
  message: string;
  authorName: string;
  authorEmail: string;
  date: string;
}

/**
 * The pull request's commits, oldest first (GitHub's order), every page; listing stops once
 * there are more than `stopAfter`, since such a pull request is reviewed squashed anyway.
 */
export async function listPullCommits(octokit: GitHubClient, ref: PullRef, stopAfter = MAX_SERIES_COMMITS): Promise<PullCommit[]> {
  const out: PullCommit[] = [];
  for (let page = 1; out.length <= stopAfter && out.length < MAX_LISTED_COMMITS; page++) {
    const { data } = await octokit.rest.pulls.listCommits({ owner: ref.owner, repo: ref.repo, pull_number: ref.number, per_page: 100, page });
    expectList('GET pulls/{number}/commits', data, { sha: 'string', parents: 'array', 'commit.message': 'string', 'commit.author.name': 'string?', 'commit.author.email': 'string?', 'commit.author.date': 'string?' });
    for (const c of data) {
      out.push({
        sha: c.sha,
        parents: c.parents.map((p) => p.sha),
        message: c.commit.message,
        authorName: c.commit.author?.name ?? '',
        authorEmail: c.commit.author?.email ?? '',
        date: c.commit.author?.date ?? '',
      });
    }
    if (data.length < 100) break;
  }
  return out;
}

/** A commit's changed files (`GET …/commits/{sha}`), every page of them. */
async function listCommitFiles(octokit: GitHubClient, ref: PullRef, sha: string, signal: AbortSignal | undefined): Promise<PullFile[]> {
  const files: PullFile[] = [];
  for (let page = 1; files.length < MAX_LISTED_FILES; page++) {
    const { data } = await octokit.rest.repos.getCommit({ owner: ref.owner, repo: ref.repo, ref: sha, per_page: COMMIT_FILES_PER_PAGE, page, ...(signal ? { request: { signal } } : {}) });
    expectFields('GET commits/{sha}', data, { files: 'array?' });
    const listed = data.files ?? [];
    expectList('the files of GET commits/{sha}', listed, FILE_FIELDS);
    files.push(...listed.map((f): PullFile => ({ filename: f.filename, status: f.status, sha: f.sha ?? null, changes: f.changes, ...(f.patch !== undefined ? { patch: f.patch } : {}), ...(f.previous_filename !== undefined ? { previous_filename: f.previous_filename } : {}) })));
    if (listed.length < COMMIT_FILES_PER_PAGE) break;
  }
  return files;
}

interface ReadFiles {
  filePatches: FilePatch[];
  /** The blob each file has after the change, by post-patch path. */
  blobs: Map<string, string>;
  excluded: number;
  /** C files the change deletes: nothing is left in them to check. */
  deleted: string[];
}

/** Whether a name holds a C0 control or DEL: characters no path widen reviews may hold. */
function hasControl(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * The C files of a listing (the pull request's or one commit's) that the settings select, read
 * with the shared diff reader. Files that cannot be checked are noted through `note`.
 */
async function readListedFiles(files: readonly PullFile[], config: WidenConfig, source: string, note: (path: string, message: string) => void): Promise<ReadFiles> {
  const selected = pathFilter(config);
  let excluded = 0;
  const deleted: string[] = [];
  const filePatches: FilePatch[] = [];
  for (const f of files) {
    if (!isCSource(f.filename) && !isCSource(f.previous_filename ?? '')) continue;
    // Git allows any byte but NUL in a name, and GitHub lists it as it is. A tab or another
    // control character made the diff reader's path (escaped, for the terminal) differ from
    // GitHub's, and the whole pull request's review failed; a newline slipped past the path
    // globs as "excluded" with no word. No kernel file is named so: noted, not reviewed.
    const named = [f.filename, f.previous_filename ?? ''].find(hasControl);
    if (named !== undefined) {
      const shown = JSON.stringify(named);
      note(shown, `The file name ${shown}${source.startsWith('commit') ? ` in ${source}` : ''} has control characters (a tab, a newline), so widen did not check the file.`);
      continue;
    }
    if (!selected(f.filename)) {
      excluded++;
      continue;
    }
    if (f.status === 'removed') {
      deleted.push(f.filename);
      continue;
    }
    // GitHub leaves `patch` out for a diff too large to show; an answer may also say null.
    if (typeof f.patch !== 'string' || f.sha === null) {
      // A pure rename has no diff and nothing to check; any other file without one was not checked.
      if (!(f.status === 'renamed' && f.changes === 0)) {
        note(f.filename, `GitHub sent no diff for ${f.filename}${source.startsWith('commit') ? ` in ${source}` : ''} (a binary file or a diff too large to show), so widen could not check it.`);
      }
      continue;
    }
    if (filePatches.length >= MAX_ANALYSED_FILES) {
      note(f.filename, `widen checks at most ${MAX_ANALYSED_FILES} C files in one review; ${f.filename} and the files after it were not checked.`);
      break;
    }
    try {
      const [parsed] = await readPatches(fileDiff(f), `${source}, ${f.filename}`);
      append(filePatches, parsed?.files ?? []);
    } catch (e) {
      if (!(e instanceof PatchError)) throw e;
      note(f.filename, `The diff GitHub sent for ${f.filename} could not be read (${e.message}), so widen did not check it.`);
    }
  }
  return { filePatches, blobs: new Map(files.flatMap((f) => (f.sha === null ? [] : [[f.filename, f.sha] as const]))), excluded, deleted };
}

/**
 * Reviews a pull request: lists its files, reads each changed C file's diff and content, and
 * runs the shared pipeline, commit by commit (`series: per-commit`, the default, for up to
 * {@link MAX_SERIES_COMMITS} commits) or on the whole change. Files that cannot be checked (no
 * diff from GitHub, a blob that cannot be fetched, over a size limit) are noted, never silently
 * dropped.
 */
export async function reviewPull(
  octokit: GitHubClient,
  ref: PullRef,
  pull: PullInfo,
  /** The settings, or the request for them: blobs are fetched while it is under way. */
  settings: WidenConfig | Promise<WidenConfig>,
  opts: {
    /** The file list, when the caller started fetching it early. */
    listing?: Promise<{ files: PullFile[]; unlisted: number }>;
    /** Rules to run instead of those the configuration enables. */
    rules?: readonly CatalogRule[] | undefined;
    /** How to review the commits, instead of the configuration's `series`. */
    series?: WidenConfig['series'] | undefined;
    /** The commit list, when the caller started fetching it early. */
    commits?: Promise<PullCommit[]> | undefined;
    /**
     * The review's deadline: once aborted, no more blobs or commit lists are requested, those
     * under way are given up, and the analysis stops before its next file.
     */
    signal?: AbortSignal | undefined;
  } = {},
): Promise<PullReview> {
  const { files, unlisted } = await (opts.listing ?? listPullFiles(octokit, ref, pull.changedFiles));
  const blobs = new BlobFetcher(octokit, ref, opts.signal);
  let known = false;
  const configured = Promise.resolve(settings).finally(() => (known = true));
  configured.catch(() => undefined);
  await Promise.resolve();
  if (!known) {
    // The configuration is still on its way: fetch every changed C file's blob meanwhile. A
    // file the path filters then exclude costs one request; waiting would cost a round trip.
    const candidates = files.filter((f) => f.sha !== null && typeof f.patch === 'string' && f.status !== 'removed' && isCSource(f.filename));
    blobs.prefetch(candidates.slice(0, MAX_ANALYSED_FILES).map((f) => f.sha!));
  }
  const config = await configured;
  const source = `pull request #${ref.number}`;
  const notes: AnalysisNote[] = [];
  const note = (path: string, message: string): void => {
    notes.push(fileNote(path, 'skipped-file', message));
  };
  if (unlisted > 0) note('(pull request)', `GitHub lists at most ${MAX_LISTED_FILES} files of a pull request; the other ${unlisted} changed files were not checked.`);

  const whole = await readListedFiles(files, config, source, note);
  const rules = opts.rules ?? configuredRules(config);
  const finalDiff = new Map(whole.filePatches.map((fp) => [fp.newPath!, fp]));
  const remarks: string[] = [];
  // A deleted file is named, not passed over (sweep AK: "No C files to check" for a pull request
  // that deletes mm/edge.c): its callers in other files are checked where the diff changes them.
  if (whole.deleted.length > 0) {
    const shown = whole.deleted.slice(0, 5).map((p) => `\`${p}\``).join(', ');
    const more = whole.deleted.length > 5 ? ` and ${whole.deleted.length - 5} more` : '';
    remarks.push(`This pull request deletes ${shown}${more}: nothing is left in ${whole.deleted.length === 1 ? 'it' : 'them'} to check.`);
  }
  let report: Report | null = null;
  let headLines: ReadonlyMap<Finding, HeadLines | null> | undefined;
  if ((opts.series ?? config.series) === 'per-commit' && whole.filePatches.length > 0) {
    const series = await reviewCommits(octokit, ref, pull, { config, rules, blobs, whole, finalDiff, listed: opts.commits, signal: opts.signal });
    if ('remark' in series) remarks.push(series.remark);
    else {
      report = series.report;
      append(notes, series.notes);
      headLines = series.headLines;
    }
  }
  if (report === null) {
    const title = shownText(pull.title);
    const patch: Patch = { index: 1, total: 1, subject: title, rawSubject: title, messageId: null, from: null, date: null, headers: {}, description: '', files: whole.filePatches, source };
    report = whole.filePatches.length === 0
      ? { findings: [], notes: [], stats: { files: 0, functions: 0, ms: 0 } }
      : await review({ patches: [patch], tree: pullSource(blobs, [patch], (_, fp) => (fp.newPath === null ? null : (whole.blobs.get(fp.newPath) ?? null))), rules, ...(opts.signal ? { signal: opts.signal } : {}) });
  }
  report.notes = sortNotes([...notes, ...report.notes]);
  return { report, files: finalDiff, excluded: whole.excluded, deleted: whole.deleted.length, remarks, ...(headLines ? { headLines } : {}) };
}

/**
 * The base tree for a series of patches: each file read from the blob it has after the first
 * patch that changes it, with that patch's hunks undone. One blob per file, whatever the
 * number of commits: later states are the earlier ones with the later hunks applied in memory.
 */
function pullSource(blobs: BlobFetcher, patches: readonly Patch[], blobOf: (patch: Patch, fp: FilePatch) => string | null): PullSource {
  const entries = new Map<string, { sha: string; fp: FilePatch; patch: Patch }>();
  const created = new Set<string>();
  for (const patch of patches) {
    for (const fp of patch.files) {
      const sha = blobOf(patch, fp);
      if (fp.oldPath !== null && sha && !entries.has(fp.oldPath) && !created.has(fp.oldPath)) entries.set(fp.oldPath, { sha, fp, patch });
      if (fp.newPath !== null) created.add(fp.newPath);
    }
  }
  blobs.prefetch([...entries.values()].map((e) => e.sha));
  return new PullSource(blobs, entries);
}

interface SeriesContext {
  config: WidenConfig;
  rules: readonly CatalogRule[];
  blobs: BlobFetcher;
  /** The pull request's own listing, read. */
  whole: ReadFiles;
  /** The pull request's final diff, by post-patch path. */
  finalDiff: ReadonlyMap<string, FilePatch>;
  /** The commit list, if already requested. */
  listed: Promise<PullCommit[]> | undefined;
  signal: AbortSignal | undefined;
}

/**
 * The pull request's commits reviewed as a series, each on the tree the commits before it left,
 * every finding then placed on the pull request's final diff; or, when the commits cannot be
 * reviewed one by one, the remark that says why the whole diff was reviewed instead.
 */
async function reviewCommits(octokit: GitHubClient, ref: PullRef, pull: PullInfo, c: SeriesContext): Promise<{ report: Report; notes: AnalysisNote[]; headLines: Map<Finding, HeadLines | null> } | { remark: string }> {
  const squashed = (why: string): { remark: string } => ({ remark: `${why}, so widen reviewed the pull request's whole diff instead of commit by commit (\`series: per-commit\`).` });
  const tooMany = (n: number, atLeast = false): { remark: string } => squashed(`This pull request has ${atLeast ? 'more than ' : ''}${n} commits and widen reviews at most ${MAX_SERIES_COMMITS} one by one`);
  if (pull.commits !== null && pull.commits > MAX_SERIES_COMMITS) return tooMany(pull.commits);
  const commits = await (c.listed ?? listPullCommits(octokit, ref));
  if (commits.length > MAX_SERIES_COMMITS) return tooMany(MAX_SERIES_COMMITS, true);
  if (commits.length === 0) return squashed('GitHub listed no commits for this pull request');
  const merge = commits.find((k) => k.parents.length > 1);
  // A merge brings in changes no patch of the series carries: later commits need not apply.
  if (merge) return squashed(`Commit ${merge.sha.slice(0, SHORT_SHA)} is a merge`);

  const notes: AnalysisNote[] = [];
  const note = (path: string, message: string): void => {
    notes.push(fileNote(path, 'skipped-file', message));
  };
  const patches: Patch[] = [];
  const blobsOf = new Map<Patch, Map<string, string>>();
  for (const [k, commit] of commits.entries()) {
    const info = commitInfo({ sha: commit.sha, authorName: commit.authorName, authorEmail: commit.authorEmail, date: commit.date, message: commit.message });
    const source = `commit ${commit.sha.slice(0, SHORT_SHA)}`;
    // One commit on the base is the pull request's own diff: its listing is already at hand.
    c.signal?.throwIfAborted();
    const read = commits.length === 1 ? c.whole : await readListedFiles(await listCommitFiles(octokit, ref, commit.sha, c.signal), c.config, source, note);
    const patch = commitPatch(info, read.filePatches, { index: k + 1, total: commits.length, source });
    patches.push(patch);
    blobsOf.set(patch, read.blobs);
  }
  let report: Report;
  try {
    report = await review({ patches, tree: pullSource(c.blobs, patches, (patch, fp) => (fp.newPath === null ? null : (blobsOf.get(patch)?.get(fp.newPath) ?? null))), rules: c.rules, ...(c.signal ? { signal: c.signal } : {}) });
  } catch (e) {
    // GitHub's per-commit diffs can disagree with the blobs (a diff cut short): review the whole.
    if (e instanceof PatchError || e instanceof ReviewError) return squashed(`The commits could not be applied one after another (${e.message})`);
    throw e;
  }
  const headLines = new Map<Finding, HeadLines | null>();
  for (const f of report.findings) {
    const head = carryToHead(f, patches);
    f.placement = placeOnFinalDiff(f, head, c.finalDiff);
    // An end line a later commit rewrote ends the span where that rewrite now is (sweep AK: the
    // annotation of lines 12-15 shrank to line 12).
    headLines.set(f, head.path === f.path && head.line !== null ? { line: head.line, endLine: Math.max(head.line, head.endLine ?? head.endNear) } : null);
  }
  return { report, notes, headLines };
}

/** A finding's lines carried to the head commit: null for a line a later commit removed. */
interface AtHead {
  path: string | null;
  line: number | null;
  endLine: number | null;
  /** Where the end line is, or where it was when a later commit removed or rewrote it. */
  endNear: number;
  related: Array<number | null>;
}

/** Carries a finding of one commit through the later commits' hunks to the head commit. */
function carryToHead(f: Finding, patches: readonly Patch[]): AtHead {
  let lines: Array<number | null> = [f.line, f.endLine, ...f.related.filter((r) => r.path === f.path).map((r) => r.line)];
  let path: string | null = f.path;
  let endNear = f.endLine;
  for (const later of patches.slice(f.patch?.index ?? patches.length)) {
    const fp = later.files.find((x) => x.oldPath === path);
    if (!fp) continue;
    path = fp.newPath;
    lines = lines.map((l) => (l === null || path === null ? null : forwardLine(fp.hunks, l)));
    endNear = forwardLineNear(fp.hunks, endNear);
  }
  const [line = null, endLine = null, ...related] = lines;
  return { path, line, endLine, endNear, related };
}

/**
 * Where a finding of one commit sits on the pull request's final diff: its lines as the head
 * commit has them, placed as on any diff. A finding whose lines are all gone, or whose file a
 * later commit renames, is outside the diff.
 */
function placeOnFinalDiff(f: Finding, head: AtHead, finalDiff: ReadonlyMap<string, FilePatch>): Placement {
  const shown = head.path === f.path ? finalDiff.get(f.path) : undefined;
  if (!shown) return { kind: 'outside-diff', line: f.line };
  const moved: Finding = {
    ...f,
    // A position no diff line has (0) stands for a line that is gone.
    line: head.line ?? 0,
    endLine: head.endLine ?? 0,
    related: head.related.map((l) => ({ path: f.path, line: l ?? 0, message: '' })),
  };
  const placed = placeFinding(moved, diffLinesOf(shown));
  return placed.kind === 'outside-diff' ? { kind: 'outside-diff', line: f.line } : placed;
}
