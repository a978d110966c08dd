/**
 * `.github/widen.yml`: per-repository settings, read from the default branch (a pull request
 * cannot change how it is itself reviewed) and validated against a schema, so a typo gets an
 * explanation in the check run instead of being ignored or crashing the review.
 */
import { Ajv, type ErrorObject } from 'ajv';
import merge from 'deepmerge';
import { isSeverity, type FailLevel, type Severity } from '../findings/severity.js';
import { CATALOG, type CatalogRule } from '../rules/index.js';
import { compileGlob, compileGlobs, GlobError, neverMatches } from './glob.js';
import type { GitHubClient } from './octokit.js';

export const CONFIG_PATH = '.github/widen.yml';

/** GitHub rejects more inline comments per review as abuse (reviewdog's `maxCommentsPerRequest`). */
export const MAX_COMMENTS_PER_REVIEW = 30;

export type Permission = 'read' | 'triage' | 'write' | 'maintain' | 'admin';
export const PERMISSIONS: readonly Permission[] = ['read', 'triage', 'write', 'maintain', 'admin'];

export interface WidenConfig {
  /** Rules switched off, or run at another severity, by id. */
  rules: Record<string, 'off' | 'on' | Severity>;
  paths: { include: string[]; exclude: string[] };
  /** Review draft pull requests too. */
  drafts: boolean;
  slashCommand: { permission: Permission; replyUnauthorized: boolean };
  /** The check run fails when a finding is at least this severe; below it, it is neutral. */
  failOn: FailLevel;
  /** Inline comments per review; the rest go to the review body. */
  maxComments: number;
  /**
   * `per-commit`: each commit is reviewed as a patch of a series, on the tree the commits
   * before it left (up to 50 commits; more are reviewed squashed, with a note). `squashed`: the
   * pull request's whole diff is reviewed as one change.
   */
  series: 'squashed' | 'per-commit';
}

export const DEFAULT_CONFIG: WidenConfig = {
  rules: {},
  paths: { include: ['**'], exclude: [] },
  drafts: false,
  slashCommand: { permission: 'write', replyUnauthorized: true },
  failOn: 'warning',
  maxComments: 25,
  series: 'per-commit',
};

const PATTERNS = { type: 'array', maxItems: 200, items: { type: 'string', minLength: 1, maxLength: 500 } } as const;

/** The schema of the file as users write it (kebab-case keys). Exported for the docs test. */
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rules: {
      type: 'object',
      propertyNames: { enum: CATALOG.map((r) => r.id) },
      additionalProperties: { enum: ['off', 'on', 'error', 'warning', 'note'] },
    },
    paths: {
      type: 'object',
      additionalProperties: false,
      properties: { include: PATTERNS, exclude: PATTERNS },
    },
    drafts: { type: 'boolean' },
    'slash-command': {
      type: 'object',
      additionalProperties: false,
      properties: {
        permission: { enum: [...PERMISSIONS] },
        'reply-unauthorized': { type: 'boolean' },
      },
    },
    'fail-on': { enum: ['error', 'warning', 'note', 'none'] },
    'max-comments': { type: 'integer', minimum: 0, maximum: MAX_COMMENTS_PER_REVIEW },
    series: { enum: ['squashed', 'per-commit'] },
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(CONFIG_SCHEMA);

/** A `.github/widen.yml` that cannot be used; `problems` are one line each, for the check run. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`${CONFIG_PATH} is invalid: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the parsed file (null when there is none) and fills in the defaults. */
export function parseConfig(raw: unknown): WidenConfig {
  if (raw === null || raw === undefined) return DEFAULT_CONFIG;
  if (!validate(raw)) {
    // A bad rule id fails `propertyNames` and, under it, the enum: say it once.
    const errors = (validate.errors ?? []).filter((e) => !(e.keyword === 'enum' && e.schemaPath.includes('/propertyNames/')));
    throw new ConfigError(errors.map(describeProblem));
  }
  const c = raw as Record<string, Record<string, unknown> | undefined> & Record<string, unknown>;
  const paths = c['paths'] ?? {};
  // A glob whose braces expand past the bound is refused here, with the others, not mid-review.
  const globProblems: string[] = [];
  for (const key of ['include', 'exclude'] as const) {
    for (const glob of (paths[key] as string[] | undefined) ?? []) {
      try {
        compileGlob(glob);
      } catch (e) {
        if (!(e instanceof GlobError)) throw e;
        globProblems.push(`\`paths.${key}\`: ${e.message}`);
        continue;
      }
      // A glob no repository path can match is a mistake the review would hide (sweep J).
      const never = neverMatches(glob);
      if (never) globProblems.push(`\`paths.${key}\` has ${JSON.stringify(glob)}, which can match no file: ${never}`);
    }
  }
  if (Array.isArray(paths['include']) && paths['include'].length === 0) globProblems.push('`paths.include` is empty, so no file would be reviewed: leave it out to review every file');
  if (globProblems.length > 0) throw new ConfigError(globProblems);
  const slash = c['slash-command'] ?? {};
  return {
    rules: (c['rules'] as WidenConfig['rules'] | undefined) ?? {},
    paths: {
      include: (paths['include'] as string[] | undefined) ?? DEFAULT_CONFIG.paths.include,
      exclude: (paths['exclude'] as string[] | undefined) ?? DEFAULT_CONFIG.paths.exclude,
    },
    drafts: (c['drafts'] as boolean | undefined) ?? DEFAULT_CONFIG.drafts,
    slashCommand: {
      permission: (slash['permission'] as Permission | undefined) ?? DEFAULT_CONFIG.slashCommand.permission,
      replyUnauthorized: (slash['reply-unauthorized'] as boolean | undefined) ?? DEFAULT_CONFIG.slashCommand.replyUnauthorized,
    },
    failOn: (c['fail-on'] as FailLevel | undefined) ?? DEFAULT_CONFIG.failOn,
    maxComments: (c['max-comments'] as number | undefined) ?? DEFAULT_CONFIG.maxComments,
    series: (c['series'] as WidenConfig['series'] | undefined) ?? DEFAULT_CONFIG.series,
  };
}

function describeProblem(e: ErrorObject): string {
  const where = e.instancePath ? `\`${e.instancePath.slice(1).replace(/\//g, '.')}\`` : 'the top level';
  if (e.keyword === 'additionalProperties') return `${where} has an unknown key \`${String(e.params['additionalProperty'])}\``;
  if (e.keyword === 'propertyNames') return `\`rules\` names an unknown rule \`${String(e.params['propertyName'])}\` (known: ${CATALOG.map((r) => r.id).join(', ')})`;
  if (e.keyword === 'enum') return `${where} must be one of ${(e.params['allowedValues'] as unknown[]).map((v) => `\`${String(v)}\``).join(', ')}`;
  return `${where} ${e.message ?? 'is invalid'}`;
}

/** Reads the parsed file, or null when there is none; `context.config` in the App. */
export type ConfigReader = () => Promise<unknown>;

/**
 * The reader `widen review --pr` and `widen worker` use: Probot's config plugin called as
 * `context.config()` calls it in the App (default branch, falling back to the owner's `.github`
 * repository, `_extends` honoured), with its deep merge of an inherited file (objects merged key
 * by key, lists joined: `deepmerge`, as Probot): the plugin's own merge is shallow, and a
 * repository's `rules:` dropped every inherited rule setting outside the App (sweep J).
 */
export function configReader(octokit: GitHubClient, repo: { owner: string; repo: string }): ConfigReader {
  return async () => {
    const { config, files } = await octokit.config.get({ ...repo, path: CONFIG_PATH, defaults: (configs: Array<Record<string, unknown>>) => merge.all<Record<string, unknown>>([{}, ...configs]) });
    return files.some((file) => file.config !== null) ? config : null;
  };
}

/** Reads and validates the repository's settings; an unreadable or invalid file is a {@link ConfigError}. */
export async function loadConfig(read: ConfigReader): Promise<WidenConfig> {
  let raw: unknown;
  try {
    raw = await read();
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status !== undefined) throw e;
    // The config plugin's own message names only the URL; the YAML parser's (its `cause`) says
    // what is wrong and where, on its first line (the others quote the file).
    const cause = (e as { cause?: unknown }).cause;
    const why = cause instanceof Error && cause.message ? cause.message : ((e as Error).message ?? '').replace(/^\[[^\]]*\] /, '');
    throw new ConfigError([`it could not be read as YAML (${why.split('\n')[0]!.trim().replace(/:$/, '')})`]);
  }
  return parseConfig(raw);
}

/** The rules a configuration enables, at the severity it gives them. */
export function configuredRules(config: WidenConfig): CatalogRule[] {
  const out: CatalogRule[] = [];
  for (const rule of CATALOG) {
    const setting = config.rules[rule.id] ?? 'on';
    if (setting === 'off') continue;
    out.push(isSeverity(setting) && setting !== rule.meta.severity ? withSeverity(rule, setting) : rule);
  }
  return out;
}

/** A copy of `rule`, of the same kind, that reports at `severity`. */
function withSeverity<R extends CatalogRule>(rule: R, severity: Severity): R {
  return { ...rule, meta: { ...rule.meta, severity } };
}

/** Whether the configuration's path globs select `path`. */
export function pathFilter(config: WidenConfig): (path: string) => boolean {
  // src/github/glob.ts, not a RegExp: a repository's glob must not be able to stall the App.
  const include = compileGlobs(config.paths.include);
  const exclude = compileGlobs(config.paths.exclude);
  return (path) => include(path) && !exclude(path);
}
