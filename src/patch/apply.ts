/**
 * Applying a file patch in memory, the way `git apply` does without fuzz, and the line maps
 * that tie post-patch lines to pre-patch ones.
 */
import { formatHunkHeader } from './hunk-header.js';
import { PatchError, describePatch, quoteText } from './errors.js';
import type { FilePatch, Hunk, HunkLine, LineMap, Patch } from './types.js';

/** One line of a file: `content` without its `\n` (a CRLF line keeps its `\r` here). */
interface FileLine {
  content: string;
  newline: boolean;
}

/** A post-patch (or pre-patch) file rebuilt from the diff alone; see {@link postImageFromHunks}. */
export interface SparseImage {
  /** The file with every line the diff does not carry left empty; LF line endings. */
  text: string;
  /** 1-based line numbers whose content the diff carries. */
  known: Set<number>;
}

function splitFileLines(text: string): FileLine[] {
  if (text === '') return [];
  const pieces = text.split('\n');
  const last = pieces.pop()!;
  const lines: FileLine[] = pieces.map((content) => ({ content, newline: true }));
  if (last !== '') lines.push({ content: last, newline: false });
  return lines;
}

/**
 * What two lines are compared by. A line's own CRLF is its line ending, not its content, so a
 * diff whose CRs were lost in a mail still matches a CRLF file; a line without a final newline
 * keeps any CR it ends with, since that CR is then content.
 */
function fileLineKey(line: FileLine): string {
  return line.newline && line.content.endsWith('\r') ? line.content.slice(0, -1) : line.content;
}

function hunkLineKey(line: HunkLine): string {
  return line.noNewline && line.crlf ? `${line.text}\r` : line.text;
}

function sameLine(fileLine: FileLine | undefined, hunkLine: HunkLine): boolean {
  return (
    fileLine !== undefined && fileLine.newline === !hunkLine.noNewline && fileLineKey(fileLine) === hunkLineKey(hunkLine)
  );
}

/**
 * Applies one file patch to the file's pre-patch text, as `git apply` does without fuzz:
 * context and `-` lines must match exactly. A hunk that does not match where its header says is
 * looked for at growing distances from there (first after, then before, alternately) across the
 * whole file, always after the previous hunk; the offset found carries over to the next hunk. As
 * in git, a hunk starting at line 1 must match at the top of the file and a hunk without
 * trailing context at its end, unless no hunk of the file has any context (`diff -U0`), which
 * is applied like `git apply --unidiff-zero`.
 *
 * Line endings: lines are matched whatever their CRLF/LF ending; unchanged lines keep theirs,
 * and added lines take the ending the diff gives them, or the file's own (that of its first
 * line) when the diff carries no CRs at all, as after a trip through mail.
 *
 * @param original the pre-patch file; '' for a file the patch creates.
 * @param patch the patch `fp` belongs to, named in error messages.
 * @returns the post-patch text ('' for a deleted file) and its {@link LineMap}.
 * @throws PatchError `patch-does-not-apply` when a hunk cannot be placed, a created file exists
 *   already or a deleted file keeps content; `binary-patch` for a binary diff (check
 *   `fp.binary` first and skip those).
 */
export function applyFilePatch(original: string, fp: FilePatch, patch: Patch): { text: string; lineMap: LineMap } {
  const path = fp.newPath ?? fp.oldPath ?? '(unnamed file)';
  if (fp.binary) {
    throw new PatchError(
      'binary-patch',
      `${describePatch(patch)} changes ${path} as a binary file, which widen does not apply. ` +
        'Skip binary file patches before applying (they have no source to review).',
    );
  }
  if (fp.status === 'added' && original !== '') {
    throw new PatchError(
      'patch-does-not-apply',
      `${describePatch(patch)} does not apply: it creates ${path}, but that file already exists in the tree. ` +
        'Check that the tree is the one the patch was made against (the right branch or commit, with the ' +
        'earlier patches of its series applied).',
    );
  }

  const oldLines = splitFileLines(original);
  const positions = placeHunks(oldLines, fp, patch, path);
  const diffCarriesCr = fp.hunks.some((hunk) => hunk.lines.some((line) => line.crlf));
  const fileEol = oldLines.find((line) => line.newline)?.content.endsWith('\r') ? '\r\n' : '\n';
  const lineEnding = (line: HunkLine): string => {
    if (line.noNewline) return diffCarriesCr && line.crlf ? '\r' : '';
    if (diffCarriesCr) return line.crlf ? '\r\n' : '\n';
    return fileEol;
  };

  const out: string[] = [];
  const map = new LineMapBuilder();
  let cursor = 0;
  const copyUnchanged = (until: number): void => {
    for (; cursor < until; cursor++) {
      const line = oldLines[cursor]!;
      out.push(line.newline ? `${line.content}\n` : line.content);
      map.keep();
    }
  };
  fp.hunks.forEach((hunk, k) => {
    copyUnchanged(positions[k]!);
    for (const line of hunk.lines) {
      if (line.kind === '+') {
        out.push(line.text + lineEnding(line));
        map.add();
      } else if (line.kind === ' ') {
        copyUnchanged(cursor + 1);
      } else {
        cursor++;
        map.remove();
      }
    }
  });
  copyUnchanged(oldLines.length);

  const text = out.join('');
  if (fp.status === 'deleted' && text !== '') {
    throw new PatchError(
      'patch-does-not-apply',
      `${describePatch(patch)} does not apply: it deletes ${path}, but the file in the tree has ${out.length} ` +
        'more lines than the patch removes. Check that the tree is the one the patch was made against.',
    );
  }
  return { text, lineMap: map.finish(out.length) };
}

/** The 0-based line of the pre-patch file at which each hunk's old lines start. */
function placeHunks(oldLines: readonly FileLine[], fp: FilePatch, patch: Patch, path: string): number[] {
  // `git apply --unidiff-zero`: without any context, a hunk has nothing to anchor it but its header.
  const unidiffZero = fp.hunks.length > 0 && fp.hunks.every((hunk) => hunk.lines.every((line) => line.kind !== ' '));
  const positions: number[] = [];
  let offset = 0;
  let earliest = 0;
  for (const hunk of fp.hunks) {
    const preimage = hunk.lines.filter((line) => line.kind !== '+');
    // A hunk without old lines inserts after line oldStart; others start at line oldStart.
    const stated = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
    const latest = oldLines.length - preimage.length;
    const matchBeginning = hunk.oldStart === 0 || (hunk.oldStart === 1 && !unidiffZero);
    const matchEnd = !unidiffZero && trailingContext(hunk) === 0;
    const fits = (at: number): boolean =>
      (!matchBeginning || at === 0) &&
      (!matchEnd || at === latest) &&
      preimage.every((line, i) => sameLine(oldLines[at + i], line));

    const expected = Math.min(Math.max(stated + offset, earliest), Math.max(latest, earliest));
    const found = searchOutward(expected, earliest, latest, fits);
    if (found === null) {
      // Cut by hand, a hunk often loses its trailing context, which makes it an end-of-file hunk
      // to git: say so when it would match elsewhere but for that.
      const elsewhere = matchEnd ? searchOutward(expected, earliest, latest, (at) => (!matchBeginning || at === 0) && preimage.every((line, i) => sameLine(oldLines[at + i], line))) : null;
      if (elsewhere !== null) throw endsWithoutContext(patch, path, hunk, elsewhere + 1);
      const shown = matchBeginning ? 0 : matchEnd ? Math.max(latest, 0) : expected;
      throw notApplying(patch, path, hunk, describeMismatch(oldLines, preimage, shown), earliest > 0);
    }
    positions.push(found);
    offset = found - stated;
    earliest = found + preimage.length;
  }
  return positions;
}

/** Tries `start`, then start+1, start-1, start+2, ... within [low, high]; null when none fits. */
function searchOutward(start: number, low: number, high: number, fits: (at: number) => boolean): number | null {
  if (high < low) return null;
  if (fits(start)) return start;
  for (let distance = 1; start + distance <= high || start - distance >= low; distance++) {
    if (start + distance <= high && fits(start + distance)) return start + distance;
    if (start - distance >= low && fits(start - distance)) return start - distance;
  }
  return null;
}

function trailingContext(hunk: Hunk): number {
  let count = 0;
  for (let i = hunk.lines.length - 1; i >= 0 && hunk.lines[i]!.kind === ' '; i--) count++;
  return count;
}

function showHunkLine(line: HunkLine): string {
  return `${showText(line.text)}${line.noNewline ? ' (with no newline at the end of the file)' : ''}`;
}

function showFileLine(line: FileLine): string {
  return `${showText(fileLineKey(line).replace(/\r$/, ''))}${line.newline ? '' : ' (with no newline at the end of the file)'}`;
}

/** A line as a message quotes it; an empty one in words (`` names nothing a reader can find). */
function showText(text: string): string {
  if (text === '') return 'an empty line';
  if (text.trim() === '') return `a line of white space only (${text.length} characters)`;
  return `\`${quoteText(text)}\``;
}

/** The first preimage line that differs from the file when the hunk is laid at `at`. */
function describeMismatch(oldLines: readonly FileLine[], preimage: readonly HunkLine[], at: number): string {
  for (let i = 0; i < preimage.length; i++) {
    const expected = preimage[i]!;
    const actual = oldLines[at + i];
    if (actual === undefined) {
      return `The file ends after line ${oldLines.length}, where the patch expects ${showHunkLine(expected)}`;
    }
    if (!sameLine(actual, expected)) {
      // Tabs turned into spaces, or trailing white space lost: what a mailer or an editor does
      // to a patch pasted into it (sweep R), and the tree is not to blame.
      const squeezed = (t: string): string => t.replace(/\s+/g, ' ').trim();
      const spaceOnly = squeezed(fileLineKey(actual)) === squeezed(expected.text) ? ': the two differ only in white space, so a mailer or an editor probably changed the patch (tabs into spaces, say); send or save it with `git send-email` or `b4`' : '';
      return `At line ${at + i + 1} the patch expects ${showHunkLine(expected)}, but the file has ${showFileLine(actual)}${spaceOnly}`;
    }
  }
  return `Its lines are there at line ${at + 1}, but the hunk must start at the top of the file or end at its end`;
}

function endsWithoutContext(patch: Patch, path: string, hunk: Hunk, line: number): PatchError {
  const header = `${formatHunkHeader(hunk)}${hunk.section ? ` ${hunk.section}` : ''}`;
  return new PatchError(
    'patch-does-not-apply',
    `${describePatch(patch)} does not apply to ${path}: hunk ${hunk.index} (${header}) has no unchanged line after ` +
      'its last change, which tells `git apply` and `patch` that it ends the file, but it matches at line ' +
      `${line}, not at the end. The hunk was probably cut by hand: make the diff again (\`git diff\`, ` +
      '`git format-patch`), or end the hunk with the unchanged lines that follow in the file and count them in its header.',
  );
}

function notApplying(patch: Patch, path: string, hunk: Hunk, mismatch: string, afterEarlierHunk: boolean): PatchError {
  const header = `${formatHunkHeader(hunk)}${hunk.section ? ` ${hunk.section}` : ''}`;
  return new PatchError(
    'patch-does-not-apply',
    `${describePatch(patch)} does not apply to ${path}: hunk ${hunk.index} (${header}) matches nowhere in ` +
      `the file${afterEarlierHunk ? ' after the previous hunk' : ''}. ${mismatch}. Check that the tree is the one ` +
      'the patch was made against (the right branch or commit, with the earlier patches of its series ' +
      'applied), or rebase the patch onto your tree.',
  );
}

/**
 * Builds a {@link LineMap} while a post-patch file is walked from its first line: every new
 * line is either kept from the old file, or added; old lines may be removed in between.
 */
class LineMapBuilder {
  private readonly oldLineOf: number[] = [0];
  private readonly added = new Set<number>();
  private readonly deletedAt = new Set<number>();
  /** The next old line, 1-based. */
  private oldLine = 1;

  /** The next new line, 1-based. */
  get newLine(): number {
    return this.oldLineOf.length;
  }

  keep(): void {
    this.oldLineOf.push(this.oldLine++);
  }

  add(): void {
    this.added.add(this.newLine);
    this.oldLineOf.push(0);
  }

  remove(): void {
    this.deletedAt.add(this.newLine);
    this.oldLine++;
  }

  /** Resynchronises the old side, for a hunk placed by its header. */
  jumpOld(oldLine: number): void {
    this.oldLine = oldLine;
  }

  /** The map of a file with `newLineCount` lines; entries beyond it are dropped. */
  finish(newLineCount: number): LineMap {
    const oldLineOf = new Int32Array(newLineCount + 1);
    oldLineOf.set(this.oldLineOf.slice(0, newLineCount + 1));
    const inRange = (line: number): boolean => line >= 1 && line <= newLineCount;
    const deletedAt = new Set<number>();
    for (const line of this.deletedAt) {
      // A deletion after the last line still touches the code just above it.
      const at = Math.min(line, newLineCount);
      if (inRange(at)) deletedAt.add(at);
    }
    return { oldLineOf, added: new Set([...this.added].filter(inRange)), deletedAt };
  }
}

/**
 * The {@link LineMap} of a file patch from its hunk headers alone, for when there is no tree:
 * lines outside the hunks are taken to be unchanged, shifted by the hunks before them.
 *
 * @param newLineCount number of lines of the post-patch file (or of the part of it at hand).
 */
export function lineMapFromHunks(fp: FilePatch, newLineCount: number): LineMap {
  if (!Number.isInteger(newLineCount) || newLineCount < 0) {
    throw new RangeError(`lineMapFromHunks: newLineCount must be a non-negative integer, got ${newLineCount}`);
  }
  const map = new LineMapBuilder();
  for (const hunk of fp.hunks) {
    // Headers of empty sides name the line before: `@@ -5,0 +6,2 @@` inserts after old line 5.
    const newFirst = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart;
    const oldFirst = hunk.oldLines === 0 ? hunk.oldStart + 1 : hunk.oldStart;
    while (map.newLine < Math.min(newFirst, newLineCount + 1)) map.keep();
    map.jumpOld(oldFirst);
    for (const line of hunk.lines) {
      if (line.kind === ' ') map.keep();
      else if (line.kind === '+') map.add();
      else map.remove();
    }
  }
  while (map.newLine <= newLineCount) map.keep();
  return map.finish(newLineCount);
}

/**
 * The post-patch file as far as the diff shows it: context and `+` lines at their true new line
 * numbers, every other line empty. The file ends with the last line a hunk carries.
 */
export function postImageFromHunks(fp: FilePatch): SparseImage {
  return sparseImage(fp, 'new');
}

/** The pre-patch file as far as the diff shows it: context and `-` lines; see {@link postImageFromHunks}. */
export function preImageFromHunks(fp: FilePatch): SparseImage {
  return sparseImage(fp, 'old');
}

function sparseImage(fp: FilePatch, side: 'old' | 'new'): SparseImage {
  const otherSide = side === 'new' ? '-' : '+';
  const placed: HunkLine[] = [];
  const known = new Set<number>();
  for (const hunk of fp.hunks) {
    let lineNumber = side === 'new' ? hunk.newStart : hunk.oldStart;
    for (const line of hunk.lines) {
      if (line.kind === otherSide) continue;
      if (lineNumber >= 1) {
        placed[lineNumber - 1] = line;
        known.add(lineNumber);
      }
      lineNumber++;
    }
  }
  if (placed.length === 0) return { text: '', known };
  const lines = Array.from(placed, (line) => line?.text ?? '');
  const endsWithoutNewline = placed[placed.length - 1]?.noNewline === true;
  return { text: lines.join('\n') + (endsWithoutNewline ? '' : '\n'), known };
}
