/**
 * Publishing a review on a pull request: one review per run (`event: COMMENT`, pinned to the
 * head commit, created in a single call), inline comments only on lines the diff shows, no
 * finding posted twice (hidden fingerprint markers), earlier comments whose finding is gone
 * marked as resolved and minimised as outdated, and one `widen` check run per head commit.
 */
import type { Finding } from '../findings/finding.js';
import { renderCheckRun, ANNOTATIONS_PER_REQUEST, type CheckOutput } from '../render/check-run.js';
import { MAX_COMMENT_BODY, renderFindingCommentWithin, renderReviewBody } from '../render/markdown.js';
import type { WidenConfig } from './config.js';
import { findingKey, fingerprintMarker, markedFingerprints } from './marker.js';
import type { GitHubClient } from './octokit.js';
import type { PullInfo, PullRef, PullReview } from './pull.js';

/** The check run's name; a re-run request for it comes back as `check_run.rerequested`. */
export const CHECK_NAME = 'widen';

/** Added to an earlier comment whose finding is gone, so later runs leave it alone. */
const RESOLVED_MARKER = '<!-- widen:resolved -->';

interface Log {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
}

/** widen's own earlier comments and findings on a pull request. */
export interface Earlier {
  /** Finding keys ({@link findingKey}) already posted, inline or in a review body; bare fingerprints from older comments. */
  posted: Set<string>;
  /** Inline comments of widen's that are not yet marked resolved. */
  open: Array<{ id: number; nodeId: string; path: string; body: string; fingerprints: string[]; replied: boolean }>;
}

/**
 * Lists the review comments and reviews of the pull request and picks out widen's own: those by
 * `self` (the App's bot login), or, when that is not known (a workflow token), by any bot. Any
 * bot was not enough in the App: a workflow echoing a widen marker hid widen's finding, and
 * widen rewrote that bot's comment as resolved.
 */
export async function listEarlier(octokit: GitHubClient, ref: PullRef, self: Promise<string | null> = Promise.resolve(null)): Promise<Earlier> {
  const params = { owner: ref.owner, repo: ref.repo, pull_number: ref.number, per_page: 100 };
  const [comments, reviews, login] = await Promise.all([
    octokit.paginate(octokit.rest.pulls.listReviewComments, params),
    octokit.paginate(octokit.rest.pulls.listReviews, params),
    self,
  ]);
  const mine = (user: { login: string; type: string } | null | undefined): boolean => (login !== null ? user?.login === login : user?.type === 'Bot');
  const posted = new Set<string>();
  const repliedTo = new Set(comments.flatMap((c) => (c.in_reply_to_id ? [c.in_reply_to_id] : [])));
  const open: Earlier['open'] = [];
  for (const r of reviews) {
    if (mine(r.user)) for (const fp of markedFingerprints(r.body)) posted.add(fp);
  }
  for (const c of comments) {
    const fps = mine(c.user) ? markedFingerprints(c.body) : [];
    if (fps.length === 0) continue;
    for (const fp of fps) posted.add(fp);
    if (!c.body.includes(RESOLVED_MARKER)) open.push({ id: c.id, nodeId: c.node_id, path: c.path, body: c.body, fingerprints: fps, replied: repliedTo.has(c.id) });
  }
  return { posted, open };
}

/** widen's check run on a head commit. */
export interface CheckRun {
  id: number;
  /**
   * A run taken up again that already carries annotations. GitHub appends the annotations of
   * every update to those a run has ("Update a check run"), and none can be taken back: sending
   * a re-run's annotations again showed each finding once per run (2, 4, 6, 8 on the Files
   * tab). The head commit is the same, so its findings are too; the run keeps the ones it has.
   */
  annotated: boolean;
}

/**
 * Starts the check run for a head commit, so the pull request shows widen at work. A re-run on
 * the same commit (slash command, redelivery, "Re-run") takes up widen's existing check run
 * instead of adding another: one `widen` check run per head commit.
 */
export async function startCheckRun(octokit: GitHubClient, ref: PullRef, headSha: string): Promise<CheckRun> {
  const repo = { owner: ref.owner, repo: ref.repo };
  const { data: existing } = await octokit.rest.checks.listForRef({ ...repo, ref: headSha, check_name: CHECK_NAME, filter: 'latest', per_page: 1 });
  const mine = existing.check_runs[0];
  if (mine) {
    await octokit.rest.checks.update({ ...repo, check_run_id: mine.id, status: 'in_progress' });
    return { id: mine.id, annotated: (mine.output?.annotations_count ?? 0) > 0 };
  }
  const { data } = await octokit.rest.checks.create({ ...repo, name: CHECK_NAME, head_sha: headSha, status: 'in_progress' });
  return { id: data.id, annotated: false };
}

/**
 * Completes the check run with `output`; annotations beyond the first
 * {@link ANNOTATIONS_PER_REQUEST} go in further updates, which GitHub appends. A run taken up
 * again with annotations already on it gets the new title and summary only.
 */
export async function completeCheckRun(octokit: GitHubClient, ref: PullRef, run: CheckRun, output: CheckOutput): Promise<void> {
  const batches: CheckOutput['annotations'][] = [];
  const annotations = run.annotated ? [] : output.annotations;
  for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  const base = { owner: ref.owner, repo: ref.repo, check_run_id: run.id };
  const text = { title: output.title, summary: output.summary };
  await octokit.rest.checks.update({ ...base, status: 'completed', conclusion: output.conclusion, output: { ...text, annotations: batches[0] ?? [] } });
  for (const batch of batches.slice(1)) await octokit.rest.checks.update({ ...base, output: { ...text, annotations: batch } });
}

/** One inline comment's body: the finding, and its marker, within GitHub's limit on a comment. */
export function commentBody(f: Finding): string {
  const marker = `\n${fingerprintMarker(f.fingerprint, f.path)}`;
  return renderFindingCommentWithin(f, MAX_COMMENT_BODY - marker.length) + marker;
}

export interface PublishOptions {
  octokit: GitHubClient;
  ref: PullRef;
  pull: PullInfo;
  result: PullReview;
  config: WidenConfig;
  earlier: Earlier;
  checkRun: CheckRun | null;
  /** Post a review even when nothing is new (an answer to `/widen`). */
  force: boolean;
  log: Log;
  /** The review's deadline: once it has passed, nothing more is written. */
  signal?: AbortSignal;
}

export interface PublishSummary {
  reviewId: number | null;
  inline: number;
  inBody: number;
  standing: number;
  resolved: number;
}

/**
 * Publishes the review and completes the check run, in parallel; then marks earlier comments
 * whose finding is gone. A review GitHub still refuses (422) is posted again with every finding
 * in the body, so a run never ends without its answer.
 */
export async function publish(o: PublishOptions): Promise<PublishSummary> {
  const { octokit, ref, pull, result, config, earlier } = o;
  o.signal?.throwIfAborted();
  const findings = result.report.findings;
  // Keys, and bare fingerprints for the markers of older comments.
  const current = new Set(findings.flatMap((f) => [findingKey(f.fingerprint, f.path), f.fingerprint]));
  const fresh = findings.filter((f) => !earlier.posted.has(findingKey(f.fingerprint, f.path)) && !earlier.posted.has(f.fingerprint));
  const standing = findings.length - fresh.length;
  const onDiff = fresh.filter((f) => f.placement && f.placement.kind !== 'outside-diff' && result.files.has(f.path));
  const inline = onDiff.slice(0, config.maxComments);
  const overflow = onDiff.slice(config.maxComments);
  const outside = fresh.filter((f) => !onDiff.includes(f));
  // A finding is gone only from a file this run checked in full: a file that could not be
  // fetched, or with a function that could not be parsed, proves nothing either way.
  const doubtful = new Set(result.report.notes.map((n) => n.path));
  const checkedWhole = (path: string): boolean => result.files.has(path) && !doubtful.has(path);
  const stale = earlier.open.filter((c) => !c.replied && checkedWhole(c.path) && c.fingerprints.every((fp) => !current.has(fp)));

  const mark = (f: Finding): string => fingerprintMarker(f.fingerprint, f.path);
  const body = (refused = false): string =>
    renderReviewBody({
      inline: refused ? [] : inline,
      outside,
      ...(refused ? { refused: inline } : {}),
      overflow,
      standing,
      resolved: stale.length,
      notes: result.report.notes,
      maxComments: config.maxComments,
      mark,
      remarks: result.remarks,
    });

  /** The review posted, and how many of its findings are inline comments. */
  const postReview = async (): Promise<{ id: number; inline: number } | null> => {
    if (fresh.length === 0 && !o.force) return null;
    const base = { owner: ref.owner, repo: ref.repo, pull_number: ref.number, commit_id: pull.headSha, event: 'COMMENT' as const };
    try {
      const { data } = await octokit.rest.pulls.createReview({
        ...base,
        body: body(),
        comments: inline.map((f) => ({ path: f.path, line: f.placement!.line, side: 'RIGHT' as const, body: commentBody(f) })),
      });
      return { id: data.id, inline: inline.length };
    } catch (e) {
      if ((e as { status?: number }).status !== 422 || inline.length === 0) throw e;
      o.log.warn({ err: (e as Error).message }, 'GitHub refused the inline comments; posting every finding in the review body');
      const { data } = await octokit.rest.pulls.createReview({ ...base, body: body(true) });
      return { id: data.id, inline: 0 };
    }
  };
  const finishCheck = async (): Promise<void> => {
    if (o.checkRun === null) return;
    await completeCheckRun(octokit, ref, o.checkRun, renderCheckRun(result.report, config.failOn, { excluded: result.excluded, ...(result.deleted ? { deleted: result.deleted } : {}), remarks: result.remarks, ...(result.headLines ? { headLines: result.headLines } : {}) }));
  };
  const [posted, finished] = await Promise.allSettled([postReview(), finishCheck()]);
  if (posted.status === 'rejected') {
    // The check run carries the verdict: when it was completed, a failed review post must not
    // turn its `failure` into the caller's "could not finish" `neutral`, which branch protection
    // lets through.
    throw finished.status === 'fulfilled' && o.checkRun !== null ? new ReviewPostError(posted.reason) : posted.reason;
  }
  if (finished.status === 'rejected') throw finished.reason;
  const reviewId = posted.value?.id ?? null;

  for (const c of stale) {
    // Past the deadline the review has been given up: nothing more is written.
    o.signal?.throwIfAborted();
    await resolveComment(octokit, ref, c, pull.headSha);
  }
  const inlinePosted = posted.value?.inline ?? 0;
  return { reviewId, inline: inlinePosted, inBody: outside.length + overflow.length + (inline.length - inlinePosted), standing, resolved: stale.length };
}

/**
 * The review could not be posted, but the check run was completed with the review's verdict
 * (its conclusion and annotations): the caller must leave the check run as it is.
 */
export class ReviewPostError extends Error {
  readonly checkCompleted = true;
  constructor(readonly reason: unknown) {
    super(`the check run was completed, but the review could not be posted: ${(reason as Error)?.message ?? String(reason)}`, { cause: reason });
  }
}

/** Says on an earlier comment that its finding is gone, and minimises it as outdated. */
async function resolveComment(octokit: GitHubClient, ref: PullRef, c: Earlier['open'][number], headSha: string): Promise<void> {
  await octokit.rest.pulls.updateReviewComment({
    owner: ref.owner,
    repo: ref.repo,
    comment_id: c.id,
    body: `**Resolved**: widen no longer finds this as of ${headSha.slice(0, 12)}.\n\n${c.body}\n${RESOLVED_MARKER}`,
  });
  await octokit.graphql('mutation($id: ID!) { minimizeComment(input: { subjectId: $id, classifier: OUTDATED }) { minimizedComment { isMinimized } } }', { id: c.nodeId });
}
