/**
 * Unified diff parser, modelled on `git apply`. The hunks themselves are read by the parse-diff
 * package: the numbers and the section text of each `@@` header, and the kind and text of each
 * body line. The code here does what parse-diff does not do, or does differently from git:
 *
 * - It splits the input into file patches and steps over the junk before, between and after them
 *   (a note above a diff, a mail's `---` line and diffstat, the `-- ` signature). parse-diff starts
 *   a file at every `diff ` or `--- ` line; in a mail saved with CRLF that includes the lone
 *   `---` above the diffstat, since `\s` matches its CR.
 * - It reads git's extended headers (`rename`/`copy from`/`to`, `similarity index`, modes, the
 *   `index` line, `new file mode`/`deleted file mode`) and the names on the `diff --git` and
 *   `---`/`+++` lines: parse-diff skips renames, copies and similarity, leaves quoted names
 *   escaped (`caf\303\251.rst`), and knows nothing of `diff -N`'s epoch dates.
 * - It flags binary diffs (`Binary files ... differ`, `GIT binary patch`); parse-diff returns a
 *   file without chunks for them.
 * - It decides whether CRs are transport (dropped from every line) or file content (recorded as
 *   {@link HunkLine.crlf}); parse-diff splits at LF only and leaves a CR in the text.
 * - It reads `\ No newline at end of file`. parse-diff matches only that exact English line (not
 *   one ending in CR, not a translated one, which it takes as a context line) and records it as an
 *   extra change copied from the line before; here the marker lines are kept away from parse-diff
 *   and set {@link HunkLine.noNewline} instead.
 * - It checks each hunk: a well-formed header, line numbers below {@link MAX_LINE_NUMBER}, and body
 *   lines that add up to the header's counts, else `corrupt-hunk` naming the input line.
 *   parse-diff checks nothing. It reads every line (whatever its first character) as a hunk line
 *   until both counts reach zero: a hunk cut short swallows what follows (the `-- ` signature
 *   becomes a deleted line, the next `diff --git`, `---`, `+++` and `@@` lines become hunk lines),
 *   a `@@ -1,0 +1,0 @@` hunk swallows the line after it, and the surplus lines of a hunk longer
 *   than its header are dropped without a word. So each hunk goes to parse-diff alone, behind a
 *   minimal `---`/`+++` header, and only after these checks, bounded by its header's counts;
 *   parse-diff's answer is compared with those counts, and a difference is a bug here, not in
 *   the input.
 */
import parseUnifiedDiff from 'parse-diff';
import { PatchError, escapeControls, quoteText } from './errors.js';
import { formatHunkHeader } from './hunk-header.js';
import type { FilePatch, FileStatus, Hunk, HunkLine } from './types.js';

/** Where the lines handed to {@link parseDiff} came from, for error messages. */
export interface DiffOrigin {
  /** Names the patch, e.g. `patch 2/3 "mm: fix" (series.mbox)`. */
  patchName: string;
  /** Names 0-based line `index` of the lines handed over, e.g. `line 57 of series.mbox`. */
  where(index: number): string;
}

/**
 * Hunk line numbers above this are treated as corrupt. No source file comes near ten million
 * lines, and the limit keeps a forged header from making later steps allocate a sparse file of
 * billions of lines.
 */
const MAX_LINE_NUMBER = 10_000_000;

/** What the extended header lines of one `diff --git` file patch say. */
interface ExtendedHeader {
  status: FileStatus;
  binary: boolean;
  oldMode?: string;
  newMode?: string;
  similarity?: number;
  /** From `rename from`/`copy from`. */
  fromName?: string;
  toName?: string;
  /** From the `---`/`+++` lines: undefined when absent, null for `/dev/null`. */
  minusName?: string | null;
  plusName?: string | null;
}

const GIT_HEADER_KEYWORDS = [
  'old mode ',
  'new mode ',
  'deleted file mode ',
  'new file mode ',
  'rename from ',
  'rename old ',
  'rename to ',
  'rename new ',
  'copy from ',
  'copy to ',
  'similarity index ',
  'dissimilarity index ',
  'index ',
  '--- ',
  '+++ ',
  'Binary files ',
  'GIT binary patch',
] as const;

/** The git extended header keyword `line` starts with, and the rest of the line. */
function splitHeaderKeyword(line: string): [(typeof GIT_HEADER_KEYWORDS)[number] | null, string] {
  for (const keyword of GIT_HEADER_KEYWORDS) {
    if (line.startsWith(keyword)) return [keyword, line.slice(keyword.length)];
  }
  return [null, line];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;
const GIT_INDEX = /^index [0-9a-f]+\.\.[0-9a-f]+(?: ([0-7]{6}))?$/;
/** GNU diff's timestamp after a traditional header name, `2024-03-05 10:00:00.000000000 +0000`. */
const TRADITIONAL_DATE = /\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [+-]\d{4})?$/;
/** `diff -N` marks a missing side with the epoch instead of `/dev/null`. */
const EPOCH_DATE = /(?:1970-01-01|1969-12-31) \d\d:\d\d:\d\d(?:\.0+)? [+-]\d{4}$/;

/**
 * Parses every file patch in `lines`: a diff, possibly with junk before, between and after the
 * file patches (a mail's diffstat and signature, notes above a diff).
 *
 * Lines may still end with CR. When the diff's own header lines do, the whole text went through
 * a CRLF conversion and one CR goes from every line; otherwise a CR ending a hunk line belongs
 * to the file and is recorded as {@link HunkLine.crlf}.
 *
 * @throws PatchError `corrupt-hunk`, `corrupt-diff` or `unsupported-diff`.
 */
export function parseDiff(lines: readonly string[], origin: DiffOrigin): FilePatch[] {
  return new DiffParser(lines, origin).parse();
}

/** Drops one trailing CR. */
function chomp(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * A diff saved or sent with CRLF throughout has CRs on its own header lines too; those CRs are
 * transport, not content. In a plain `git diff` of a CRLF file only the content lines carry CR.
 */
function crlfTransported(lines: readonly string[]): boolean {
  for (const line of lines) {
    if (line.startsWith('diff --git ') || line.startsWith('--- ') || line.startsWith('+++ ')) {
      return line.endsWith('\r');
    }
  }
  return false;
}

class DiffParser {
  private readonly lines: readonly string[];
  private readonly origin: DiffOrigin;
  private pos = 0;

  constructor(lines: readonly string[], origin: DiffOrigin) {
    this.lines = crlfTransported(lines) ? lines.map(chomp) : lines;
    this.origin = origin;
  }

  parse(): FilePatch[] {
    const files: FilePatch[] = [];
    const { lines } = this;
    // Where each file's section starts: git writes one section per file, and a second one for
    // the same file is two diffs pasted together (reviewed as one, its findings would double).
    const sections = new Map<string, number>();
    const add = (file: FilePatch, at: number): void => {
      // Quoted names were written out as they were unquoted; unquoted ones (git quotes only
      // what its core.quotePath asks, other tools nothing) are written out here.
      if (file.oldPath !== null) file.oldPath = pathShown(file.oldPath);
      if (file.newPath !== null) file.newPath = pathShown(file.newPath);
      const path = file.newPath ?? file.oldPath ?? '';
      const first = sections.get(path);
      if (first !== undefined) {
        throw new PatchError(
          'corrupt-diff',
          `${this.origin.patchName} changes ${path} in two sections (${this.origin.where(first)} and ${this.origin.where(at)}), ` +
            'where git writes one per file: it looks like two diffs pasted together. Give them to widen as separate files ' +
            '(`widen review first.diff second.diff` reviews them as a series, one applied after the other).',
        );
      }
      sections.set(path, at);
      files.push(file);
    };
    while (this.pos < lines.length) {
      const line = lines[this.pos]!;
      const at = this.pos;
      if (line.startsWith('diff --git ')) {
        add(this.parseGitFile(), at);
      } else if (line.startsWith('diff --cc ') || line.startsWith('diff --combined ')) {
        throw new PatchError(
          'unsupported-diff',
          `${this.origin.patchName} holds a combined diff (${this.origin.where(this.pos)}), the kind git shows ` +
            'for a merge commit. widen reviews ordinary patches only: diff the merge against one parent ' +
            '(`git diff <merge>^1 <merge>`) and give widen that.',
        );
      } else if (this.startsTraditionalFile()) {
        add(this.parseTraditionalFile(), at);
      } else if (line.startsWith('@@ -')) {
        throw new PatchError(
          'corrupt-diff',
          `${this.origin.patchName} has a hunk without a file header at ${this.origin.where(this.pos)}: ` +
            'a `diff --git` or `---`/`+++` pair must name the file before its first `@@` line. ' +
            'The patch was probably cut or edited by hand; get an intact copy and try again.',
        );
      } else {
        this.pos++;
      }
    }
    return files;
  }

  private startsTraditionalFile(): boolean {
    const { lines, pos } = this;
    return (
      lines[pos]!.startsWith('--- ') &&
      (lines[pos + 1]?.startsWith('+++ ') ?? false) &&
      (lines[pos + 2]?.startsWith('@@ -') ?? false)
    );
  }

  private parseGitFile(): FilePatch {
    const headerIndex = this.pos;
    const rest = chomp(this.lines[headerIndex]!).slice('diff --git '.length);
    // `git diff --no-prefix` (or `diff.noprefix`): `diff --git mm/x.c mm/x.c`. With the usual
    // prefixes the two names always differ (`a/` and `b/`, or the mnemonic `i/`, `w/`, `c/`), so
    // two equal halves mean there is no prefix to strip; stripping one would turn mm/x.c into x.c.
    const unprefixed = hasEqualHalves(rest);
    const headerNames = unprefixed ? ([rest.slice(0, (rest.length - 1) / 2), rest.slice((rest.length + 1) / 2)].map(unquoteName) as [string, string]) : parseGitHeaderNames(rest);
    this.pos++;
    const header = this.parseExtendedHeader(unprefixed);

    if (header.minusName === null && header.plusName === null) throw this.bothDevNull(headerIndex);
    let status = header.status;
    if (header.minusName === null) status = 'added';
    if (header.plusName === null) status = 'deleted';
    const oldPath = status === 'added' ? null : (header.fromName ?? header.minusName ?? headerNames?.[0] ?? null);
    const newPath = status === 'deleted' ? null : (header.toName ?? header.plusName ?? headerNames?.[1] ?? null);
    if (oldPath === null && newPath === null) {
      throw new PatchError(
        'corrupt-diff',
        `${this.origin.patchName}: the git diff header at ${this.origin.where(headerIndex)} does not say ` +
          'which file it changes. The patch was probably cut or edited by hand; get an intact copy and try again.',
      );
    }

    const file: FilePatch = { oldPath, newPath, status, binary: header.binary, hunks: [] };
    if (header.oldMode !== undefined && status !== 'added') file.oldMode = header.oldMode;
    if (header.newMode !== undefined && status !== 'deleted') file.newMode = header.newMode;
    if (header.similarity !== undefined) file.similarity = header.similarity;
    if (!header.binary) this.parseHunks(file);
    return file;
  }

  /** Reads the lines between `diff --git` and the first hunk (or the next file patch). */
  private parseExtendedHeader(unprefixed: boolean): ExtendedHeader {
    const header: ExtendedHeader = { status: 'modified', binary: false };
    for (; this.pos < this.lines.length; this.pos++) {
      const line = chomp(this.lines[this.pos]!);
      const [keyword, value] = splitHeaderKeyword(line);
      switch (keyword) {
        case 'old mode ':
          header.oldMode = value;
          break;
        case 'new mode ':
          header.newMode = value;
          break;
        case 'deleted file mode ':
          header.status = 'deleted';
          header.oldMode = value;
          break;
        case 'new file mode ':
          header.status = 'added';
          header.newMode = value;
          break;
        case 'rename from ':
        case 'rename old ':
          header.status = 'renamed';
          header.fromName = parseHeaderPath(value);
          break;
        case 'rename to ':
        case 'rename new ':
          header.status = 'renamed';
          header.toName = parseHeaderPath(value);
          break;
        case 'copy from ':
          header.status = 'copied';
          header.fromName = parseHeaderPath(value);
          break;
        case 'copy to ':
          header.status = 'copied';
          header.toName = parseHeaderPath(value);
          break;
        case 'similarity index ': {
          const percent = Number.parseInt(value, 10);
          if (!Number.isNaN(percent)) header.similarity = percent;
          break;
        }
        case 'dissimilarity index ':
          // Only says how much a rewritten file changed; nothing to keep.
          break;
        case 'index ': {
          const mode = GIT_INDEX.exec(line)?.[1];
          if (mode !== undefined) {
            header.oldMode ??= mode;
            header.newMode ??= mode;
          }
          break;
        }
        case '--- ':
          header.minusName = parseMarkerPath(value, false, !unprefixed);
          break;
        case '+++ ':
          header.plusName = parseMarkerPath(value, false, !unprefixed);
          break;
        case 'Binary files ':
        case 'GIT binary patch':
          // The base85 data of a `GIT binary patch` never looks like a header, so the scan for
          // the next file patch steps over it.
          header.binary = true;
          this.pos++;
          return header;
        default:
          return header;
      }
    }
    return header;
  }

  private parseTraditionalFile(): FilePatch {
    const minusLine = chomp(this.lines[this.pos]!).slice('--- '.length);
    const plusLine = chomp(this.lines[this.pos + 1]!).slice('+++ '.length);
    this.pos += 2;
    const minusName = parseMarkerPath(minusLine, true);
    const plusName = parseMarkerPath(plusLine, true);
    if (minusName === null && plusName === null) throw this.bothDevNull(this.pos - 2);

    let file: FilePatch;
    if (minusName === null || EPOCH_DATE.test(minusLine)) {
      file = { oldPath: null, newPath: plusName ?? minusName, status: 'added', binary: false, hunks: [] };
    } else if (plusName === null || EPOCH_DATE.test(plusLine)) {
      file = { oldPath: minusName, newPath: null, status: 'deleted', binary: false, hunks: [] };
    } else {
      // Like git apply: `diff -u mm/a.c.orig mm/a.c` changes one file, named by the shorter name.
      const path = plusName.length < minusName.length ? plusName : minusName;
      file = { oldPath: path, newPath: path, status: 'modified', binary: false, hunks: [] };
    }
    file.markers = [`--- ${minusLine}`, `+++ ${plusLine}`];
    this.parseHunks(file);
    return file;
  }

  private parseHunks(file: FilePatch): void {
    // Any `@@` line here is meant as a hunk header: one that is not well formed (`@@ bogus`) is
    // corrupt, not junk to skip, or its hunk would vanish from the review without a word.
    while (this.pos < this.lines.length && this.lines[this.pos]!.startsWith('@@')) {
      file.hunks.push(this.parseHunk(file, file.hunks.length + 1));
    }
    for (let k = 1; k < file.hunks.length; k++) {
      const prev = file.hunks[k - 1]!;
      const hunk = file.hunks[k]!;
      // A hunk of no old lines inserts after its start line.
      const start = hunk.oldLines === 0 ? hunk.oldStart + 1 : hunk.oldStart;
      const prevEnd = prev.oldStart + prev.oldLines - 1;
      if (start <= prevEnd) {
        throw this.corrupt(
          file,
          hunk.index,
          `it starts at old line ${start}, ${start >= prev.oldStart ? 'inside' : 'before'} hunk ${prev.index} (old lines ${prev.oldStart}-${prevEnd}), ` +
            'but the hunks of one file must follow each other in order without overlapping',
        );
      }
    }
    for (const hunk of file.hunks) {
      const wrong = file.status === 'added' ? hunk.lines.find((l) => l.kind !== '+') : file.status === 'deleted' ? hunk.lines.find((l) => l.kind !== '-') : undefined;
      if (wrong) {
        throw this.corrupt(
          file,
          hunk.index,
          file.status === 'added'
            ? 'the file is new (its old side is /dev/null), yet the hunk has old lines to keep or remove'
            : 'the file is deleted (its new side is /dev/null), yet the hunk keeps or adds lines',
        );
      }
    }
    // A complete hunk followed by more hunk-like lines had a header that undercounts them;
    // applying it would silently drop those lines. `-- ` (mail signature) and `---`/`+++`
    // (headers, separators) are not hunk lines.
    const next = this.lines[this.pos];
    if (file.hunks.length > 0 && next !== undefined && /^[ +-]/.test(next) && !/^(?:--|\+\+\+ )/.test(next)) {
      const hunk = file.hunks[file.hunks.length - 1]!;
      throw this.corrupt(
        file,
        hunk.index,
        `its header \`${formatHunkHeader(hunk)}\` announces ${hunk.oldLines} old and ${hunk.newLines} new lines, ` +
          `but more hunk lines follow at ${this.origin.where(this.pos)} (\`${quoteText(chomp(next))}\`)`,
      );
    }
  }

  /**
   * Reads one hunk: checks its header, finds the end of its body by the header's counts (see
   * {@link readHunkBody}), and has parse-diff parse exactly that header and body.
   */
  private parseHunk(file: FilePatch, index: number): Hunk {
    const headerLine = chomp(this.lines[this.pos]!);
    const match = HUNK_HEADER.exec(headerLine);
    if (!match) {
      throw this.corrupt(file, index, `its header at ${this.origin.where(this.pos)} (\`${quoteText(headerLine)}\`) is malformed`);
    }
    const number = (text: string | undefined): number => (text === undefined ? 1 : Number(text));
    const counts: HunkCounts = {
      oldStart: number(match[1]),
      oldLines: number(match[2]),
      newStart: number(match[3]),
      newLines: number(match[4]),
    };
    // Line numbers matter only in the C files widen applies and reviews; a 20-million-line data
    // file beside them is skipped as any other file that is not C.
    const path = file.newPath ?? file.oldPath ?? '(unnamed file)';
    if (Math.max(counts.oldStart + counts.oldLines, counts.newStart + counts.newLines) > MAX_LINE_NUMBER && (/\.[ch]$/.test(file.newPath ?? '') || /\.[ch]$/.test(file.oldPath ?? ''))) {
      throw new PatchError(
        'input-too-large',
        `${this.origin.patchName}: hunk ${index} of ${path} names lines beyond line ${MAX_LINE_NUMBER.toLocaleString('en-US')} ` +
          `(\`${quoteText(headerLine)}\` at ${this.origin.where(this.pos)}), more than widen reviews in one file. ` +
          'No source file is that long: check the hunk header, or leave that file out of the diff.',
      );
    }
    this.pos++;
    return hunkFromParseDiff(index, headerLine, counts, this.readHunkBody(file, index, counts));
  }

  /**
   * Collects the body lines of a hunk whose header announces `counts`, as they stand in the
   * input, and the `\ No newline at end of file` markers among and right after them. Throws
   * `corrupt-hunk` when a line that is no hunk line, or the end of the input, comes before the
   * counts are used up, or when a line would take one side past its count.
   */
  private readHunkBody(file: FilePatch, index: number, counts: HunkCounts): HunkBody {
    const body: HunkBody = { lines: [], noNewline: new Set() };
    const markNoNewline = (): void => {
      if (body.lines.length > 0) body.noNewline.add(body.lines.length - 1);
    };
    let oldLeft = counts.oldLines;
    let newLeft = counts.newLines;
    const short = (at: string): PatchError =>
      this.corrupt(
        file,
        index,
        `its header \`${formatHunkHeader(counts)}\` announces ${counts.oldLines} old and ${counts.newLines} new lines, ` +
          `but ${at} ends it after ${counts.oldLines - oldLeft} and ${counts.newLines - newLeft}`,
      );
    // The empty string after the input's final newline is no line of it (not an empty context
    // line a mailer stripped): a hunk still short there ends with the input.
    const end = this.lines.length > 0 && this.lines[this.lines.length - 1] === '' ? this.lines.length - 1 : this.lines.length;
    while (oldLeft > 0 || newLeft > 0) {
      if (this.pos >= end) throw short(`the end of the input (${this.origin.where(Math.max(end - 1, 0))})`);
      const raw = this.lines[this.pos]!;
      // Mailers strip the lone space of an empty context line; git apply takes it back.
      const marker = raw === '' || raw === '\r' ? ' ' : raw[0];
      if (marker === '\\') {
        markNoNewline();
        this.pos++;
        continue;
      }
      if (marker !== ' ' && marker !== '+' && marker !== '-') throw short(`${this.origin.where(this.pos)} (\`${quoteText(chomp(raw))}\`)`);
      if ((marker !== '+' && oldLeft === 0) || (marker !== '-' && newLeft === 0)) {
        const side = marker === '-' ? 'old line' : marker === '+' ? 'new line' : 'context line';
        throw this.corrupt(
          file,
          index,
          `its header \`${formatHunkHeader(counts)}\` announces ${counts.oldLines} old and ${counts.newLines} new lines; ` +
            `after ${counts.oldLines - oldLeft} and ${counts.newLines - newLeft} of them, ` +
            `${this.origin.where(this.pos)} (\`${quoteText(chomp(raw))}\`) is one ${side} too many`,
        );
      }
      if (marker !== '+') oldLeft--;
      if (marker !== '-') newLeft--;
      body.lines.push(raw);
      this.pos++;
    }
    if (this.lines[this.pos]?.startsWith('\\')) {
      markNoNewline();
      this.pos++;
    }
    return body;
  }

  /** A file header whose old and new side are both /dev/null: it names no file at all. */
  private bothDevNull(at: number): PatchError {
    return new PatchError(
      'corrupt-diff',
      `${this.origin.patchName}: the file header at ${this.origin.where(at)} names /dev/null as both the old and the new file, ` +
        'so it neither creates, deletes nor changes a file. The patch was probably edited by hand; get an intact copy and try again.',
    );
  }

  private corrupt(file: FilePatch, index: number, what: string): PatchError {
    const path = file.newPath ?? file.oldPath ?? '(unnamed file)';
    return new PatchError(
      'corrupt-hunk',
      `${this.origin.patchName}: hunk ${index} of ${path} is corrupt: ${what}. The patch was cut short or ` +
        'edited by hand (or a mailer rewrapped it); get an intact copy (for a mail, save it again or ' +
        'fetch it with `b4 am`) and try again.',
    );
  }
}

type HunkCounts = Pick<Hunk, 'oldStart' | 'oldLines' | 'newStart' | 'newLines'>;

/** A hunk body as checked against its header, before parse-diff reads it. */
interface HunkBody {
  /** The body lines as in the input (a CR of file content still on), without `\` markers. */
  lines: string[];
  /** Indices into `lines` of the lines followed by `\ No newline at end of file`. */
  noNewline: Set<number>;
}

/**
 * Has parse-diff parse one checked hunk and maps its chunk to a {@link Hunk}. The text ends
 * with the last body line, not a newline: parse-diff would take the empty line after it as one
 * more context line of a hunk whose counts are both zero.
 */
function hunkFromParseDiff(index: number, headerLine: string, counts: HunkCounts, body: HunkBody): Hunk {
  const [file] = parseUnifiedDiff(['--- a/x', '+++ b/x', headerLine, ...body.lines].join('\n'));
  const chunk = file?.chunks[0];
  if (
    file?.chunks.length !== 1 ||
    chunk === undefined ||
    chunk.changes.length !== body.lines.length ||
    chunk.oldStart !== counts.oldStart ||
    chunk.oldLines !== counts.oldLines ||
    chunk.newStart !== counts.newStart ||
    chunk.newLines !== counts.newLines
  ) {
    throw new Error(`parse-diff read the hunk \`${headerLine}\` differently from widen's own check of its header and lines`);
  }
  const lines = chunk.changes.map((change, k): HunkLine => {
    const kind = change.type === 'add' ? '+' : change.type === 'del' ? '-' : ' ';
    // parse-diff keeps the marker in `content`; an empty context line whose space a mailer
    // stripped has none.
    const text = kind === ' ' && !change.content.startsWith(' ') ? change.content : change.content.slice(1);
    const line = hunkLine(kind, text);
    if (body.noNewline.has(k)) line.noNewline = true;
    return line;
  });
  // parse-diff keeps the whole header line as `content`; the section follows its closing `@@`.
  const section = chunk.content.slice(chunk.content.indexOf('@@', 2) + 2).replace(/^ /, '');
  const { oldStart, oldLines, newStart, newLines } = chunk;
  return { index, oldStart, oldLines, newStart, newLines, section, lines };
}

function hunkLine(kind: HunkLine['kind'], text: string): HunkLine {
  if (text.endsWith('\r')) return { kind, text: text.slice(0, -1), crlf: true };
  return { kind, text };
}

/** Strips the first path component (`a/`, `b/`, or any other prefix), as `git apply -p1` does. */
function stripPrefix(name: string): string {
  const slash = name.indexOf('/');
  return slash < 0 ? name : name.slice(slash + 1);
}

/** The path on a `rename from`/`copy to` line: full, possibly quoted, never prefixed. */
function parseHeaderPath(text: string): string {
  return text.startsWith('"') ? (unquoteCString(text)?.value ?? text) : text;
}

/** Whether a `diff --git` line's rest is one name twice (`mm/x.c mm/x.c`, or quoted). */
function hasEqualHalves(rest: string): boolean {
  if (rest.length % 2 === 0) return false;
  const middle = (rest.length - 1) / 2;
  return rest[middle] === ' ' && rest.slice(0, middle) === rest.slice(middle + 1);
}

function unquoteName(name: string): string {
  return name.startsWith('"') ? (unquoteCString(name)?.value ?? name) : name;
}

/** The path on a `---`/`+++` line, prefix stripped (unless `strip` is false), or null for `/dev/null`. */
function parseMarkerPath(text: string, traditional: boolean, strip = true): string | null {
  let name: string;
  const quoted = text.startsWith('"') ? unquoteCString(text) : null;
  if (quoted) {
    name = quoted.value;
  } else {
    // git ends a name that holds a space with a TAB; GNU diff puts the timestamp after one.
    const tab = text.indexOf('\t');
    name = tab < 0 ? text : text.slice(0, tab);
    if (traditional) name = name.replace(TRADITIONAL_DATE, '');
    name = name.trimEnd();
  }
  if (name === '/dev/null') return null;
  return strip ? stripPrefix(name) : name;
}

/**
 * The two names on a `diff --git a/x b/y` line, prefixes stripped. Unquoted names may hold
 * spaces, so for an unquoted line the split is found the way git finds it: the one where both
 * halves name the same file. Renames carry `rename from/to` lines, which win over these names.
 */
function parseGitHeaderNames(rest: string): [string, string] | null {
  if (rest.startsWith('"')) {
    const first = unquoteCString(rest);
    if (!first) return null;
    const tail = first.rest.replace(/^ /, '');
    const second = tail.startsWith('"') ? unquoteCString(tail)?.value : tail;
    return second === undefined ? null : [stripPrefix(first.value), stripPrefix(second)];
  }
  const quotedSecond = rest.indexOf(' "');
  if (quotedSecond > 0) {
    const second = unquoteCString(rest.slice(quotedSecond + 1));
    if (second) return [stripPrefix(rest.slice(0, quotedSecond)), stripPrefix(second.value)];
  }
  if (rest.length % 2 === 1) {
    const middle = (rest.length - 1) / 2;
    const left = rest.slice(0, middle);
    const right = rest.slice(middle + 1);
    if (rest[middle] === ' ' && stripPrefix(left) === stripPrefix(right)) return [stripPrefix(left), stripPrefix(right)];
  }
  const split = rest.indexOf(' b/');
  if (split > 0) return [stripPrefix(rest.slice(0, split)), stripPrefix(rest.slice(split + 1))];
  return null;
}

const C_ESCAPES = new Map(Object.entries({ a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 }));
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/**
 * A path's control characters written out (`\n`, `\t`, `\x1b`): a path holding a newline or an
 * escape sequence would otherwise break every line of text, Markdown or mail that names it, or
 * reach the terminal. A file of that name is then not found in a tree, and is noted as unreadable.
 */
function pathShown(path: string): string {
  return escapeControls(path.replace(/\n/g, '\\n').replace(/\t/g, '\\t'));
}

/**
 * Undoes git's C-style path quoting (`"a/caf\303\251.c"`): escapes and octal bytes, the bytes
 * read as UTF-8. Returns the value and the text after the closing quote, or null when `text`
 * is not a well-formed quoted string.
 */
function unquoteCString(text: string): { value: string; rest: string } | null {
  if (!text.startsWith('"')) return null;
  const bytes: number[] = [];
  for (let i = 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') return { value: pathShown(utf8Decoder.decode(Uint8Array.from(bytes))), rest: text.slice(i + 1) };
    if (ch !== '\\') {
      const code = ch.codePointAt(0)!;
      if (code < 0x80) bytes.push(code);
      else {
        const encoded = String.fromCodePoint(code);
        bytes.push(...utf8Encoder.encode(encoded));
        i += encoded.length - 1;
      }
      continue;
    }
    const next = text[i + 1];
    if (next === undefined) return null;
    const octal = /^[0-3][0-7][0-7]/.exec(text.slice(i + 1, i + 4));
    if (octal) {
      bytes.push(Number.parseInt(octal[0], 8));
      i += 3;
    } else if (C_ESCAPES.has(next)) {
      bytes.push(C_ESCAPES.get(next)!);
      i += 1;
    } else {
      return null;
    }
  }
  return null;
}
