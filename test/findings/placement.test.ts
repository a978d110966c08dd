/** Placing findings on the diff: which line a comment can anchor on, and when none can. */
import type { Finding } from '../../src/findings/finding.js';
import { diffLinesOf, placeFinding } from '../../src/findings/placement.js';
import { readPatches } from '../../src/patch/index.js';

const diff = `diff --git a/mm/x.c b/mm/x.c
--- a/mm/x.c
+++ b/mm/x.c
@@ -10,5 +10,6 @@ void f(void)
 \ta();
 \tb();
-\tc();
+\tc2();
+\td();
 \te();
 \tf();
`;

function finding(line: number, endLine = line, related: number[] = []): Finding {
  return { rule: 'r', severity: 'error', confidence: 'high', messageId: 'm', message: 'x', explanation: '', fix: '', path: 'mm/x.c', line, column: 1, endLine, function: 'f', related: related.map((l) => ({ path: 'mm/x.c', line: l, message: 'here' })), fingerprint: 'f' };
}

test('right-side lines of the diff: added and context, never the deleted line by its old number', async () => {
  const [patch] = await readPatches(diff, 'x.diff');
  const lines = diffLinesOf(patch!.files[0]!);
  expect([...lines.added]).toEqual([12, 13]);
  expect([...lines.context]).toEqual([10, 11, 14, 15]);
});

test('an added line beats a context line, which beats nothing; related lines count', async () => {
  const [patch] = await readPatches(diff, 'x.diff');
  const lines = diffLinesOf(patch!.files[0]!);
  expect(placeFinding(finding(12), lines)).toEqual({ kind: 'added-line', line: 12 });
  expect(placeFinding(finding(10, 13), lines)).toEqual({ kind: 'added-line', line: 13 });
  expect(placeFinding(finding(11), lines)).toEqual({ kind: 'in-hunk', line: 11 });
  expect(placeFinding(finding(40, 44, [15]), lines)).toEqual({ kind: 'in-hunk', line: 15 });
  expect(placeFinding(finding(3, 40, [30]), lines)).toEqual({ kind: 'outside-diff', line: 3 });
  expect(placeFinding(finding(12), undefined)).toEqual({ kind: 'outside-diff', line: 12 });
});
