/**
 * The catalog checks itself: every rule is registered in order, lives in the file named by its
 * id, has its docs page with the required sections and a Bad/Good example that the rule agrees
 * with, and fixtures that exercise every one of its messages.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalyzedFile } from '../../src/analysis/file.js';
import { analyzeSpans } from '../../src/pipeline/analyze.js';
import { formatHeadline, formatMessage, ruleTriggers, type Rule } from '../../src/rules/define-rule.js';
import { CATALOG, RULES } from '../../src/rules/index.js';
import { isPatchRule, runPatchRules, type PatchRule } from '../../src/rules/patch/define-patch-rule.js';
import { PATCH_RULES } from '../../src/rules/patch/index.js';
import { MM_PATHS } from '../../src/rules/patch/patch-mm-empty-body.js';
import { readPatches } from '../../src/patch/index.js';
import { readMailAnnotations } from '../helpers/mail-annotations.js';
import { expectGoldenSection } from '../helpers/golden.js';
import { getParser } from '../helpers/analyze.js';
import { readAnnotations } from '../helpers/annotations.js';

const root = join(import.meta.dirname, '..', '..');
/** Files in src/rules that are the framework, not rules. */
const FRAMEWORK = new Set(['api-level.ts', 'mmap-lock.ts', 'fault-result.ts', 'index.ts', 'define-rule.ts', 'run.ts', 'balance.ts', 'facts.ts', 'resources.ts', 'overlaps.ts']);
const SECTIONS = ['## What it checks', '## Why it matters', '## Example', '## How to fix', '## Known limitations'];

test('the registry is sorted by id, ids are unique kebab-case', () => {
  const ids = RULES.map((r) => r.id);
  expect(ids).toEqual([...ids].sort());
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
});

test('every rule file is registered, and every registered rule has its file', () => {
  const files = readdirSync(join(root, 'src', 'rules')).filter((f) => f.endsWith('.ts') && !FRAMEWORK.has(f));
  expect(files.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual(RULES.map((r) => r.id));
});

/** Files in src/rules/patch that are the framework, not rules. */
const PATCH_FRAMEWORK = new Set(['index.ts', 'define-patch-rule.ts', 'commit.ts']);

test('the patch rules: registered in order, each in its file, and in the catalog with the function rules', () => {
  const ids = PATCH_RULES.map((r) => r.id);
  expect(ids).toEqual([...ids].sort());
  const files = readdirSync(join(root, 'src', 'rules', 'patch')).filter((f) => f.endsWith('.ts') && !PATCH_FRAMEWORK.has(f));
  expect(files.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual(ids);
  expect(CATALOG.map((r) => r.id)).toEqual([...RULES, ...PATCH_RULES].map((r) => r.id).sort());
  // One id space: `--rules` and widen.yml name both kinds alike.
  expect(new Set(CATALOG.map((r) => r.id)).size).toBe(CATALOG.length);
  for (const r of PATCH_RULES) expect([r.id, isPatchRule(r)]).toEqual([r.id, true]);
  for (const r of RULES) expect([r.id, isPatchRule(r)]).toEqual([r.id, false]);
});

test('every summary, of either kind of rule, is a lower-case statement of the rule without a final period', () => {
  // `widen rules` lists them one under the other (sweep J: the patch rules' were capitalised sentences).
  for (const r of CATALOG) expect([r.id, /^[a-z`]/.test(r.meta.summary), /\.$/.test(r.meta.summary)]).toEqual([r.id, true, false]);
});

/** The placeholders whose values are names of functions, which a headline quotes whole. */
const FUNCTION_SLOTS = new Set(['call', 'callee', 'caller', 'use', 'helper', 'release', 'free', 'fn', 'function']);
/** A long kernel function name (sweep J's headline of 110 characters quoted it). */
const LONG_NAME = 'madvise_dontneed_free_valid_vma()';

/** Messages read like a reviewer's reply, whatever the kind of rule. */
function expectReviewerMessages(rule: { messages: Readonly<Record<string, { headline: string; brief?: string; explanation: string; fix: string }>> }): void {
  for (const [messageId, spec] of Object.entries(rule.messages)) {
    // Long but plausible values for every placeholder: the headline must still fit.
    const sample = (t: string): string => formatMessage(t, Object.fromEntries([...t.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => [m[1]!, 'vmf->vma'])));
    const headline = sample(spec.headline);
    expect([messageId, headline.length < 100]).toEqual([messageId, true]);
    // A placeholder that names a function may name a long one (names are never cut): with a
    // 33-character helper in it, the headline or its `brief` form still fits.
    const keys = [...new Set([...spec.headline.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!))];
    for (const k of keys.filter((x) => FUNCTION_SLOTS.has(x))) {
      const data = Object.fromEntries(keys.map((x) => [x, x === k ? LONG_NAME : 'vmf->vma']));
      const filled = formatHeadline(spec.headline, data, spec.brief);
      expect([messageId, k, filled, filled.length < 100]).toEqual([messageId, k, filled, true]);
    }
    if (spec.brief !== undefined) expect([messageId, spec.brief.length < spec.headline.length]).toEqual([messageId, true]);
    expect(headline).not.toMatch(/\bline\b|\d/);
    expect(headline).toMatch(/`[^`]+`/);
    expect(spec.explanation.length).toBeGreaterThan(40);
    expect(spec.fix.length).toBeGreaterThan(10);
    expect(`${spec.explanation} ${spec.fix}`).not.toMatch(/\bon line\b|\{\{\s*\w*[lL]ine\s*\}\}/);
  }
}

/** The fixtures of a rule, of either kind, exercise every message and have a quiet case. */
function expectFixtures(dir: string, ext: string, read: (text: string) => Array<{ kind: string; rule: string; messageId: string | null }>, id: string, messages: object): void {
  expect(existsSync(dir)).toBe(true);
  const annotations = readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .flatMap((f) => read(readFileSync(join(dir, f), 'utf8')))
    .filter((a) => a.rule === id);
  const exercised = new Set(annotations.filter((a) => a.kind === 'ruleid').map((a) => a.messageId));
  expect([...exercised].sort()).toEqual(Object.keys(messages).sort());
  expect(annotations.some((a) => a.kind === 'ok')).toBe(true);
}

/** The `lang` block after the `label` (Bad, Good) line of a page's Example section. */
function exampleBlock(docPath: string, label: string, lang: string): string {
  const doc = readFileSync(docPath, 'utf8');
  const example = doc.slice(doc.indexOf('## Example'), doc.indexOf('## How to fix'));
  const m = new RegExp(`${label}[^\\n]*\\n(?:[^\\n]*\\n)*?\\n?\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(example);
  if (!m) throw new Error(`no ${label} example in ${docPath}`);
  return m[1]!;
}

/** The page exists, opens with the id, states the severity and has every section. */
function expectDocsPage(docPath: string, id: string, severity: string): void {
  expect(existsSync(docPath)).toBe(true);
  const doc = readFileSync(docPath, 'utf8');
  expect(doc.split('\n')[0]).toBe(`# ${id}`);
  expect(doc).toContain(`**Severity:** ${severity}`);
  for (const s of SECTIONS) expect(doc).toContain(`\n${s}\n`);
}

describe.each(RULES.map((r) => [r.id, r] as const))('%s', (id, rule) => {
  const docPath = join(root, 'docs', 'rules', `${id}.md`);
  const fixtureDir = join(root, 'test', 'fixtures', 'rules', id);

  test('the rule file default-exports this rule', async () => {
    const mod = (await import(`../../src/rules/${id}.js`)) as { default: unknown };
    expect(mod.default).toBe(rule);
  });

  test('messages read like a reviewer: a headline under 100 characters without line numbers, a note and a fix', () => {
    expectReviewerMessages(rule as Rule);
  });

  test("the docs page's API list is the rule's trigger words, from the resource table", () => {
    const words = ruleTriggers(rule).map((w) => `\`${w}()\``).join(', ');
    expectGoldenSection(docPath, 'api', `**Functions it looks at:** ${words}.\n`);
  });

  test('has a docs page with the required sections and its severity', () => {
    expectDocsPage(docPath, id, rule.meta.severity);
  });

  test('has fixtures that exercise every message and a quiet case', () => {
    expectFixtures(fixtureDir, '.c', (text) => readAnnotations(text), id, rule.messages);
  });

  test('the docs example: the rule reports the Bad code and is quiet on the Good code', async () => {
    const block = (label: string): string => exampleBlock(docPath, label, 'c');
    const run = async (code: string) => {
      const file = new AnalyzedFile(`${id}-example.c`, code, await getParser());
      const { findings } = analyzeSpans(file, file.functions, [rule]);
      expect(file.notes).toEqual([]);
      return findings;
    };
    expect((await run(block('Bad'))).map((f) => f.rule)).toEqual([id]);
    expect(await run(block('Good'))).toEqual([]);
  });
});

describe.each(PATCH_RULES.map((r) => [r.id, r] as const))('%s (patch rule)', (id, rule: PatchRule) => {
  const docPath = join(root, 'docs', 'rules', `${id}.md`);
  const fixtureDir = join(root, 'test', 'fixtures', 'rules', id);

  test('the rule file default-exports this rule', async () => {
    const mod = (await import(`../../src/rules/patch/${id}.js`)) as { default: unknown };
    expect(mod.default).toBe(rule);
  });

  test('messages read like a reviewer: a headline under 100 characters without line numbers, a note and a fix', () => {
    expectReviewerMessages(rule);
  });

  test('has a docs page with the required sections, its severity, and says where it does not apply', () => {
    expectDocsPage(docPath, id, rule.meta.severity);
    expectGoldenSection(docPath, 'applies', APPLIES);
  });

  test('has mail fixtures that exercise every message and a quiet case', () => {
    expectFixtures(fixtureDir, '.mbox', readMailAnnotations, id, rule.messages);
  });

  test('the docs example: the rule reports the Bad mail and is quiet on the Good mail', async () => {
    const block = (label: string): string => exampleBlock(docPath, label, 'mbox');
    const run = async (mail: string) => (await readPatches(mail, `${id}-example.mbox`)).flatMap((p) => runPatchRules(p, [rule]));
    expect((await run(block('Bad'))).map((f) => f.rule)).toEqual([id]);
    expect(await run(block('Good'))).toEqual([]);
  });
});

/** What every patch rule's page says about where it applies (and where it stays quiet). */
const APPLIES = `**Applies to:** patches that carry an author and a subject: \`git format-patch\` mails and mbox
series (the cover letter excepted), and the commits of \`git log -p\`. A plain diff, or a pull
request reviewed as its whole diff, carries no commit message, so this rule says nothing there.
`;

test("patch-mm-empty-body's page lists the paths the rule takes for mm code", () => {
  expectGoldenSection(join(root, 'docs', 'rules', 'patch-mm-empty-body.md'), 'paths', `${MM_PATHS.map((p) => `\`${p}\``).join(', ')}\n`);
});
