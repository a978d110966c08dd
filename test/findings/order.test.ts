/** The order outputs list findings in: a series patch by patch, then by place (sweep R). */
import { compareFindings, type Finding } from '../../src/findings/finding.js';

function finding(path: string, line: number, patch?: number, scope?: 'commit-message'): Finding {
  return {
    rule: 'r',
    severity: 'error',
    message: 'm',
    messageId: 'x',
    path,
    line,
    column: 1,
    endLine: line,
    function: null,
    related: [],
    ...(patch === undefined ? {} : { patch: { index: patch, subject: `patch ${patch}`, total: 3 } }),
    ...(scope ? { scope } : {}),
  } as unknown as Finding;
}

test('commit-message notes first, then each patch of a series in turn, by path and line within it', () => {
  const list = [finding('mm/a.c', 9, 3), finding('mm/z.c', 1, 1), finding('mm/a.c', 2, 3), finding('mm/b.c', 5, 2), finding('<stdin>', 1, 2, 'commit-message')];
  expect(list.sort(compareFindings).map((f) => `${f.patch?.index}:${f.path}:${f.line}`)).toEqual(['2:<stdin>:1', '1:mm/z.c:1', '2:mm/b.c:5', '3:mm/a.c:2', '3:mm/a.c:9']);
});

test('a scan, with no patches: by path and line', () => {
  const list = [finding('mm/b.c', 1), finding('mm/a.c', 7), finding('mm/a.c', 3)];
  expect(list.sort(compareFindings).map((f) => `${f.path}:${f.line}`)).toEqual(['mm/a.c:3', 'mm/a.c:7', 'mm/b.c:1']);
});
