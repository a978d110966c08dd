/**
 * One line when a Redis connection goes away and one when it is back, with the reason and no
 * stack: ioredis, BullMQ and Bottleneck retry on their own every second or two, and each retry is
 * an `error` event. Its own module, so that the Octokit of `widen review --pr` can use it
 * without loading the queue.
 */
interface Log {
  error(obj: object, msg: string): void;
  info(msg: string): void;
}

export class OutageLog {
  private down = false;

  /** `lost` is logged when the connection goes away, `back` when it is back. */
  constructor(
    private readonly log: Log,
    private readonly lost: string,
    private readonly back: string,
  ) {}

  error = (err: Error): void => {
    if (this.down) return;
    this.down = true;
    this.log.error({ reason: err.message }, this.lost);
  };

  ready = (): void => {
    if (!this.down) return;
    this.down = false;
    this.log.info(this.back);
  };
}
