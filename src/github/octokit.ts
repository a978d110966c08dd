/**
 * The Octokit every GitHub call of widen goes through, in the App and in `widen review --pr`.
 * It is Probot's own (throttling, retry, pagination, REST methods, config plugin) with one
 * change: Probot 14's installation clients only log a secondary rate limit and give up on the
 * request; widen waits as GitHub's `retry-after` says and retries, a bounded number of times,
 * so a burst of writes on a busy installation delays a review instead of losing it.
 */
import { ProbotOctokit } from 'probot';

/** The client type handlers receive as `context.octokit`. */
export type GitHubClient = InstanceType<typeof ProbotOctokit>;

/** Retries after a rate limit (primary or secondary) before the request fails for good. */
export const MAX_RATE_LIMIT_RETRIES = 2;

interface ThrottledRequest {
  method: string;
  url: string;
  request: { retryCount: number };
}

interface Logger {
  warn(msg: string): void;
}

function rateLimitHandler(kind: string) {
  return (retryAfter: number, options: ThrottledRequest, octokit: { log: Logger }): boolean => {
    const retry = options.request.retryCount < MAX_RATE_LIMIT_RETRIES;
    octokit.log.warn(`GitHub ${kind} rate limit on ${options.method} ${options.url}; ${retry ? `retrying in ${retryAfter} s` : 'giving up'}.`);
    return retry;
  };
}

/** Throttle handlers that retry; Probot merges them over its own defaults. */
export const THROTTLE_HANDLERS = {
  onRateLimit: rateLimitHandler('primary'),
  onSecondaryRateLimit: rateLimitHandler('secondary'),
};

/**
 * Probot's Octokit with retrying rate-limit handlers. Passed to Probot's `run()` so installation
 * clients are built from it, and instantiated directly (with a token) by the CLI.
 */
export const WidenOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  throttle: { ...(options['throttle'] as object | undefined), ...THROTTLE_HANDLERS },
}));
