/**
 * Webhook payloads for the App's tests, made from the real deliveries collected in
 * `@octokit/webhooks-examples` rather than written by hand, so the App meets every field GitHub
 * sends (and the odd ones: `check_run.pull_requests` is empty for a fork PR, an `issue_comment`
 * is on a PR only through `issue.pull_request`). Each builder deep-clones one example and
 * re-homes it: URLs, ids, shas and logins are rewritten to the repo and PR the test models.
 * Ids use the same scheme as the GitHub stand-in, so a payload and the REST answers agree.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A webhook payload; loose on purpose, the App narrows what it reads. */
export type WebhookPayload = Record<string, unknown>;

type Json = Record<string, unknown>;

interface WebhookDefinition {
  name: string;
  examples: Json[];
}

let definitions: WebhookDefinition[] | undefined;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadDefinitions(): WebhookDefinition[] {
  if (definitions) return definitions;
  const require = createRequire(import.meta.url);
  const parsed: unknown = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples'), 'utf8'));
  if (!Array.isArray(parsed)) throw new Error('@octokit/webhooks-examples: expected an array of webhook definitions');
  definitions = parsed.filter(isObject).map((d) => ({
    name: typeof d['name'] === 'string' ? d['name'] : '',
    examples: Array.isArray(d['examples']) ? d['examples'].filter(isObject) : [],
  }));
  return definitions;
}

/**
 * A deep clone of a real delivery of `event`.`action`, preferring one sent to an App installation
 * on a user-owned repo (it has `installation` and no `organization`), which is what widen receives.
 */
function example(event: string, action: string): Json {
  const def = loadDefinitions().find((d) => d.name === event);
  const candidates = (def?.examples ?? []).filter((e) => e['action'] === action);
  const chosen =
    candidates.find((e) => isObject(e['installation']) && !('organization' in e)) ??
    candidates.find((e) => isObject(e['installation'])) ??
    candidates[0];
  if (!chosen) throw new Error(`@octokit/webhooks-examples has no ${event}.${action} example`);
  return structuredClone(chosen);
}

function child(parent: Json, key: string): Json {
  const value = parent[key];
  if (isObject(value)) return value;
  const created: Json = {};
  parent[key] = created;
  return created;
}

function text(parent: Json, key: string): string {
  const value = parent[key];
  return typeof value === 'string' ? value : '';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Same scheme as the stand-in's ids: stable per name, positive 31-bit. */
function stableId(name: string): number {
  return createHash('sha1').update(name).digest().readUInt32BE(0) & 0x7fffffff;
}

function nodeId(kind: string, id: number): string {
  return `${kind}_kw${Buffer.from(String(id)).toString('base64url')}`;
}

/** Applies `edits` to every string value under `node` (keys are left alone). */
function rewriteStrings(node: unknown, edits: Array<[RegExp, string]>): unknown {
  if (typeof node === 'string') return edits.reduce((s, [re, to]) => s.replace(re, to), node);
  if (Array.isArray(node)) return node.map((item) => rewriteStrings(item, edits));
  if (!isObject(node)) return node;
  for (const [key, value] of Object.entries(node)) node[key] = rewriteStrings(value, edits);
  return node;
}

/**
 * Edits that move URLs from the example's repo and owner to `owner/repo`. Only URL positions are
 * touched (after `/`, `:` or `github.com/`), since an owner like `github` also occurs in hostnames.
 */
function rehomeEdits(fromOwner: string, fromRepo: string, owner: string, repo: string): Array<[RegExp, string]> {
  const end = '(?=$|[/.{?#"])';
  return [
    [new RegExp(`(?<=[/:])${escapeRegExp(fromOwner)}/${escapeRegExp(fromRepo)}${end}`, 'g'), `${owner}/${repo}`],
    [new RegExp(`(?<=/(?:users|orgs)/)${escapeRegExp(fromOwner)}${end}`, 'g'), owner],
    [new RegExp(`(?<=github\\.com/)${escapeRegExp(fromOwner)}(?=$|[?#])`, 'g'), owner],
  ];
}

/** A user object in the example's shape (`template`), for `login`. */
function userFrom(template: unknown, login: string): Json {
  const base: Json = isObject(template) ? structuredClone(template) : {};
  const fromLogin = text(base, 'login');
  if (fromLogin) rewriteStrings(base, rehomeEdits(fromLogin, '\0', login, '\0'));
  const id = stableId(`user:${login}`);
  const bot = login.endsWith('[bot]');
  return { ...base, login, id, node_id: nodeId(bot ? 'BOT' : 'U', id), type: bot ? 'Bot' : 'User' };
}

/** Re-homes a whole payload to `owner/repo` and returns the repository object, fixed up. */
function rehome(payload: Json, owner: string, repo: string): Json {
  const repository = child(payload, 'repository');
  const from = text(repository, 'full_name');
  const [fromOwner = '', fromRepo = ''] = from.split('/');
  rewriteStrings(payload, rehomeEdits(fromOwner, fromRepo, owner, repo));
  // A user-owned repo's deliveries carry no `organization`.
  delete payload['organization'];
  return setRepository(repository, owner, repo, false);
}

function setRepository(repository: Json, owner: string, repo: string, fork: boolean): Json {
  const full = `${owner}/${repo}`;
  const id = stableId(`repo:${full}`);
  Object.assign(repository, { id, node_id: nodeId('R', id), name: repo, full_name: full, fork, private: false, default_branch: 'main' });
  repository['owner'] = userFrom(repository['owner'], owner);
  return repository;
}

function installation(id: number): Json {
  return { id, node_id: nodeId('IN', id) };
}

/** A fake but well-formed commit sha derived from `seed`, for fields the test does not care about. */
function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

export interface PullRequestPayloadParams {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  baseSha: string;
  changedFiles: number;
  draft?: boolean;
  installationId: number;
  /** Head branch in `<user>/<repo>` (a fork) instead of the base repo. */
  fork?: boolean;
  title?: string;
  /** The PR author and webhook sender (also the fork owner); default `contributor`. */
  user?: string;
  headRef?: string;
  baseRef?: string;
  /** `synchronize` only: the previous head; default a fake sha. */
  before?: string;
  /** The pull request's number of commits; default 1. */
  commits?: number;
}

/**
 * A `pull_request` delivery for the actions widen reviews on. For `synchronize`, `before`/`after`
 * are set (after = headSha) as GitHub sends them.
 */
export function pullRequestPayload(
  action: 'opened' | 'synchronize' | 'reopened' | 'ready_for_review',
  p: PullRequestPayloadParams,
): WebhookPayload {
  const payload = example('pull_request', action);
  // Taken before re-homing, which rewrites the example's owner URLs inside it.
  const userTemplate = structuredClone(payload['sender']);
  const pr = child(payload, 'pull_request');
  const oldNumber = String(payload['number'] ?? pr['number'] ?? '');
  const oldHead = text(child(pr, 'head'), 'sha');
  const oldBase = text(child(pr, 'base'), 'sha');
  const edits: Array<[RegExp, string]> = [];
  if (oldNumber) edits.push([new RegExp(`(?<=/(?:pulls|issues|pull)/)${oldNumber}(?=$|[/#?])`, 'g'), String(p.number)]);
  if (oldHead) edits.push([new RegExp(oldHead, 'g'), p.headSha]);
  if (oldBase) edits.push([new RegExp(oldBase, 'g'), p.baseSha]);
  rewriteStrings(pr, edits);
  const repository = rehome(payload, p.owner, p.repo);
  const full = `${p.owner}/${p.repo}`;
  const author = p.user ?? 'contributor';
  const headOwner = p.fork ? author : p.owner;
  const headRef = p.headRef ?? 'topic';
  const baseRef = p.baseRef ?? 'main';
  const authorUser = userFrom(userTemplate, author);
  const id = stableId(`pull:${full}#${p.number}`);

  payload['number'] = p.number;
  Object.assign(pr, {
    number: p.number,
    id,
    node_id: nodeId('PR', id),
    title: p.title ?? `Pull request #${p.number}`,
    draft: p.draft ?? false,
    state: 'open',
    locked: false,
    merged: false,
    merged_at: null,
    closed_at: null,
    merge_commit_sha: null,
    changed_files: p.changedFiles,
    commits: p.commits ?? 1,
    user: authorUser,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    milestone: null,
  });
  const head = child(pr, 'head');
  const headRepo = structuredClone(repository);
  if (p.fork) {
    rewriteStrings(headRepo, rehomeEdits(p.owner, p.repo, headOwner, p.repo));
    setRepository(headRepo, headOwner, p.repo, true);
  }
  Object.assign(head, {
    label: `${headOwner}:${headRef}`,
    ref: headRef,
    sha: p.headSha,
    user: userFrom(userTemplate, headOwner),
    repo: headRepo,
  });
  Object.assign(child(pr, 'base'), {
    label: `${p.owner}:${baseRef}`,
    ref: baseRef,
    sha: p.baseSha,
    user: userFrom(userTemplate, p.owner),
    repo: structuredClone(repository),
  });
  if (action === 'synchronize') {
    payload['before'] = p.before ?? fakeSha(`before:${p.headSha}`);
    payload['after'] = p.headSha;
  }
  payload['sender'] = authorUser;
  payload['installation'] = installation(p.installationId);
  return payload;
}

export interface IssueCommentPayloadParams {
  owner: string;
  repo: string;
  number: number;
  body: string;
  /** The commenter; a login ending in `[bot]` becomes a Bot, as GitHub reports bots. */
  login: string;
  commentId: number;
  installationId: number;
  /** A comment on a PR's conversation (GitHub then sets `issue.pull_request`); default true. */
  onPullRequest?: boolean;
  /** Default OWNER for the repo owner, CONTRIBUTOR otherwise. */
  authorAssociation?: string;
  title?: string;
  /** Author of the PR or issue; default `contributor`, as in the stand-in. */
  prAuthor?: string;
}

/** An `issue_comment.created` delivery, e.g. a command addressed to the App. */
export function issueCommentPayload(p: IssueCommentPayloadParams): WebhookPayload {
  const payload = example('issue_comment', 'created');
  const userTemplate = structuredClone(payload['sender']);
  const issue = child(payload, 'issue');
  const comment = child(payload, 'comment');
  const oldNumber = String(issue['number'] ?? '');
  const oldComment = String(comment['id'] ?? '');
  const edits: Array<[RegExp, string]> = [];
  if (oldNumber) edits.push([new RegExp(`(?<=/(?:issues|pull)/)${oldNumber}(?=$|[/#?])`, 'g'), String(p.number)]);
  if (oldComment) edits.push([new RegExp(`(?<=[/-])${oldComment}(?=$|[/#?])`, 'g'), String(p.commentId)]);
  rewriteStrings(issue, edits);
  rewriteStrings(comment, edits);
  rehome(payload, p.owner, p.repo);
  const full = `${p.owner}/${p.repo}`;
  const onPull = p.onPullRequest ?? true;
  const commenter = userFrom(userTemplate, p.login);
  const html = `https://github.com/${full}/${onPull ? 'pull' : 'issues'}/${p.number}`;
  const issueId = stableId(`${onPull ? 'pull' : 'issue'}:${full}#${p.number}`);
  Object.assign(issue, {
    number: p.number,
    id: issueId,
    node_id: nodeId(onPull ? 'PR' : 'I', issueId),
    title: p.title ?? `Pull request #${p.number}`,
    html_url: html,
    state: 'open',
    locked: false,
    closed_at: null,
    user: userFrom(userTemplate, p.prAuthor ?? 'contributor'),
    assignee: null,
    assignees: [],
    milestone: null,
  });
  if (onPull) {
    issue['pull_request'] = {
      url: `https://api.github.com/repos/${full}/pulls/${p.number}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      merged_at: null,
    };
  } else {
    delete issue['pull_request'];
  }
  Object.assign(comment, {
    id: p.commentId,
    node_id: nodeId('IC', p.commentId),
    body: p.body,
    user: commenter,
    html_url: `${html}#issuecomment-${p.commentId}`,
    issue_url: `https://api.github.com/repos/${full}/issues/${p.number}`,
    url: `https://api.github.com/repos/${full}/issues/comments/${p.commentId}`,
    author_association: p.authorAssociation ?? (p.login === p.owner ? 'OWNER' : 'CONTRIBUTOR'),
    performed_via_github_app: null,
  });
  payload['sender'] = commenter;
  payload['installation'] = installation(p.installationId);
  return payload;
}

export interface CheckRunRerequestedPayloadParams {
  owner: string;
  repo: string;
  headSha: string;
  installationId: number;
  /** The PRs GitHub links to the run: [] for a fork PR, since GitHub only links same-repo heads. */
  pullNumbers: number[];
  /** The id of the App that owns the run; the App should ignore runs of other Apps. */
  appId: number;
  checkRunId?: number;
  /** Who clicked "Re-run"; default the repo owner. */
  sender?: string;
  headRef?: string;
  baseRef?: string;
  baseSha?: string;
}

/** A `check_run.rerequested` delivery for a run created by the App `appId`. */
export function checkRunRerequestedPayload(p: CheckRunRerequestedPayloadParams): WebhookPayload {
  const payload = example('check_run', 'rerequested');
  const userTemplate = structuredClone(payload['sender']);
  const run = child(payload, 'check_run');
  const oldHead = text(run, 'head_sha');
  const oldId = String(run['id'] ?? '');
  const runId = p.checkRunId ?? stableId(`check-run:${p.owner}/${p.repo}@${p.headSha}`);
  const edits: Array<[RegExp, string]> = [];
  if (oldHead) edits.push([new RegExp(oldHead, 'g'), p.headSha]);
  if (oldId) edits.push([new RegExp(`(?<=/(?:check-runs|runs)/)${oldId}(?=$|[/#?])`, 'g'), String(runId)]);
  rewriteStrings(run, edits);
  const repository = rehome(payload, p.owner, p.repo);
  const full = `${p.owner}/${p.repo}`;
  const api = `https://api.github.com/repos/${full}`;
  const repoRef = { id: repository['id'], url: api, name: p.repo };
  const pulls = p.pullNumbers.map((n) => ({
    url: `${api}/pulls/${n}`,
    id: stableId(`pull:${full}#${n}`),
    number: n,
    head: { ref: p.headRef ?? 'topic', sha: p.headSha, repo: repoRef },
    base: { ref: p.baseRef ?? 'main', sha: p.baseSha ?? fakeSha(`base:${p.headSha}`), repo: repoRef },
  }));
  const app = {
    ...(isObject(run['app']) ? run['app'] : {}),
    id: p.appId,
    slug: 'widen',
    node_id: nodeId('A', p.appId),
    name: 'widen',
    html_url: 'https://github.com/apps/widen',
  };
  Object.assign(run, { id: runId, node_id: nodeId('CR', runId), name: 'widen', head_sha: p.headSha, app, pull_requests: pulls });
  const suite = child(run, 'check_suite');
  Object.assign(suite, { head_sha: p.headSha, after: p.headSha, head_branch: p.pullNumbers.length > 0 ? (p.headRef ?? 'topic') : null, app, pull_requests: pulls });
  payload['sender'] = userFrom(userTemplate, p.sender ?? p.owner);
  payload['installation'] = installation(p.installationId);
  return payload;
}
