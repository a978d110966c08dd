/**
 * The Probot App: a thin layer of handlers that turn webhooks into queued reviews. Each handler
 * answers the webhook as soon as the work is queued (GitHub waits at most 10 s); the review
 * itself runs on the queue, reads the pull request through the API, and publishes.
 *
 * Triggers: `pull_request` opened / synchronize / reopened / ready_for_review; a pull request
 * comment whose first line is `/widen`, `/widen review` or `/widen help`; and "Re-run" on the
 * `widen` check run (`check_run.rerequested`, whose payload has no pull request for a fork).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Probot } from 'probot';
import { ConfigError, DEFAULT_CONFIG, loadConfig, PERMISSIONS, type ConfigReader, type Permission } from './config.js';
import { HELP_TEXT, unauthorizedReply, unknownCommandReply } from './messages.js';
import type { GitHubClient } from './octokit.js';
import { CHECK_NAME, completeCheckRun, listEarlier, publish, ReviewPostError, startCheckRun } from './publish.js';
import { getPull, listPullCommits, listPullFiles, MAX_SERIES_COMMITS, pullInfo, reviewPull, type PullInfo, type PullRef } from './pull.js';
import { ReviewQueue } from './queue.js';

interface Log {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** The file name `context.config` looks for under `.github/`. */
const CONFIG_FILE = 'widen.yml';

export const PULL_REQUEST_EVENTS = ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'] as const;

/** The first line of a comment as a widen command, or null when the comment is not one. */
export function parseSlashCommand(body: string): { command: 'review' | 'help' } | { unknown: string } | null {
  const first = body.split(/\r?\n/, 1)[0]!.trim();
  // Anything after `/widen` on its line is addressed to widen: `/widen review please` is answered
  // with the help, not ignored (silence would look like an App that is not installed).
  const m = /^\/widen(?:\s+(.*))?$/.exec(first);
  if (!m) return null;
  const words = (m[1] ?? '').trim().split(/\s+/).join(' ') || 'review';
  if (words === 'review' || words === 'help') return { command: words };
  return { unknown: words };
}

/**
 * Whether a collaborator's access reaches `needed`. `role_name` keeps maintain and triage, which
 * `permission` folds into write and read; a custom repository role (`kernel-maintainer`) is
 * none of the five, and then `permission`, the base role it extends, decides.
 */
export function permits(perm: { role_name?: string | null; permission: string }, needed: Permission): boolean {
  const rank = (r: string): number => PERMISSIONS.indexOf(r as Permission);
  const role = perm.role_name && rank(perm.role_name) >= 0 ? perm.role_name : perm.permission;
  return rank(role) >= rank(needed);
}

/**
 * What a queued review needs, in a form that survives a trip through Redis: the worker that
 * runs it authenticates as `installationId` itself.
 */
export interface ReviewJobData {
  /**
   * The queue's job id: the delivery id (`x-github-delivery`), so a redelivered webhook is the
   * same job; `<delivery>.<number>` when one delivery asks for several pull requests (a check
   * run re-run on a commit that heads more than one).
   */
  jobId: string;
  deliveryId: string;
  /** The App installation to act as; absent in a GitHub Action, which has the workflow token. */
  installationId: number | null;
  ref: PullRef;
  pull: PullInfo;
  force: boolean;
}

/** Where reviews go when the App does not run them itself: the Redis queue (redis-queue.ts). */
export interface ReviewSink {
  add(job: ReviewJobData, log: Log): Promise<void>;
  close(): Promise<void>;
  /** Why deliveries cannot be queued now (for GET /health), or null when they can. */
  problem(): string | null;
  /** The App's own log, once Probot has made it: the sink's lines then come out as the App's. */
  useLog(log: Log): void;
}

/**
 * GET /health: 200 `OK` when the App can take deliveries, 503 with the reason when it cannot
 * (its Redis is unreachable or refuses its password). `/ping`, Probot's, answers as long as the
 * process runs; the image's HEALTHCHECK asks this one, so that `docker ps` shows an App whose
 * every delivery fails as unhealthy.
 */
export function healthHandler(sink: ReviewSink | undefined): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/health') return false;
    const problem = sink?.problem() ?? null;
    res.writeHead(problem ? 503 : 200, { 'content-type': 'text/plain' }).end(problem ? `${problem}\n` : 'OK\n');
    return true;
  };
}

/** The pull request as a queue key, e.g. `owner/repo#12`. */
export function pullKey(ref: PullRef): string {
  return `${ref.owner}/${ref.repo}#${ref.number}`;
}

export interface ReviewRequest {
  octokit: GitHubClient;
  /** Probot's `context.config` for the repository's `.github/widen.yml`. */
  readConfig: ConfigReader;
  log: Log;
  ref: PullRef;
  pull: PullInfo;
  /** Post a review even with nothing new, and review drafts: someone asked. */
  force: boolean;
  /** The App's own bot login (`widen[bot]`), to tell its earlier comments from other bots'; null when not known. */
  self?: () => Promise<string | null>;
}

const logins = new WeakMap<object, Promise<string | null>>();

/**
 * The App's bot login (`<slug>[bot]`), asked of GitHub once per process (`GET /app`, as the App
 * itself), the first time a review needs it. Null when GitHub does not say: widen then takes any
 * bot's marked comments for its own, as a workflow token's reviews must.
 */
export function appLogin(probot: { auth(): Promise<unknown> }): () => Promise<string | null> {
  return () => {
    let login = logins.get(probot);
    if (!login) {
      login = probot
        .auth()
        .then((o) => (o as GitHubClient).rest.apps.getAuthenticated())
        .then(({ data }) => (data?.slug ? `${data.slug}[bot]` : null))
        .catch(() => null);
      logins.set(probot, login);
    }
    return login;
  };
}

/**
 * One review, start to finish. Requests that do not depend on each other run at once: the
 * configuration, the file list, widen's earlier comments and the check run; then the blobs;
 * then the review and the check run's completion.
 */
export async function runReview(r: ReviewRequest, isCurrent: () => boolean | Promise<boolean>, deadlineMs = REVIEW_DEADLINE_MS): Promise<void> {
  const deadline = new Deadline(deadlineMs);
  try {
    await reviewBefore(r, isCurrent, deadline);
  } finally {
    deadline.cancel();
  }
}

/**
 * How long one review may take, from its first request to its answer. Every request has its own
 * timeout and rate limits are waited out only briefly (src/github/octokit.ts), but a review makes
 * hundreds of requests: this bounds the whole, so that one slow installation cannot hold one of
 * the process's review slots (MAX_CONCURRENT_REVIEWS) for long.
 */
export const REVIEW_DEADLINE_MS = 10 * 60_000;

/** A review past its {@link REVIEW_DEADLINE_MS}: given up, with a neutral check run that says so. */
export class DeadlineError extends Error {}

/**
 * A review's deadline. Racing the work against it answers in time; its signal also stops the
 * work itself (requests not yet answered, the analysis before its next file), so a review given
 * up no longer fetches, analyses or posts behind the neutral check run that says so.
 */
class Deadline {
  readonly passed: Promise<never>;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  constructor(ms: number) {
    this.passed = new Promise<never>((_, reject) => {
      this.timer = setTimeout(() => {
        const e = new DeadlineError(`the review did not finish within ${ms >= 60_000 ? `${Math.round(ms / 60_000)} minutes` : `${ms / 1000} s`} (GitHub answered too slowly, or rate limits held it), so widen gave up on it`);
        this.controller.abort(e);
        reject(e);
      }, ms);
    });
    this.passed.catch(() => undefined);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** `work`, or the deadline's error if that comes first. */
  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.passed]);
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}

async function reviewBefore(r: ReviewRequest, isCurrent: () => boolean | Promise<boolean>, deadline: Deadline): Promise<void> {
  const { octokit, ref, pull, log } = r;
  const config = loadConfig(r.readConfig);
  if (pull.draft && !r.force) {
    const drafts = await config.then((c) => c.drafts, () => DEFAULT_CONFIG.drafts);
    if (!drafts) {
      log.info({ pull: ref.number }, 'draft pull request skipped (drafts: false)');
      return;
    }
  }
  const listing = listPullFiles(octokit, ref, pull.changedFiles);
  const earlier = listEarlier(octokit, ref, r.self?.() ?? Promise.resolve(null));
  const checkRun = startCheckRun(octokit, ref, pull.headSha);
  // Reviewed commit by commit unless the settings say otherwise: listing the commits before they
  // are known keeps the list off the chain of requests the review waits for, at one request
  // wasted when they say `squashed`. Asked last, so the check run's requests go first.
  const commits = pull.commits !== null && pull.commits > MAX_SERIES_COMMITS ? undefined : listPullCommits(octokit, ref);
  for (const p of [config, listing, commits, earlier, checkRun]) p?.catch(() => undefined);
  try {
    let result;
    try {
      result = await deadline.race(reviewPull(octokit, ref, pull, config, { listing, commits, signal: deadline.signal }));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      await completeCheckRun(octokit, ref, await checkRun, {
        conclusion: 'neutral',
        title: '.github/widen.yml is invalid; nothing was checked',
        summary: `widen could not use \`.github/widen.yml\` from the default branch, so it did not review this pull request:\n\n${e.problems.map((p) => `- ${p}`).join('\n')}\n\nFix the file (see the widen documentation, docs/github-app.md) and run \`/widen\` again.`,
        annotations: [],
      });
      return;
    }
    if (!(await deadline.race(Promise.resolve(isCurrent())))) {
      await completeCheckRun(octokit, ref, await checkRun, { conclusion: 'neutral', title: 'Superseded by a newer commit', summary: `A newer commit was pushed while widen reviewed ${pull.headSha.slice(0, 12)}; widen reviews that one instead.`, annotations: [] });
      log.info({ pull: ref.number, headSha: pull.headSha }, 'review superseded by a newer head commit; not published');
      return;
    }
    // A check run GitHub refused (say, an installation without the checks permission) must not
    // cost the pull request its review.
    const run = await checkRun.catch(async (e: unknown) => {
      // A refusal (no checks permission) stays one; a server error or a timeout at the start of
      // the review may have passed by now: one more try, or the pull request never gets its
      // check run (a required check then waits for ever).
      const status = (e as { status?: number }).status;
      const again = status === undefined || status >= 500 ? await startCheckRun(octokit, ref, pull.headSha).catch(() => null) : null;
      if (again === null) log.warn({ err: e }, 'could not create the widen check run; publishing the review without it');
      return again;
    });
    const summary = await deadline.race(publish({ octokit, ref, pull, result, config: await config, earlier: await deadline.race(earlier), checkRun: run, force: r.force, log, signal: deadline.signal }));
    log.info({ pull: ref.number, headSha: pull.headSha, findings: result.report.findings.length, notes: result.report.notes.length, ...summary }, 'review published');
  } catch (e) {
    // Never leave the check run spinning: say that the review failed, then let the queue log it.
    // A check run already completed with the findings keeps its conclusion (ReviewPostError).
    const run = e instanceof ReviewPostError ? null : await checkRun.catch(() => null);
    if (run !== null) {
      await completeCheckRun(octokit, ref, run, { conclusion: 'neutral', title: 'widen could not finish this review', summary: `The review stopped with an error: ${(e as Error).message ?? String(e)}\n\nRun \`/widen\` to try again.`, annotations: [] }).catch(() => undefined);
    }
    throw e;
  }
}

/** How long a refused `/widen` is remembered, so that its author is answered once. */
export const REFUSAL_MEMORY_MS = 24 * 60 * 60_000;

/** Keys seen within a window, at most `max` of them (the oldest forgotten first). */
class Recent {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly windowMs: number,
    private readonly max: number,
  ) {}

  /** True the first time `key` is seen in the window. */
  first(key: string): boolean {
    const now = Date.now();
    const at = this.seen.get(key);
    if (at !== undefined && now - at < this.windowMs) return false;
    this.seen.delete(key);
    this.seen.set(key, now);
    if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }
}

export interface WidenApp {
  /** The function Probot loads. */
  appFn: (app: Probot) => void;
  /** GET /health, for the server to add (Probot's `addHandler`): see {@link healthHandler}. */
  health: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Resolves when every review queued in this process has finished. */
  idle(): Promise<void>;
  /** Lets go of the shared queue, if any (after the server has stopped taking deliveries). */
  close(): Promise<void>;
}

/**
 * Builds the App. Each call has its own queue (one per process in production, one per test):
 * the in-process one, or, given a `sink`, the shared Redis queue that `widen worker` drains.
 */
export function createWidenApp(opts: { concurrency?: number; sink?: ReviewSink; /** Told of every review that failed (after it is logged): the Action's exit status. */ onError?: (error: unknown) => void } = {}): WidenApp {
  let queue: ReviewQueue | null = null;
  const sink = opts.sink;

  const appFn = (app: Probot): void => {
    sink?.useLog(app.log.child({ name: 'queue' }));
    queue = new ReviewQueue((job, e) => {
      job.log.error({ err: e, pull: job.key, headSha: job.headSha }, 'review failed');
      opts.onError?.(e);
    }, opts.concurrency);
    const q = queue;
    const self = appLogin(app);
    const refusals = new Recent(REFUSAL_MEMORY_MS, 10_000);
    const enqueue = async (context: Context, request: ReviewRequest, ofMany = false): Promise<void> => {
      const r: ReviewRequest = { self, ...request };
      const key = pullKey(r.ref);
      const installation = (context.payload as { installation?: { id: number } }).installation;
      if (sink) {
        const jobId = ofMany ? `${context.id}.${r.ref.number}` : context.id;
        await sink.add({ jobId, deliveryId: context.id, installationId: installation?.id ?? null, ref: r.ref, pull: r.pull, force: r.force }, r.log);
        return;
      }
      r.log.info({ pull: key, headSha: r.pull.headSha, force: r.force }, 'review queued');
      q.add({ key, headSha: r.pull.headSha, log: r.log, owner: installation ? `installation ${installation.id}` : r.ref.owner, ...(r.pull.updatedAt ? { updatedAt: r.pull.updatedAt } : {}), run: ({ isCurrent }) => runReview(r, isCurrent) });
    };
    const refOf = (context: Context, number: number): PullRef => ({ ...context.repo(), number });
    const readConfig = (context: Context): ConfigReader => () => context.config(CONFIG_FILE);

    app.on([...PULL_REQUEST_EVENTS], async (context) => {
      const pr = context.payload.pull_request as typeof context.payload.pull_request | undefined;
      // A delivery without its pull request is not GitHub's: answered, not thrown back as a 500
      // that carries the exception's text.
      if (!pr || typeof pr !== 'object') {
        context.log.warn({ event: context.name }, 'pull_request delivery without a pull request; ignored');
        return;
      }
      if (pr.state !== 'open') return;
      await enqueue(context, { octokit: context.octokit, readConfig: readConfig(context), log: context.log, ref: refOf(context, pr.number), pull: pullInfo(pr), force: false });
    });

    app.on('issue_comment.created', async (context) => {
      const { comment, issue } = context.payload;
      if (!issue?.pull_request || !comment?.user?.login || comment.user.type === 'Bot') return;
      const command = parseSlashCommand(comment.body ?? '');
      if (!command) return;
      const octokit = context.octokit;
      const repo = context.repo();
      const login = comment.user?.login ?? '';
      const config = await loadConfig(readConfig(context)).catch((e: unknown) => {
        if (e instanceof ConfigError) return DEFAULT_CONFIG;
        throw e;
      });
      const { data: perm } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: login });
      if (!permits(perm, config.slashCommand.permission)) {
        context.log.info({ login, role: perm.role_name }, '/widen from a user without the required permission');
        // One answer per person and pull request a day: on a public repository anyone can post
        // `/widen` thirty times, and each answer notifies them and waits in the process's write
        // throttle with every installation's reviews.
        if (config.slashCommand.replyUnauthorized && refusals.first(`${repo.owner}/${repo.repo}#${issue.number}:${login}`)) {
          await octokit.rest.issues.createComment({ ...repo, issue_number: issue.number, body: unauthorizedReply(login, config.slashCommand.permission) });
        }
        return;
      }
      await octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: comment.id, content: 'eyes' });
      if ('unknown' in command) {
        await octokit.rest.issues.createComment({ ...repo, issue_number: issue.number, body: unknownCommandReply(command.unknown) });
        return;
      }
      if (command.command === 'help') {
        await octokit.rest.issues.createComment({ ...repo, issue_number: issue.number, body: HELP_TEXT });
        return;
      }
      const ref = refOf(context, issue.number);
      const pull = await getPull(octokit, ref).catch((e: unknown) => {
        if ((e as { status?: number }).status !== 404) throw e;
        context.log.info({ pull: ref.number }, '/widen on a pull request GitHub no longer has; ignored');
        return null;
      });
      if (pull) await enqueue(context, { octokit, readConfig: readConfig(context), log: context.log, ref, pull, force: true });
    });

    app.on('check_run.rerequested', async (context) => {
      const run = context.payload.check_run;
      if (run.name !== CHECK_NAME) return;
      const octokit = context.octokit;
      const repo = context.repo();
      // Only this repository's pull requests headed by the run's commit: an entry of the payload
      // that points elsewhere is not one to review.
      const repositoryId = context.payload.repository.id;
      let numbers = run.pull_requests.filter((p) => p.base.repo.id === repositoryId && p.head.sha === run.head_sha).map((p) => p.number);
      // A fork's pull request is not in the payload: GitHub only links pushes to the base repository.
      if (numbers.length === 0) numbers = await pullsForCommit(octokit, repo, run.head_sha);
      if (numbers.length === 0) context.log.info({ headSha: run.head_sha }, 'check run re-run for a commit that heads no open pull request');
      for (const number of numbers) {
        const ref = refOf(context, number);
        const pull = await getPull(octokit, ref);
        // The pull request moved on since the run: its own push brings its own review.
        if (pull.headSha !== run.head_sha) {
          context.log.info({ pull: number, headSha: run.head_sha, now: pull.headSha }, 'check run re-run for a commit that no longer heads the pull request; ignored');
          continue;
        }
        await enqueue(context, { octokit, readConfig: readConfig(context), log: context.log, ref, pull, force: false }, numbers.length > 1);
      }
    });
  };
  return { appFn, health: healthHandler(sink), idle: () => queue?.idle() ?? Promise.resolve(), close: () => sink?.close() ?? Promise.resolve() };
}

/** The open pull requests whose head is `sha`, fork pull requests included. */
export async function pullsForCommit(octokit: GitHubClient, repo: { owner: string; repo: string }, sha: string): Promise<number[]> {
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha });
  const found = data.filter((p) => p.state === 'open' && p.head.sha === sha).map((p) => p.number);
  if (found.length > 0) return found;
  // GitHub does not always associate a fork's commit with the pull request: look at the open ones.
  const open = await octokit.paginate(octokit.rest.pulls.list, { ...repo, state: 'open', per_page: 100 });
  return open.filter((p) => p.head.sha === sha).map((p) => p.number);
}

export default createWidenApp().appFn;
