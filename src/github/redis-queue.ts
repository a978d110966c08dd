/**
 * The shared work queue, when `REDIS_URL` is set: `npm start` only verifies, answers and
 * enqueues (a {@link RedisReviewSink}); `widen worker` processes (a {@link startReviewWorker}
 * each, on any number of machines) run the reviews. BullMQ keeps the jobs in Redis.
 *
 * What BullMQ gives: a job id per delivery (adding an id that exists is a no-op, so a redelivered
 * webhook is not reviewed twice), retries with backoff, failed jobs kept with their error, and
 * stalled-job recovery (a worker that dies mid-job stops renewing the job's lock, and another
 * worker's stalled check puts the job back in the queue).
 *
 * What open-source BullMQ does not give is "one job at a time per pull request" (that is
 * BullMQ Pro's groups), so widen adds two keys of its own per pull request:
 * - `widen:head:<pull>`: the head commit, as last enqueued or as GitHub last said. A worker
 *   that takes a job asks GitHub for the pull request's head first (deliveries may arrive out
 *   of order): a job for another head is done without a review, and the key is set to GitHub's
 *   answer. A running review checks the key before publishing, as the in-process queue's
 *   `isCurrent()` does, and does not publish once it has lost its lock.
 * - `widen:lock:<pull>`: held while a review of the pull request runs (SET NX with an expiry,
 *   renewed while the review runs, released by its owner only). A job that finds the lock taken
 *   is moved back to the delayed set for a moment (`moveToDelayed` + `DelayedError`, which
 *   costs no attempt) and tried again; a dead worker's lock expires like its job lock does.
 * A retried job may repeat API reads, never a post: publishing skips every finding whose
 * fingerprint is already on the pull request.
 */
import { DelayedError, Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Probot } from 'probot';
import { InputError } from '../errors.js';
import { appLogin, pullKey, runReview, type ReviewJobData, type ReviewSink } from './app.js';
import { configReader } from './config.js';
import { getPull } from './pull.js';
import type { GitHubClient } from './octokit.js';
import { OutageLog } from './outage-log.js';

export const QUEUE_NAME = 'reviews';
/**
 * BullMQ's key prefix, so widen's keys are easy to find in a shared Redis; `WIDEN_QUEUE_PREFIX`
 * gives each App its own when two share one Redis (a staging App beside production took and
 * failed the other's jobs). The App and its workers must agree on it.
 */
export function queuePrefix(env: NodeJS.ProcessEnv = process.env): string {
  const value = env['WIDEN_QUEUE_PREFIX'];
  if (value === undefined || value === '') return 'widen';
  const problem = queuePrefixProblem(env);
  if (problem) throw new InputError('bad-queue-prefix', problem);
  return value;
}

/** Why WIDEN_QUEUE_PREFIX cannot be used, or null. */
export function queuePrefixProblem(env: NodeJS.ProcessEnv = process.env): string | null {
  const value = env['WIDEN_QUEUE_PREFIX'];
  if (value === undefined || value === '' || /^[A-Za-z0-9_.-]{1,64}$/.test(value)) return null;
  return 'WIDEN_QUEUE_PREFIX must be 1 to 64 letters, digits, dots, dashes or underscores (it names the queue\'s keys in Redis).';
}

/** Reviews one worker process runs at once; analysis is CPU-bound, the rest waits on GitHub. */
export const WORKER_CONCURRENCY = 2;
/**
 * How long a job's lock (BullMQ's, and widen's per pull request) lasts without renewal; after
 * it, a dead worker's job is someone else's. Renewed at a third of it while the job runs.
 */
export const LOCK_MS = 30_000;
/** How long after a review ends its job counts as in flight while BullMQ records the outcome. */
const SETTLE_GRACE_MS = 5_000;
/** How long a job waits before trying again when another review of its pull request runs. */
export const BUSY_RETRY_MS = 1_000;
/** Seconds a finished job (and the head key) is kept: a delivery redelivered within this time is recognised. */
export const KEEP_FINISHED_S = 7 * 24 * 3600;
/**
 * Attempts per job before it stays in the failed set with its error, and the first backoff:
 * doubled each time, 15 s to 4 min, about 7.5 minutes in all, so a GitHub incident, a key
 * rollout or a full Redis shorter than that loses no review (3 attempts from 5 s gave up after
 * 15 s). A redelivery of the delivery tries a failed job again.
 */
export const ATTEMPTS = 6;
export const BACKOFF_MS = 15_000;

const headKey = (key: string): string => `${queuePrefix()}:head:${key}`;
const lockKey = (key: string): string => `${queuePrefix()}:lock:${key}`;

/** Deletes the lock only if `owner` still holds it. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Extends the lock only if `owner` still holds it. */
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

interface Log {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** `host:port` of a Redis URL, for messages: never the URL itself, which may carry a password. */
export function redisAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '6379'}`;
  } catch {
    return 'the address in REDIS_URL';
  }
}

/** Why `url` cannot be REDIS_URL, in one sentence, or null when it can. Never quotes the URL (it may hold a password). */
export function redisUrlProblem(url: string): string | null {
  if (!/^rediss?:\/\//.test(url)) return "REDIS_URL must be a redis:// or rediss:// URL (for example redis://redis:6379), the same for the App and its workers; it is not.";
  try {
    new URL(url);
  } catch {
    return 'REDIS_URL is not a valid URL: percent-encode any special character of the user name or password (`@` as %40, `:` as %3A, `#` as %23, `%` as %25, a space as %20).';
  }
  return null;
}

/** Redis's answers to a missing or wrong password (NOAUTH, WRONGPASS, and Redis 5's wording). */
const REDIS_AUTH_ERROR = /\b(NOAUTH|WRONGPASS)\b|invalid password|AUTH <password> called without any password/;

/**
 * Resolves once Redis at `url` answers, or throws an {@link InputError} after `waitMs`: a worker
 * started before its Redis (a compose file starts both at once) waits for it, and one pointed at
 * the wrong address says so in one paragraph instead of logging a stack trace per reconnection.
 * `waiting` is called once, after the first failed attempt.
 */
export async function waitForRedis(url: string, waitMs: number, waiting: (why: string) => void): Promise<void> {
  const problem = redisUrlProblem(url);
  if (problem) throw new InputError('bad-redis-url', problem);
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 1_000) });
  let last = '';
  let refused: (e: Error) => void = () => undefined;
  probe.on('error', (e: Error) => {
    // A Redis that refuses the credentials refuses them again: no waiting for it.
    if (REDIS_AUTH_ERROR.test(e.message)) refused(e);
    else if (last === '') waiting(e.message);
    last = e.message;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe.connect().then(() => probe.ping()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), waitMs);
        refused = reject;
      }),
    ]);
  } catch (e) {
    if (REDIS_AUTH_ERROR.test(last) || (e instanceof Error && REDIS_AUTH_ERROR.test(e.message))) {
      throw new InputError(
        'redis-auth',
        `Redis at ${redisAddress(url)} refused the credentials in REDIS_URL (${REDIS_AUTH_ERROR.test(last) ? last : (e as Error).message}). ` +
          'Give the user name and password Redis expects (redis://user:password@host:port, or redis://:password@host:port for requirepass), the same for the App and its workers.',
      );
    }
    throw new InputError(
      'redis-unreachable',
      `cannot reach Redis at ${redisAddress(url)}${last ? ` (${last})` : ''}; waited ${Math.round(waitMs / 1000)} s. ` +
        "Start Redis, or set REDIS_URL to the Redis the App queues its reviews in; --redis-wait S waits longer.",
    );
  } finally {
    clearTimeout(timer);
    probe.disconnect();
  }
}

/** An error whose logged form is its message alone: what went wrong outside widen's code. */
function stackless(message: string): Error {
  const e = new Error(message);
  e.stack = `Error: ${message}`;
  return e;
}

/** What the queue's clients log when Redis answers again after an outage. */
const REDIS_BACK = 'Redis is reachable again';

/** A Redis client for widen's own keys. BullMQ wants `maxRetriesPerRequest: null` on its connections. */
function client(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/** The App's side: adds a job per delivery. */
export class RedisReviewSink implements ReviewSink {
  private readonly queue: Queue<ReviewJobData>;
  private readonly redis: Redis;
  /** The last error of the connection, cleared when it is ready again. */
  private lastError: string | null = null;

  /** `log` until {@link useLog} gives the App's. */
  constructor(
    url: string,
    private log: Log,
  ) {
    // Fail at once while Redis is unreachable, instead of holding the webhook until GitHub
    // gives up (10 s): the delivery is then answered 500 and shows as failed on GitHub, where
    // it can be redelivered. Nothing is dropped silently.
    this.redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.queue = new Queue<ReviewJobData>(QUEUE_NAME, { connection: { url, enableOfflineQueue: false }, prefix: queuePrefix() });
    const outage = new OutageLog({ error: (o, m) => this.log.error(o, m), info: (m) => this.log.info(m) }, 'cannot reach Redis; deliveries fail until it is back', REDIS_BACK);
    this.redis.on('error', (e: Error) => {
      this.lastError = e.message;
      outage.error(e);
    });
    this.redis.on('ready', () => {
      this.lastError = null;
      outage.ready();
    });
    this.queue.on('error', outage.error);
  }

  useLog(log: Log): void {
    this.log = log;
  }

  problem(): string | null {
    if (this.redis.status === 'ready') return null;
    return `cannot reach Redis (connection ${this.redis.status}${this.lastError ? `: ${this.lastError}` : ''}); deliveries are answered 500 until it is back`;
  }

  async add(data: ReviewJobData, log: Log): Promise<void> {
    const key = pullKey(data.ref);
    // BullMQ's own calls wait for a connection however long it takes: ask ours first. The
    // error is the delivery's 500; Probot logs it, and its stack says nothing the line does not.
    if (this.redis.status !== 'ready') throw stackless(`Redis is unreachable (connection ${this.redis.status}${this.lastError ? `: ${this.lastError}` : ''}); the review of ${key} was not queued`);
    const existing = await this.queue.getJob(data.jobId);
    if (existing) {
      // The same delivery again (GitHub's "Redeliver", or a retry after a timeout): its job
      // exists. One that failed for good is tried again: redelivering is how an operator asks
      // for that once the cause (a key, an outage) is fixed.
      if (await existing.isFailed()) {
        await existing.retry('failed');
        log.info({ jobId: data.jobId, pull: key }, 'delivery redelivered after its review failed; trying it again');
        return;
      }
      log.info({ jobId: data.jobId, pull: key }, 'delivery already queued or reviewed; nothing to do');
      return;
    }
    // The head first: a worker that picks up an older job of this pull request from now on skips it.
    await this.redis.set(headKey(key), data.pull.headSha, 'EX', KEEP_FINISHED_S);
    await this.queue.add('review', data, {
      jobId: data.jobId,
      attempts: ATTEMPTS,
      backoff: { type: 'exponential', delay: BACKOFF_MS },
      removeOnComplete: { age: KEEP_FINISHED_S },
      removeOnFail: false,
    });
    log.info({ jobId: data.jobId, pull: key, headSha: data.pull.headSha, force: data.force }, 'review queued');
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}

export interface ReviewWorkerOptions {
  url: string;
  /** Authenticates as the installation and provides the log (Probot's, as in the App). */
  probot: Probot;
  concurrency?: number;
  lockMs?: number;
  busyRetryMs?: number;
}

export interface ReviewWorker {
  /** Takes no new job and resolves when the jobs in flight have finished. */
  close(): Promise<void>;
}

/** What a job ended as, kept as its return value for inspection. */
export type JobOutcome = 'reviewed' | 'superseded';

/**
 * Starts one worker: up to `concurrency` reviews at once, one per pull request across all
 * workers. Resolves once it is connected and waiting for jobs.
 */
export async function startReviewWorker(o: ReviewWorkerOptions): Promise<ReviewWorker> {
  const lockMs = o.lockMs ?? LOCK_MS;
  const busyRetryMs = o.busyRetryMs ?? BUSY_RETRY_MS;
  // Probot sets itself up (its log among the rest) asynchronously; auth() without an
  // installation waits for that and asks GitHub nothing.
  await o.probot.auth();
  const log = o.probot.log;
  const redis = client(o.url);
  // One line when Redis goes away and one when it is back, for this client and BullMQ's.
  const outage = new OutageLog(log, 'cannot reach Redis; reviews wait until it is back', REDIS_BACK);
  redis.on('error', outage.error);
  redis.on('ready', outage.ready);

  // Jobs taken and not yet recorded as completed or failed in Redis, by job id: what close()
  // waits for. A job counts until BullMQ has written its outcome (its 'completed' or 'failed'
  // event), not only until processJob returns, so that a stopping worker never cuts that write.
  // By job id, the run of it this worker has going (a job can come back to the same worker).
  const inFlight = new Map<string, number>();
  let runs = 0;
  const drained: Array<() => void> = [];
  const settle = (id: string | undefined, run?: number): void => {
    if (id === undefined || !inFlight.has(id) || (run !== undefined && inFlight.get(id) !== run)) return;
    inFlight.delete(id);
    if (inFlight.size === 0) for (const resolve of drained.splice(0)) resolve();
  };
  let stopping = false;

  const processJob = async (job: Job<ReviewJobData>, token?: string): Promise<JobOutcome> => {
    if (stopping) {
      // Taken by a fetch that was already waiting when close() began: back to the queue for
      // another worker, without spending an attempt.
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    const run = ++runs;
    inFlight.set(job.id!, run);
    try {
      return await review(job, token);
    } catch (e) {
      // A job moved back to the delayed set is not failed: BullMQ emits nothing for it.
      if (e instanceof DelayedError) settle(job.id);
      throw e;
    } finally {
      // BullMQ records the outcome and then says so; when it cannot (the job's lock was lost
      // while this worker was held up, Redis lost the job), it never says so, and a stopping
      // worker waited its whole drain time for a review that had ended. The review has ended here.
      setTimeout(() => settle(job.id, run), SETTLE_GRACE_MS).unref();
    }
  };

  const self = appLogin(o.probot);
  const review = async (job: Job<ReviewJobData>, token?: string): Promise<JobOutcome> => {
    // A job of another shape (written by hand, by other software, or by a widen that changed
    // it) fails once with what is wrong, instead of the same TypeError on every attempt.
    const bad = jobProblem(job.data);
    if (bad) throw new UnrecoverableError(`the job is not a widen review: ${bad}`);
    const d = job.data;
    const key = pullKey(d.ref);
    const jobLog = log.child({ jobId: job.id, deliveryId: d.deliveryId, pull: key, headSha: d.pull.headSha });
    const latest = async (): Promise<string> => (await redis.get(headKey(key))) ?? d.pull.headSha;
    const installationClient = async (): Promise<GitHubClient> => {
      if (d.installationId === null) throw new Error('the job has no installation id to act as');
      return (await o.probot.auth(d.installationId).catch((e: unknown) => {
        // The installation was removed since the delivery: nothing to retry.
        if ((e as { status?: number }).status === 404) throw new UnrecoverableError(`installation ${d.installationId} is gone (GitHub answered 404 for its token): the App was uninstalled or lost access since the delivery`);
        throw e;
      })) as unknown as GitHubClient;
    };
    const owner = `${job.id}/${token ?? ''}`;
    const taken = await redis.set(lockKey(key), owner, 'PX', lockMs, 'NX');
    if (taken !== 'OK') {
      // Another review of this pull request runs: come back shortly, without spending an attempt.
      await job.moveToDelayed(Date.now() + busyRetryMs, token);
      throw new DelayedError();
    }
    // The lock lost (the process paused past it, or Redis lost the key): another worker may have
    // the job by now, so this review must not publish.
    let lockLost = false;
    const renew = setInterval(() => {
      redis
        .eval(EXTEND, 1, lockKey(key), owner, String(lockMs))
        .then((extended) => {
          if (extended === 0 && !lockLost) {
            lockLost = true;
            jobLog.warn('lost the pull request lock (this worker was held up past it, or Redis lost the key); this review will not publish');
          }
        })
        .catch((e: unknown) => jobLog.warn({ err: e }, 'could not renew the pull request lock'));
    }, lockMs / 3);
    try {
      const octokit = await installationClient();
      // "Newer" is GitHub's word, not the order deliveries came in, which GitHub does not
      // promise: a push's delivery overtaken by the one before it made the older commit the
      // recorded head, and the real head was skipped as superseded. The head is asked of GitHub
      // (one request) and recorded as it says.
      const now = (await getPull(octokit, d.ref)).headSha;
      if (now !== d.pull.headSha) {
        await redis.set(headKey(key), now, 'EX', KEEP_FINISHED_S);
        jobLog.info({ now }, 'not the head of the pull request on GitHub any more; not reviewed');
        return 'superseded';
      }
      if ((await latest()) !== now) {
        await redis.set(headKey(key), now, 'EX', KEEP_FINISHED_S);
        jobLog.info("the recorded head came from an older push's delivery that arrived later; this job's head is GitHub's");
      }
      jobLog.info({ attempt: job.attemptsMade + 1, force: d.force }, 'review started');
      await runReview({ octokit, readConfig: configReader(octokit, d.ref), log: jobLog, ref: d.ref, pull: d.pull, force: d.force, self }, async () => !lockLost && (await latest()) === d.pull.headSha);
      jobLog.info('review done');
      return 'reviewed';
    } finally {
      clearInterval(renew);
      await redis.eval(RELEASE, 1, lockKey(key), owner).catch(() => undefined);
    }
  };

  const worker = new Worker<ReviewJobData, JobOutcome>(QUEUE_NAME, processJob, {
    connection: { url: o.url },
    prefix: queuePrefix(),
    concurrency: o.concurrency ?? WORKER_CONCURRENCY,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A job whose worker died twice in a row is failed (with "job stalled more than allowable
    // limit") rather than passed on forever: a review that kills its worker is a bug to look at.
    maxStalledCount: 2,
  });
  worker.on('completed', (job) => settle(job.id));
  worker.on('failed', (job, err) => {
    if (!job) return;
    settle(job.id);
    const left = err instanceof UnrecoverableError ? 0 : (job.opts.attempts ?? 1) - job.attemptsMade;
    // The job's data may be anything (jobProblem()): read what is there.
    const d = job.data as Partial<ReviewJobData> | null;
    const pull = d && typeof d === 'object' && d.ref ? pullKey(d.ref) : undefined;
    log.error({ err: err instanceof UnrecoverableError ? err.message : err, jobId: job.id, pull, headSha: d?.pull?.headSha }, left > 0 ? `review failed; ${left} more attempt${left === 1 ? '' : 's'}` : 'review failed; the job stays in the failed set with its error');
  });
  // One pass over the active jobs at a time; a parse error during a pass asks for another.
  let mending: 'idle' | 'running' | 'again' = 'idle';
  const mend = (): void => {
    if (mending !== 'idle') {
      mending = 'again';
      return;
    }
    mending = 'running';
    void failUnparsableJobs(worker, redis, log).finally(() => {
      const again = mending === 'again';
      mending = 'idle';
      if (again) mend();
    });
  };
  worker.on('error', (err) => {
    // BullMQ's connection errors are Redis outages; anything else is worth its stack.
    if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|Connection is closed/.test(err.message)) outage.error(err);
    else if (err instanceof SyntaxError) mend();
    else log.error({ err }, 'queue worker error');
  });
  await worker.waitUntilReady();
  return {
    async close() {
      // Not `worker.close()`, which waits for BullMQ's blocking connection to end: after a Redis
      // outage of more than a few seconds that connection sits between reconnection attempts,
      // ends without the event BullMQ waits for, and close() never returns (taskforcesh/bullmq
      // #4656). Instead: take no new job, wait for the jobs in flight to be recorded, then close
      // without waiting for anything else.
      stopping = true;
      await worker.pause(true);
      if (inFlight.size > 0) await new Promise<void>((resolve) => drained.push(resolve));
      await worker.close(true);
      redis.disconnect();
    },
  };
}

/** The job data {@link failUnparsableJobs} leaves in place of what was not JSON. */
interface UnparsableData {
  notJson: string;
}

/**
 * Fails the active jobs whose fields are not JSON (written by hand, by other software, or
 * corrupted). BullMQ parses a job it takes before any processor of widen's runs, and such a job
 * threw there: it stayed active, stalled, was taken again and threw again for ever, a stack in
 * the log each time (sweep E). Each such job's `data` is replaced by JSON that quotes the start
 * of what was there (and its `opts` by `{}`), then the job is failed for good with one line,
 * under the lock its taker holds. When that lock has already expired, the mended job is taken
 * again and fails in {@link jobProblem}.
 */
async function failUnparsableJobs(worker: Worker<ReviewJobData, JobOutcome>, redis: Redis, log: Log): Promise<void> {
  const key = (id: string): string => `${queuePrefix()}:${QUEUE_NAME}:${id}`;
  const parses = (text: string | null | undefined): boolean => {
    try {
      JSON.parse(text ?? '{}');
      return true;
    } catch {
      return false;
    }
  };
  try {
    for (const id of await redis.lrange(key('active'), 0, -1)) {
      const [data, opts] = await redis.hmget(key(id), 'data', 'opts');
      const dataOk = parses(data);
      const optsOk = parses(opts);
      if (dataOk && optsOk) continue;
      const problem = unparsableProblem(data ?? '', dataOk ? 'opts' : 'data');
      const mended: Record<string, string> = {};
      if (!dataOk) mended['data'] = JSON.stringify({ notJson: (data ?? '').slice(0, 200) } satisfies UnparsableData);
      if (!optsOk) mended['opts'] = '{}';
      await redis.hset(key(id), mended);
      const token = await redis.get(`${key(id)}:lock`);
      const job = token ? await Job.fromId<ReviewJobData, JobOutcome>(worker, id) : undefined;
      if (job && token) {
        await job.moveToFailed(new UnrecoverableError(`the job is not a widen review: ${problem}`), token);
        log.error({ jobId: id }, `review failed; the job stays in the failed set with its error: ${problem}`);
      } else {
        // Its lock is gone: taken again after the stalled check, it fails in jobProblem(), which logs then.
        log.warn({ jobId: id }, `a job in the queue was not JSON (${problem}); it fails when a worker takes it again`);
      }
    }
  } catch (e) {
    log.error({ err: e }, 'a job in the queue is not JSON, and it could not be failed');
  }
}

function unparsableProblem(text: string, field: 'data' | 'opts'): string {
  const start = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return `its ${field} is not JSON${field === 'data' ? ` (${JSON.stringify(start)})` : ''}`;
}

/** What is wrong with a job's data for a review, or null when it has the shape the App writes. */
export function jobProblem(data: unknown): string | null {
  if (!data || typeof data !== 'object') return 'its data is not an object';
  if (typeof (data as Partial<UnparsableData>).notJson === 'string') return unparsableProblem((data as UnparsableData).notJson, 'data');
  const d = data as Partial<Record<keyof ReviewJobData, unknown>>;
  const ref = d.ref as Partial<Record<string, unknown>> | undefined;
  if (!ref || typeof ref !== 'object' || typeof ref['owner'] !== 'string' || typeof ref['repo'] !== 'string' || typeof ref['number'] !== 'number') return 'no pull request (`ref` with owner, repo and number)';
  const pull = d.pull as Partial<Record<string, unknown>> | undefined;
  if (!pull || typeof pull !== 'object' || typeof pull['headSha'] !== 'string' || typeof pull['changedFiles'] !== 'number') return 'no head commit (`pull` with headSha and changedFiles)';
  if (typeof d.force !== 'boolean') return 'no `force`';
  return null;
}
