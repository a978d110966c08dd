/**
 * Every annotated rule fixture: each `ruleid` line gets exactly the finding it announces (rule,
 * message id, line), each `related` line is cited, `ok` lines stay quiet, and no finding goes
 * unannotated. Known limits are annotated too: a `todoruleid` line (a missed finding) must stay
 * quiet and a `todook` line (a false report) must still be reported, so the test fails, and the
 * annotation gets promoted, the day widen learns better. Fixtures must parse cleanly. A fixture
 * with a `.before.c` beside it is a change, reviewed as a patch (test/helpers/change-fixtures.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RULES } from '../../src/rules/index.js';
import { scanFiles } from '../../src/pipeline/scan.js';
import { readAnnotations } from '../helpers/annotations.js';
import { beforeOf, isBeforeHalf, reviewChange } from '../helpers/change-fixtures.js';
import { repoRoot } from '../helpers/root.js';

const root = join(import.meta.dirname, '..', 'fixtures', 'rules');

describe.each(RULES.map((r) => [r.id, r] as const))('%s fixtures', (id, rule) => {
  const dir = join(root, id);
  const files = readdirSync(dir).filter((f) => f.endsWith('.c') && !isBeforeHalf(f)).sort();

  test.each(files)('%s', async (name) => {
    const path = join(dir, name);
    const text = readFileSync(path, 'utf8');
    const annotations = readAnnotations(text).filter((a) => a.rule === id);
    const result = beforeOf(path) ? await reviewChange(relative(repoRoot(), path), [rule]) : await scanFiles([path], [rule]);
    // The only notes are the annotated places where the rule says it made no judgement.
    const unjudged = annotations.filter((a) => a.kind === 'unjudged').map((a) => `${a.target} not-judged`).sort();
    expect(result.notes.map((n) => `${n.line} ${n.kind}`).sort()).toEqual(unjudged);

    const found = result.findings.map((f) => `${f.line} ${f.rule} ${f.messageId}`).sort();
    const expected = annotations.filter((a) => a.kind === 'ruleid' || a.kind === 'todook').map((a) => `${a.target} ${a.rule} ${a.messageId}`).sort();
    expect(found).toEqual(expected);

    const quiet = annotations.filter((a) => a.kind === 'ok' || a.kind === 'todoruleid').map((a) => a.target);
    for (const line of quiet) expect(result.findings.filter((f) => f.line === line)).toEqual([]);

    const cited = new Set(result.findings.flatMap((f) => f.related.map((r) => r.line)));
    for (const a of annotations.filter((x) => x.kind === 'related')) expect([a.target, cited.has(a.target)]).toEqual([a.target, true]);
  });
});
