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

/**
 * The longest rate-limit wait worth sitting out, in seconds. A primary limit's reset can be an
 * hour away; waiting it out held one of the process's review slots for that hour, and every
 * other installation's reviews queued behind it. Past this, the request fails and the review
 * ends with a neutral check run that says so.
 */
export const MAX_RATE_LIMIT_WAIT_S = 120;

/**
 * How long one request to GitHub may take, answer and body, before it is given up: a server
 * that sends its headers and then a byte every ten seconds never trips an idle timeout.
 */
export const REQUEST_TIMEOUT_MS = 60_000;

/** `fetch` with {@link REQUEST_TIMEOUT_MS} on every request (and the caller's own signal, if any). */
export function timedFetch(url: string | URL | Request, init?: RequestInit): Promise<Response> {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  return fetch(url, { ...init, signal });
}

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
    const tooLong = retryAfter > MAX_RATE_LIMIT_WAIT_S;
    const retry = options.request.retryCount < MAX_RATE_LIMIT_RETRIES && !tooLong;
    const until = new Date(Date.now() + retryAfter * 1000).toISOString().slice(11, 16);
    octokit.log.warn(`GitHub ${kind} rate limit on ${options.method} ${options.url}; ${retry ? `retrying in ${retryAfter} s` : tooLong ? `giving up: it lifts in ${retryAfter} s (${until} UTC), longer than widen waits (${MAX_RATE_LIMIT_WAIT_S} s)` : 'giving up'}.`);
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
export const WidenOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => {
  // Per process: the App and `widen worker` keep REDIS_URL from Probot (src/github/server.ts).
  const throttle = options['throttle'] as object | undefined;
  const request = (options['request'] as { fetch?: unknown } | undefined) ?? {};
  return { ...options, throttle: { ...throttle, ...THROTTLE_HANDLERS }, request: { fetch: timedFetch, ...request } };
});
