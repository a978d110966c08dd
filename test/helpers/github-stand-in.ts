/**
 * A stand-in for the parts of GitHub's REST API the App uses, served over real HTTP so the App's
 * own Octokit (auth, retries, throttling, pagination, media types) runs unchanged in tests and
 * benchmarks. It keeps GitHub's response shapes and, more importantly, GitHub's refusals: a
 * review with one comment off the diff is rejected whole with 422, a check-run update with 51
 * annotations is rejected, every body is checked against GitHub's OpenAPI description. A test
 * that passes here should not fail against github.com for a reason this file could have seen.
 *
 * The repos passed in are served live, not copied: a test simulates a push by changing a pull's
 * `head.sha` and `files` between two webhooks.
 */
import { createHash, createHmac, createPublicKey, createVerify, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { validateGitHubRequest, validateGraphQL } from './openapi.js';

// ---------------------------------------------------------------------------------------------
// Data model given by the test
// ---------------------------------------------------------------------------------------------

export interface StandInFile {
  filename: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  /** Blob sha of the file at the head (for a removed file, at the base), as list-files reports it. */
  sha: string;
  /** The hunks as GitHub's list-files returns them: starting at `@@`, no file headers. Absent for binary or huge files. */
  patch?: string;
  previous_filename?: string;
  /** Counted from `patch` when absent. */
  additions?: number;
  deletions?: number;
}

export interface StandInPull {
  number: number;
  title?: string;
  draft?: boolean;
  /** The author's login; default `contributor`. */
  user?: string;
  head: { sha: string; ref: string; /** `owner/name` of a fork; absent when the branch is in the base repo. */ repoFullName?: string };
  base: { sha: string; ref: string };
  files: StandInFile[];
  /**
   * The pull request's commits, oldest first, as `GET …/pulls/:n/commits` lists them and
   * `GET …/commits/:sha` serves each. Absent: one commit, the head, whose diff is `files`.
   */
  commits?: StandInCommit[];
}

/** One commit of a pull request. */
export interface StandInCommit {
  sha: string;
  message: string;
  /** Default: Example Contributor <contributor@example.org>. */
  author?: { name: string; email: string; date?: string };
  /** Default: the commit before it, or the pull request's base for the first. */
  parents?: string[];
  /** What the commit changes, in the same form as a pull request's `files` (blob shas after the commit). */
  files: StandInFile[];
}

export type StandInPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface StandInRepo {
  owner: string;
  name: string;
  installationId: number;
  pulls: StandInPull[];
  /** Blob sha -> file text, served by `GET /repos/:o/:r/git/blobs/:sha`. */
  blobs: Record<string, string>;
  /** Text of `.github/widen.yml` on the default branch; absent -> 404, as for a repo without one. */
  config?: string;
  /** Login -> role; unknown logins are `read`, as anyone is on a public repo. */
  permissions?: Record<string, StandInPermission>;
}

export interface StandInOptions {
  repos: StandInRepo[];
  /** Milliseconds every response waits before it is answered; default 0. Writable later on the StandIn. */
  latencyMs?: number;
  /** `''` for github.com's layout, `'/api/v3'` for GHES (the default, since it is the harder one to get right). */
  prefix?: '' | '/api/v3';
  /** The App's bot login, the author of the comments it posts; default `widen[bot]`. */
  botLogin?: string;
  /** The App's id, reported by `GET /app` and in check runs; default 1. */
  appId?: number;
  /**
   * The App's private key (PEM). When given, a JWT must be signed with it (RS256) and issued by
   * the App's id, or GitHub's 401 comes back, as for a key that is not the App's.
   */
  appKey?: string;
}

// ---------------------------------------------------------------------------------------------
// What the stand-in records
// ---------------------------------------------------------------------------------------------

export interface RecordedRequest {
  method: string;
  /** Relative to the API root (prefix stripped, no query); GraphQL is recorded as `/graphql`. */
  path: string;
  /** The request target exactly as received. */
  rawUrl: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, the raw text when it did not parse, undefined when empty. */
  body: unknown;
  /** 0 until answered. */
  status: number;
  /** performance.now() when the request arrived and when its response finished (NaN until then). */
  start: number;
  end: number;
}

/** A request no route served, or one that reached a route the wrong way (token of another installation). */
export interface UnexpectedRequest {
  method: string;
  path: string;
  reason: string;
}

/** A request answered 400/422 because GitHub would have refused it. */
export interface InvalidRequest {
  method: string;
  path: string;
  status: number;
  errors: string[];
}

export interface StandInUser {
  login: string;
  id: number;
  node_id: string;
  type: 'User' | 'Bot' | 'Organization';
}

export type Side = 'LEFT' | 'RIGHT';

export interface StoredReviewComment {
  id: number;
  node_id: string;
  /** `owner/name`. */
  repo: string;
  pull_number: number;
  pull_request_review_id: number | null;
  in_reply_to_id?: number;
  body: string;
  path: string;
  line: number | null;
  side: Side;
  start_line: number | null;
  start_side: Side | null;
  position: number | null;
  commit_id: string;
  original_commit_id: string;
  diff_hunk: string;
  user: StandInUser;
  created_at: string;
  updated_at: string;
  html_url: string;
}

export interface StoredReview {
  id: number;
  node_id: string;
  repo: string;
  pull_number: number;
  body: string;
  event: string;
  state: 'COMMENTED' | 'APPROVED' | 'CHANGES_REQUESTED';
  commit_id: string;
  submitted_at: string;
  html_url: string;
  user: StandInUser;
  comments: StoredReviewComment[];
}

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

export interface StoredCheckRun {
  id: number;
  node_id: string;
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  details_url: string | null;
  external_id: string | null;
  started_at: string | null;
  completed_at: string | null;
  /** The latest output; annotations are in `annotations`, appended across updates as GitHub does. */
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: CheckRunAnnotation[];
  actions: unknown[];
  /** How many requests (the create and every update) touched this run. */
  requests: number;
}

export interface StoredIssueComment {
  id: number;
  node_id: string;
  repo: string;
  issue_number: number;
  body: string;
  user: StandInUser;
  created_at: string;
  updated_at: string;
  html_url: string;
}

export interface StoredReaction {
  id: number;
  repo: string;
  subject: 'issue_comment' | 'pull_request_review_comment';
  comment_id: number;
  content: string;
  user: StandInUser;
}

export interface RecordedGraphQL {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export interface FaultResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON body; default `{ message: <status text> }`. */
  body?: unknown;
}

export interface StandIn {
  /** The API root including the prefix, e.g. `http://127.0.0.1:PORT/api/v3`: the App's baseUrl. */
  readonly url: string;
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** Where Octokit's graphql client posts for this prefix (both `/graphql` and `/api/graphql` are served). */
  readonly graphqlUrl: string;
  readonly botLogin: string;
  readonly appId: number;
  /** Milliseconds every response waits; may be changed between phases of a benchmark. */
  latencyMs: number;
  readonly requests: RecordedRequest[];
  /** Requests no route served; a test should usually end with `expect(standIn.unexpected).toEqual([])`. */
  readonly unexpected: UnexpectedRequest[];
  /** Requests refused with 400/422 (schema or GitHub's own rules). */
  readonly invalid: InvalidRequest[];
  readonly reviews: StoredReview[];
  readonly reviewComments: StoredReviewComment[];
  readonly checkRuns: StoredCheckRun[];
  readonly issueComments: StoredIssueComment[];
  readonly reactions: StoredReaction[];
  readonly graphql: RecordedGraphQL[];
  /**
   * Answers the next `responses.length` requests matching `method` ('*' for any) and `path` (a
   * RegExp tested against the path relative to the API root, without query; a string must equal
   * it) with these responses, one
   * each, before any routing. For a secondary rate limit as Octokit's throttling plugin
   * recognises it: `{ status: 403, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit.' } }`.
   */
  fail(method: string, path: RegExp | string, responses: FaultResponse[]): void;
  /**
   * Leaves every request matching `method` and `path` (as for `fail`) unanswered from now until
   * `release()`, which answers none of them: it is for a test that must act while a client is
   * surely in the middle of its work (killing a worker), and whose client is gone by then.
   * `held` resolves with the first such request.
   */
  hold(method: string, path: RegExp | string): { held: Promise<RecordedRequest>; release(): void };
  /** Seeds a review comment as if posted earlier (e.g. by a previous run of the App on an older head). */
  addReviewComment(
    repoFullName: string,
    pullNumber: number,
    comment: Partial<Omit<StoredReviewComment, 'id' | 'node_id' | 'repo' | 'pull_number' | 'user'>> & {
      body: string;
      path: string;
      user?: string;
    },
  ): StoredReviewComment;
  /**
   * Resolves once `predicate` holds over the recorded state (polled every 10 ms; a predicate that
   * throws counts as false). Rejects after `timeoutMs` (default 5000) listing the requests seen,
   * so a hung test says what the App did instead of just timing out.
   */
  waitFor(predicate: (standIn: StandIn) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  contentType?: string;
}

interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Absolute URL of the request, for pagination links. */
  url: URL;
  headers: IncomingHttpHeaders;
  accept: string;
  body: unknown;
  params: Record<string, string>;
  repo: StandInRepo;
}

const GITHUB_BODY_LIMIT = 65536;
const CHECK_TEXT_LIMIT = 65535;
const CHECK_ANNOTATIONS_PER_REQUEST = 50;
const LIST_FILES_CAP = 3000;
/** `GET …/pulls/:n/commits` lists at most 250 commits. */
const LIST_COMMITS_CAP = 250;
/** `GET …/commits/:sha` lists at most 3000 files, in pages. */
const COMMIT_FILES_CAP = 3000;
const DIFF_MAX_FILES = 300;
const DIFF_MAX_LINES = 20000;
const ROLE_TO_PERMISSION: Record<StandInPermission, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A stable positive id for a name, so the same login or repo always gets the same id. */
function stableId(text: string): number {
  return createHash('sha1').update(text).digest().readUInt32BE(0) & 0x7fffffff;
}

function nodeId(kind: string, id: number): string {
  return `${kind}_kw${Buffer.from(String(id)).toString('base64url')}`;
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** GitHub counts characters, not UTF-16 units. */
function charCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/** Base64 in 60-column lines, as GitHub's blob and contents APIs return it. */
function base64Lines(text: string): string {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  return (b64.match(/.{1,60}/g) ?? []).join('\n') + '\n';
}

function gitBlobSha(text: string): string {
  const buf = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function num(value: string | undefined): number {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : NaN;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function notFound(): Reply {
  return {
    status: 404,
    json: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
  };
}

function unprocessable(errors: string[], message = 'Unprocessable Entity'): Reply {
  return {
    status: 422,
    json: { message, errors, documentation_url: 'https://docs.github.com/rest', status: '422' },
  };
}

/** An issue comment over the limit: GitHub's "Validation Failed" with error objects (reviews get plain strings). */
function bodyTooLong(): Reply {
  return {
    status: 422,
    json: {
      message: 'Validation Failed',
      errors: [{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: `Body is too long (maximum is ${GITHUB_BODY_LIMIT} characters)` }],
      documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
      status: '422',
    },
  };
}

/** GitHub's wording for a body that fails its schema: "Invalid request.\n\n<reasons>". */
function invalidRequest(errors: string[]): Reply {
  return unprocessable(errors, `Invalid request.\n\n${errors.join('\n')}`);
}

// ---------------------------------------------------------------------------------------------
// Patches: which lines a review comment may be placed on
// ---------------------------------------------------------------------------------------------

interface PatchLine {
  kind: ' ' | '+' | '-' | '\\';
  oldLine: number | undefined;
  newLine: number | undefined;
  position: number;
  text: string;
}

interface Hunk {
  header: string;
  lines: PatchLine[];
}

interface ParsedPatch {
  hunks: Hunk[];
  /** position -> [hunk index, line index]; hunk headers after the first take a position but no slot. */
  byPosition: Map<number, [number, number]>;
  additions: number;
  deletions: number;
  lineCount: number;
}

const patchCache = new Map<string, ParsedPatch>();

function parsePatch(patch: string): ParsedPatch {
  const cached = patchCache.get(patch);
  if (cached) return cached;
  const parsed: ParsedPatch = { hunks: [], byPosition: new Map(), additions: 0, deletions: 0, lineCount: 0 };
  const raw = patch.split('\n');
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  parsed.lineCount = raw.length;
  let oldLine = 0;
  let newLine = 0;
  let position = -1;
  for (const text of raw) {
    position++;
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (header) {
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      parsed.hunks.push({ header: text, lines: [] });
      continue;
    }
    const hunk = parsed.hunks[parsed.hunks.length - 1];
    if (!hunk) continue; // text before the first @@: not part of a GitHub patch
    const first = text[0];
    // A context line whose leading space was stripped by an editor still counts as context.
    const kind: PatchLine['kind'] = first === '+' || first === '-' || first === '\\' ? first : ' ';
    const line: PatchLine = { kind, oldLine: undefined, newLine: undefined, position, text };
    if (kind === ' ') {
      line.oldLine = oldLine++;
      line.newLine = newLine++;
    } else if (kind === '+') {
      line.newLine = newLine++;
      parsed.additions++;
    } else if (kind === '-') {
      line.oldLine = oldLine++;
      parsed.deletions++;
    }
    hunk.lines.push(line);
    parsed.byPosition.set(position, [parsed.hunks.length - 1, hunk.lines.length - 1]);
  }
  patchCache.set(patch, parsed);
  return parsed;
}

function findLine(patch: ParsedPatch, side: Side, line: number): [number, number] | undefined {
  for (let h = 0; h < patch.hunks.length; h++) {
    const lines = patch.hunks[h]?.lines ?? [];
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (!l || l.kind === '\\') continue;
      if (side === 'RIGHT' ? l.kind !== '-' && l.newLine === line : l.kind !== '+' && l.oldLine === line) return [h, i];
    }
  }
  return undefined;
}

function fileStats(file: StandInFile): { additions: number; deletions: number } {
  const parsed = typeof file.patch === 'string' ? parsePatch(file.patch) : undefined;
  return {
    additions: file.additions ?? parsed?.additions ?? 0,
    deletions: file.deletions ?? parsed?.deletions ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

interface RouteDef {
  method: string;
  re: RegExp;
  /** `jwt`: App routes, need `Authorization: Bearer <JWT>`; `token`: installation routes. */
  auth: 'jwt' | 'token';
  /** A missing repo here is normal (Probot's config plugin probes `<owner>/.github`), so not unexpected. */
  missingRepoIsNormal?: boolean;
  handle(ctx: Ctx): Reply;
}

/**
 * Starts the stand-in on 127.0.0.1 with an ephemeral port. Close it in `afterAll`/`afterEach`.
 */
export async function startGitHubStandIn(opts: StandInOptions): Promise<StandIn> {
  const prefix = opts.prefix ?? '/api/v3';
  const botLogin = opts.botLogin ?? 'widen[bot]';
  const appId = opts.appId ?? 1;
  const appKey = opts.appKey;
  const repos = opts.repos;
  const faults: Array<{ method: string; path: RegExp | string; responses: FaultResponse[] }> = [];
  const holds: Array<{ method: string; path: RegExp | string; arrived(r: RecordedRequest): void; released: Promise<void> }> = [];
  /** Installation tokens issued -> installation id, to catch a token used on another installation's repo. */
  const tokens = new Map<string, number>();
  let nextId = 1000;
  let host = '';
  let apiRoot = '';
  let htmlRoot = '';

  const requests: RecordedRequest[] = [];
  const unexpected: UnexpectedRequest[] = [];
  const invalid: InvalidRequest[] = [];
  const reviews: StoredReview[] = [];
  const reviewComments: StoredReviewComment[] = [];
  const checkRuns: StoredCheckRun[] = [];
  const issueComments: StoredIssueComment[] = [];
  const reactions: StoredReaction[] = [];
  const graphql: RecordedGraphQL[] = [];

  const newId = (): number => ++nextId;

  const user = (login: string): StandInUser => ({
    login,
    id: stableId(`user:${login}`),
    node_id: nodeId(login.endsWith('[bot]') ? 'BOT' : 'U', stableId(`user:${login}`)),
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
  });
  const userJson = (login: string): Json => ({
    ...user(login),
    avatar_url: `https://avatars.githubusercontent.com/u/${stableId(`user:${login}`)}?v=4`,
    url: `${apiRoot}/users/${encodeURIComponent(login)}`,
    html_url: `${htmlRoot}/${login}`,
    site_admin: false,
  });
  const repoJson = (fullName: string, fork: boolean): Json => {
    const [owner = '', name = ''] = fullName.split('/');
    const id = stableId(`repo:${fullName}`);
    return {
      id,
      node_id: nodeId('R', id),
      name,
      full_name: fullName,
      owner: userJson(owner),
      private: false,
      fork,
      html_url: `${htmlRoot}/${fullName}`,
      url: `${apiRoot}/repos/${fullName}`,
      default_branch: 'main',
      visibility: 'public',
    };
  };
  const fullName = (repo: StandInRepo): string => `${repo.owner}/${repo.name}`;
  const findRepo = (owner: string, name: string): StandInRepo | undefined =>
    repos.find((r) => r.owner.toLowerCase() === owner.toLowerCase() && r.name.toLowerCase() === name.toLowerCase());
  const findPull = (repo: StandInRepo, n: string | undefined): StandInPull | undefined =>
    repo.pulls.find((p) => p.number === num(n));

  const pullJson = (repo: StandInRepo, pull: StandInPull): Json => {
    const full = fullName(repo);
    const headFull = pull.head.repoFullName ?? full;
    const author = pull.user ?? 'contributor';
    const id = stableId(`pull:${full}#${pull.number}`);
    let additions = 0;
    let deletions = 0;
    for (const f of pull.files) {
      const s = fileStats(f);
      additions += s.additions;
      deletions += s.deletions;
    }
    const url = `${apiRoot}/repos/${full}/pulls/${pull.number}`;
    const html = `${htmlRoot}/${full}/pull/${pull.number}`;
    return {
      url,
      id,
      node_id: nodeId('PR', id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${apiRoot}/repos/${full}/issues/${pull.number}`,
      number: pull.number,
      state: 'open',
      locked: false,
      title: pull.title ?? `Pull request #${pull.number}`,
      user: userJson(author),
      body: null,
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      closed_at: null,
      merged_at: null,
      merge_commit_sha: null,
      draft: pull.draft ?? false,
      head: {
        label: `${headFull.split('/')[0] ?? ''}:${pull.head.ref}`,
        ref: pull.head.ref,
        sha: pull.head.sha,
        user: userJson(headFull.split('/')[0] ?? ''),
        repo: repoJson(headFull, pull.head.repoFullName !== undefined && headFull !== full),
      },
      base: {
        label: `${repo.owner}:${pull.base.ref}`,
        ref: pull.base.ref,
        sha: pull.base.sha,
        user: userJson(repo.owner),
        repo: repoJson(full, false),
      },
      author_association: 'CONTRIBUTOR',
      merged: false,
      mergeable: null,
      comments: 0,
      review_comments: reviewComments.filter((c) => c.repo === full && c.pull_number === pull.number).length,
      commits: commitsOf(pull).length,
      additions,
      deletions,
      changed_files: pull.files.length,
      _links: { self: { href: url }, html: { href: html } },
    };
  };

  // The one commit of a pull request without commits of its own is written as a kernel patch
  // should be (subsystem prefix, body, the default author's sign-off), so it draws no hygiene notes.
  const commitsOf = (pull: StandInPull): StandInCommit[] =>
    pull.commits ?? [{ sha: pull.head.sha, message: `${pull.title ?? `mm: pull request #${pull.number}`}\n\nThe change of pull request #${pull.number}.\n\nSigned-off-by: Example Contributor <contributor@example.org>\n`, parents: [pull.base.sha], files: pull.files }];
  const findCommit = (repo: StandInRepo, sha: string): { pull: StandInPull; commit: StandInCommit; parents: string[] } | undefined => {
    for (const pull of repo.pulls) {
      const commits = commitsOf(pull);
      const k = commits.findIndex((c) => c.sha === sha);
      if (k >= 0) return { pull, commit: commits[k]!, parents: commits[k]!.parents ?? [k === 0 ? pull.base.sha : commits[k - 1]!.sha] };
    }
    return undefined;
  };
  /** A commit as the commits APIs show it; `files` only for `GET …/commits/:sha`. */
  const commitJson = (repo: StandInRepo, found: { commit: StandInCommit; parents: string[] }): Json => {
    const full = fullName(repo);
    const { commit } = found;
    const author = { name: commit.author?.name ?? 'Example Contributor', email: commit.author?.email ?? 'contributor@example.org', date: commit.author?.date ?? '2026-11-25T17:48:12Z' };
    return {
      sha: commit.sha,
      node_id: nodeId('C', stableId(commit.sha)),
      url: `${apiRoot}/repos/${full}/commits/${commit.sha}`,
      html_url: `${htmlRoot}/${full}/commit/${commit.sha}`,
      comments_url: `${apiRoot}/repos/${full}/commits/${commit.sha}/comments`,
      commit: {
        url: `${apiRoot}/repos/${full}/git/commits/${commit.sha}`,
        author,
        committer: author,
        message: commit.message,
        tree: { sha: createHash('sha1').update(`tree:${commit.sha}`).digest('hex'), url: `${apiRoot}/repos/${full}/git/trees/${commit.sha}` },
        comment_count: 0,
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
      },
      author: null,
      committer: null,
      parents: found.parents.map((sha) => ({ sha, url: `${apiRoot}/repos/${full}/commits/${sha}`, html_url: `${htmlRoot}/${full}/commit/${sha}` })),
    };
  };

  /** GitHub's pagination: per_page 1..100 (default 30), `link` with prev/next/last/first when there is more than one page. */
  const paginate = (ctx: Ctx, items: unknown[], cap = Infinity): Reply => {
    const perPageRaw = num(ctx.query.get('per_page') ?? undefined);
    const perPage = Number.isNaN(perPageRaw) || perPageRaw < 1 ? 30 : Math.min(perPageRaw, 100);
    const pageRaw = num(ctx.query.get('page') ?? undefined);
    const page = Number.isNaN(pageRaw) || pageRaw < 1 ? 1 : pageRaw;
    const total = Math.min(items.length, cap);
    const last = Math.max(1, Math.ceil(total / perPage));
    const slice = items.slice(Math.min((page - 1) * perPage, total), Math.min(page * perPage, total));
    const headers: Record<string, string> = {};
    if (last > 1) {
      const link = (p: number, rel: string): string => {
        const u = new URL(ctx.url.href);
        u.searchParams.set('page', String(p));
        return `<${u.href}>; rel="${rel}"`;
      };
      const rels: string[] = [];
      if (page > 1) rels.push(link(Math.min(page - 1, last), 'prev'));
      if (page < last) rels.push(link(page + 1, 'next'), link(last, 'last'));
      if (page > 1) rels.push(link(1, 'first'));
      if (rels.length > 0) headers['link'] = rels.join(', ');
    }
    return { status: 200, headers, json: slice };
  };

  const fileJson = (repo: StandInRepo, pull: StandInPull, f: StandInFile): Json => {
    const { additions, deletions } = fileStats(f);
    const full = fullName(repo);
    const encoded = f.filename.split('/').map(encodeURIComponent).join('/');
    return {
      sha: f.sha,
      filename: f.filename,
      status: f.status,
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `${htmlRoot}/${full}/blob/${pull.head.sha}/${encoded}`,
      raw_url: `${htmlRoot}/${full}/raw/${pull.head.sha}/${encoded}`,
      contents_url: `${apiRoot}/repos/${full}/contents/${encoded}?ref=${pull.head.sha}`,
      ...(f.patch !== undefined ? { patch: f.patch } : {}),
      ...(f.previous_filename !== undefined ? { previous_filename: f.previous_filename } : {}),
    };
  };

  /** `git diff` text for the pull, as GitHub serves it for the diff media type. */
  const assembleDiff = (pull: StandInPull): string => {
    const out: string[] = [];
    const short = (sha: string): string => sha.slice(0, 7).padEnd(7, '0');
    for (const f of pull.files) {
      const from = f.previous_filename ?? f.filename;
      const baseSha = short(createHash('sha1').update(`base:${from}:${f.sha}`).digest('hex'));
      out.push(`diff --git a/${from} b/${f.filename}`);
      if (f.status === 'added') out.push('new file mode 100644', `index 0000000..${short(f.sha)}`);
      else if (f.status === 'removed') out.push('deleted file mode 100644', `index ${short(f.sha)}..0000000`);
      else if (f.status === 'renamed') {
        out.push(typeof f.patch !== 'string' ? 'similarity index 100%' : 'similarity index 90%', `rename from ${from}`, `rename to ${f.filename}`);
        if (typeof f.patch === 'string') out.push(`index ${baseSha}..${short(f.sha)} 100644`);
      } else out.push(`index ${baseSha}..${short(f.sha)} 100644`);
      const a = f.status === 'added' ? '/dev/null' : `a/${from}`;
      const b = f.status === 'removed' ? '/dev/null' : `b/${f.filename}`;
      if (typeof f.patch === 'string') {
        out.push(`--- ${a}`, `+++ ${b}`, f.patch.replace(/\n$/, ''));
      } else if (f.status !== 'renamed') {
        out.push(`Binary files ${a} and ${b} differ`);
      }
    }
    return out.length > 0 ? out.join('\n') + '\n' : '';
  };

  const tooLarge = (what: 'files' | 'lines', max: number): Reply => ({
    status: 406,
    json: {
      message: `Sorry, the diff exceeded the maximum number of ${what} (${max}). Consider using 'List pull requests files' API or locally cloning the repository instead.`,
      errors: [{ resource: 'PullRequest', field: 'diff', code: 'too_large' }],
      documentation_url: 'https://docs.github.com/rest/pulls/pulls#list-pull-requests-files',
      status: '406',
    },
  });

  const wantsRaw = (accept: string): boolean => /application\/vnd\.github(?:\.v3)?\.raw/.test(accept);

  const commentJson = (c: StoredReviewComment): Json => ({
    url: `${apiRoot}/repos/${c.repo}/pulls/comments/${c.id}`,
    id: c.id,
    node_id: c.node_id,
    pull_request_review_id: c.pull_request_review_id,
    diff_hunk: c.diff_hunk,
    path: c.path,
    position: c.position,
    original_position: c.position,
    commit_id: c.commit_id,
    original_commit_id: c.original_commit_id,
    ...(c.in_reply_to_id !== undefined ? { in_reply_to_id: c.in_reply_to_id } : {}),
    user: userJson(c.user.login),
    body: c.body,
    created_at: c.created_at,
    updated_at: c.updated_at,
    html_url: c.html_url,
    pull_request_url: `${apiRoot}/repos/${c.repo}/pulls/${c.pull_number}`,
    author_association: c.user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
    line: c.line,
    original_line: c.line,
    side: c.side,
    start_line: c.start_line,
    original_start_line: c.start_line,
    start_side: c.start_side,
    subject_type: 'line',
    _links: { self: { href: `${apiRoot}/repos/${c.repo}/pulls/comments/${c.id}` }, html: { href: c.html_url } },
  });

  const reviewJson = (r: StoredReview): Json => ({
    id: r.id,
    node_id: r.node_id,
    user: userJson(r.user.login),
    body: r.body,
    state: r.state,
    html_url: r.html_url,
    pull_request_url: `${apiRoot}/repos/${r.repo}/pulls/${r.pull_number}`,
    author_association: 'NONE',
    submitted_at: r.submitted_at,
    commit_id: r.commit_id,
    _links: { html: { href: r.html_url }, pull_request: { href: `${apiRoot}/repos/${r.repo}/pulls/${r.pull_number}` } },
  });

  const issueCommentJson = (c: StoredIssueComment): Json => ({
    id: c.id,
    node_id: c.node_id,
    url: `${apiRoot}/repos/${c.repo}/issues/comments/${c.id}`,
    html_url: c.html_url,
    issue_url: `${apiRoot}/repos/${c.repo}/issues/${c.issue_number}`,
    body: c.body,
    user: userJson(c.user.login),
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: c.user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
  });

  const checkRunJson = (run: StoredCheckRun): Json => {
    const url = `${apiRoot}/repos/${run.repo}/check-runs/${run.id}`;
    const repo = repos.find((r) => fullName(r) === run.repo);
    return {
      id: run.id,
      node_id: run.node_id,
      head_sha: run.head_sha,
      external_id: run.external_id ?? '',
      url,
      html_url: `${htmlRoot}/${run.repo}/runs/${run.id}`,
      details_url: run.details_url,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.started_at,
      completed_at: run.completed_at,
      output: { ...run.output, annotations_count: run.annotations.length, annotations_url: `${url}/annotations` },
      name: run.name,
      check_suite: { id: stableId(`suite:${run.repo}:${run.head_sha}`) },
      app: { id: appId, slug: 'widen', node_id: nodeId('A', appId), name: 'widen', owner: userJson('widen') },
      pull_requests: (repo?.pulls ?? [])
        .filter((p) => p.head.sha === run.head_sha && p.head.repoFullName === undefined)
        .map((p) => ({
          url: `${apiRoot}/repos/${run.repo}/pulls/${p.number}`,
          id: stableId(`pull:${run.repo}#${p.number}`),
          number: p.number,
          head: { ref: p.head.ref, sha: p.head.sha, repo: { id: stableId(`repo:${run.repo}`), url: `${apiRoot}/repos/${run.repo}`, name: repo?.name } },
          base: { ref: p.base.ref, sha: p.base.sha, repo: { id: stableId(`repo:${run.repo}`), url: `${apiRoot}/repos/${run.repo}`, name: repo?.name } },
        })),
    };
  };

  // --- reviews: GitHub's own checks on a review, applied before anything is stored --------------

  interface PlacedComment {
    body: string;
    path: string;
    line: number;
    side: Side;
    startLine: number | null;
    startSide: Side | null;
    position: number;
    diffHunk: string;
  }

  const placeComment = (pull: StandInPull, raw: Json): { placed?: PlacedComment; errors: string[] } => {
    const path = str(raw['path']) ?? '';
    const body = str(raw['body']) ?? '';
    const errors: string[] = [];
    if (charCount(body) > GITHUB_BODY_LIMIT) errors.push(`Body is too long (maximum is ${GITHUB_BODY_LIMIT} characters)`);
    const sideRaw = raw['side'] ?? 'RIGHT';
    const startSideRaw = raw['start_side'] ?? sideRaw;
    if (sideRaw !== 'LEFT' && sideRaw !== 'RIGHT') errors.push(`Pull request review thread side is not included in the list (LEFT, RIGHT): ${String(sideRaw)}`);
    if (startSideRaw !== 'LEFT' && startSideRaw !== 'RIGHT') {
      errors.push(`Pull request review thread start side is not included in the list (LEFT, RIGHT): ${String(startSideRaw)}`);
    }
    const file = pull.files.find((f) => f.filename === path);
    if (!file) return { errors: [...errors, 'Pull request review thread path is invalid', "Pull request review thread diff hunk can't be blank"] };
    if (errors.length > 0) return { errors };
    const side: Side = sideRaw === 'LEFT' ? 'LEFT' : 'RIGHT';
    const patch = parsePatch(file.patch ?? '');
    let at: [number, number] | undefined;
    const line = raw['line'];
    const position = raw['position'];
    if (typeof line === 'number') {
      at = findLine(patch, side, line);
    } else if (typeof position === 'number') {
      // The legacy way: lines down from the file's first @@ header (which is position 0).
      at = patch.byPosition.get(position);
      if (at && patch.hunks[at[0]]?.lines[at[1]]?.kind === '\\') at = undefined;
    }
    if (!at) return { errors: ['Pull request review thread line must be part of the diff'] };
    const hunk = patch.hunks[at[0]];
    const target = hunk?.lines[at[1]];
    if (!hunk || !target) return { errors: ['Pull request review thread line must be part of the diff'] };
    const resolvedSide: Side = typeof line === 'number' ? side : target.kind === '-' ? 'LEFT' : 'RIGHT';
    const resolvedLine = (resolvedSide === 'LEFT' ? target.oldLine : target.newLine) ?? 0;
    let startLine: number | null = null;
    let startSide: Side | null = null;
    const start = raw['start_line'];
    if (typeof start === 'number') {
      startSide = startSideRaw === 'LEFT' ? 'LEFT' : 'RIGHT';
      const from = findLine(patch, startSide, start);
      if (!from || from[0] !== at[0]) {
        return { errors: ['Pull request review thread start line must be part of the same hunk as the line.'] };
      }
      if (from[1] >= at[1]) return { errors: ['Pull request review thread start line must precede the end line.'] };
      startLine = start;
    }
    const diffHunk = [hunk.header, ...hunk.lines.slice(0, at[1] + 1).map((l) => l.text)].join('\n');
    return {
      placed: { body, path, line: resolvedLine, side: resolvedSide, startLine, startSide, position: target.position, diffHunk },
      errors: [],
    };
  };

  const createReview = (ctx: Ctx): Reply => {
    const pull = findPull(ctx.repo, ctx.params['number']);
    if (!pull) return notFound();
    const body: Json = isObject(ctx.body) ? ctx.body : {};
    const full = fullName(ctx.repo);
    // Omitted, GitHub reviews the current head; given, it must be the head (a stale sha is refused here, see the report).
    const commitId = str(body['commit_id']) ?? pull.head.sha;
    if (commitId !== pull.head.sha) return unprocessable(['Commit could not be resolved']);
    const event = str(body['event']);
    if (event === undefined) {
      // GitHub would answer 200 with a PENDING review that no one but its author can see: always a bug for an App.
      return unprocessable(['event is missing: GitHub would create a PENDING review nobody can see']);
    }
    const reviewBody = str(body['body']) ?? '';
    const rawComments = Array.isArray(body['comments']) ? body['comments'] : [];
    const errors: string[] = [];
    if (charCount(reviewBody) > GITHUB_BODY_LIMIT) errors.push(`Body is too long (maximum is ${GITHUB_BODY_LIMIT} characters)`);
    if ((event === 'COMMENT' || event === 'REQUEST_CHANGES') && reviewBody === '' && rawComments.length === 0) {
      errors.push("Body can't be blank");
    }
    const placed: PlacedComment[] = [];
    for (const raw of rawComments) {
      const result = placeComment(pull, isObject(raw) ? raw : {});
      errors.push(...result.errors);
      if (result.placed) placed.push(result.placed);
    }
    if (errors.length > 0) return unprocessable([...new Set(errors)]);
    const id = newId();
    const now = timestamp();
    const html = `${htmlRoot}/${full}/pull/${pull.number}#pullrequestreview-${id}`;
    const review: StoredReview = {
      id,
      node_id: nodeId('PRR', id),
      repo: full,
      pull_number: pull.number,
      body: reviewBody,
      event,
      state: event === 'APPROVE' ? 'APPROVED' : event === 'REQUEST_CHANGES' ? 'CHANGES_REQUESTED' : 'COMMENTED',
      commit_id: commitId,
      submitted_at: now,
      html_url: html,
      user: user(botLogin),
      comments: [],
    };
    for (const p of placed) {
      const cid = newId();
      const comment: StoredReviewComment = {
        id: cid,
        node_id: nodeId('PRRC', cid),
        repo: full,
        pull_number: pull.number,
        pull_request_review_id: id,
        body: p.body,
        path: p.path,
        line: p.line,
        side: p.side,
        start_line: p.startLine,
        start_side: p.startSide,
        position: p.position,
        commit_id: commitId,
        original_commit_id: commitId,
        diff_hunk: p.diffHunk,
        user: user(botLogin),
        created_at: now,
        updated_at: now,
        html_url: `${htmlRoot}/${full}/pull/${pull.number}#discussion_r${cid}`,
      };
      review.comments.push(comment);
      reviewComments.push(comment);
    }
    reviews.push(review);
    return { status: 200, json: reviewJson(review) };
  };

  // --- check runs ---------------------------------------------------------------------------

  const checkOutputLimits = (body: Json): string[] => {
    const output = isObject(body['output']) ? body['output'] : undefined;
    if (!output) return [];
    const errors: string[] = [];
    for (const key of ['summary', 'text']) {
      const value = str(output[key]);
      if (value !== undefined && charCount(value) > CHECK_TEXT_LIMIT) {
        errors.push(`Only ${CHECK_TEXT_LIMIT} characters are allowed; ${charCount(value)} were supplied.`);
      }
    }
    const annotations = output['annotations'];
    if (Array.isArray(annotations) && annotations.length > CHECK_ANNOTATIONS_PER_REQUEST) {
      errors.push(`Only ${CHECK_ANNOTATIONS_PER_REQUEST} annotations may be sent per request; ${annotations.length} were supplied.`);
    }
    return errors;
  };

  const applyCheckRun = (run: StoredCheckRun, body: Json): void => {
    run.requests++;
    if (typeof body['name'] === 'string') run.name = body['name'];
    if (typeof body['details_url'] === 'string') run.details_url = body['details_url'];
    if (typeof body['external_id'] === 'string') run.external_id = body['external_id'];
    if (typeof body['started_at'] === 'string') run.started_at = body['started_at'];
    if (typeof body['status'] === 'string') run.status = body['status'];
    if (typeof body['conclusion'] === 'string') {
      run.conclusion = body['conclusion'];
      run.status = 'completed';
      run.completed_at = str(body['completed_at']) ?? run.completed_at ?? timestamp();
    }
    if (Array.isArray(body['actions'])) run.actions = body['actions'];
    const output = body['output'];
    if (isObject(output)) {
      run.output = {
        title: str(output['title']) ?? run.output.title,
        summary: str(output['summary']) ?? run.output.summary,
        text: str(output['text']) ?? run.output.text,
      };
      if (Array.isArray(output['annotations'])) {
        for (const a of output['annotations']) if (isObject(a)) run.annotations.push(a as unknown as CheckRunAnnotation);
      }
    }
  };

  const knownCommit = (repo: StandInRepo, sha: string): boolean =>
    repo.pulls.some((p) => p.head.sha === sha || p.base.sha === sha);

  const createCheckRun = (ctx: Ctx): Reply => {
    const body: Json = isObject(ctx.body) ? ctx.body : {};
    const limits = checkOutputLimits(body);
    if (limits.length > 0) return invalidRequest(limits);
    const headSha = str(body['head_sha']) ?? '';
    if (!knownCommit(ctx.repo, headSha)) {
      return { status: 422, json: { message: `No commit found for SHA: ${headSha}`, documentation_url: 'https://docs.github.com/rest/checks/runs#create-a-check-run', status: '422' } };
    }
    if (body['status'] === 'completed' && typeof body['conclusion'] !== 'string') {
      return invalidRequest(['"conclusion" wasn\'t supplied.']);
    }
    const id = newId();
    const run: StoredCheckRun = {
      id,
      node_id: nodeId('CR', id),
      repo: fullName(ctx.repo),
      name: str(body['name']) ?? '',
      head_sha: headSha,
      status: 'queued',
      conclusion: null,
      details_url: null,
      external_id: null,
      started_at: timestamp(),
      completed_at: null,
      output: { title: null, summary: null, text: null },
      annotations: [],
      actions: [],
      requests: 0,
    };
    applyCheckRun(run, body);
    checkRuns.push(run);
    return { status: 201, json: checkRunJson(run) };
  };

  const updateCheckRun = (ctx: Ctx): Reply => {
    const run = checkRuns.find((r) => r.id === num(ctx.params['id']) && r.repo === fullName(ctx.repo));
    if (!run) return notFound();
    const body: Json = isObject(ctx.body) ? ctx.body : {};
    const limits = checkOutputLimits(body);
    if (limits.length > 0) return invalidRequest(limits);
    if (body['status'] === 'completed' && typeof body['conclusion'] !== 'string' && run.conclusion === null) {
      return invalidRequest(['"conclusion" wasn\'t supplied.']);
    }
    applyCheckRun(run, body);
    return { status: 200, json: checkRunJson(run) };
  };

  // --- GraphQL ------------------------------------------------------------------------------

  const answerGraphQL = (body: RecordedGraphQL): Json => {
    const data: Json = {};
    const vars = body.variables ?? {};
    const input = isObject(vars['input']) ? vars['input'] : vars;
    // An argument comes from `variables.input`, from `variables`, or is written in the query,
    // literally or as a `$variable` reference.
    const pick = (name: string): string | undefined => {
      const fromVars = str(input[name]) ?? str(vars[name]);
      if (fromVars !== undefined) return fromVars;
      const ref = new RegExp(`${name}\\s*:\\s*\\$(\\w+)`).exec(body.query)?.[1];
      if (ref !== undefined) return str(vars[ref]);
      return new RegExp(`${name}\\s*:\\s*"([^"]*)"`).exec(body.query)?.[1] ?? new RegExp(`${name}\\s*:\\s*([A-Z_]+)`).exec(body.query)?.[1];
    };
    // Aliases (`m1: minimizeComment(...)`) are answered under the alias, as GraphQL does.
    for (const m of body.query.matchAll(/(?:(\w+)\s*:\s*)?\b(minimizeComment|resolveReviewThread)\s*\(/g)) {
      const key = m[1] ?? m[2] ?? '';
      if (m[2] === 'minimizeComment') {
        data[key] = {
          minimizedComment: { isMinimized: true, minimizedReason: (pick('classifier') ?? 'OUTDATED').toLowerCase(), subjectId: pick('subjectId') ?? null },
        };
      } else {
        data[key] = { thread: { id: pick('threadId') ?? null, isResolved: true } };
      }
    }
    return { data };
  };

  // --- routes -------------------------------------------------------------------------------

  const R = '/repos/(?<owner>[^/]+)/(?<repo>[^/]+)';
  const route = (method: string, re: string, auth: RouteDef['auth'], handle: RouteDef['handle'], extra: Partial<RouteDef> = {}): RouteDef => ({
    method,
    re: new RegExp(`^${re}$`),
    auth,
    handle,
    ...extra,
  });

  const routes: RouteDef[] = [
    route('GET', '/app', 'jwt', () => ({
      status: 200,
      json: {
        id: appId,
        slug: 'widen',
        node_id: nodeId('A', appId),
        owner: userJson('widen'),
        name: 'widen',
        description: 'Review bot for Linux-kernel-style C patches',
        external_url: 'https://example.org/widen',
        html_url: `${htmlRoot}/apps/widen`,
        created_at: '2024-01-01T00:00:00Z',
        updated_at: '2024-01-01T00:00:00Z',
        permissions: { checks: 'write', contents: 'read', metadata: 'read', pull_requests: 'write', issues: 'write' },
        events: ['check_run', 'issue_comment', 'pull_request'],
      },
    })),
    route('POST', '/app/installations/(?<id>\\d+)/access_tokens', 'jwt', (ctx) => {
      const installation = num(ctx.params['id']);
      if (!repos.some((r) => r.installationId === installation)) return notFound();
      const token = `ghs_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`;
      tokens.set(token, installation);
      return {
        status: 201,
        json: {
          token,
          expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          permissions: { checks: 'write', contents: 'read', metadata: 'read', pull_requests: 'write', issues: 'write' },
          repository_selection: 'all',
        },
      };
    }),
    route(`GET`, `${R}/installation`, 'jwt', (ctx) => ({
      status: 200,
      json: {
        id: ctx.repo.installationId,
        account: userJson(ctx.repo.owner),
        app_id: appId,
        app_slug: 'widen',
        target_id: stableId(`user:${ctx.repo.owner}`),
        target_type: 'User',
        repository_selection: 'all',
        access_tokens_url: `${apiRoot}/app/installations/${ctx.repo.installationId}/access_tokens`,
        repositories_url: `${apiRoot}/installation/repositories`,
        html_url: `${htmlRoot}/settings/installations/${ctx.repo.installationId}`,
        permissions: { checks: 'write', contents: 'read', metadata: 'read', pull_requests: 'write', issues: 'write' },
        events: ['check_run', 'issue_comment', 'pull_request'],
        created_at: '2024-01-01T00:00:00Z',
        updated_at: '2024-01-01T00:00:00Z',
        single_file_name: null,
      },
    })),
    route('GET', `${R}/pulls`, 'token', (ctx) => {
      const state = ctx.query.get('state') ?? 'open';
      const head = ctx.query.get('head');
      const base = ctx.query.get('base');
      const pulls = (state === 'closed' ? [] : ctx.repo.pulls)
        .filter((p) => head === null || `${(p.head.repoFullName ?? fullName(ctx.repo)).split('/')[0] ?? ''}:${p.head.ref}` === head)
        .filter((p) => base === null || p.base.ref === base)
        .map((p) => pullJson(ctx.repo, p));
      return paginate(ctx, pulls);
    }),
    route('GET', `${R}/pulls/(?<number>\\d+)`, 'token', (ctx) => {
      const pull = findPull(ctx.repo, ctx.params['number']);
      if (!pull) return notFound();
      if (/application\/vnd\.github(?:\.v3)?\.diff/.test(ctx.accept)) {
        if (pull.files.length > DIFF_MAX_FILES) return tooLarge('files', DIFF_MAX_FILES);
        const lines = pull.files.reduce((n, f) => n + (typeof f.patch === 'string' ? parsePatch(f.patch).lineCount : 0), 0);
        if (lines > DIFF_MAX_LINES) return tooLarge('lines', DIFF_MAX_LINES);
        return { status: 200, text: assembleDiff(pull), contentType: 'application/vnd.github.diff; charset=utf-8' };
      }
      return { status: 200, json: pullJson(ctx.repo, pull) };
    }),
    route('GET', `${R}/pulls/(?<number>\\d+)/files`, 'token', (ctx) => {
      const pull = findPull(ctx.repo, ctx.params['number']);
      if (!pull) return notFound();
      return paginate(ctx, pull.files.slice(0, LIST_FILES_CAP).map((f) => fileJson(ctx.repo, pull, f)), LIST_FILES_CAP);
    }),
    route('GET', `${R}/pulls/(?<number>\\d+)/commits`, 'token', (ctx) => {
      const pull = findPull(ctx.repo, ctx.params['number']);
      if (!pull) return notFound();
      const commits = commitsOf(pull);
      return paginate(ctx, commits.slice(0, LIST_COMMITS_CAP).map((commit, k) => commitJson(ctx.repo, { commit, parents: commit.parents ?? [k === 0 ? pull.base.sha : commits[k - 1]!.sha] })), LIST_COMMITS_CAP);
    }),
    route('GET', `${R}/commits/(?<sha>[0-9a-f]{40})`, 'token', (ctx) => {
      const found = findCommit(ctx.repo, ctx.params['sha'] ?? '');
      if (!found) return unprocessable([], `No commit found for SHA: ${ctx.params['sha'] ?? ''}`);
      // The commit's files are paginated (per_page, page, link headers); the rest of the object repeats on every page.
      const page = paginate(ctx, found.commit.files.slice(0, COMMIT_FILES_CAP).map((f) => fileJson(ctx.repo, { ...found.pull, head: { ...found.pull.head, sha: found.commit.sha } }, f)), COMMIT_FILES_CAP);
      const listed = (page.json as Json[] | undefined) ?? [];
      let additions = 0;
      let deletions = 0;
      for (const f of found.commit.files) {
        const stats = fileStats(f);
        additions += stats.additions;
        deletions += stats.deletions;
      }
      return { ...page, json: { ...commitJson(ctx.repo, found), stats: { total: additions + deletions, additions, deletions }, files: listed } };
    }),
    route('GET', `${R}/pulls/(?<number>\\d+)/comments`, 'token', (ctx) => {
      const pull = findPull(ctx.repo, ctx.params['number']);
      if (!pull) return notFound();
      const full = fullName(ctx.repo);
      return paginate(ctx, reviewComments.filter((c) => c.repo === full && c.pull_number === pull.number).map(commentJson));
    }),
    route('GET', `${R}/pulls/(?<number>\\d+)/reviews`, 'token', (ctx) => {
      const pull = findPull(ctx.repo, ctx.params['number']);
      if (!pull) return notFound();
      const full = fullName(ctx.repo);
      return paginate(ctx, reviews.filter((r) => r.repo === full && r.pull_number === pull.number).map(reviewJson));
    }),
    route('POST', `${R}/pulls/(?<number>\\d+)/reviews`, 'token', createReview),
    route('GET', `${R}/git/blobs/(?<sha>[^/]+)`, 'token', (ctx) => {
      const sha = ctx.params['sha'] ?? '';
      const text = Object.hasOwn(ctx.repo.blobs, sha) ? ctx.repo.blobs[sha] : undefined;
      if (text === undefined) return notFound();
      // text/plain so Octokit hands back a string, which is what GitHub's raw responses carry.
      if (wantsRaw(ctx.accept)) return { status: 200, text, contentType: 'text/plain; charset=utf-8' };
      return {
        status: 200,
        json: {
          sha,
          node_id: nodeId('B', stableId(sha)),
          size: Buffer.byteLength(text, 'utf8'),
          url: `${apiRoot}/repos/${fullName(ctx.repo)}/git/blobs/${sha}`,
          content: base64Lines(text),
          encoding: 'base64',
        },
      };
    }),
    route(
      'GET',
      `${R}/contents/(?<path>.+)`,
      'token',
      (ctx) => {
        const path = ctx.params['path'] ?? '';
        const text = ctx.repo.config;
        if (path !== '.github/widen.yml' || text === undefined) return notFound();
        if (wantsRaw(ctx.accept)) return { status: 200, text, contentType: 'text/plain; charset=utf-8' };
        const full = fullName(ctx.repo);
        const sha = gitBlobSha(text);
        const self = `${apiRoot}/repos/${full}/contents/${path}?ref=main`;
        return {
          status: 200,
          json: {
            type: 'file',
            encoding: 'base64',
            size: Buffer.byteLength(text, 'utf8'),
            name: 'widen.yml',
            path,
            content: base64Lines(text),
            sha,
            url: self,
            git_url: `${apiRoot}/repos/${full}/git/blobs/${sha}`,
            html_url: `${htmlRoot}/${full}/blob/main/${path}`,
            download_url: `${htmlRoot}/${full}/raw/main/${path}`,
            _links: { self, git: `${apiRoot}/repos/${full}/git/blobs/${sha}`, html: `${htmlRoot}/${full}/blob/main/${path}` },
          },
        };
      },
      { missingRepoIsNormal: true },
    ),
    route('POST', `${R}/check-runs`, 'token', createCheckRun),
    route('PATCH', `${R}/check-runs/(?<id>\\d+)`, 'token', updateCheckRun),
    route('GET', `${R}/commits/(?<sha>[^/]+)/check-runs`, 'token', (ctx) => {
      const name = ctx.query.get('check_name');
      const runs = checkRuns
        .filter((r) => r.repo === fullName(ctx.repo) && r.head_sha === ctx.params['sha'] && (name === null || r.name === name))
        .sort((a, b) => b.id - a.id);
      const perPage = Number(ctx.query.get('per_page') ?? '30');
      return { status: 200, json: { total_count: runs.length, check_runs: runs.slice(0, perPage).map(checkRunJson) } };
    }),
    route('PATCH', `${R}/pulls/comments/(?<id>\\d+)`, 'token', (ctx) => {
      const comment = reviewComments.find((c) => c.id === num(ctx.params['id']) && c.repo === fullName(ctx.repo));
      if (!comment) return notFound();
      const body = isObject(ctx.body) ? str(ctx.body['body']) : undefined;
      if (body === undefined) return invalidRequest(['"body" wasn\'t supplied.']);
      if ([...body].length > GITHUB_BODY_LIMIT) return invalidRequest([`Body is too long (maximum is ${GITHUB_BODY_LIMIT} characters)`]);
      comment.body = body;
      return { status: 200, json: commentJson(comment) };
    }),
    route('GET', `${R}/commits/(?<sha>[^/]+)/pulls`, 'token', (ctx) =>
      paginate(
        ctx,
        ctx.repo.pulls.filter((p) => p.head.sha === ctx.params['sha']).map((p) => pullJson(ctx.repo, p)),
      ),
    ),
    route('GET', `${R}/collaborators/(?<user>[^/]+)/permission`, 'token', (ctx) => {
      const login = ctx.params['user'] ?? '';
      const entry = Object.entries(ctx.repo.permissions ?? {}).find(([l]) => l.toLowerCase() === login.toLowerCase());
      const role: StandInPermission = entry?.[1] ?? 'read';
      const permission = ROLE_TO_PERMISSION[role];
      const at = (r: StandInPermission[]): boolean => r.includes(role);
      return {
        status: 200,
        json: {
          permission,
          role_name: role,
          user: {
            ...userJson(login),
            permissions: {
              admin: at(['admin']),
              maintain: at(['admin', 'maintain']),
              push: at(['admin', 'maintain', 'write']),
              triage: at(['admin', 'maintain', 'write', 'triage']),
              pull: role !== 'none',
            },
            role_name: role,
          },
        },
      };
    }),
    route('GET', `${R}/issues/(?<number>\\d+)/comments`, 'token', (ctx) => {
      const full = fullName(ctx.repo);
      if (!findPull(ctx.repo, ctx.params['number'])) return notFound();
      return paginate(ctx, issueComments.filter((c) => c.repo === full && c.issue_number === num(ctx.params['number'])).map(issueCommentJson));
    }),
    route('POST', `${R}/issues/(?<number>\\d+)/comments`, 'token', (ctx) => {
      const pull = findPull(ctx.repo, ctx.params['number']);
      if (!pull) return notFound();
      const body = isObject(ctx.body) ? (str(ctx.body['body']) ?? '') : '';
      if (charCount(body) > GITHUB_BODY_LIMIT) return bodyTooLong();
      const id = newId();
      const now = timestamp();
      const full = fullName(ctx.repo);
      const comment: StoredIssueComment = {
        id,
        node_id: nodeId('IC', id),
        repo: full,
        issue_number: pull.number,
        body,
        user: user(botLogin),
        created_at: now,
        updated_at: now,
        html_url: `${htmlRoot}/${full}/pull/${pull.number}#issuecomment-${id}`,
      };
      issueComments.push(comment);
      return { status: 201, json: issueCommentJson(comment) };
    }),
    route('PATCH', `${R}/issues/comments/(?<id>\\d+)`, 'token', (ctx) => {
      const comment = issueComments.find((c) => c.id === num(ctx.params['id']) && c.repo === fullName(ctx.repo));
      if (!comment) return notFound();
      const body = isObject(ctx.body) ? (str(ctx.body['body']) ?? '') : '';
      if (charCount(body) > GITHUB_BODY_LIMIT) return bodyTooLong();
      comment.body = body;
      comment.updated_at = timestamp();
      return { status: 200, json: issueCommentJson(comment) };
    }),
    ...(['issue_comment', 'pull_request_review_comment'] as const).map((subject) =>
      route('POST', `${R}/${subject === 'issue_comment' ? 'issues' : 'pulls'}/comments/(?<id>\\d+)/reactions`, 'token', (ctx) => {
        const content = isObject(ctx.body) ? (str(ctx.body['content']) ?? '') : '';
        const commentId = num(ctx.params['id']);
        const full = fullName(ctx.repo);
        // Comments arrive by webhook, so the stand-in cannot know them all: any id is accepted.
        const existing = reactions.find(
          (r) => r.repo === full && r.subject === subject && r.comment_id === commentId && r.content === content && r.user.login === botLogin,
        );
        const reaction = existing ?? { id: newId(), repo: full, subject, comment_id: commentId, content, user: user(botLogin) };
        if (!existing) reactions.push(reaction);
        return {
          // GitHub answers 200 with the existing reaction when it is added twice.
          status: existing ? 200 : 201,
          json: { id: reaction.id, node_id: nodeId('REA', reaction.id), user: userJson(botLogin), content, created_at: timestamp() },
        };
      }),
    ),
  ];

  // --- request handling ---------------------------------------------------------------------

  const authError = (kind: RouteDef['auth'], authorization: string | undefined): Reply | undefined => {
    if (!authorization) return { status: 401, json: { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest', status: '401' } };
    if (kind === 'jwt') {
      const m = /^bearer\s+(\S+)$/i.exec(authorization);
      if (!m || (m[1] ?? '').split('.').length !== 3) {
        return { status: 401, json: { message: 'A JSON web token could not be decoded', documentation_url: 'https://docs.github.com/rest', status: '401' } };
      }
      if (appKey !== undefined && !jwtSignedBy(m[1]!, appKey, appId)) {
        return { status: 401, json: { message: "'Issuer' claim ('iss') must be an Integer, or the JWT's signature does not match the App's key", documentation_url: 'https://docs.github.com/rest', status: '401' } };
      }
    }
    return undefined;
  };

  const tokenOf = (authorization: string | undefined): string | undefined =>
    /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? '')?.[1];

  const dispatch = (record: RecordedRequest, url: URL, bodyError: boolean): Reply => {
    const { method, path } = record;
    const authorization = record.headers['authorization'];
    const accept = String(record.headers['accept'] ?? '');
    if (bodyError) {
      invalid.push({ method, path, status: 400, errors: ['Problems parsing JSON'] });
      return { status: 400, json: { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/rest', status: '400' } };
    }
    if (path === '/graphql' && method === 'POST') {
      const denied = authError('token', authorization);
      if (denied) return denied;
      const errors = validateGraphQL(record.body);
      if (errors.length > 0 || !isObject(record.body)) {
        invalid.push({ method, path, status: 400, errors });
        return { status: 400, json: { message: 'A query attribute must be specified and must be a string.', errors } };
      }
      const body: RecordedGraphQL = { query: str(record.body['query']) ?? '' };
      if (isObject(record.body['variables'])) body.variables = record.body['variables'];
      if (typeof record.body['operationName'] === 'string') body.operationName = record.body['operationName'];
      graphql.push(body);
      return { status: 200, json: answerGraphQL(body) };
    }
    for (const r of routes) {
      if (r.method !== method) continue;
      const m = r.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) {
        try {
          params[k] = decodeURIComponent(v);
        } catch {
          params[k] = v;
        }
      }
      const denied = authError(r.auth, authorization);
      if (denied) return denied;
      let repo: StandInRepo | undefined;
      if (params['owner'] !== undefined && params['repo'] !== undefined) {
        repo = findRepo(params['owner'], params['repo']);
        if (!repo) {
          if (!r.missingRepoIsNormal) unexpected.push({ method, path, reason: `no repo ${params['owner']}/${params['repo']} in the stand-in` });
          return notFound();
        }
        const token = tokenOf(authorization);
        const installation = token !== undefined ? tokens.get(token) : undefined;
        if (r.auth === 'token' && installation !== undefined && installation !== repo.installationId) {
          // GitHub hides repos an installation cannot see behind a 404.
          unexpected.push({ method, path, reason: `token of installation ${installation} used on ${fullName(repo)} (installation ${repo.installationId})` });
          return notFound();
        }
      }
      if (method !== 'GET' && method !== 'HEAD') {
        const errors = validateGitHubRequest(method, path, record.body);
        if (errors.length > 0) {
          invalid.push({ method, path, status: 422, errors });
          return invalidRequest(errors);
        }
      }
      const reply = r.handle({
        method,
        path,
        query: url.searchParams,
        url,
        headers: record.headers,
        accept,
        body: record.body,
        params,
        // Routes without :owner/:repo never read it; an empty repo keeps the type simple.
        repo: repo ?? { owner: '', name: '', installationId: 0, pulls: [], blobs: {} },
      });
      if (reply.status === 422 || reply.status === 400) {
        const json = reply.json;
        const errs =
          isObject(json) && Array.isArray(json['errors'])
            ? json['errors'].map((e) => (typeof e === 'string' ? e : isObject(e) && typeof e['message'] === 'string' ? e['message'] : JSON.stringify(e)))
            : [];
        invalid.push({ method, path, status: reply.status, errors: errs.length > 0 ? errs : [String(isObject(json) ? json['message'] : '')] });
      }
      return reply;
    }
    let reason = 'no route in the stand-in';
    try {
      validateGitHubRequest(method, path, undefined);
      reason += ' (GitHub has this operation: add it to the stand-in if the App needs it)';
    } catch {
      reason += ' (and GitHub has no such operation either)';
    }
    unexpected.push({ method, path, reason });
    return notFound();
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const start = performance.now();
    const url = new URL(req.url ?? '/', `http://${host}`);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    let bodyError = false;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        bodyError = true;
      }
    }
    let path = url.pathname;
    let outsideRoot = false;
    if (path === '/graphql' || path === '/api/graphql') path = '/graphql';
    else if (prefix !== '' && (path === prefix || path.startsWith(prefix + '/'))) path = path.slice(prefix.length) || '/';
    else if (prefix !== '') outsideRoot = true;
    const method = (req.method ?? 'GET').toUpperCase();
    const record: RecordedRequest = {
      method,
      path,
      rawUrl: req.url ?? '/',
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      status: 0,
      start,
      end: NaN,
    };
    requests.push(record);
    if (standIn.latencyMs > 0) await sleep(standIn.latencyMs);
    const hold = holds.find((h) => (h.method === '*' || h.method.toUpperCase() === method) && (typeof h.path === 'string' ? h.path === path : h.path.test(path)));
    if (hold) {
      hold.arrived(record);
      await hold.released;
      res.destroy();
      return;
    }

    let reply: Reply;
    const fault = faults.find(
      (f) =>
        f.responses.length > 0 &&
        (f.method === '*' || f.method.toUpperCase() === method) &&
        (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
    );
    const injected = fault?.responses.shift();
    if (injected) {
      reply = {
        status: injected.status,
        headers: injected.headers ?? {},
        json: injected.body ?? { message: STATUS_CODES[injected.status] ?? 'Error', status: String(injected.status) },
      };
    } else if (outsideRoot) {
      unexpected.push({ method, path: url.pathname, reason: `outside the API root ${prefix}` });
      reply = notFound();
    } else {
      try {
        reply = dispatch(record, url, bodyError);
      } catch (error) {
        // A crash here is the stand-in's bug, not the App's; make it loud.
        unexpected.push({ method, path, reason: `stand-in crashed: ${error instanceof Error ? error.stack ?? error.message : String(error)}` });
        reply = { status: 500, json: { message: 'stand-in crashed' } };
      }
    }

    const headers: Record<string, string> = {
      'x-github-request-id': randomUUID(),
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
      'x-github-media-type': 'github.v3; format=json',
      ...(prefix !== '' ? { 'x-github-enterprise-version': '3.17.0' } : {}),
      ...(reply.headers ?? {}),
    };
    let payload = '';
    if (reply.text !== undefined) {
      payload = reply.text;
      headers['content-type'] = reply.contentType ?? 'text/plain; charset=utf-8';
    } else if (reply.json !== undefined) {
      payload = JSON.stringify(reply.json);
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    headers['content-length'] = String(Buffer.byteLength(payload));
    record.status = reply.status;
    res.on('finish', () => {
      record.end = performance.now();
    });
    res.writeHead(reply.status, headers);
    res.end(payload);
  };

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      unexpected.push({ method: req.method ?? '?', path: req.url ?? '?', reason: `stand-in crashed: ${String(error)}` });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  host = `127.0.0.1:${address.port}`;
  apiRoot = `http://${host}${prefix}`;
  // github.com serves pages from another host; GHES from the same one.
  htmlRoot = prefix === '' ? 'https://github.com' : `http://${host}`;

  const describeRequests = (): string =>
    requests.map((r) => `  ${r.method} ${r.path}${r.rawUrl.includes('?') ? '?' + r.rawUrl.split('?')[1] : ''} -> ${r.status || 'pending'}`).join('\n') ||
    '  (none)';

  const standIn: StandIn = {
    url: apiRoot,
    host,
    graphqlUrl: prefix === '' ? `http://${host}/graphql` : `http://${host}/api/graphql`,
    botLogin,
    appId,
    latencyMs: opts.latencyMs ?? 0,
    requests,
    unexpected,
    invalid,
    reviews,
    reviewComments,
    checkRuns,
    issueComments,
    reactions,
    graphql,
    fail(method, path, responses) {
      faults.push({ method, path, responses: [...responses] });
    },
    hold(method, path) {
      let arrived!: (r: RecordedRequest) => void;
      let release!: () => void;
      const held = new Promise<RecordedRequest>((resolve) => (arrived = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      const entry = { method, path, arrived, released };
      holds.push(entry);
      return {
        held,
        release() {
          holds.splice(holds.indexOf(entry), 1);
          release();
        },
      };
    },
    addReviewComment(repoFullName, pullNumber, c) {
      const id = newId();
      const now = timestamp();
      const repo = repos.find((r) => fullName(r) === repoFullName);
      const pull = repo?.pulls.find((p) => p.number === pullNumber);
      const commit = c.commit_id ?? pull?.head.sha ?? '';
      const comment: StoredReviewComment = {
        pull_request_review_id: null,
        line: null,
        side: 'RIGHT',
        start_line: null,
        start_side: null,
        position: null,
        diff_hunk: '',
        created_at: now,
        updated_at: now,
        html_url: `${htmlRoot}/${repoFullName}/pull/${pullNumber}#discussion_r${id}`,
        original_commit_id: commit,
        ...c,
        commit_id: commit,
        id,
        node_id: nodeId('PRRC', id),
        repo: repoFullName,
        pull_number: pullNumber,
        user: user(c.user ?? botLogin),
      };
      reviewComments.push(comment);
      return comment;
    },
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = performance.now() + timeoutMs;
      let lastError = '';
      while (true) {
        try {
          if (predicate(standIn)) return;
          lastError = '';
        } catch (error) {
          lastError = error instanceof Error ? error.message : String(error);
        }
        if (performance.now() >= deadline) {
          const extra = [
            lastError ? `last predicate error: ${lastError}` : '',
            unexpected.length > 0 ? `unexpected:\n${unexpected.map((u) => `  ${u.method} ${u.path}: ${u.reason}`).join('\n')}` : '',
            invalid.length > 0 ? `refused:\n${invalid.map((u) => `  ${u.method} ${u.path} ${u.status}: ${u.errors.join('; ')}`).join('\n')}` : '',
          ].filter(Boolean);
          throw new Error(`waitFor timed out after ${timeoutMs} ms; requests seen:\n${describeRequests()}${extra.length ? '\n' + extra.join('\n') : ''}`);
        }
        await sleep(10);
      }
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Octokit keeps connections alive; without this close() waits for their idle timeout.
        server.closeAllConnections();
      });
    },
  };
  return standIn;
}

// ---------------------------------------------------------------------------------------------
// Webhooks and keys
// ---------------------------------------------------------------------------------------------

/**
 * POSTs a webhook the way GitHub does: JSON body, `x-github-event`, `x-github-delivery`, and
 * `x-hub-signature-256` over the exact bytes sent, so the App's signature check runs for real.
 * `ms` is the time until the App answered (GitHub gives up after 10 s).
 */
export async function sendWebhook(opts: {
  url: string;
  secret: string;
  name: string;
  payload: unknown;
  id?: string;
  /** Sent as `x-github-hook-installation-target-id`, which for an App's webhook is the App id; default 1. */
  appId?: number;
}): Promise<{ status: number; ms: number; body: string }> {
  const body = JSON.stringify(opts.payload);
  const signature = 'sha256=' + createHmac('sha256', opts.secret).update(body).digest('hex');
  const start = performance.now();
  // One connection per delivery, as GitHub makes them, through node:http without an agent: a
  // pooled keep-alive socket (fetch's) that the App's server closes just as the next delivery
  // reuses it fails with "other side closed", which a loaded machine made happen.
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      opts.url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'GitHub-Hookshot/widen-test',
          'x-github-event': opts.name,
          'x-github-delivery': opts.id ?? randomUUID(),
          'x-github-hook-id': '1',
          'x-github-hook-installation-target-type': 'integration',
          'x-github-hook-installation-target-id': String(opts.appId ?? 1),
          'x-hub-signature-256': signature,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  return { status: answer.status, ms: performance.now() - start, body: answer.body };
}

/** A fresh RSA-2048 key in PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), the form GitHub hands out, for APP_ID/PRIVATE_KEY in tests. */
export function generatePrivateKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return privateKey;
}

/** Whether `jwt` is an RS256 token signed with `key` (a private key's public half) and issued by `appId`. */
function jwtSignedBy(jwt: string, key: string, appId: number): boolean {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  try {
    const verify = createVerify('RSA-SHA256');
    verify.update(`${header}.${payload}`);
    if (!verify.verify(createPublicKey(key), Buffer.from(signature, 'base64url'))) return false;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown };
    return String(claims.iss) === String(appId);
  } catch {
    return false;
  }
}
