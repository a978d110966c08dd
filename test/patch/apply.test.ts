import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { applyFilePatch, lineMapFromHunks, postImageFromHunks, preImageFromHunks } from '../../src/patch/apply.js';
import { PatchError } from '../../src/patch/errors.js';
import { readPatches } from '../../src/patch/read.js';
import type { FilePatch, LineMap, Patch } from '../../src/patch/types.js';
import { FIXTURES, fixture } from './fixtures.js';

async function onePatch(name: string): Promise<Patch> {
  const patches = await readPatches(fixture(name), name);
  expect(patches).toHaveLength(1);
  return patches[0]!;
}

/** A file of a fixture tree; trees/shifted and trees/conflict hold only what differs from trees/base. */
function treeFile(tree: string, path: string): string {
  return fixture(existsSync(join(FIXTURES, tree, path)) ? `${tree}/${path}` : `trees/base/${path}`);
}

function file(patch: Patch, path: string): FilePatch {
  const found = patch.files.find((fp) => (fp.newPath ?? fp.oldPath) === path);
  if (!found) throw new Error(`no file patch for ${path}`);
  return found;
}

function applyError(run: () => unknown): PatchError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PatchError);
    return error as PatchError;
  }
  throw new Error('expected a PatchError');
}

/** A LineMap as plain data, for toEqual. */
function plain(map: LineMap): { oldLineOf: number[]; added: number[]; deletedAt: number[] } {
  const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
  return { oldLineOf: [...map.oldLineOf], added: sorted(map.added), deletedAt: sorted(map.deletedAt) };
}

/** A one-file patch from a diff written inline. */
async function inlinePatch(diff: string): Promise<Patch> {
  const [patch] = await readPatches(diff, 'inline.diff');
  return patch!;
}

describe('applying the fixtures, compared with what git apply / git am wrote', () => {
  test.each([
    ['two-files.diff', 'trees/base', 'expected/two-files'],
    ['two-files.diff', 'trees/shifted', 'expected/shifted'],
    ['traditional.diff', 'trees/base', 'expected/two-files'],
    ['single.patch', 'trees/base', 'expected/two-files'],
    ['qp.eml', 'trees/base', 'expected/encoded'],
    ['base64.eml', 'trees/base', 'expected/encoded'],
  ])('%s on %s', async (name, tree, expected) => {
    const patch = await onePatch(name);
    for (const fp of patch.files) {
      const path = fp.newPath!;
      const original = treeFile(tree, fp.oldPath!);
      expect(applyFilePatch(original, fp, patch).text).toBe(fixture(`${expected}/${path}`));
    }
  });

  test('offset search places each hunk of the shifted tree', async () => {
    // trees/shifted has 5 extra lines above hunk 1 of mm/pgwalk.c and 2 more before hunk 3.
    const patch = await onePatch('two-files.diff');
    const fp = file(patch, 'mm/pgwalk.c');
    const { lineMap } = applyFilePatch(fixture('trees/shifted/mm/pgwalk.c'), fp, patch);
    // The first added line of each hunk, in the post-patch file: stated +5, +5, +7.
    const firstAdded = fp.hunks.map((hunk) => {
      const before = hunk.lines.findIndex((line) => line.kind === '+');
      return hunk.newStart + before;
    });
    expect(firstAdded).toEqual([26, 39, 84]);
    expect(firstAdded.map((line, k) => line + [5, 5, 7][k]!).every((line) => lineMap.added.has(line))).toBe(true);
  });

  test('a series applies patch by patch', async () => {
    const patches = await readPatches(fixture('series.mbox'), 'series.mbox');
    const tree = new Map<string, string>();
    const read = (path: string) => tree.get(path) ?? fixture(`trees/base/${path}`);
    for (const patch of patches) {
      for (const fp of patch.files) tree.set(fp.newPath!, applyFilePatch(read(fp.oldPath!), fp, patch).text);
    }
    expect([...tree.keys()].sort()).toEqual(['include/linux/pgwalk.h', 'mm/pgwalk.c', 'mm/reclaim_hint.c']);
    for (const [path, text] of tree) expect(text).toBe(fixture(`expected/series/${path}`));
  });

  test('a hunk that does not match is patch-does-not-apply, naming patch, file, hunk and the first mismatch', async () => {
    const patch = await onePatch('single.patch');
    const error = applyError(() => applyFilePatch(fixture('trees/conflict/mm/pgwalk.c'), file(patch, 'mm/pgwalk.c'), patch));
    expect(error.kind).toBe('patch-does-not-apply');
    expect(error.message).toContain('patch "mm/pgwalk: stop walking on fatal signals" (single.patch) does not apply to mm/pgwalk.c');
    expect(error.message).toContain(
      'hunk 2 (@@ -34,14 +36,18 @@ static int pgwalk_pmd_range(struct vm_area_struct *vma, pmd_t *pmd,)',
    );
    expect(error.message).toContain('At line 34 the patch expects `\tspinlock_t *ptl;`, but the file has `\tspinlock_t *lock;`');
    // Worded for every front door: only the CLI knows the tree came from --tree, and adds it.
    expect(error.message).not.toContain('--tree');
    expect(error.message).toContain('Check that the tree is the one the patch was made against');
  });

  test('a plain diff that does not apply names its source', async () => {
    const patch = await onePatch('two-files.diff');
    const error = applyError(() => applyFilePatch(fixture('trees/conflict/mm/pgwalk.c'), patch.files[0]!, patch));
    expect(error.message).toMatch(/^the patch in two-files\.diff does not apply to mm\/pgwalk\.c: hunk 2 /);
  });
});

describe('file patch kinds', () => {
  let assorted: Patch;
  beforeAll(async () => {
    assorted = await onePatch('assorted.diff');
  });

  test('new file from an empty original', () => {
    const { text, lineMap } = applyFilePatch('', file(assorted, 'mm/walk_hints.h'), assorted);
    expect(text).toBe(fixture('expected/assorted/mm/walk_hints.h'));
    expect(plain(lineMap)).toEqual({ oldLineOf: [0, 0, 0, 0, 0, 0, 0, 0], added: [1, 2, 3, 4, 5, 6, 7], deletedAt: [] });
  });

  test('a new file that already exists does not apply', () => {
    const error = applyError(() => applyFilePatch('int x;\n', file(assorted, 'mm/walk_hints.h'), assorted));
    expect(error.kind).toBe('patch-does-not-apply');
    expect(error.message).toContain('it creates mm/walk_hints.h, but that file already exists');
  });

  test('deleted file leaves nothing', () => {
    const { text, lineMap } = applyFilePatch(fixture('trees/base/mm/pagecache_probe.c'), file(assorted, 'mm/pagecache_probe.c'), assorted);
    expect(text).toBe('');
    expect(plain(lineMap)).toEqual({ oldLineOf: [0], added: [], deletedAt: [] });
  });

  test('a deletion that leaves lines behind does not apply', () => {
    const original = `${fixture('trees/base/mm/pagecache_probe.c')}/* vendor addition */\n`;
    const error = applyError(() => applyFilePatch(original, file(assorted, 'mm/pagecache_probe.c'), assorted));
    expect(error.kind).toBe('patch-does-not-apply');
  });

  test('rename with edits, pure rename and non-ASCII path', () => {
    const edited = applyFilePatch(fixture('trees/base/mm/old_walk_stats.c'), file(assorted, 'mm/walk_stats.c'), assorted);
    expect(edited.text).toBe(fixture('expected/assorted/mm/walk_stats.c'));
    const renamed = applyFilePatch(fixture('trees/base/mm/legacy_scan.c'), file(assorted, 'mm/scan_legacy.c'), assorted);
    expect(renamed.text).toBe(fixture('expected/assorted/mm/scan_legacy.c'));
    expect(plain(renamed.lineMap).oldLineOf).toEqual([0, 1, 2, 3, 4]);
    const cafe = applyFilePatch(fixture('trees/base/Documentation/mm/café.rst'), file(assorted, 'Documentation/mm/café.rst'), assorted);
    expect(cafe.text).toBe(fixture('expected/assorted/Documentation/mm/café.rst'));
  });

  test('a binary file patch is binary-patch', () => {
    const error = applyError(() => applyFilePatch('', file(assorted, 'firmware/mm-test.bin'), assorted));
    expect(error.kind).toBe('binary-patch');
  });
});

describe('line endings', () => {
  test('CRLF file from a git diff that carries the CRs', async () => {
    const patch = await onePatch('crlf.diff');
    const { text } = applyFilePatch(fixture('trees/base/tools/mm/crlf_sample.c'), patch.files[0]!, patch);
    expect(text).toBe(fixture('expected/crlf/tools/mm/crlf_sample.c'));
    expect(text.split('\r\n')).toHaveLength(16);
  });

  test('CRLF file from a mail that lost the CRs: matched anyway, added lines take the file endings', async () => {
    const patch = await onePatch('crlf-mail.patch');
    const { text } = applyFilePatch(fixture('trees/base/tools/mm/crlf_sample.c'), patch.files[0]!, patch);
    expect(text).toBe(fixture('expected/crlf/tools/mm/crlf_sample.c'));
  });

  test('missing final newline, kept or added', async () => {
    const patch = await onePatch('no-newline.diff');
    for (const path of ['mm/gets_newline.c', 'mm/tail_nonl.c']) {
      const { text } = applyFilePatch(fixture(`trees/base/${path}`), file(patch, path), patch);
      expect(text).toBe(fixture(`expected/no-newline/${path}`));
    }
    const tail = applyFilePatch(fixture('trees/base/mm/tail_nonl.c'), file(patch, 'mm/tail_nonl.c'), patch).text;
    expect(tail.endsWith('}')).toBe(true);
  });

  test('a patch expecting a final newline does not match a file without one', async () => {
    const patch = await inlinePatch('--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n');
    const error = applyError(() => applyFilePatch('a\nb', patch.files[0]!, patch));
    expect(error.message).toContain('At line 2 the patch expects `b`, but the file has `b` (with no newline at the end of the file)');
  });
});

describe('hunk placement', () => {
  const original = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', ''].join('\n');

  test('a hunk found before its stated line (backward offset search)', async () => {
    const patch = await inlinePatch('--- a/f\n+++ b/f\n@@ -6,3 +6,3 @@\n four\n-five\n+FIVE\n six\n');
    const { text, lineMap } = applyFilePatch(original, patch.files[0]!, patch);
    expect(text).toBe(original.replace('five', 'FIVE'));
    expect([...lineMap.added]).toEqual([5]);
  });

  test('the offset found for one hunk carries over to the next', async () => {
    const shifted = `zero\nzero\n${original}`;
    const patch = await inlinePatch(
      '--- a/f\n+++ b/f\n@@ -2,3 +2,3 @@\n two\n-three\n+THREE\n four\n@@ -7,3 +7,3 @@\n seven\n-eight\n+EIGHT\n nine\n',
    );
    const { text, lineMap } = applyFilePatch(shifted, patch.files[0]!, patch);
    expect(text).toBe(shifted.replace('three', 'THREE').replace('eight', 'EIGHT'));
    expect([...lineMap.added]).toEqual([5, 10]);
  });

  test('a later hunk is never placed on or before an earlier one', async () => {
    // Both hunks want the same lines; after the first takes them, the second matches nowhere.
    const patch = await inlinePatch(
      '--- a/f\n+++ b/f\n@@ -2,3 +2,3 @@\n two\n-three\n+THREE\n four\n@@ -8,3 +8,3 @@\n two\n-three\n+3\n four\n',
    );
    const error = applyError(() => applyFilePatch(original, patch.files[0]!, patch));
    expect(error.kind).toBe('patch-does-not-apply');
    expect(error.message).toContain('hunk 2 (@@ -8,3 +8,3 @@) matches nowhere in the file after the previous hunk');
  });

  test('a hunk at line 1 must match at the top, as in git', async () => {
    const patch = await inlinePatch('--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n');
    expect(applyFilePatch(original, patch.files[0]!, patch).text).toBe(original.replace('two', 'TWO'));
    const error = applyError(() => applyFilePatch(`zero\n${original}`, patch.files[0]!, patch));
    expect(error.message).toContain('At line 1 the patch expects `one`, but the file has `zero`');
  });

  test('an empty line the patch expects is named in words, not as an empty quote', async () => {
    const patch = await inlinePatch('--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n \n-two\n+TWO\n three\n');
    const error = applyError(() => applyFilePatch(original, patch.files[0]!, patch));
    expect(error.message).toContain('At line 1 the patch expects an empty line, but the file has `one`');
  });

  test('a line that differs only in white space is named as a mailer\'s damage (sweep R)', async () => {
    const tabbed = original.replace('two', '\ttwo = 2;');
    const patch = await inlinePatch('--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n one\n-        two = 2;\n+        TWO = 2;\n three\n');
    const error = applyError(() => applyFilePatch(tabbed, patch.files[0]!, patch));
    expect(error.message).toContain('the two differ only in white space, so a mailer or an editor probably changed the patch (tabs into spaces, say)');
  });

  test('a hunk without trailing context must match at the end, as in git', async () => {
    const patch = await inlinePatch('--- a/f\n+++ b/f\n@@ -9,2 +9,2 @@\n nine\n-ten\n+TEN\n');
    expect(applyFilePatch(original, patch.files[0]!, patch).text).toBe(original.replace('ten', 'TEN'));
    const error = applyError(() => applyFilePatch(`${original}eleven\n`, patch.files[0]!, patch));
    expect(error.kind).toBe('patch-does-not-apply');
    // It matches at line 9 of the longer file: the message names the missing trailing context.
    expect(error.message).toContain('hunk 1 (@@ -9,2 +9,2 @@) has no unchanged line after its last change, which tells `git apply` and `patch` that it ends the file, but it matches at line 9, not at the end.');
    // Matching nowhere at all, it is the usual mismatch.
    const nowhere = applyError(() => applyFilePatch(original.replace('nine', 'NINE'), patch.files[0]!, patch));
    expect(nowhere.message).toContain('matches nowhere in the file');
  });

  test('diff -U0 hunks (no context at all) apply at their stated lines', async () => {
    const patch = await inlinePatch('--- a/f\n+++ b/f\n@@ -3 +3 @@\n-three\n+THREE\n@@ -5,0 +6,1 @@\n+five and a half\n');
    const { text } = applyFilePatch(original, patch.files[0]!, patch);
    expect(text).toBe(original.replace('three', 'THREE').replace('five\n', 'five\nfive and a half\n'));
  });
});

describe('line maps', () => {
  // a b c d e -> a b X Y d: c replaced by X, Y; e deleted at the end.
  const diff = '--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n a\n b\n-c\n+X\n+Y\n d\n-e\n';
  const expected = { oldLineOf: [0, 1, 2, 0, 0, 4], added: [3, 4], deletedAt: [3, 5] };

  test('applyFilePatch: oldLineOf, added, deletedAt', async () => {
    const patch = await inlinePatch(diff);
    const { text, lineMap } = applyFilePatch('a\nb\nc\nd\ne\n', patch.files[0]!, patch);
    expect(text).toBe('a\nb\nX\nY\nd\n');
    expect(lineMap.oldLineOf).toBeInstanceOf(Int32Array);
    expect(plain(lineMap)).toEqual(expected);
  });

  test('lineMapFromHunks gives the same map without the file', async () => {
    const patch = await inlinePatch(diff);
    expect(plain(lineMapFromHunks(patch.files[0]!, 5))).toEqual(expected);
  });

  test('lineMapFromHunks maps the lines between and after hunks', async () => {
    const patch = await onePatch('two-files.diff');
    const fp = file(patch, 'mm/pgwalk.c');
    const applied = applyFilePatch(fixture('trees/base/mm/pgwalk.c'), fp, patch);
    const newLineCount = applied.text.split('\n').length - 1;
    expect(plain(lineMapFromHunks(fp, newLineCount))).toEqual(plain(applied.lineMap));
    expect(applied.lineMap.oldLineOf[1]).toBe(1);
    expect([newLineCount, applied.lineMap.oldLineOf[newLineCount]]).toEqual([89, 80]);
    expect([...applied.lineMap.deletedAt]).toEqual([47]);
  });

  test('a pure deletion is recorded at the line after it', async () => {
    const patch = await inlinePatch('--- a/f\n+++ b/f\n@@ -1,3 +1,2 @@\n a\n-b\n c\n');
    const { lineMap } = applyFilePatch('a\nb\nc\n', patch.files[0]!, patch);
    expect(plain(lineMap)).toEqual({ oldLineOf: [0, 1, 3], added: [], deletedAt: [2] });
  });
});

describe('sparse images from the diff alone', () => {
  test('post-image lines sit at their true line numbers', async () => {
    const patch = await onePatch('two-files.diff');
    const fp = file(patch, 'mm/pgwalk.c');
    const { text, known } = postImageFromHunks(fp);
    const full = fixture('expected/two-files/mm/pgwalk.c').split('\n');
    const sparse = text.split('\n');
    expect([...known].sort((a, b) => a - b)).toEqual([
      ...Array.from({ length: 8 }, (_, i) => 23 + i),
      ...Array.from({ length: 18 }, (_, i) => 36 + i),
      ...Array.from({ length: 9 }, (_, i) => 81 + i),
    ]);
    for (let line = 1; line <= 89; line++) expect(sparse[line - 1]).toBe(known.has(line) ? full[line - 1] : '');
    expect(sparse).toHaveLength(90);
  });

  test('pre-image lines likewise', async () => {
    const patch = await onePatch('two-files.diff');
    const { text, known } = preImageFromHunks(file(patch, 'mm/reclaim_hint.c'));
    const full = fixture('trees/base/mm/reclaim_hint.c').split('\n');
    const sparse = text.split('\n');
    expect(known.size).toBe(14);
    for (const line of known) expect(sparse[line - 1]).toBe(full[line - 1]);
    expect(sparse[0]).toBe('');
  });

  test('a file that ends without newline ends the sparse image without one', async () => {
    const patch = await onePatch('no-newline.diff');
    expect(postImageFromHunks(file(patch, 'mm/tail_nonl.c')).text.endsWith('}')).toBe(true);
    expect(preImageFromHunks(file(patch, 'mm/gets_newline.c')).text).toBe('// SPDX-License-Identifier: GPL-2.0\nint gets_newline;\n/* end */');
  });

  test('new and deleted files', async () => {
    const patch = await onePatch('assorted.diff');
    expect(postImageFromHunks(file(patch, 'mm/walk_hints.h')).text).toBe(fixture('expected/assorted/mm/walk_hints.h'));
    expect(preImageFromHunks(file(patch, 'mm/walk_hints.h'))).toEqual({ text: '', known: new Set() });
    expect(postImageFromHunks(file(patch, 'mm/pagecache_probe.c'))).toEqual({ text: '', known: new Set() });
  });
});
