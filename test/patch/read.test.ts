import { PatchError } from '../../src/patch/errors.js';
import { readPatches, readSeries } from '../../src/patch/read.js';
import type { FilePatch, Patch } from '../../src/patch/types.js';
import { fixture, fixtureBytes } from './fixtures.js';

/** The PatchError `promise` rejects with; fails the test if it resolves or throws anything else. */
async function patchError(promise: Promise<unknown>): Promise<PatchError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(PatchError);
  return error as PatchError;
}

function file(patch: Patch, path: string): FilePatch {
  const found = patch.files.find((fp) => (fp.newPath ?? fp.oldPath) === path);
  if (!found) throw new Error(`no file patch for ${path}`);
  return found;
}

function kinds(fp: FilePatch, hunk: number): string {
  return fp.hunks[hunk]!.lines.map((line) => line.kind).join('');
}

describe('plain git diff', () => {
  test('two files, several hunks: paths, statuses, hunk ranges and line kinds', async () => {
    const [patch, ...rest] = await readPatches(fixture('two-files.diff'), 'two-files.diff');
    expect(rest).toEqual([]);
    expect(patch).toMatchObject({
      index: 1,
      total: 1,
      subject: null,
      rawSubject: null,
      messageId: null,
      headers: {},
      description: '',
      source: 'two-files.diff',
    });
    expect(patch!.files.map((fp) => [fp.oldPath, fp.newPath, fp.status, fp.binary])).toEqual([
      ['mm/pgwalk.c', 'mm/pgwalk.c', 'modified', false],
      ['mm/reclaim_hint.c', 'mm/reclaim_hint.c', 'modified', false],
    ]);

    const pgwalk = patch!.files[0]!;
    expect(pgwalk.hunks.map((h) => [h.index, h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
      [1, 23, 6, 23, 8],
      [2, 34, 14, 36, 18],
      [3, 75, 6, 81, 9],
    ]);
    expect(pgwalk.hunks[1]!.section).toBe('static int pgwalk_pmd_range(struct vm_area_struct *vma, pmd_t *pmd,');
    expect(kinds(pgwalk, 0)).toBe('   ++   ');
    expect(kinds(pgwalk, 1)).toBe('   ++      -++ +   ');
    expect(pgwalk.hunks[0]!.lines[3]).toEqual({ kind: '+', text: '\t\telse if (is_swap_pte(ptent))' });
    expect(pgwalk.hunks[1]!.lines[11]).toEqual({ kind: '-', text: '\tif (!pte)' });
    expect(pgwalk.oldMode).toBe('100644');

    const hint = patch!.files[1]!;
    expect(hint.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines, h.section])).toEqual([
      [6, 7, 6, 7, ''],
      [18, 7, 18, 8, 'bool reclaim_hint_worth_scanning(struct mm_struct *mm)'],
    ]);
    expect(kinds(hint, 1)).toBe('   -++   ');
    // The empty context line of the file is a lone space in the diff.
    expect(hint.hunks[1]!.lines[2]).toEqual({ kind: ' ', text: '' });
  });

  test('leading junk text before the diff is skipped', async () => {
    const [withJunk] = await readPatches(fixture('junk-before.diff'), 'junk-before.diff');
    const [plain] = await readPatches(fixture('two-files.diff'), 'two-files.diff');
    expect(withJunk!.files).toEqual(plain!.files);
  });

  test('GNU diff -ruN output with timestamps', async () => {
    const [traditional] = await readPatches(fixture('traditional.diff'), 'traditional.diff');
    const [git] = await readPatches(fixture('two-files.diff'), 'two-files.diff');
    // Same change; GNU diff puts no function name after @@ and has no index/mode lines.
    const strip = (files: FilePatch[]) =>
      files.map(({ oldPath, newPath, status, hunks }) => ({
        oldPath,
        newPath,
        status,
        hunks: hunks.map((h) => ({ ...h, section: '' })),
      }));
    expect(strip(traditional!.files)).toEqual(strip(git!.files));
  });

  test('hunk headers with omitted counts mean one line', async () => {
    const diff = ['--- a/mm/one.c', '+++ b/mm/one.c', '@@ -1 +1 @@', '-int one = 1;', '+int one = 2;', ''].join('\n');
    const [patch] = await readPatches(diff, 'one.diff');
    expect(patch!.files[0]!.hunks[0]).toMatchObject({ oldStart: 1, oldLines: 1, newStart: 1, newLines: 1 });
    expect(kinds(patch!.files[0]!, 0)).toBe('-+');
  });

  test('an empty context line whose space a mailer stripped is still context', async () => {
    const diff = ['--- a/x.c', '+++ b/x.c', '@@ -1,3 +1,3 @@', ' a', '', '-b', '+c', ''].join('\n');
    const [patch] = await readPatches(diff, 'x.diff');
    expect(patch!.files[0]!.hunks[0]!.lines).toEqual([
      { kind: ' ', text: 'a' },
      { kind: ' ', text: '' },
      { kind: '-', text: 'b' },
      { kind: '+', text: 'c' },
    ]);
  });
});

describe('git file patch kinds', () => {
  let assorted: Patch;
  beforeAll(async () => {
    [assorted] = (await readPatches(fixture('assorted.diff'), 'assorted.diff')) as [Patch];
  });

  test('rename with edits', () => {
    const fp = file(assorted, 'mm/walk_stats.c');
    expect(fp).toMatchObject({ oldPath: 'mm/old_walk_stats.c', status: 'renamed', similarity: 93, binary: false });
    expect(fp.hunks).toHaveLength(1);
    expect(fp.hunks[0]!.lines.filter((line) => line.kind === '+')).toEqual([{ kind: '+', text: '\tstats->huge_pages = 0;' }]);
  });

  test('pure rename', () => {
    expect(file(assorted, 'mm/scan_legacy.c')).toEqual({
      oldPath: 'mm/legacy_scan.c',
      newPath: 'mm/scan_legacy.c',
      status: 'renamed',
      binary: false,
      hunks: [],
      similarity: 100,
    });
  });

  test('new file', () => {
    const fp = file(assorted, 'mm/walk_hints.h');
    expect(fp).toMatchObject({ oldPath: null, status: 'added', newMode: '100644' });
    expect(fp.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([[0, 0, 1, 7]]);
    expect(kinds(fp, 0)).toBe('+++++++');
  });

  test('deleted file', () => {
    const fp = file(assorted, 'mm/pagecache_probe.c');
    expect(fp).toMatchObject({ newPath: null, status: 'deleted', oldMode: '100644' });
    expect(fp.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([[1, 12, 0, 0]]);
    expect(kinds(fp, 0)).toBe('-'.repeat(12));
  });

  test('mode change only', () => {
    expect(file(assorted, 'scripts/mm-check.sh')).toEqual({
      oldPath: 'scripts/mm-check.sh',
      newPath: 'scripts/mm-check.sh',
      status: 'modified',
      binary: false,
      hunks: [],
      oldMode: '100644',
      newMode: '100755',
    });
  });

  test('binary diff without data', () => {
    expect(file(assorted, 'firmware/mm-test.bin')).toMatchObject({ binary: true, hunks: [], status: 'modified' });
  });

  test('GIT binary patch', async () => {
    const [patch] = await readPatches(fixture('binary-literal.diff'), 'binary-literal.diff');
    expect(patch!.files).toEqual([
      {
        oldPath: 'firmware/mm-test.bin',
        newPath: 'firmware/mm-test.bin',
        status: 'modified',
        binary: true,
        hunks: [],
        oldMode: '100644',
        newMode: '100644',
      },
    ]);
  });

  test('copy', async () => {
    const diff = [
      'diff --git a/mm/walk_stats.c b/mm/walk_stats_copy.c',
      'similarity index 88%',
      'copy from mm/walk_stats.c',
      'copy to mm/walk_stats_copy.c',
      'index ae21c81..5d1e0a2 100644',
      '--- a/mm/walk_stats.c',
      '+++ b/mm/walk_stats_copy.c',
      '@@ -1,2 +1,2 @@',
      ' // SPDX-License-Identifier: GPL-2.0',
      '-#include <linux/mm.h>',
      '+#include <linux/mm_types.h>',
      '',
    ].join('\n');
    const [patch] = await readPatches(diff, 'copy.diff');
    expect(patch!.files[0]).toMatchObject({
      oldPath: 'mm/walk_stats.c',
      newPath: 'mm/walk_stats_copy.c',
      status: 'copied',
      similarity: 88,
    });
  });

  test('non-ASCII path quoted with octal escapes', () => {
    const fp = file(assorted, 'Documentation/mm/café.rst');
    expect(fp.oldPath).toBe('Documentation/mm/café.rst');
    expect(fp.hunks[0]!.section).toBe('Café notes');
  });

  test('every file of the commit, in diff order', () => {
    expect(assorted.files.map((fp) => `${fp.status} ${fp.newPath ?? fp.oldPath}`)).toEqual([
      'modified Documentation/mm/café.rst',
      'modified firmware/mm-test.bin',
      'deleted mm/pagecache_probe.c',
      'renamed mm/scan_legacy.c',
      'added mm/walk_hints.h',
      'renamed mm/walk_stats.c',
      'modified scripts/mm-check.sh',
    ]);
  });
});

describe('line endings', () => {
  test('\\ No newline at end of file marks the line before it', async () => {
    const [patch] = await readPatches(fixture('no-newline.diff'), 'no-newline.diff');
    expect(file(patch!, 'mm/gets_newline.c').hunks[0]!.lines).toEqual([
      { kind: ' ', text: '// SPDX-License-Identifier: GPL-2.0' },
      { kind: ' ', text: 'int gets_newline;' },
      { kind: '-', text: '/* end */', noNewline: true },
      { kind: '+', text: '/* end */' },
    ]);
    const tail = file(patch!, 'mm/tail_nonl.c').hunks[0]!.lines;
    expect(tail[tail.length - 1]).toEqual({ kind: ' ', text: '}', noNewline: true });
    expect(tail.filter((line) => line.noNewline)).toHaveLength(1);
  });

  test('a git diff of a CRLF file keeps the CR as crlf, not in the text', async () => {
    const [patch] = await readPatches(fixture('crlf.diff'), 'crlf.diff');
    const hunk = patch!.files[0]!.hunks[0]!;
    expect(hunk.section).toBe('unsigned long crlf_pages(unsigned long bytes)');
    expect(hunk.lines[1]).toEqual({ kind: ' ', text: 'unsigned long crlf_bytes(unsigned long pages)', crlf: true });
    expect(hunk.lines[3]).toEqual({ kind: '+', text: '\tif (pages > ULONG_MAX >> PAGE_SHIFT)', crlf: true });
    expect(hunk.lines.every((line) => line.crlf && !line.text.includes('\r'))).toBe(true);
  });

  test('a mail saved with CRLF throughout: the CRs are transport and go', async () => {
    const [patch] = await readPatches(fixture('crlf-mail.patch'), 'crlf-mail.patch');
    expect(patch!.subject).toBe('tools/mm: saturate crlf_bytes()');
    expect(patch!.description).toBe('Do not wrap around on huge page counts.\n\nSigned-off-by: Jane Developer <jane@example.org>');
    const lines = patch!.files[0]!.hunks[0]!.lines;
    expect(lines).toHaveLength(7);
    expect(lines.some((line) => line.crlf || line.text.includes('\r'))).toBe(false);
  });

  test('a plain diff saved with CRLF throughout parses like the LF one', async () => {
    const crlf = fixture('two-files.diff').replace(/\n/g, '\r\n');
    const [fromCrlf] = await readPatches(crlf, 'two-files-crlf.diff');
    const [fromLf] = await readPatches(fixture('two-files.diff'), 'two-files.diff');
    expect(fromCrlf!.files).toEqual(fromLf!.files);
  });
});

describe('git format-patch mail', () => {
  test('a single mail: subject, headers, description and the same files as the diff', async () => {
    const [patch, ...rest] = await readPatches(fixture('single.patch'), 'single.patch');
    expect(rest).toEqual([]);
    expect(patch).toMatchObject({
      index: 1,
      total: 1,
      subject: 'mm/pgwalk: stop walking on fatal signals',
      rawSubject: '[PATCH] mm/pgwalk: stop walking on fatal signals',
      from: 'Jane Developer <jane@example.org>',
      date: 'Tue,  5 Mar 2024 10:00:00 +0000',
      messageId: null,
      source: 'single.patch',
    });
    expect(patch!.headers).toEqual({
      from: 'Jane Developer <jane@example.org>',
      date: 'Tue,  5 Mar 2024 10:00:00 +0000',
      subject: '[PATCH] mm/pgwalk: stop walking on fatal signals',
    });
    expect(patch!.description.split('\n')[0]).toBe('A walk over a large address space can take a while, and a task that has');
    expect(patch!.description.endsWith('\n\nSigned-off-by: Jane Developer <jane@example.org>')).toBe(true);
    const [diff] = await readPatches(fixture('two-files.diff'), 'two-files.diff');
    expect(patch!.files).toEqual(diff!.files);
  });

  test('the patch as a MIME attachment (format-patch --attach)', async () => {
    const [attached] = await readPatches(fixture('attached.patch'), 'attached.patch');
    const [inline] = await readPatches(fixture('single.patch'), 'single.patch');
    expect(attached!.subject).toBe(inline!.subject);
    expect(attached!.description).toBe(inline!.description);
    expect(attached!.files).toEqual(inline!.files);
  });

  test('a whole format-patch mail attached under a covering note: its commit message and author are the patch\'s (sweep AH)', async () => {
    const [inline] = await readPatches(fixture('single.patch'), 'single.patch');
    const mail = [
      'From: Someone Else <else@example.org>',
      'Subject: [PATCH] mm/pgwalk: stop walking on fatal signals',
      'Message-ID: <cover-note@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b0"',
      '',
      '--b0',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      'Hi,',
      '',
      'please find the patch attached.',
      '',
      '--b0',
      'Content-Type: text/x-patch; charset=UTF-8; name="0001-fix.patch"',
      'Content-Disposition: attachment; filename="0001-fix.patch"',
      'Content-Transfer-Encoding: base64',
      '',
      ...(Buffer.from(fixture('single.patch')).toString('base64').match(/.{1,76}/g) ?? []),
      '--b0--',
      '',
    ].join('\n');
    const [attached] = await readPatches(mail, 'note.eml');
    expect(attached!.description).toBe(inline!.description);
    expect(attached!.from).toBe('Jane Developer <jane@example.org>');
    expect(attached!.files).toEqual(inline!.files);
  });

  test.each(['qp.eml', 'base64.eml'])('%s: encoded body, RFC 2047 subject, in-body From', async (name) => {
    const [patch] = await readPatches(fixture(name), name);
    expect(patch!.rawSubject).toBe('[PATCH] mm/reclaim_hint: document the naïve ratio');
    expect(patch!.subject).toBe('mm/reclaim_hint: document the naïve ratio');
    // The mail was sent by Jane on behalf of José; like git am, the in-body From is the author.
    expect(patch!.from).toBe('José Núñez <jose@example.org>');
    expect(patch!.headers.from).toBe('Jane Developer <jane@example.org>');
    expect(patch!.messageId).toBe('<20240305100000.4242-1-jane@example.org>');
    expect(patch!.description).toBe(
      'Say what the ratio means, in words a reviewer can check.\n\nSigned-off-by: José Núñez <jose@example.org>',
    );
    const added = patch!.files[0]!.hunks[0]!.lines.filter((line) => line.kind === '+').map((line) => line.text);
    expect(added).toEqual([
      '/*',
      // Joined across a quoted-printable soft line break, with its trailing space kept.
      ' * The ratio is a naïve heuristic: a process is worth scanning when at least',
      ' * one page in reclaim_hint_ratio of the walked ranges is present (≥ 25 %). ',
      ' */',
    ]);
  });

  test('raw bytes decode the same as text', async () => {
    expect(await readPatches(fixtureBytes('qp.eml'), 'qp.eml')).toEqual(await readPatches(fixture('qp.eml'), 'qp.eml'));
    expect(await readPatches(fixtureBytes('series.mbox'), 'series.mbox')).toEqual(
      await readPatches(fixture('series.mbox'), 'series.mbox'),
    );
  });

  test('a latin-1 mail read from bytes is decoded by its own charset', async () => {
    const mail = [
      'From: Jane Developer <jane@example.org>',
      'Subject: [PATCH] mm: caf\xe9',
      'Content-Type: text/plain; charset=ISO-8859-1',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Na\xefve fix.',
      '---',
      '--- a/mm/x.c',
      '+++ b/mm/x.c',
      '@@ -1 +1 @@',
      '-/* caf\xe9 */',
      '+/* caf\xe9s */',
      '',
    ].join('\n');
    const [patch] = await readPatches(new Uint8Array(Buffer.from(mail, 'latin1')), 'latin1.eml');
    expect(patch!.description).toBe('Naïve fix.');
    expect(patch!.files[0]!.hunks[0]!.lines[1]!.text).toBe('/* cafés */');
  });
});

describe('mbox series', () => {
  test('cover letter skipped, patches numbered from n/m', async () => {
    const patches = await readPatches(fixture('series.mbox'), 'series.mbox');
    expect(patches.map((p) => [p.index, p.total, p.subject])).toEqual([
      [1, 3, 'mm/pgwalk: skip VM_IO mappings'],
      [2, 3, 'mm/pgwalk: count the pages behind huge PMDs'],
      [3, 3, 'mm/reclaim_hint: take huge pages into account'],
    ]);
    expect(patches.map((p) => p.files.map((fp) => fp.newPath))).toEqual([
      ['mm/pgwalk.c'],
      ['include/linux/pgwalk.h', 'mm/pgwalk.c'],
      ['mm/reclaim_hint.c'],
    ]);
    expect(patches[1]!.rawSubject).toBe('[PATCH 2/3] mm/pgwalk: count the pages behind huge PMDs');
    expect(patches[1]!.messageId).toBe('<fe459246ac62f3f1b3bbc893e0899d4c8ebf2906.1709632800.git.jane@example.org>');
    expect(patches[1]!.headers['in-reply-to']).toBe('<cover.1709632800.git.jane@example.org>');
    expect(patches[0]!.description).toBe(
      'I/O mappings have no struct page behind them either; walking them only\nproduces noise in the statistics.\n\n' +
        'Signed-off-by: Jane Developer <jane@example.org>',
    );
  });

  test('shuffled mails come back in n/m order', async () => {
    const shuffled = fixture('series-shuffled.mbox');
    expect(shuffled.indexOf('[PATCH 3/3]')).toBeLessThan(shuffled.indexOf('[PATCH 1/3]'));
    // The same patches, except where each begins in its file.
    const ordered = await readPatches(fixture('series.mbox'), 'series.mbox');
    const read = await readPatches(shuffled, 'series.mbox');
    expect(read.map(({ startLine: _, ...p }) => p)).toEqual(ordered.map(({ startLine: _, ...p }) => p));
    expect(read.map((p) => shuffled.split('\n')[p.startLine! - 1])).toEqual(ordered.map((p) => fixture('series.mbox').split('\n')[p.startLine! - 1]));
  });

  test('a gap in the series is missing-patch, naming what is missing', async () => {
    const error = await patchError(readPatches(fixture('series-missing.mbox'), 'series-missing.mbox'));
    expect(error.kind).toBe('missing-patch');
    expect(error.message).toContain('series-missing.mbox holds patches 1/3, 3/3 of a 3-patch series, but patch 2/3 is missing');
  });

  test('one numbered mail on its own is accepted, with a note for the patches before it', async () => {
    const mbox = fixture('series.mbox');
    const second = mbox.slice(mbox.indexOf('From fe459246'), mbox.indexOf('From bbc9e827', mbox.indexOf('From fe459246')));
    const { patches, gaps } = await readSeries([{ input: second, source: '0002.patch' }]);
    expect(patches.map((p) => [p.index, p.total, p.subject])).toEqual([[2, 3, 'mm/pgwalk: count the pages behind huge PMDs']]);
    expect(gaps).toEqual(['widen reviewed patch 2/3 of 0002.patch on its own: patch 1/3 is missing, so the tree may lack what the patch builds on (give the whole series, for example with `b4 am <message-id>`).']);
    const first = mbox.slice(mbox.indexOf('From 7e02a7be'), mbox.indexOf('From fe459246'));
    expect((await readSeries([{ input: first, source: '0001.patch' }])).gaps).toEqual([]);
  });

  test('a cover letter and one patch are a series with a gap (sweep J)', async () => {
    const mbox = fixture('series.mbox');
    const cover = mbox.slice(0, mbox.indexOf('From 7e02a7be'));
    const second = mbox.slice(mbox.indexOf('From fe459246'), mbox.indexOf('From bbc9e827', mbox.indexOf('From fe459246')));
    const error = await patchError(readSeries([{ input: cover + second, source: 'gap.mbox' }]).then((r) => r.patches));
    expect(error.kind).toBe('missing-patch');
    expect(error.message).toContain('gap.mbox holds patches 2/3 of a 3-patch series, but patches 1/3 and 3/3 are missing');
  });

  test('the same patch twice, in two versions, is duplicate-patch', async () => {
    const mbox = fixture('series.mbox');
    const again = mbox.slice(mbox.indexOf('From fe459246')).replace('Subject: [PATCH 2/3] mm/pgwalk: count the pages behind huge PMDs', 'Subject: [PATCH 2/3] mm/pgwalk: count the pages of huge PMDs');
    const error = await patchError(readPatches(mbox + again, 'twice.mbox'));
    expect(error.kind).toBe('duplicate-patch');
    expect(error.message).toContain('twice.mbox holds patch 2/3 twice');
  });

  test('a copy of the same mail (the list and a Cc, both saved) counts once (sweep AH)', async () => {
    const mbox = fixture('series.mbox');
    const copies = await readPatches(mbox + mbox.slice(mbox.indexOf('From fe459246')), 'copies.mbox');
    expect(copies.map((p) => p.subject)).toEqual((await readPatches(mbox, 'series.mbox')).map((p) => p.subject));
    expect(copies).toHaveLength(3);
  });

  test('mails of two series are inconsistent-series', async () => {
    const other = fixture('series.mbox').replace(/\[PATCH 3\/3\]/, '[PATCH v2 3/4]');
    const error = await patchError(readPatches(other, 'two-versions.mbox'));
    expect(error.kind).toBe('inconsistent-series');
  });

  test('numbered and unnumbered patch mails together are mixed-series', async () => {
    const mixed = fixture('series.mbox') + fixture('single.patch');
    const error = await patchError(readPatches(mixed, 'mixed.mbox'));
    expect(error.kind).toBe('mixed-series');
    expect(error.message).toContain('"[PATCH] mm/pgwalk: stop walking on fatal signals"');
  });

  test('replies in a saved thread are not patches', async () => {
    const reply = [
      'From git@z Thu Jan  1 00:00:00 1970',
      'From: Reviewer <reviewer@example.org>',
      'Subject: Re: [PATCH 2/3] mm/pgwalk: count the pages behind huge PMDs',
      'In-Reply-To: <fe459246ac62f3f1b3bbc893e0899d4c8ebf2906.1709632800.git.jane@example.org>',
      '',
      'Looks fine, but did you mean this?',
      '',
      '--- a/mm/pgwalk.c',
      '+++ b/mm/pgwalk.c',
      '@@ -1 +1 @@',
      '-x',
      '+y',
      '',
    ].join('\n');
    const patches = await readPatches(fixture('series.mbox') + reply, 'thread.mbox');
    expect(patches.map((p) => p.subject)).toEqual(
      (await readPatches(fixture('series.mbox'), 'series.mbox')).map((p) => p.subject),
    );
  });
});

describe('subjects', () => {
  test.each([
    ['[PATCH] mm: fix', 'mm: fix'],
    ['[RFC PATCH v2 3/5] mm/vmscan: fold', 'mm/vmscan: fold'],
    ['[PATCH net-next v3 02/12]   mm:  two  spaces', 'mm: two spaces'],
    ['Re: [PATCH 1/2] [media] foo', 'foo'],
  ])('%s', async (rawSubject, subject) => {
    const mail = `From: a@example.org\nSubject: ${rawSubject}\n\n---\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n`;
    const [patch] = await readPatches(mail, 'x.eml');
    expect(patch!.subject).toBe(subject);
    expect(patch!.rawSubject).toBe(rawSubject);
  });

  test('a folded Subject header is unfolded', async () => {
    const mail =
      'From: a@example.org\nSubject: [PATCH v3 2/7] mm/memory: make zap_pte_range() handle\n the tail of a huge page\n\n' +
      '---\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n';
    const [patch] = await readPatches(mail, 'x.eml');
    expect(patch!.subject).toBe('mm/memory: make zap_pte_range() handle the tail of a huge page');
    expect([patch!.index, patch!.total]).toEqual([2, 7]);
  });
});

describe('errors', () => {
  test.each(['', '  \n\n\t'])('empty input %j is empty-input', async (text) => {
    const error = await patchError(readPatches(text, '<stdin>'));
    expect(error.kind).toBe('empty-input');
    expect(error.message).toContain('<stdin> is empty');
  });

  test('prose is no-diff', async () => {
    const error = await patchError(readPatches('Hi,\n\nplease pull my tree.\n', 'note.txt'));
    expect(error.kind).toBe('no-diff');
    expect(error.message).toContain('note.txt holds no diff');
  });

  describe('a patch quoted in a reply: no-diff that says the diff is quoted', () => {
    const patch = ['diff --git a/mm/gap.c b/mm/gap.c', '--- a/mm/gap.c', '+++ b/mm/gap.c', '@@ -1,2 +1,3 @@', ' int gap_start;', '+int gap_end;', ' int gap_len;'];
    const advice =
      'as a reply to a patch quotes it. widen reads the patch itself, not a reply quoting it: give it the patch mail ' +
      '(the original, saved from your mail client, or fetched with `b4 am <message-id>`), or a plain `git diff`.';

    test('quoted with "> ", as a web archive shows a reply', async () => {
      const text = ['On Mon, 2 Nov 2026, Jane Doe wrote:', '', ...patch.map((l) => `> ${l}`), '', 'Why a new variable?', ''].join('\n');
      const error = await patchError(readPatches(text, 'reply.txt'));
      expect([error.kind, error.message]).toEqual(['no-diff', `reply.txt holds no diff of its own, only one quoted with \`> \` (line 3 starts \`> diff --git\`), ${advice}`]);
    });

    test('quoted twice, hunks only (">> @@ -")', async () => {
      const text = ['> On Mon, 2 Nov 2026, Jane Doe wrote:', ...patch.slice(3).map((l) => `>> ${l}`), '> I agree.', ''].join('\n');
      const error = await patchError(readPatches(text, 'reply.txt'));
      expect(error.message).toBe(`reply.txt holds no diff of its own, only one quoted with \`> \` (line 2 starts \`>> @@ -\`), ${advice}`);
    });

    test('in a reply mail', async () => {
      const mail = ['From: Rev Iewer <rev@example.org>', 'Subject: Re: [PATCH] mm: track the gap end', 'Message-ID: <r@example.org>', '', 'On Mon, 2 Nov 2026, Jane Doe wrote:', ...patch.map((l) => `> ${l}`), '', 'Why?', ''].join('\n');
      const error = await patchError(readPatches(mail, 'reply.eml'));
      expect([error.kind, error.message]).toEqual(['no-diff', `The mail in reply.eml carries no diff of its own, only one quoted with \`> \`, ${advice}`]);
    });
  });

  describe('a mail whose body is not a plain text patch', () => {
    const head = ['From: T <t@example.org>', 'Subject: [PATCH] mm: add foo', 'Message-ID: <m@example.org>', 'MIME-Version: 1.0'];
    const body = ['Adds foo.', '', 'Signed-off-by: T <t@example.org>', '---', 'diff --git a/mm/foo.c b/mm/foo.c', '--- a/mm/foo.c', '+++ b/mm/foo.c', '@@ -1,2 +1,3 @@', ' int a;', '+int b;', ' int c;', ''];
    const advice = 'Give widen the patch mails themselves (`git format-patch` output, or `b4 am <message-id>` for a series on a list), or a plain `git diff`.';

    test('multipart without a boundary: the body is read as the one part it is', async () => {
      const [patch] = await readPatches([...head, 'Content-Type: multipart/mixed', '', ...body].join('\n'), 'm.eml');
      expect([patch!.subject, patch!.files.map((f) => f.newPath)]).toEqual(['mm: add foo', ['mm/foo.c']]);
    });

    test('HTML only: no-diff, saying so', async () => {
      const html = ['<html><body><pre>', ...body, '</pre></body></html>'];
      const error = await patchError(readPatches([...head, 'Content-Type: text/html; charset=utf-8', '', ...html].join('\n'), 'h.eml'));
      expect([error.kind, error.message]).toEqual([
        'no-diff',
        `The mail in h.eml carries no diff (its body is HTML only, and widen reads a patch from a plain text body; send it with \`git send-email\`, which sends plain text). ${advice}`,
      ]);
    });

    test('an attachment that is not a patch, and no `---` line', async () => {
      const mail = [
        ...head,
        'Content-Type: multipart/mixed; boundary="B"',
        '',
        '--B',
        'Content-Type: text/plain',
        '',
        'See attached.',
        '--B',
        'Content-Type: application/pdf; name="fix.pdf"',
        'Content-Disposition: attachment; filename="fix.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        'JVBERi0xLjQK',
        '--B--',
        '',
      ].join('\n');
      const error = await patchError(readPatches(mail, 'p.eml'));
      expect(error.message).toBe(`The mail in p.eml carries no diff (its body has no \`---\` line and no \`diff\` line, and its attachment ("fix.pdf", application/pdf) is not a patch). ${advice}`);
    });
  });

  test('a mailbox without any diff is no-diff', async () => {
    const mbox = fixture('series.mbox');
    const cover = mbox.slice(0, mbox.indexOf('From 7e02a7be'));
    const error = await patchError(readPatches(cover, 'cover.mbox'));
    expect(error.kind).toBe('no-diff');
    expect(error.message).toContain('cover.mbox');
  });

  test('overlapping hunks are corrupt-hunk, naming both', async () => {
    const diff = ['diff --git a/mm/foo.c b/mm/foo.c', '--- a/mm/foo.c', '+++ b/mm/foo.c', '@@ -1,3 +1,4 @@', ' a', '+b', ' c', ' d', '@@ -2,3 +3,4 @@', ' c', '+y', ' d', ' w', ''].join('\n');
    const error = await patchError(readPatches(diff, 'o.diff'));
    expect([error.kind, error.message]).toEqual([
      'corrupt-hunk',
      'the patch in o.diff: hunk 2 of mm/foo.c is corrupt: it starts at old line 2, inside hunk 1 (old lines 1-3), but the hunks of one file must follow each other in order without overlapping. ' +
        'The patch was cut short or edited by hand (or a mailer rewrapped it); get an intact copy (for a mail, save it again or fetch it with `b4 am`) and try again.',
    ]);
    // Adjacent hunks, and an insertion right after the previous hunk, are fine.
    const adjacent = diff.replace('@@ -2,3 +3,4 @@', '@@ -4,3 +5,4 @@');
    expect((await readPatches(adjacent, 'a.diff'))[0]!.files[0]!.hunks.map((h) => h.oldStart)).toEqual([1, 4]);
    const insertion = ['diff --git a/mm/foo.c b/mm/foo.c', '--- a/mm/foo.c', '+++ b/mm/foo.c', '@@ -1,2 +1,3 @@', ' a', '+b', ' c', '@@ -2,0 +4 @@', '+z', ''].join('\n');
    expect((await readPatches(insertion, 'i.diff'))[0]!.files[0]!.hunks.map((h) => h.oldStart)).toEqual([1, 2]);
  });

  test('/dev/null on both sides is corrupt-diff; a new file with old lines, or a deleted one with new lines, corrupt-hunk', async () => {
    const both = ['diff --git a/mm/foo.c b/mm/foo.c', '--- /dev/null', '+++ /dev/null', '@@ -0,0 +1 @@', '+int x;', ''].join('\n');
    const error = await patchError(readPatches(both, 'n.diff'));
    expect([error.kind, error.message]).toEqual([
      'corrupt-diff',
      'the patch in n.diff: the file header at line 1 of n.diff names /dev/null as both the old and the new file, so it neither creates, deletes nor changes a file. The patch was probably edited by hand; get an intact copy and try again.',
    ]);
    expect((await patchError(readPatches(both.replace('diff --git a/mm/foo.c b/mm/foo.c\n', ''), 't.diff'))).kind).toBe('corrupt-diff');
    const added = ['diff --git a/mm/foo.c b/mm/foo.c', 'new file mode 100644', '--- /dev/null', '+++ b/mm/foo.c', '@@ -1 +1,2 @@', ' int x;', '+int y;', ''].join('\n');
    expect((await patchError(readPatches(added, 'a.diff'))).message).toContain('hunk 1 of mm/foo.c is corrupt: the file is new (its old side is /dev/null), yet the hunk has old lines to keep or remove.');
  });

  test('a truncated hunk is corrupt-hunk, naming source, file, hunk and input line', async () => {
    const lines = fixture('two-files.diff').split('\n');
    // Cut inside hunk 2 of mm/pgwalk.c (which starts at line 15 and runs to line 33).
    const error = await patchError(readPatches(lines.slice(0, 25).join('\n'), 'cut.diff'));
    expect(error.kind).toBe('corrupt-hunk');
    expect(error.message).toContain('the patch in cut.diff: hunk 2 of mm/pgwalk.c is corrupt');
    expect(error.message).toContain('@@ -34,14 +36,18 @@');
    expect(error.message).toContain('line 25 of cut.diff');
  });

  test('a hunk cut short and followed by the next file is corrupt-hunk at that line', async () => {
    const lines = fixture('two-files.diff').split('\n');
    lines.splice(40, 2); // drop the last two context lines of hunk 3 of mm/pgwalk.c
    const error = await patchError(readPatches(lines.join('\n'), 'short.diff'));
    expect(error.kind).toBe('corrupt-hunk');
    expect(error.message).toContain('hunk 3 of mm/pgwalk.c');
    expect(error.message).toContain('line 42 of short.diff (`diff --git a/mm/reclaim_hint.c b/mm/reclaim_hint.c`)');
  });

  test('a hunk with more lines than its header says is corrupt-hunk', async () => {
    const diff = ['--- a/x.c', '+++ b/x.c', '@@ -1,2 +1,2 @@', ' a', '-b', '+c', '+d', ''].join('\n');
    const error = await patchError(readPatches(diff, 'long.diff'));
    expect(error.kind).toBe('corrupt-hunk');
    expect(error.message).toContain('hunk 1 of x.c');
    expect(error.message).toContain('line 7 of long.diff (`+d`)');
  });

  test('one diff changing the same file in two sections (two diffs pasted together) is corrupt-diff naming both', async () => {
    const one = ['diff --git a/mm/x.c b/mm/x.c', '--- a/mm/x.c', '+++ b/mm/x.c', '@@ -1,2 +1,3 @@', ' a', '+b', ' a', ''].join('\n');
    const error = await patchError(readPatches(one + one, 'twice.diff'));
    expect(error.kind).toBe('corrupt-diff');
    expect(error.message).toContain('the patch in twice.diff changes mm/x.c in two sections (line 1 of twice.diff and line 8 of twice.diff)');
    expect(error.message).toContain('`widen review first.diff second.diff`');
  });

  test('a malformed `@@` header, first or between hunks, is corrupt-hunk, not junk to skip', async () => {
    const first = ['diff --git a/mm/x.c b/mm/x.c', '--- a/mm/x.c', '+++ b/mm/x.c', '@@ garbage @@', ' int a;', ''].join('\n');
    const error = await patchError(readPatches(first, 'first.diff'));
    expect(error.kind).toBe('corrupt-hunk');
    expect(error.message).toContain('hunk 1 of mm/x.c is corrupt: its header at line 4 of first.diff (`@@ garbage @@`) is malformed');

    const between = ['--- a/x.c', '+++ b/x.c', '@@ -1,2 +1,3 @@', ' a', '+b', ' a', '@@ bogus', '+c', ''].join('\n');
    const second = await patchError(readPatches(between, 'between.diff'));
    expect(second.kind).toBe('corrupt-hunk');
    expect(second.message).toContain('hunk 2 of x.c is corrupt: its header at line 7 of between.diff (`@@ bogus`) is malformed');
  });

  test('in a mail sent unencoded, corrupt-hunk gives the line of the mbox', async () => {
    const mbox = fixture('series.mbox');
    const broken = mbox.replace('+\t\tstats->huge_pages += HPAGE_PMD_NR;\n', '');
    const error = await patchError(readPatches(broken, 'series.mbox'));
    expect(error.kind).toBe('corrupt-hunk');
    expect(error.message).toContain('patch 2/3 "mm/pgwalk: count the pages behind huge PMDs" (series.mbox): hunk 1 of mm/pgwalk.c');
    const lines = broken.split('\n');
    const pgwalkHeader = lines.indexOf('+++ b/mm/pgwalk.c', lines.indexOf('Subject: [PATCH 2/3] mm/pgwalk: count the pages behind huge PMDs'));
    const signature = lines.indexOf('-- ', pgwalkHeader);
    expect(error.message).toContain(`line ${signature + 1} of series.mbox (\`-- \`) is one old line too many`);
  });

  test('a mail postal-mime refuses (MIME nested 300 deep) is bad-mail', async () => {
    let mail = 'From: a@example.org\nSubject: [PATCH] x\nContent-Type: multipart/mixed; boundary="b0"\n\n';
    for (let depth = 0; depth < 300; depth++) {
      mail += `--b${depth}\nContent-Type: multipart/mixed; boundary="b${depth + 1}"\n\n`;
    }
    const error = await patchError(readPatches(mail, 'deep.eml'));
    expect(error.kind).toBe('bad-mail');
    expect(error.message).toContain('The mail at line 1 of deep.eml cannot be decoded');
  });

  test('a combined diff is unsupported-diff', async () => {
    const diff = 'diff --cc mm/x.c\nindex 1,2..3\n--- a/mm/x.c\n+++ b/mm/x.c\n@@@ -1,1 -1,1 +1,1 @@@\n';
    expect((await patchError(readPatches(diff, 'merge.diff'))).kind).toBe('unsupported-diff');
  });

  test('a hunk without a file header is corrupt-diff', async () => {
    const error = await patchError(readPatches('@@ -1 +1 @@\n-a\n+b\n', 'headless.diff'));
    expect(error.kind).toBe('corrupt-diff');
    expect(error.message).toContain('line 1 of headless.diff');
  });
});

describe('encodings and line endings no patch tool reads', () => {
  const diff = fixture('two-files.diff');

  test('UTF-16, with or without a byte order mark, is named as such', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(diff, 'utf16le')]);
    const noBom = Buffer.from(diff, 'utf16le');
    for (const bytes of [le, noBom]) {
      const error = await patchError(readPatches(bytes, 'ps.patch'));
      expect([error.kind, error.message]).toEqual(['bad-encoding', expect.stringMatching(/^ps\.patch is UTF-16 text, as Windows PowerShell 5 writes `git diff > file`/)]);
    }
    // NUL bytes alone are no UTF-16: that input holds no diff.
    expect((await patchError(readPatches(Buffer.alloc(256), 'zeros'))).kind).not.toBe('bad-encoding');
  });

  test('lines ended by CR alone are named; CRLF is read', async () => {
    const error = await patchError(readPatches(diff.replace(/\n/g, '\r'), 'mac.patch'));
    expect([error.kind, error.message]).toEqual(['bad-line-endings', expect.stringContaining('mac.patch ends its lines with a carriage return alone')]);
    expect(await readPatches(diff.replace(/\n/g, '\r\n'), 'dos.patch')).toHaveLength(1);
  });
});

test('a hunk cut short at the end of the input says so, at its last line', async () => {
  const cut = 'diff --git a/mm/x.c b/mm/x.c\nnew file mode 100644\n--- /dev/null\n+++ b/mm/x.c\n@@ -0,0 +1,5 @@\n+a\n+b\n';
  const error = await patchError(readPatches(cut, 'cut.diff'));
  expect(error.message).toContain('announces 0 old and 5 new lines, but the end of the input (line 7 of cut.diff) ends it after 0 and 2.');
});

test('a patch numbered beyond its series (5/3, 1/0) is named for its numbering', async () => {
  const mail = (n: string): string => `From 1 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nSubject: [PATCH ${n}] mm: x\n\nbody\n---\ndiff --git a/mm/x.c b/mm/x.c\n--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1 +1 @@\n-a\n+b\n`;
  for (const n of ['5/3', '1/0']) {
    const error = await patchError(readPatches(mail(n), 'p.mbox'));
    expect([error.kind, error.message]).toEqual(['inconsistent-series', `p.mbox holds "[PATCH ${n}] mm: x" (line 1), numbered ${n}: a patch of a series is numbered from 1 to the number of patches. Fix the subject's \`n/m\` (git format-patch writes it), and try again.`]);
  }
});
