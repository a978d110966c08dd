/**
 * `--format sarif`: goldens of the seed review and of a scan (the findings the text and Markdown
 * goldens show), each checked against the official SARIF 2.1.0 schema (vendored from
 * `@microsoft/sarif-multitool`, test/fixtures/sarif/) with ajv, and by Microsoft's SARIF
 * Multitool validator itself, which must report no error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type * as Sarif from 'sarif';
import { firstParagraph, ruleDescriptors } from '../../src/cli/commands/rule-descriptors.js';
import type { Report } from '../../src/pipeline/analyze.js';
import { FINGERPRINT_KEY, MAX_RESULTS_PER_RUN, renderSarif, SRCROOT, type SarifOptions } from '../../src/render/sarif.js';
import { RULES } from '../../src/rules/index.js';
import { expectGolden } from '../helpers/golden.js';
import { scanFixturesReport, seedReviewReport } from '../helpers/reports.js';
import { repoRoot } from '../helpers/root.js';

const root = repoRoot();
const goldenDir = join(root, 'test', 'fixtures', 'render');

/**
 * Descriptors with a short stand-in page, so the goldens follow the renderer and not every edit
 * of docs/rules/ (the real pages are checked below).
 */
const goldenOptions: SarifOptions = {
  rules: ruleDescriptors(RULES, (id) => `# ${id}\n\nThe documentation of ${id}.\n`),
  toolVersion: '0.0.0-golden',
  srcRoot: '/src/linux',
  executionSuccessful: true,
};

const schema = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'sarif', 'sarif-2.1.0.json'), 'utf8')) as object;
// The schema says draft 2020-12; its formats are checked as GitHub's parser would read them.
const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addFormat('uri', { type: 'string', validate: (s: string) => URL.canParse(s) });
ajv.addFormat('uri-reference', { type: 'string', validate: (s: string) => URL.canParse(s, 'file:///base/') });
ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i);
const validate = ajv.compile(schema);

function expectSchemaValid(text: string): Sarif.Log {
  const log = JSON.parse(text) as Sarif.Log;
  const ok = validate(log);
  expect(ok ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
  return log;
}

let seed: Report;
let scanned: Report;
beforeAll(async () => {
  seed = await seedReviewReport();
  scanned = await scanFixturesReport();
});

test('the seed review as --format sarif', () => {
  const text = renderSarif(seed, goldenOptions);
  expectGolden(join(goldenDir, 'seed-review.sarif'), text);
  expectSchemaValid(text);
});

test('a scan with a finding of each rule as --format sarif', () => {
  const text = renderSarif(scanned, goldenOptions);
  expectGolden(join(goldenDir, 'scan-fixtures.sarif'), text);
  expectSchemaValid(text);
});

describe('what GitHub code scanning reads', () => {
  let run: Sarif.Run;
  beforeAll(() => {
    run = expectSchemaValid(renderSarif(seed, goldenOptions)).runs[0]!;
  });

  test('every rule that ran is described: help, page, level, precision', () => {
    const rules = run.tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    const reassigned = rules.find((r) => r.id === 'tlb-vma-bracket-vma-reassigned')!;
    expect(reassigned).toMatchObject({
      name: 'TlbVmaBracketVmaReassigned',
      shortDescription: { text: 'the VMA passed to tlb_start_vma() must be the one passed to the matching tlb_end_vma().' },
      helpUri: 'https://github.com/widen-review/widen/blob/main/docs/rules/tlb-vma-bracket-vma-reassigned.md',
      defaultConfiguration: { level: 'error' },
      properties: { precision: 'high', tags: ['correctness', 'linux-kernel', 'mm', 'tlb-vma'] },
    });
    expect(reassigned.help!.markdown).toBe('# tlb-vma-bracket-vma-reassigned\n\nThe documentation of tlb-vma-bracket-vma-reassigned.\n');
  });

  test('each result: rule, level, 1-based location under %SRCROOT%, the fingerprint, the function', () => {
    const [first] = run.results!;
    const finding = seed.findings[0]!;
    expect(first).toMatchObject({
      ruleId: 'tlb-vma-bracket-vma-reassigned',
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'mm/memory.c', uriBaseId: SRCROOT }, region: { startLine: 31, startColumn: 3 } }, logicalLocations: [{ name: 'free_pgtables', kind: 'function' }] }],
      partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    });
    expect(run.tool.driver.rules![first!.ruleIndex!]!.id).toBe(first!.ruleId);
    expect(first!.message.text!.split('\n\n')).toEqual([
      '`vma` changes between `tlb_start_vma()` and `tlb_end_vma()`.',
      finding.explanation,
      `Fix: ${finding.fix}`,
    ]);
    expect(run.originalUriBaseIds).toEqual({ [SRCROOT]: { uri: 'file:///src/linux/' } });
  });

  test('related lines carry their messages; the path is a code flow in the rule’s order', () => {
    const [first] = run.results!;
    expect(first!.relatedLocations!.map((l) => [l.id, l.physicalLocation!.region!.startLine, l.message!.text])).toEqual([
      [1, 42, '`vma` reassigned here.'],
      [2, 51, 'Where the finding ends: the closing call, or where the path leaves the function.'],
    ]);
    const steps = first!.codeFlows![0]!.threadFlows[0]!.locations;
    expect(steps.map((s) => [s.executionOrder, s.location!.physicalLocation!.region!.startLine, s.location!.message!.text])).toEqual([
      [1, 31, '`vma` changes between `tlb_start_vma()` and `tlb_end_vma()`.'],
      [2, 42, '`vma` reassigned here.'],
      [3, 51, 'Ends here.'],
    ]);
  });

  test('a finding about one line has no code flow', () => {
    const one = { ...seed.findings[0]!, related: [], endLine: seed.findings[0]!.line };
    const [result] = (JSON.parse(renderSarif({ ...seed, findings: [one] }, goldenOptions)) as Sarif.Log).runs[0]!.results!;
    expect(result!.codeFlows).toBeUndefined();
    expect(result!.relatedLocations).toBeUndefined();
  });

  test('what could not be checked becomes notifications; an incomplete run says so', () => {
    const report: Report = {
      findings: [],
      notes: [
        { path: 'mm/huge.c', line: 12, endLine: 14, function: 'f', kind: 'parse-error', message: 'Lines 12-14 of `f()` could not be parsed.' },
        { path: 'mm/gone.c', line: 0, endLine: 0, function: null, kind: 'skipped-file', message: 'widen could not read mm/gone.c (EACCES); it was not scanned.' },
      ],
      stats: { files: 1, functions: 0, ms: 0 },
    };
    const text = renderSarif(report, { ...goldenOptions, executionSuccessful: false });
    const [invocation] = expectSchemaValid(text).runs[0]!.invocations!;
    expect(invocation!.executionSuccessful).toBe(false);
    expect(invocation!.toolExecutionNotifications!.map((n) => [n.level, n.descriptor!.id, n.locations![0]!.physicalLocation!.artifactLocation!.uri, n.locations![0]!.physicalLocation!.region?.startLine])).toEqual([
      ['note', 'parse-error', 'mm/huge.c', 12],
      ['warning', 'skipped-file', 'mm/gone.c', undefined],
    ]);
  });

  test("over GitHub's 25,000 results per run: the most severe kept, the rest counted in a notification", () => {
    expect(MAX_RESULTS_PER_RUN).toBe(25_000);
    const [error, note] = seed.findings;
    const findings = [note!, error!, { ...note!, line: 60 }, { ...error!, line: 70 }];
    const log = expectSchemaValid(renderSarif({ ...seed, findings }, { ...goldenOptions, maxResults: 2 }));
    expect(log.runs[0]!.results!.map((r) => [r.level, r.locations![0]!.physicalLocation!.region!.startLine])).toEqual([['error', 31], ['error', 70]]);
    expect(log.runs[0]!.invocations![0]!.toolExecutionNotifications!.map((n) => [n.level, n.descriptor!.id, n.message.text])).toEqual([
      ['warning', 'results-over-limit', '2 findings of the least severe are left out: GitHub code scanning refuses a run with more than 2 results. --format json lists them all.'],
    ]);
  });

  test('paths outside the root become absolute file URIs; odd characters are escaped', () => {
    const at = (path: string): Sarif.ArtifactLocation => {
      const log = JSON.parse(renderSarif({ ...seed, findings: [{ ...seed.findings[0]!, path, related: [] }] }, goldenOptions)) as Sarif.Log;
      return log.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!;
    };
    expect(at('./mm/memory.c')).toEqual({ uri: 'mm/memory.c', uriBaseId: SRCROOT });
    expect(at('mm/a b#1.c')).toEqual({ uri: 'mm/a%20b%231.c', uriBaseId: SRCROOT });
    expect(at('../other/mm/x.c')).toEqual({ uri: 'file:///src/other/mm/x.c' });
    expect(at('/usr/src/linux/mm/x.c')).toEqual({ uri: 'file:///usr/src/linux/mm/x.c' });
    // An absolute path inside the root (`widen scan $PWD/mm`) is a repository path (sweep J).
    expect(at('/src/linux/mm/x.c')).toEqual({ uri: 'mm/x.c', uriBaseId: SRCROOT });
  });

  test('a commit message points at its patch file as named from the working directory, not from the tree', () => {
    const at = (path: string, opts: Partial<SarifOptions>): Sarif.ArtifactLocation => {
      const note = { ...seed.findings[0]!, path, line: 1, column: 1, endLine: 1, related: [], scope: 'commit-message' as const, function: null };
      const log = JSON.parse(renderSarif({ ...seed, findings: [note] }, { ...goldenOptions, ...opts })) as Sarif.Log;
      return log.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!;
    };
    // `widen review mv/series.mbox --tree basetree` run in /work: the mail is not basetree/mv/series.mbox.
    expect(at('mv/series.mbox', { srcRoot: '/work/basetree', cwd: '/work' })).toEqual({ uri: 'file:///work/mv/series.mbox' });
    // A mail kept inside the tree is a file of the tree.
    expect(at('patches/0001.patch', { srcRoot: '/work/linux', cwd: '/work/linux' })).toEqual({ uri: 'patches/0001.patch', uriBaseId: SRCROOT });
    // No tree: nothing to be relative to, so the mail's own place.
    expect(at('0001.patch', { srcRoot: null, cwd: '/home/me' })).toEqual({ uri: 'file:///home/me/0001.patch' });
    expect(at('<stdin>', { srcRoot: '/work/linux', cwd: '/work' })).toEqual({ uri: '%3Cstdin%3E', uriBaseId: SRCROOT });
  });

  test('a note on the message of a commit read from git is a notification, not an alert on a file "commit <sha>" (sweep AK)', () => {
    const sha = '2795eab6648e0123456789abcdef0123456789ab';
    const note = { ...seed.findings[0]!, path: 'commit 2795eab6648e', line: 1, column: 1, endLine: 1, related: [], scope: 'commit-message' as const, function: null, patch: { index: 1, total: 1, subject: 'mm: x', commit: sha } };
    const text = renderSarif({ ...seed, findings: [note, seed.findings[0]!] }, goldenOptions);
    const log = expectSchemaValid(text);
    const run = log.runs[0]!;
    expect(run.results!.map((r) => r.locations![0]!.physicalLocation!.artifactLocation!.uri)).toEqual(['mm/memory.c']);
    const [n] = run.invocations![0]!.toolExecutionNotifications!.filter((x) => x.associatedRule);
    expect(n!.associatedRule!.id).toBe(note.rule);
    expect(n!.message.text).toMatch(/^[^\n]+ \(commit message of "mm: x"\)\n\n/);
    expect(n!.locations).toEqual([{ logicalLocations: [{ name: 'commit message of "mm: x"', kind: 'resource' }] }]);
  });
});

describe('rule descriptors from the rule pages', () => {
  test('every rule has a page, and its first paragraph is the full description', () => {
    const descriptors = ruleDescriptors(RULES);
    for (const d of descriptors) {
      const page = readFileSync(join(root, 'docs', 'rules', `${d.id}.md`), 'utf8');
      expect(d.help).toBe(page);
      expect(d.description).toBe(firstParagraph(page));
      expect(d.description.length).toBeGreaterThan(40);
      // Not an aside in parentheses (sweep AK: four rules' descriptions were one).
      expect(d.description).not.toMatch(/^\(.*\)$/s);
    }
    expect(descriptors.find((d) => d.id === 'api-version-gate')!.description).toMatch(/^A call to an mm API that the target tree does not define/);
    expect(descriptors.find((d) => d.id === 'tlb-vma-bracket-balance')!.description).toBe('`tlb_start_vma()` and `tlb_end_vma()` on the same gather must pair up on every path of the same function.');
  });

  test('a missing page falls back to the summary', () => {
    const [d] = ruleDescriptors([RULES[0]!], () => null);
    expect([d!.description, d!.help]).toEqual([RULES[0]!.meta.summary, `${RULES[0]!.id}: ${RULES[0]!.meta.summary}`]);
  });
});

describe("Microsoft's SARIF Multitool", () => {
  const require = createRequire(import.meta.url);
  const bin = join(require.resolve('@microsoft/sarif-multitool/package.json'), '..', 'bin.js');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'widen-sarif-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The `error` lines `sarif-multitool validate` prints (it exits 0 whatever it finds). */
  function multitoolErrors(name: string, text: string): string[] {
    const file = join(dir, name);
    writeFileSync(file, text);
    const r = spawnSync(process.execPath, [bin, 'validate', file], { encoding: 'utf8', timeout: 60_000 });
    if (r.error || !/Analysis completed successfully/.test(r.stdout)) {
      throw new Error(`sarif-multitool did not run (${r.error?.message ?? `exit ${r.status}`}): ${r.stdout}${r.stderr}`);
    }
    return r.stdout.split('\n').filter((l) => /: error /.test(l));
  }

  test('it reports errors in a broken log (so the check below can fail)', () => {
    const broken = JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: {} }, results: [{ level: 'error', message: { text: 'x.' }, locations: [{ physicalLocation: { region: { startLine: 0 } } }] }] }] });
    expect(multitoolErrors('broken.sarif', broken).join('\n')).toMatch(/error JSON1002: runs\[0\]\.tool\.driver: The required property 'name' is missing/);
  });

  test('the seed review and the scan validate with no error, with the real rule pages', () => {
    const real: SarifOptions = { ...goldenOptions, rules: ruleDescriptors(RULES) };
    expect(multitoolErrors('seed.sarif', renderSarif(seed, real))).toEqual([]);
    expect(multitoolErrors('scan.sarif', renderSarif(scanned, real))).toEqual([]);
  });
});
