/** `.github/widen.yml`: defaults, validation messages a user can act on, and what each option does. */
import nock from 'nock';
import { Context } from 'probot';
import { ConfigError, DEFAULT_CONFIG, configReader, configuredRules, loadConfig, parseConfig, pathFilter } from '../../src/github/config.js';
import { WidenOctokit } from '../../src/github/octokit.js';
import { CATALOG, RULES } from '../../src/rules/index.js';
import { isPatchRule } from '../../src/rules/patch/define-patch-rule.js';

test('no file means the defaults', () => {
  expect(parseConfig(null)).toEqual(DEFAULT_CONFIG);
  expect(DEFAULT_CONFIG).toEqual({
    rules: {},
    paths: { include: ['**'], exclude: [] },
    drafts: false,
    slashCommand: { permission: 'write', replyUnauthorized: true },
    failOn: 'warning',
    maxComments: 25,
    series: 'per-commit',
  });
});

test('every option, kebab-case as users write it', () => {
  const c = parseConfig({
    rules: { 'tlb-vma-bracket-balance': 'off', 'tlb-gather-finish-balance': 'warning' },
    paths: { include: ['mm/**', 'arch/*/mm/**'], exclude: ['mm/kasan/**'] },
    drafts: true,
    'slash-command': { permission: 'maintain', 'reply-unauthorized': false },
    'fail-on': 'error',
    'max-comments': 10,
    series: 'per-commit',
  });
  expect(c.slashCommand).toEqual({ permission: 'maintain', replyUnauthorized: false });
  expect(c.failOn).toBe('error');
  expect(c.maxComments).toBe(10);
  const rules = configuredRules(c);
  const severities = Object.fromEntries(rules.map((r) => [r.id, r.meta.severity]));
  expect(severities['tlb-gather-finish-balance']).toBe('warning');
  expect(severities['tlb-vma-bracket-vma-reassigned']).toBe('error');
  expect('tlb-vma-bracket-balance' in severities).toBe(false);
  expect(rules).toHaveLength(CATALOG.length - 1);
  // The registry's own rule objects are not changed by a repository's severity.
  expect(RULES.find((r) => r.id === 'tlb-gather-finish-balance')!.meta.severity).toBe('error');
  const selected = pathFilter(c);
  expect(['mm/memory.c', 'arch/x86/mm/tlb.c', 'mm/kasan/common.c', 'fs/exec.c'].filter(selected)).toEqual(['mm/memory.c', 'arch/x86/mm/tlb.c']);
});

test('each problem is named in words a user can act on', () => {
  let problems: string[] = [];
  try {
    parseConfig({ rule: {}, rules: { 'tlb-typo': 'off' }, paths: { include: 'mm/**' }, 'max-comments': 31, drafts: 'yes' });
  } catch (e) {
    problems = (e as ConfigError).problems;
  }
  expect(problems.filter((p) => p.startsWith('`rules`'))).toHaveLength(1);
  expect(problems).toEqual(expect.arrayContaining([
    'the top level has an unknown key `rule`',
    `\`rules\` names an unknown rule \`tlb-typo\` (known: ${CATALOG.map((r) => r.id).join(', ')})`,
    '`paths.include` must be array',
    '`max-comments` must be <= 30',
    '`drafts` must be boolean',
  ]));
});

test('hostile input is refused, not run: thousands of globs, huge patterns', () => {
  expect(() => parseConfig({ paths: { include: Array.from({ length: 5000 }, () => '**') } })).toThrow(ConfigError);
  expect(() => parseConfig({ paths: { exclude: ['a'.repeat(10_000)] } })).toThrow(ConfigError);
  expect(() => parseConfig('just a string')).toThrow(ConfigError);
});

test('patch rules are switched like the others: off, or at another severity, keeping their kind', () => {
  const c = parseConfig({ rules: { 'patch-subject-prefix': 'off', 'patch-signoff-author': 'warning' } });
  const rules = configuredRules(c);
  expect(rules.map((r) => r.id)).not.toContain('patch-subject-prefix');
  const signoff = rules.find((r) => r.id === 'patch-signoff-author')!;
  expect([signoff.meta.severity, isPatchRule(signoff)]).toEqual(['warning', true]);
  expect(rules.filter(isPatchRule).map((r) => r.id)).toEqual(['patch-fixes-tag-format', 'patch-mm-empty-body', 'patch-signoff-author']);
});

test('series: a hostile or misspelt value gets one line naming the two choices, and never echoes the value', () => {
  for (const value of ['per_commit', 'x'.repeat(100_000), { $ne: null }, ['per-commit'], 50, null]) {
    let problems: string[] = [];
    try {
      parseConfig({ series: value });
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    expect(problems).toEqual(['`series` must be one of `squashed`, `per-commit`']);
  }
  expect(parseConfig({ series: 'squashed' }).series).toBe('squashed');
  expect(parseConfig({}).series).toBe('per-commit');
});

describe('`_extends` merges the same way in the App and outside it (sweep J)', () => {
  const files: Record<string, string> = {
    'acme/linux': "_extends: shared\nrules:\n  tlb-vma-bracket-misuse: 'off'\npaths:\n  exclude: ['mm/kasan/**']\n",
    'acme/shared': "rules:\n  vma-lookup-null-check: warning\npaths:\n  exclude: ['drivers/**']\nfail-on: error\n",
  };
  const serve = (): nock.Scope => {
    const scope = nock('https://api.github.com');
    for (const [repo, text] of Object.entries(files)) scope.get(`/repos/${repo}/contents/.github%2Fwiden.yml`).reply(200, text, { 'content-type': 'text/plain; charset=utf-8' });
    return scope;
  };
  afterEach(() => nock.cleanAll());

  test('widen review --pr and widen worker: objects merged key by key, lists joined, as Probot does', async () => {
    serve();
    const octokit = new WidenOctokit({ auth: 'token', retry: { enabled: false }, throttle: { enabled: false } });
    const c = await loadConfig(configReader(octokit, { owner: 'acme', repo: 'linux' }));
    expect([c.rules, c.paths.exclude, c.failOn]).toEqual([{ 'vma-lookup-null-check': 'warning', 'tlb-vma-bracket-misuse': 'off' }, ['drivers/**', 'mm/kasan/**'], 'error']);
  });

  test("the App: Probot's context.config gives the same settings", async () => {
    serve();
    const octokit = new WidenOctokit({ auth: 'token', retry: { enabled: false }, throttle: { enabled: false } });
    const context = new Context({ id: '1', name: 'ping', payload: { repository: { name: 'linux', owner: { login: 'acme' } } } } as never, octokit as never, {} as never);
    const viaApp = await loadConfig(() => context.config('widen.yml'));
    const viaPr = (serve(), await loadConfig(configReader(octokit, { owner: 'acme', repo: 'linux' })));
    expect(viaApp).toEqual(viaPr);
  });

  test('no file anywhere is the defaults', async () => {
    nock('https://api.github.com').get('/repos/acme/empty/contents/.github%2Fwiden.yml').reply(404).get('/repos/acme/.github/contents/.github%2Fwiden.yml').reply(404);
    const octokit = new WidenOctokit({ auth: 'token', retry: { enabled: false }, throttle: { enabled: false } });
    expect(await loadConfig(configReader(octokit, { owner: 'acme', repo: 'empty' }))).toEqual(DEFAULT_CONFIG);
  });
});

test('globs that can match no file, and an empty include, are problems the check run names (sweep J)', () => {
  let error: unknown;
  try {
    parseConfig({ paths: { include: [], exclude: ['/mm/kasan/**', 'drivers/'] } });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).problems).toEqual([
    '`paths.exclude` has "/mm/kasan/**", which can match no file: paths are relative to the repository\'s root: write "mm/kasan/**"',
    '`paths.exclude` has "drivers/", which can match no file: a glob ending in `/` matches no file: write "drivers/**" for everything under it',
    '`paths.include` is empty, so no file would be reviewed: leave it out to review every file',
  ]);
});
