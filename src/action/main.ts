#!/usr/bin/env node
/**
 * The GitHub Action's entry (action.yml): reviews the pull request of the workflow's event with
 * the workflow's token, through the App's own handlers (app.ts), so the review, the check run
 * and the slash commands are the same as the App's. It does what
 * `@probot/adapter-github-actions` does, which cannot be used: its 4.x requires Probot 13.
 * A Probot with `githubToken` instead of an App's key receives the event file as a webhook, and
 * the reviews run on the in-process queue before the step ends.
 *
 * Environment (set by GitHub Actions): GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_API_URL,
 * GITHUB_RUN_ID, and GITHUB_TOKEN (from the action's `github-token` input).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Probot } from 'probot';
import { optimiseHotCodeOnly, preferQuickStart } from '../analysis/v8-tiers.js';
import { InputError } from '../errors.js';
import { createWidenApp } from '../github/app.js';
import { WidenOctokit } from '../github/octokit.js';

/** Events the App's handlers review; `pull_request_target` has the same payload as `pull_request`. */
const EVENTS: Record<string, string> = { pull_request: 'pull_request', pull_request_target: 'pull_request', issue_comment: 'issue_comment' };

/** Runs the review of the workflow's event; resolves with the step's exit status. */
export async function runAction(env: NodeJS.ProcessEnv = process.env, opts: { Octokit?: typeof WidenOctokit } = {}): Promise<number> {
  const eventName = env['GITHUB_EVENT_NAME'] ?? '';
  const name = EVENTS[eventName];
  if (!name) throw new InputError('action-event', `the widen action reviews pull requests: run it on pull_request, pull_request_target or issue_comment events, not on '${eventName || '(no GITHUB_EVENT_NAME)'}'.`);
  const token = env['GITHUB_TOKEN'];
  if (!token) throw new InputError('action-token', "the widen action needs a token: the action's github-token input (default: the workflow's token) was empty.");
  const eventPath = env['GITHUB_EVENT_PATH'] ?? '';
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(eventPath, 'utf8'));
  } catch (e) {
    throw new InputError('action-event', `cannot read the event payload GITHUB_EVENT_PATH names (${eventPath || 'nothing'}): ${(e as Error).message}`);
  }
  let failures = 0;
  const app = createWidenApp({ onError: () => failures++ });
  const probot = new Probot({
    githubToken: token,
    baseUrl: env['GITHUB_API_URL'] || 'https://api.github.com',
    Octokit: opts.Octokit ?? WidenOctokit,
    logLevel: (env['LOG_LEVEL'] as 'info' | undefined) ?? 'info',
  });
  await probot.load(app.appFn);
  try {
    await probot.receive({ id: env['GITHUB_RUN_ID'] ?? 'action', name, payload } as Parameters<Probot['receive']>[0]);
  } catch (e) {
    probot.log.error({ err: e }, 'widen could not handle the event');
    failures++;
  }
  await app.idle();
  return failures > 0 ? 1 : 0;
}

// Run when executed, not when imported by the tests.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // One pull request's review, then the step ends.
  preferQuickStart();
  optimiseHotCodeOnly();
  try {
    process.exitCode = await runAction();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    process.stderr.write(`widen: ${e.message}\n`);
    process.exitCode = 2;
  }
}
