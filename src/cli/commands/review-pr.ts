/**
 * `widen review --pr OWNER/REPO#N` (or a pull request URL): the App's own GitHub code, run from
 * a terminal with a token, printing instead of publishing. A user can try widen on a pull
 * request before installing anything.
 */
import { InputError } from '../../errors.js';
import { ConfigError, configReader, loadConfig, type WidenConfig } from '../../github/config.js';
import { UnexpectedAnswer } from '../../github/answers.js';
import { REQUEST_TIMEOUT_MS, WidenOctokit } from '../../github/octokit.js';
import { getPull, reviewPull, type PullRef } from '../../github/pull.js';
import { fileNote, sortNotes, type Report } from '../../pipeline/analyze.js';
import type { CatalogRule } from '../../rules/index.js';
import { REVIEW_USAGE, usageError } from '../messages/index.js';
import type { CommandIo } from './types.js';

export interface PullTarget extends PullRef {
  /** The REST API root for the host the pull request lives on. */
  apiUrl: string;
}

/** Reads `OWNER/REPO#N`, or `https://HOST/OWNER/REPO/pull/N` (github.com or Enterprise Server). */
export function parsePullTarget(spec: string, apiUrl: string | undefined): PullTarget {
  const short = /^([\w.-]+)\/([\w.-]+)#(\d+)$/.exec(spec);
  if (short) return { owner: short[1]!, repo: short[2]!, number: Number(short[3]), apiUrl: apiUrl ?? 'https://api.github.com' };
  let url: URL | null = null;
  try {
    url = new URL(spec);
  } catch {
    url = null;
  }
  const parts = /^\/([\w.-]+)\/([\w.-]+)\/pulls?\/(\d+)(?:\/.*)?$/.exec(url?.pathname ?? '');
  if (!url || !parts || !/^https?:$/.test(url.protocol)) {
    throw usageError(`--pr ${spec} is not a pull request. Give OWNER/REPO#NUMBER (torvalds/linux#123) or the pull request's URL.`, REVIEW_USAGE);
  }
  const host = url.host;
  const derived = host === 'github.com' || host === 'www.github.com' ? 'https://api.github.com' : `${url.protocol}//${host}/api/v3`;
  return { owner: parts[1]!, repo: parts[2]!, number: Number(parts[3]), apiUrl: apiUrl ?? derived };
}


/** Words a failed GitHub request the way a terminal user can act on. */
function explainGitHubError(e: unknown, target: PullTarget, hasToken: boolean): InputError | null {
  const failure = e as { status?: number; response?: unknown; message?: string };
  if (/timeout|aborted/i.test(failure.message ?? '') && failure.response === undefined) {
    return new InputError('github-timeout', `GitHub (${target.apiUrl}) did not answer within ${REQUEST_TIMEOUT_MS / 1000} s for ${target.owner}/${target.repo}#${target.number}. Try again later, or check --api-url.`);
  }
  // Octokit reports a request that got no answer at all (refused, DNS, TLS) as status 500 without a response.
  if (failure.status === 500 && failure.response === undefined) {
    return new InputError('github-unreachable', `could not reach GitHub at ${target.apiUrl} (${failure.message ?? 'no answer'}). Check the network, or --api-url for GitHub Enterprise Server (https://HOST/api/v3).`);
  }
  const status = failure.status;
  const what = `${target.owner}/${target.repo}#${target.number}`;
  if (status === 401) {
    return new InputError('github-auth', hasToken
      ? `GitHub (${target.apiUrl}) refused the token in GITHUB_TOKEN (401 Bad credentials). Set GITHUB_TOKEN to a valid token with read access to ${target.owner}/${target.repo}.`
      : `GitHub (${target.apiUrl}) wants a token (401). Set GITHUB_TOKEN to a token with read access to ${target.owner}/${target.repo}.`);
  }
  if (status === 403 || status === 429) return new InputError('github-forbidden', `GitHub (${target.apiUrl}) answered ${status} for ${what}: ${(e as Error).message}. ${hasToken ? 'Check that the token may read the repository, or wait for the rate limit to reset.' : 'Without GITHUB_TOKEN the rate limit is 60 requests an hour; set GITHUB_TOKEN.'}`);
  if (status === 404) return new InputError('github-not-found', `GitHub (${target.apiUrl}) has no pull request ${what}${hasToken ? ', or the token in GITHUB_TOKEN cannot see it' : '; for a private repository set GITHUB_TOKEN'}.`);
  if (status !== undefined) return new InputError('github-error', `GitHub (${target.apiUrl}) answered ${status} for ${what}: ${failure.message}. Try again later.`);
  return null;
}

export async function reviewPullRequestFromCli(opts: { pr: string; apiUrl: string | undefined; token: string | undefined; rules: CatalogRule[] | null; series?: WidenConfig['series'] | undefined; io: CommandIo }): Promise<Report> {
  const target = parsePullTarget(opts.pr, opts.apiUrl);
  const quiet = { debug: () => undefined, info: () => undefined, warn: (m: string) => opts.io.progress?.(m), error: (m: string) => opts.io.progress?.(m) };
  // One retry: a person at a terminal would rather hear about trouble than wait out backoffs.
  // Each request is on its own clock (REQUEST_TIMEOUT_MS, WidenOctokit's fetch): a server that
  // takes the connection and never answers would hold the terminal for ever.
  const octokit = new WidenOctokit({ baseUrl: target.apiUrl, log: quiet, retry: { retries: 1 }, ...(opts.token ? { auth: { token: opts.token } } : {}) });
  try {
    opts.io.progress?.(`reading ${target.owner}/${target.repo}#${target.number}`);
    // Both at once; the pull request's failure says more than the configuration's (a server
    // that is no GitHub answers both with the same page).
    const [pullRead, configRead] = await Promise.allSettled([getPull(octokit, target), loadConfig(configReader(octokit, target))]);
    if (pullRead.status === 'rejected') throw pullRead.reason;
    if (configRead.status === 'rejected') throw configRead.reason;
    const [pull, config] = [pullRead.value, configRead.value];
    opts.io.progress?.(`reviewing ${pull.changedFiles} changed files of ${target.owner}/${target.repo}#${target.number}`);
    // --rules on the command line replaces the repository's selection of rules.
    const { report, remarks } = await reviewPull(octokit, target, pull, config, { rules: opts.rules ?? undefined, series: opts.series });
    // What the App says in its review body, a terminal hears as a note.
    const said = remarks.map((message) => fileNote(`${target.owner}/${target.repo}#${target.number}`, 'series-squashed', message));
    return { ...report, notes: sortNotes([...said, ...report.notes]) };
  } catch (e) {
    if (e instanceof UnexpectedAnswer) {
      throw new InputError('github-unexpected', `${target.apiUrl} did not answer like the GitHub REST API: ${e.message}. Check --api-url (for GitHub Enterprise Server it is https://HOST/api/v3), and that no proxy answers in its place.`);
    }
    if (e instanceof ConfigError) throw new InputError('bad-config', `${target.owner}/${target.repo} has an invalid .github/widen.yml: ${e.problems.join('; ')}. Fix the file on the default branch (see docs/github-app.md).`);
    throw explainGitHubError(e, target, opts.token !== undefined) ?? e;
  }
}
