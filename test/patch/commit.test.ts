/** Commits as patches: message splitting, trailers, and carrying a line through a later diff. */
import { commitInfo, commitPatch, forwardLine, forwardLineNear, readPatches } from '../../src/patch/index.js';

const base = { sha: 'a'.repeat(40), authorName: 'Ada Author', authorEmail: 'ada@example.org', date: '2026-11-25T17:48:12+00:00' };

test('subject, body and the trailers of the last paragraph', () => {
  const info = commitInfo({ ...base, message: 'mm/mmap: check the VMA start\n\nfind_vma() returns the first VMA ending above addr.\nCheck vm_start too.\n\nFixes: 0123456789ab ("mm: add find_vma()")\nCc: Someone <s@example.org>\n  and a continuation\nSigned-off-by: Ada Author <ada@example.org>\n' });
  expect(info).toEqual({
    sha: base.sha,
    author: { name: 'Ada Author', email: 'ada@example.org' },
    date: base.date,
    subject: 'mm/mmap: check the VMA start',
    body: 'find_vma() returns the first VMA ending above addr.\nCheck vm_start too.\n\nFixes: 0123456789ab ("mm: add find_vma()")\nCc: Someone <s@example.org>\n  and a continuation\nSigned-off-by: Ada Author <ada@example.org>',
    trailers: [
      { key: 'Fixes', value: '0123456789ab ("mm: add find_vma()")' },
      { key: 'Cc', value: 'Someone <s@example.org> and a continuation' },
      { key: 'Signed-off-by', value: 'Ada Author <ada@example.org>' },
    ],
  });
});

test('a last paragraph of prose is no trailer block, and a subject alone has an empty body', () => {
  expect(commitInfo({ ...base, message: 'mm: x\n\nNote: this is prose.\nIt goes on.\n' }).trailers).toEqual([]);
  expect(commitInfo({ ...base, message: 'mm: only a subject\n' })).toEqual(expect.objectContaining({ subject: 'mm: only a subject', body: '', trailers: [] }));
});

test('control characters of a commit (GitHub or git) are written out; CRLF line ends are plain ends', () => {
  const info = commitInfo({ ...base, authorName: 'Eve \x1b[31m', date: 'd\x07', message: 'mm: \x1b]0;t\x07 x\r\n\r\nWhy\x1b[2J.\r\nSigned-off-by: Eve <e@x>\r\n' });
  expect(info).toEqual(expect.objectContaining({ author: { name: 'Eve \\x1b[31m', email: 'ada@example.org' }, date: 'd\\x07', subject: 'mm: \\x1b]0;t\\x07 x', body: 'Why\\x1b[2J.\nSigned-off-by: Eve <e@x>' }));
  expect(info.trailers).toEqual([{ key: 'Signed-off-by', value: 'Eve <e@x>' }]);
});

test('a commit patch reads like the mail of the same commit, with the commit attached', () => {
  const info = commitInfo({ ...base, message: 'mm: x\n\nWhy.\n' });
  const patch = commitPatch(info, [], { index: 2, total: 3, source: 'commit aaaaaaaaaaaa' });
  expect(patch).toEqual({ index: 2, total: 3, subject: 'mm: x', rawSubject: 'mm: x', messageId: null, from: 'Ada Author <ada@example.org>', date: base.date, headers: {}, description: 'Why.', files: [], source: 'commit aaaaaaaaaaaa', commit: info });
});

test('forwardLine: lines before, inside and after hunks, deleted lines, pure insertions and deletions', async () => {
  const diff = ['--- a/f.c', '+++ b/f.c', '@@ -2,3 +2,4 @@', ' two', '-three', '+THREE', '+three and a half', ' four', '@@ -9,0 +11,2 @@', '+new 1', '+new 2', '@@ -12,2 +15,0 @@', '-twelve', '-thirteen', ''].join('\n');
  const [patch] = await readPatches(diff, 'test');
  const hunks = patch!.files[0]!.hunks;
  expect([1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14].map((l) => forwardLine(hunks, l))).toEqual([1, 2, null, 5, 6, 10, 13, 14, null, null, 15]);
  // Near: a replaced line goes to its replacement, a deleted one to the line after the deletion.
  expect([1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14].map((l) => forwardLineNear(hunks, l))).toEqual([1, 2, 3, 5, 6, 10, 13, 14, 15, 15, 15]);
});
