/**
 * The embedded work queue: reviews run in the App's own process after the webhook has been
 * answered, a bounded number at a time, one at a time per pull request, and a newer head commit
 * supersedes an older one that is still waiting (or, once it is running, stops it from
 * publishing), so two quick pushes never give two overlapping reviews.
 */
import pLimit from 'p-limit';

/** Reviews running at once in one process: analysis is CPU-bound and the machine has few cores. */
export const MAX_CONCURRENT_REVIEWS = 2;

export interface ReviewJob {
  /** The pull request, e.g. `owner/repo#12`. */
  key: string;
  headSha: string;
  /** The delivery's logger (Probot's, with the delivery id), for the job's failure. */
  log: { error(obj: object, msg?: string): void };
  run(job: { isCurrent(): boolean }): Promise<void>;
}

interface Lane {
  latestSha: string;
  running: Promise<void> | null;
  waiting: ReviewJob | null;
}

export class ReviewQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly onError: (job: ReviewJob, error: unknown) => void,
    concurrency = MAX_CONCURRENT_REVIEWS,
  ) {
    this.limit = pLimit(concurrency);
  }

  /** Queues `job`; a job of the same pull request still waiting is dropped in its favour. */
  add(job: ReviewJob): void {
    const lane = this.lanes.get(job.key) ?? { latestSha: job.headSha, running: null, waiting: null };
    lane.latestSha = job.headSha;
    lane.waiting = job;
    this.lanes.set(job.key, lane);
    if (!lane.running) this.start(job.key, lane);
  }

  /** The head commit most recently queued for a pull request. */
  latest(key: string): string | undefined {
    return this.lanes.get(key)?.latestSha;
  }

  /** Resolves when no review is running or waiting (tests, and shutting down). */
  idle(): Promise<void> {
    if (this.lanes.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private start(key: string, lane: Lane): void {
    const job = lane.waiting;
    if (!job) {
      this.lanes.delete(key);
      if (this.lanes.size === 0) this.idleWaiters.splice(0).forEach((r) => r());
      return;
    }
    lane.waiting = null;
    lane.running = this.limit(() => job.run({ isCurrent: () => lane.latestSha === job.headSha }))
      .catch((e: unknown) => this.onError(job, e))
      .finally(() => {
        lane.running = null;
        this.start(key, lane);
      });
  }
}
