import fc from 'fast-check';
import { applyFilePatch, lineMapFromHunks, postImageFromHunks } from '../../src/patch/apply.js';
import { PatchError } from '../../src/patch/errors.js';
import { splitMbox } from '../../src/patch/mail.js';
import { readPatches, readSeries } from '../../src/patch/read.js';
import type { Patch } from '../../src/patch/types.js';
import { fixture } from './fixtures.js';

/** Resolves to the patches, or to null when readPatches rejected with a PatchError; anything else fails. */
async function readOrPatchError(input: string | Uint8Array): Promise<Patch[] | null> {
  try {
    return await readPatches(input, 'fuzz.txt');
  } catch (error) {
    if (error instanceof PatchError) return null;
    throw error;
  }
}

/** Lines that steer the parser into its less travelled paths. */
const DIFFISH_LINES = [
  'diff --git a/mm/x.c b/mm/x.c',
  'diff --git "a/caf\\303\\251.c" "b/caf\\303\\251.c"',
  'diff --git a/a b c/d e',
  'diff --cc mm/x.c',
  '--- a/mm/x.c',
  '+++ b/mm/x.c',
  '--- /dev/null',
  '+++ /dev/null',
  '--- "a/\\777\\q"',
  '@@ -1,3 +1,3 @@ static int f(void)',
  '@@ -1 +1 @@',
  '@@ -0,0 +1,2 @@',
  '@@ -99999999999,1 +1 @@',
  '@@ -1,0 +1,0 @@',
  '@@ garbage @@',
  ' context',
  '-removed',
  '+added',
  '',
  '\r',
  '\\ No newline at end of file',
  'new file mode 100644',
  'deleted file mode 100644',
  'old mode 100644',
  'new mode 100755',
  'rename from mm/a.c',
  'rename to mm/b.c',
  'copy from "x',
  'similarity index 90%',
  'index 1234567..89abcde 100644',
  'Binary files a/x and b/x differ',
  'GIT binary patch',
  'literal 12',
  '---',
  '-- ',
  'From 1234567890abcdef Mon Sep 17 00:00:00 2001',
  'From: Jane Developer <jane@example.org>',
  'Subject: [PATCH 1/2] mm: x',
  'Subject: [PATCH 0/2] cover',
  'Subject: Re: [PATCH 2/2] mm: y',
  'Subject: [PATCH 99999999999999999999/99999999999999999999] huge',
  'Subject: =?UTF-8?q?na=C3=AFve?=',
  'Content-Type: multipart/mixed; boundary="b"',
  'Content-Type: text/x-patch; charset=UTF-8',
  'Content-Transfer-Encoding: base64',
  'Content-Transfer-Encoding: quoted-printable',
  'Content-Disposition: attachment; filename="0001-x.patch"',
  '--b',
  '--b--',
  'LS0tIGEveAorKysgYi94CkBAIC0xICsxIEBACi14Cit5Cg==',
  '=2D=2D=2D a/x=',
];

const soupLine = fc.oneof(fc.constantFrom(...DIFFISH_LINES), fc.string({ maxLength: 12 }));

/** A hunk whose header count is sometimes off by one: a corrupt hunk now and then. */
const hunkLines = fc
  .tuple(
    fc.nat({ max: 40 }),
    fc.array(fc.constantFrom(' b', '-b', '+b', ' }', '-}', '+a', '', '\\ No newline at end of file'), { maxLength: 8 }),
    fc.constantFrom(-1, 0, 0, 0, 1),
    fc.constantFrom('', ' static int f(void)'),
  )
  .map(([start, body, skew, section]) => {
    const oldCount = body.filter((line) => !line.startsWith('+') && !line.startsWith('\\')).length + skew;
    const newCount = body.filter((line) => !line.startsWith('-') && !line.startsWith('\\')).length;
    return [`@@ -${start},${oldCount} +${start},${newCount} @@${section}`, ...body];
  });

const FILE_HEADERS = [
  ['diff --git a/mm/x.c b/mm/x.c', 'index 1234567..89abcde 100644', '--- a/mm/x.c', '+++ b/mm/x.c'],
  ['diff --git a/mm/x.c b/mm/x.c', 'new file mode 100644', '--- /dev/null', '+++ b/mm/x.c'],
  ['diff --git a/mm/x.c b/mm/x.c', 'deleted file mode 100644', '--- a/mm/x.c', '+++ /dev/null'],
  ['diff --git a/x b/y', 'similarity index 90%', 'rename from x', 'rename to y', '--- a/x', '+++ b/y'],
  ['--- a/mm/x.c\t2024-03-05 10:00:00.000000000 +0000', '+++ b/mm/x.c\t2024-03-05 10:00:00.000000000 +0000'],
];

const filePatchLines = fc
  .tuple(fc.constantFrom(...FILE_HEADERS), fc.array(hunkLines, { maxLength: 3 }))
  .map(([header, hunks]) => [...header, ...hunks.flat()]);

/** Optionally wrapped in a format-patch mail with a random n/m. */
const diffishText = fc
  .tuple(
    fc.array(fc.oneof(filePatchLines, soupLine.map((line) => [line])), { maxLength: 8 }),
    fc.option(fc.tuple(fc.nat({ max: 4 }), fc.nat({ max: 4 }))),
    fc.constantFrom('\n', '\r\n'),
  )
  .map(([blocks, numbering, eol]) => {
    const mail = numbering
      ? [
          'From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001',
          'From: Jane Developer <jane@example.org>',
          `Subject: [PATCH ${numbering[0]}/${numbering[1]}] mm: fuzz`,
          '',
          'Message.',
          '---',
        ]
      : [];
    return [...mail, ...blocks.flat()].join(eol);
  });

const FIXTURE_NAMES = [
  'two-files.diff',
  'single.patch',
  'series.mbox',
  'qp.eml',
  'base64.eml',
  'assorted.diff',
  'binary-literal.diff',
  'crlf.diff',
  'crlf-mail.patch',
  'attached.patch',
  'no-newline.diff',
  'log-p.txt',
  'noprefix.patch',
  'mboxrd.mbox',
  'latin1.patch',
  'scissors.eml',
  'copy.diff',
  'b4-am.mbx',
];

/** A fixture cut short and with random text spliced in: truncated or mangled real input. */
const mangledFixture = fc
  .record({
    name: fc.constantFrom(...FIXTURE_NAMES),
    // Per mille of the text: fc.double leans towards 0 and would mostly cut everything away.
    cut: fc.integer({ min: 0, max: 1000 }),
    splices: fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.string({ maxLength: 8 })), { maxLength: 4 }),
  })
  .map(({ name, cut, splices }) => {
    let text = fixture(name);
    text = text.slice(0, Math.ceil((text.length * cut) / 1000));
    for (const [where, insert] of splices) {
      const at = Math.floor((text.length * where) / 1000);
      text = text.slice(0, at) + insert + text.slice(at + 1);
    }
    return text;
  });

/** Lines of a mail's header block and MIME structure, valid and broken. */
const MAIL_LINES = [
  'From git@z Thu Jan  1 00:00:00 1970',
  'From 1234567890abcdef Mon Sep 17 00:00:00 2001',
  'From nobody Mon Sep 17',
  '>From the list',
  '>>From the list',
  'From: =?ISO-8859-1?q?Jos=E9?= <j@example.org>',
  'From: =?UTF-8?B?broken',
  'Subject: =?UTF-8?q?[PATCH_1/2]_x?=',
  'Subject: [PATCH v2 2/2] mm: y',
  'Subject: Re: [PATCH 1/2] mm: x',
  'Message-Id: <a@b>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  'Content-Type: multipart/alternative; boundary=b',
  'Content-Type: text/plain; charset=ISO-8859-1',
  'Content-Type: text/plain; charset=no-such-charset',
  'Content-Type: text/x-patch; name="0001-x.patch"',
  'Content-Transfer-Encoding: base64',
  'Content-Transfer-Encoding: quoted-printable',
  'Content-Transfer-Encoding: x-unknown',
  'Content-Disposition: attachment; filename*=UTF-8\'\'caf%C3%A9.patch',
  '--b',
  '--b--',
  '',
  '-- >8 --',
  '--8<--',
  'LS0tIGEveAorKysgYi94CkBAIC0xICsxIEBACi14Cit5Cg==',
  '=2D=2D=2D a/x=',
  '=ZZ',
  'commit 0123456789abcdef0123456789abcdef01234567',
  'Author: A <a@example.org>',
  'Date:   Tue Mar 5 10:00:00 2024 +0000',
  '    mm: message',
];

/** Several mails in one mbox, each a shuffle of header, MIME and diff lines. */
const mboxText = fc
  .array(fc.array(fc.oneof(fc.constantFrom(...MAIL_LINES), soupLine, filePatchLines.map((lines) => lines.join('\n'))), { maxLength: 14 }), { minLength: 1, maxLength: 4 })
  .map((mails) => mails.map((lines) => ['From 1234567890abcdef Mon Sep 17 00:00:00 2001', ...lines].join('\n')).join('\n'));

describe('readPatches throws nothing but PatchError', () => {
  test('on arbitrary strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 400 }), async (text) => {
        await readOrPatchError(text);
      }),
      { numRuns: 300 },
    );
  });

  test('on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        await readOrPatchError(bytes);
      }),
      { numRuns: 300 },
    );
  });

  test('on diff- and mail-like line soup', async () => {
    await fc.assert(
      fc.asyncProperty(diffishText, async (text) => {
        await readOrPatchError(text);
      }),
      { numRuns: 500 },
    );
  });

  test('on mboxes of broken MIME, charsets, encodings, separators, scissors and git log headers', async () => {
    await fc.assert(
      fc.asyncProperty(mboxText, async (text) => {
        await readOrPatchError(text);
        await readOrPatchError(new TextEncoder().encode(text.replace(/e/g, '\u00e9')));
      }),
      { numRuns: 400 },
    );
  });

  test('on git log output: commit headers, indented messages and diffs in any order', async () => {
    const commit = fc.tuple(fc.constantFrom('Tue Mar 5 10:00:00 2024 +0000', 'Wed Mar 6 10:00:00 2024 +0000', 'not a date'), fc.array(fc.oneof(fc.constantFrom(...MAIL_LINES), soupLine), { maxLength: 6 }), fc.array(filePatchLines, { maxLength: 2 }))
      .map(([date, message, files]) => ['commit 0123456789abcdef0123456789abcdef01234567', 'Author: A <a@example.org>', `Date:   ${date}`, '', ...message.map((line) => `    ${line}`), '', ...files.flat()]);
    await fc.assert(
      fc.asyncProperty(fc.array(commit, { minLength: 1, maxLength: 3 }), async (commits) => {
        await readOrPatchError(commits.flat().join('\n'));
      }),
      { numRuns: 300 },
    );
  });

  test('the mbox splitter: spans in order, inside the input, never overlapping, whatever the lines', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...MAIL_LINES), fc.string({ maxLength: 6 })), { maxLength: 40 }), (lines) => {
        let end = 0;
        for (const span of splitMbox(lines)) {
          expect(span.first).toBeGreaterThanOrEqual(end);
          expect(span.end).toBeLessThanOrEqual(lines.length);
          expect(span.first).toBeLessThan(span.end);
          end = span.end;
        }
      }),
      { numRuns: 300 },
    );
  });

  test('several inputs at once (readSeries), mangled fixtures among them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(mangledFixture, mboxText), { minLength: 2, maxLength: 3 }), fc.boolean(), async (texts, allowGaps) => {
        try {
          await readSeries(texts.map((input, k) => ({ input, source: `in${k}` })), { allowGaps });
        } catch (error) {
          if (!(error instanceof PatchError)) throw error;
        }
      }),
      { numRuns: 200 },
    );
  });

  test('on truncated and mangled fixtures', async () => {
    await fc.assert(
      fc.asyncProperty(mangledFixture, async (text) => {
        await readOrPatchError(text);
      }),
      { numRuns: 300 },
    );
  });
});

/** Small alphabet, so that equal lines recur and the offset search has look-alikes to skip. */
const sourceLine = fc.constantFrom('a', 'b', 'c', '', '\tx++;', 'b ', '}');
const sourceLines = fc.array(sourceLine, { maxLength: 30 });
const edit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.nat({ max: 3 }),
  insert: fc.array(sourceLine, { maxLength: 3 }),
});

const CONTEXT = 3;

/**
 * A unified diff of `old` with `edits` made, three lines of context, written the way diff
 * writes it, plus the expected result. Edits too close to the previous one are dropped so that
 * hunks never merge.
 */
function makeDiff(old: readonly string[], edits: ReadonlyArray<{ at: number; remove: number; insert: string[] }>) {
  const placed: Array<{ start: number; remove: number; insert: string[] }> = [];
  let nextFree = 0;
  for (const { at, remove, insert } of [...edits].sort((x, y) => x.at - y.at)) {
    const start = Math.floor(at * old.length);
    const count = Math.min(remove, old.length - start);
    if (start < nextFree || (count === 0 && insert.length === 0)) continue;
    placed.push({ start, remove: count, insert });
    nextFree = start + count + 2 * CONTEXT + 1;
  }
  const newLines: string[] = [];
  const hunks: string[] = [];
  let copied = 0;
  let delta = 0;
  for (const { start, remove, insert } of placed) {
    const from = Math.max(0, start - CONTEXT);
    const to = Math.min(old.length, start + remove + CONTEXT);
    const before = old.slice(from, start);
    const after = old.slice(start + remove, to);
    const oldCount = to - from;
    const newCount = before.length + insert.length + after.length;
    // An empty side names the line before the hunk.
    const oldStart = oldCount === 0 ? from : from + 1;
    const newStart = newCount === 0 ? from + delta : from + delta + 1;
    hunks.push(
      `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`,
      ...before.map((line) => ` ${line}`),
      ...old.slice(start, start + remove).map((line) => `-${line}`),
      ...insert.map((line) => `+${line}`),
      ...after.map((line) => ` ${line}`),
    );
    newLines.push(...old.slice(copied, start), ...insert);
    copied = start + remove;
    delta += insert.length - remove;
  }
  newLines.push(...old.slice(copied));
  const text = (lines: readonly string[]) => lines.map((line) => `${line}\n`).join('');
  return {
    diff: placed.length === 0 ? null : ['--- a/f.c', '+++ b/f.c', ...hunks, ''].join('\n'),
    before: text(old),
    after: text(newLines),
    newLines,
  };
}

describe('applyFilePatch', () => {
  test('reproduces the edited file, and the line map from hunks agrees (oracle)', async () => {
    await fc.assert(
      fc.asyncProperty(sourceLines, fc.array(edit, { maxLength: 3 }), async (old, edits) => {
        const { diff, before, after, newLines } = makeDiff(old, edits);
        if (diff === null) return;
        const [patch] = await readPatches(diff, 'oracle.diff');
        const fp = patch!.files[0]!;
        const applied = applyFilePatch(before, fp, patch!);
        expect(applied.text).toBe(after);
        expect(lineMapFromHunks(fp, newLines.length)).toEqual(applied.lineMap);
        for (let n = 1; n <= newLines.length; n++) {
          const oldLine = applied.lineMap.oldLineOf[n]!;
          if (oldLine > 0) expect(old[oldLine - 1]).toBe(newLines[n - 1]);
        }
        const sparse = postImageFromHunks(fp);
        const sparseLines = sparse.text.split('\n');
        for (const n of sparse.known) expect(sparseLines[n - 1]).toBe(newLines[n - 1]);
      }),
      { numRuns: 400 },
    );
  });

  test('throws nothing but PatchError on arbitrary (original, parsed patch) pairs', async () => {
    const originals = fc.oneof(
      sourceLines.map((lines) => lines.join('\n')),
      sourceLines.map((lines) => lines.map((line) => `${line}\r\n`).join('')),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    const patches = fc.oneof(
      fc.tuple(sourceLines, fc.array(edit, { maxLength: 3 })).map(([old, edits]) => makeDiff(old, edits).diff),
      diffishText,
    );
    await fc.assert(
      fc.asyncProperty(originals, patches, async (original, diff) => {
        const parsed = diff === null ? null : await readOrPatchError(diff);
        for (const patch of parsed ?? []) {
          for (const fp of patch.files) {
            try {
              applyFilePatch(original, fp, patch);
            } catch (error) {
              if (!(error instanceof PatchError)) throw error;
            }
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
