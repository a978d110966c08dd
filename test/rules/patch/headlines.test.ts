/**
 * The headline of a patch rule says what is wrong with the line that triggered it, not what the
 * rule checks in general: a twelve-digit upper-case id is not "without a twelve-digit id", and
 * `mm:check` has a prefix, only no space after it.
 */
import { readPatches } from '../../../src/patch/index.js';
import { runPatchRules } from '../../../src/rules/patch/define-patch-rule.js';
import { PATCH_RULES } from '../../../src/rules/patch/index.js';

/** The headlines of every patch rule on a mail with `subject` and `message` (body and trailers). */
async function headlines(subject: string, message: string): Promise<string[]> {
  const mail = `From: Jane Doe <jane@example.org>\nSubject: [PATCH] ${subject}\n\n${message}\n---\ndiff --git a/mm/gap.c b/mm/gap.c\n--- a/mm/gap.c\n+++ b/mm/gap.c\n@@ -1 +1,2 @@\n int a;\n+int b;\n`;
  const [patch] = await readPatches(mail, 'gap.patch');
  return runPatchRules(patch!, PATCH_RULES).map((f) => `${f.rule}: ${f.message}`);
}

const SIGNED = 'Signed-off-by: Jane Doe <jane@example.org>';

test.each([
  ['Fixes: 1A2B3C4D5E6F ("mm: batch the frees")', 'patch-fixes-tag-format: a `Fixes:` tag whose commit id has upper-case hex digits: `Fixes: 1A2B3C4D5E6F ("mm: batch…`'],
  ['Fixes: 1a2b3c4 ("mm: batch the frees")', 'patch-fixes-tag-format: a `Fixes:` tag whose commit id is shorter than twelve digits: `Fixes: 1a2b3c4 ("mm: batch the …`'],
  ['Fixes: https://bugzilla.kernel.org/1', 'patch-fixes-tag-format: a `Fixes:` tag that does not start with a commit id: `Fixes: https://bugzilla.kernel.…`'],
  ['Fixes: 1a2b3c4d5e6f (mm: batch)', 'patch-fixes-tag-format: a `Fixes:` tag whose subject is not written ` ("<subject>")`: `Fixes: 1a2b3c4d5e6f (mm: batch)`'],
  ['Fixes: 1a2b3c4d5e6f', 'patch-fixes-tag-format: a `Fixes:` tag without its `("<subject>")`: `Fixes: 1a2b3c4d5e6f`'],
  ['  Fixes: 1a2b3c4d5e6f ("mm: x")', 'patch-fixes-tag-format: an indented `Fixes:` tag: `Fixes: 1a2b3c4d5e6f ("mm: x")`'],
])('%s', async (tag, headline) => {
  expect(await headlines('mm: check the gap', `Check it.\n\n${tag}\n${SIGNED}`)).toEqual([headline]);
});

test.each([
  ['mm:check the gap', 'patch-subject-prefix: the subject has no space after its prefix `mm:`'],
  ['mm/mmap:', 'patch-subject-prefix: the subject is only its prefix `mm/mmap:`, with nothing after it'],
  ['Check the gap', 'patch-subject-prefix: the subject has no subsystem prefix such as `mm:` or `mm/mmap:`'],
])('subject %j', async (subject, headline) => {
  expect(await headlines(subject, `Check it.\n\n${SIGNED}`)).toEqual([headline]);
});

test('a sign-off above the last paragraph is named as misplaced, not as missing', async () => {
  expect(await headlines('mm: check the gap', `Check it.\n\n${SIGNED}\n\nCc: stable@vger.kernel.org`)).toEqual(['patch-signoff-author: the `Signed-off-by:` is not among the trailers that end the message']);
  expect(await headlines('mm: check the gap', 'Check it.')).toEqual(['patch-signoff-author: the patch has no `Signed-off-by:` trailer']);
});
