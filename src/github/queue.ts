/**
 * The embedded work queue: reviews run in the App's own process after the webhook has been
 * answered, a bounded number at a time (shared fairly between installations), one at a time per
 * pull request, and a newer head commit
 * supersedes an older one that is still waiting (or, once it is running, stops it from
 * publishing), so two quick pushes never give two overlapping reviews.
 */

/** Reviews running at once in one process: analysis is CPU-bound and the machine has few cores. */
export const MAX_CONCURRENT_REVIEWS = 2;

export interface ReviewJob {
  /** The pull request, e.g. `owner/repo#12`. */
  key: string;
  headSha: string;
  /** The delivery's logger (Probot's, with the delivery id), for the job's failure. */
  log: { error(obj: object, msg?: string): void; info?(obj: object, msg?: string): void };
  /** When GitHub last changed the pull request, from the job's payload (`updated_at`), if known. */
  updatedAt?: string;
  run(job: { isCurrent(): boolean }): Promise<void>;
  /** Whose review it is (the installation): one owner's burst does not take every slot while another's review waits. Default: the repository owner in `key`. */
  owner?: string;
}

interface Lane {
  latestSha: string;
  /** When GitHub last changed the pull request, as the latest job's payload said (ISO 8601). */
  latestAt?: string;
  running: Promise<void> | null;
  waiting: ReviewJob | null;
}

export class ReviewQueue {
  private readonly lanes = new Map<string, Lane>();
  /** Pull requests with a job waiting for a slot, in the order they became ready. */
  private readonly ready: string[] = [];
  /** Reviews running, in all and per owner. */
  private running = 0;
  private readonly runningBy = new Map<string, number>();
  private readonly idleWaiters: Array<() => void> = [];
  /** The last head and update time of pull requests with no job left, newest last. */
  private readonly finished = new Map<string, { sha: string; at: string | undefined }>();

  constructor(
    private readonly onError: (job: ReviewJob, error: unknown) => void,
    private readonly concurrency = MAX_CONCURRENT_REVIEWS,
  ) {}

  /**
   * Queues `job`; a job of the same pull request still waiting is dropped in its favour, unless
   * `job` is for an older state of the pull request than the latest one queued (GitHub does not
   * promise to deliver webhooks in order: push A's delivery after push B's must not replace B).
   */
  add(job: ReviewJob): void {
    const known = this.lanes.get(job.key);
    const last = known ? { sha: known.latestSha, at: known.latestAt } : this.finished.get(job.key);
    if (last?.at !== undefined && job.updatedAt !== undefined && job.updatedAt < last.at && job.headSha !== last.sha) {
      job.log.info?.({ pull: job.key, headSha: job.headSha, newer: last.sha }, 'delivery for an older state of the pull request than one already queued; not reviewed');
      return;
    }
    const lane = known ?? { latestSha: job.headSha, running: null, waiting: null };
    lane.latestSha = job.headSha;
    if (job.updatedAt !== undefined) lane.latestAt = job.updatedAt;
    lane.waiting = job;
    this.lanes.set(job.key, lane);
    if (!lane.running && !this.ready.includes(job.key)) this.ready.push(job.key);
    this.pump();
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

  /**
   * Starts waiting reviews while slots are free: each time the one whose owner (installation)
   * has the fewest reviews running, the earliest among equals. A FIFO gave one installation's
   * burst of pull requests every slot while another installation's single review waited behind
   * all of them.
   */
  private pump(): void {
    while (this.running < this.concurrency && this.ready.length > 0) {
      let pick = 0;
      for (let i = 1; i < this.ready.length; i++) if (this.load(this.ready[i]!) < this.load(this.ready[pick]!)) pick = i;
      const key = this.ready.splice(pick, 1)[0]!;
      const lane = this.lanes.get(key);
      const job = lane?.waiting;
      if (!lane || !job) continue;
      lane.waiting = null;
      const owner = ownerOf(job);
      this.running++;
      this.runningBy.set(owner, (this.runningBy.get(owner) ?? 0) + 1);
      lane.running = Promise.resolve()
        .then(() => job.run({ isCurrent: () => lane.latestSha === job.headSha }))
        .catch((e: unknown) => this.onError(job, e))
        .finally(() => {
          this.running--;
          this.runningBy.set(owner, (this.runningBy.get(owner) ?? 1) - 1);
          lane.running = null;
          if (lane.waiting) this.ready.push(key);
          else {
            this.lanes.delete(key);
            // Remembered (a bounded number) so that a late delivery of an older push is recognised.
            this.finished.delete(key);
            this.finished.set(key, { sha: lane.latestSha, at: lane.latestAt });
            if (this.finished.size > 10_000) this.finished.delete(this.finished.keys().next().value!);
          }
          this.pump();
          if (this.lanes.size === 0) this.idleWaiters.splice(0).forEach((r) => r());
        });
    }
  }

  /** Reviews running for the owner of the job waiting on pull request `key`. */
  private load(key: string): number {
    const job = this.lanes.get(key)?.waiting;
    return job ? (this.runningBy.get(ownerOf(job)) ?? 0) : 0;
  }
}

function ownerOf(job: ReviewJob): string {
  return job.owner ?? job.key.split('/')[0]!;
}
