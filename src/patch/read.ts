import { parseDiff } from './diff.js';
import { PatchError } from './errors.js';
import { isGitLog, readGitLog } from './gitlog.js';
import { MAX_INPUT_BYTES } from './limits.js';
export { STDIN_SOURCE } from './limits.js';
import { isMbox, isSingleMail, parseMail, splitMbox, type MailSpan, type ParsedMail } from './mail.js';
import type { Patch } from './types.js';
import { append } from '../append.js';
import { wordList } from '../words.js';

/** A series numbered beyond this is not a series but a mangled subject. */
const MAX_SERIES_LENGTH = 1000;

const utf8Encoder = new TextEncoder();


/** One input of a review: a file (or stdin) holding a diff, a mail or an mbox. */
export interface PatchInput {
  /** The text, or its raw bytes when at hand: mail bodies are then decoded by their own charset. */
  input: string | Uint8Array;
  /** Where it came from (a file name or `<stdin>`), for messages. */
  source: string;
}

export interface ReadOptions {
  /**
   * Accept a series with patches missing (`2/3` absent): the patches present are returned and
   * each gap is named in {@link SeriesReading.gaps} instead of failing with `missing-patch`.
   */
  allowGaps?: boolean;
}

export interface SeriesReading {
  /** The patches, in the order they apply. */
  patches: Patch[];
  /** One sentence per patch of the series that is missing (only with `allowGaps`). */
  gaps: string[];
}

/**
 * Reads the patches in `input`: a plain unified diff (`git diff`, `diff -u`, junk before it
 * allowed), one `git format-patch` mail (with or without its mbox `From ` line), or an mbox
 * holding a series. See {@link readSeries} for how a series is ordered and checked.
 *
 * @throws PatchError and nothing else, whatever the input.
 */
export async function readPatches(input: string | Uint8Array, source: string, options: ReadOptions = {}): Promise<Patch[]> {
  return (await readSeries([{ input, source }], options)).patches;
}

/**
 * Reads one series from one or more inputs (`widen review 000*.patch`, or one mbox).
 *
 * A series comes back ordered by the `n/m` of its subjects, whatever the order of the mails in
 * a file or of the files on the command line; its `[PATCH 0/m]` cover letter is skipped, and so
 * are replies (`Re:`) and other mails without a diff among several (a thread saved from lore
 * holds both). A series must be whole: a gap is an error (or, with `allowGaps`, a sentence in
 * `gaps`), while one numbered mail alone is accepted (a reviewer may look at a single patch of a
 * series), with a sentence in `gaps` when patches before it are not there. Plain diffs carry no numbering: inputs holding any keep the order they were given in.
 * A plain diff is one {@link Patch} whose subject is null.
 *
 * @throws PatchError and nothing else, whatever the input.
 */
export async function readSeries(inputs: readonly PatchInput[], options: ReadOptions = {}): Promise<SeriesReading> {
  const size = inputs.reduce((n, { input }) => n + (typeof input === 'string' ? input.length : input.byteLength), 0);
  if (size > MAX_INPUT_BYTES) throw inputTooLarge(inputs.length === 1 ? inputs[0]!.source : `the ${inputs.length} files given`, size);
  const read: InputContent[] = [];
  for (const { input, source } of inputs) read.push(await readOne(input, source));
  if (read.every((item) => item.mails !== undefined)) {
    const mails = read.flatMap((item) => item.mails!);
    const label = inputs.length === 1 ? inputs[0]!.source : `the ${inputs.length} files given`;
    return assembleSeries(mails, label, inputs.length > 1, options);
  }
  // Some input is a diff or a git log: no numbering to go by, so the order given is the series' order.
  const patches: Patch[] = [];
  for (const [k, item] of read.entries()) {
    append(patches, item.mails !== undefined ? assembleSeries(item.mails, inputs[k]!.source, false, options).patches : item.patches!);
  }
  if (patches.length > 1) patches.forEach((patch, k) => Object.assign(patch, { index: k + 1, total: patches.length }));
  return { patches, gaps: [] };
}

/** The error for input beyond {@link MAX_INPUT_BYTES}; `size` may be a lower bound ("more than"). */
export function inputTooLarge(source: string, size: number): PatchError {
  const mib = (n: number): string => `${Math.round(n / (1024 * 1024))} MiB`;
  return new PatchError(
    'input-too-large',
    `${source} holds ${size > MAX_INPUT_BYTES ? 'more than ' : ''}${mib(MAX_INPUT_BYTES)} of patches, the most widen reviews at once ` +
      '(it holds the patches, the files they change and their syntax trees in memory). Review the series in parts, ' +
      "or leave out what is not C source (`git format-patch ... -- '*.c' '*.h'`).",
  );
}

/** What one input holds: mails (to be ordered into a series), or patches in their own order. */
interface InputContent {
  mails?: ParsedMail[];
  patches?: Patch[];
}

/**
 * UTF-16 by its byte order mark, or, without one, by NUL bytes in every other place of the
 * first 64 bytes and none between (ASCII text in UTF-16): a diff in UTF-8 has no NUL there.
 */
function isUtf16(bytes: Uint8Array): boolean {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) return true;
  const n = Math.min(bytes.length, 64) & ~1;
  if (n < 8) return false;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) even++;
    if (bytes[i + 1] === 0) odd++;
  }
  return (even === n / 2 && odd === 0) || (odd === n / 2 && even === 0);
}

/** One input: a plain diff as its patch, `git log -p` as its commits, or the mails it holds. */
async function readOne(input: string | Uint8Array, source: string): Promise<InputContent> {
  if (typeof input !== 'string' && isUtf16(input)) {
    throw new PatchError(
      'bad-encoding',
      `${source} is UTF-16 text, as Windows PowerShell 5 writes \`git diff > file\`; patches are UTF-8 (or plain ` +
        'bytes). Write it with `git diff --output=file` or `git format-patch`, or convert it (`iconv -f UTF-16 -t UTF-8`).',
    );
  }
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  if (text.includes('\r') && !text.includes('\n')) {
    throw new PatchError(
      'bad-line-endings',
      `${source} ends its lines with a carriage return alone (CR, as classic Mac OS did), so it reads as one line. ` +
        "Convert it to LF or CRLF line endings (`tr '\\r' '\\n'`), as git writes patches.",
    );
  }
  if (text.trim() === '') {
    throw new PatchError(
      'empty-input',
      `${source} is empty. Give widen a unified diff (\`git diff\`), a \`git format-patch\` mail or an mbox ` +
        'holding a series.',
    );
  }
  const lines = text.replace(/^\uFEFF/, '').split('\n');

  const mbox = isMbox(lines);
  if (!mbox && isGitLog(lines)) return { patches: readGitLog(lines, source) };
  if (!mbox && !isSingleMail(lines)) return { patches: [readPlainDiff(lines, source)] };

  const spans = mbox ? splitMbox(lines) : [{ first: firstNonBlank(lines), end: lines.length }];
  if (spans.length === 0) {
    throw new PatchError(
      'no-diff',
      `${source} holds mbox \`From \` separator lines but no mail under them. Save the mails again (for example ` +
        'with `b4 am <message-id>` or `git format-patch --stdout`) and try again.',
    );
  }
  const mailBytes = bytesOfSpan(input, lines);
  const mails: ParsedMail[] = [];
  for (const span of spans) {
    // 1-based line of the mail's `From ` line (the line before the span), else of its first header.
    const fromLine = mbox ? span.first : span.first + 1;
    mails.push(await parseMail(mailBytes(span), lines, span, fromLine, source));
  }
  return { mails };
}

function firstNonBlank(lines: readonly string[]): number {
  return Math.max(
    0,
    lines.findIndex((line) => line.trim() !== ''),
  );
}

/**
 * Returns a function giving the bytes of a span of lines. From a string the mail is encoded
 * as UTF-8; from bytes it is cut out of them (a `\n` byte is never part of a multi-byte
 * character, so line k of the decoded text is line k of the bytes).
 */
function bytesOfSpan(input: string | Uint8Array, lines: readonly string[]): (span: MailSpan) => Uint8Array {
  if (typeof input === 'string') {
    return (span) => utf8Encoder.encode(lines.slice(span.first, span.end).join('\n'));
  }
  const starts: number[] = [input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0];
  input.forEach((byte, offset) => {
    if (byte === 0x0a) starts.push(offset + 1);
  });
  return (span) => input.subarray(starts[span.first] ?? input.length, starts[span.end] ?? input.length);
}

function readPlainDiff(lines: readonly string[], source: string): Patch {
  const patchName = `the patch in ${source}`;
  const files = parseDiff(lines, { patchName, where: (index) => `line ${index + 1} of ${source}` });
  if (files.length === 0) {
    const quoted = quotedDiff(lines);
    if (quoted) throw new PatchError('no-diff', `${source} holds no diff of its own, ${quotedDiffAdvice(quoted, 0)}`);
    throw new PatchError(
      'no-diff',
      `${source} holds no diff: no \`diff --git\` line and no \`---\`/\`+++\`/\`@@\` hunk was found in it. ` +
        'Give widen a unified diff (`git diff`), a `git format-patch` mail or an mbox holding a series.',
    );
  }
  return {
    index: 1,
    total: 1,
    subject: null,
    rawSubject: null,
    messageId: null,
    from: null,
    date: null,
    headers: {},
    description: '',
    files,
    source,
  };
}

/**
 * The first line of a diff quoted in a reply, at any depth of quoting (`> diff --git`,
 * `>> @@ -1,2 +1,3 @@`, `> > ...`): its 0-based index and the quote up to the diff's first word.
 */
function quotedDiff(lines: readonly string[]): { index: number; start: string } | null {
  for (const [index, line] of lines.entries()) {
    const m = QUOTED_DIFF_LINE.exec(line);
    if (m) return { index, start: m[0] };
  }
  return null;
}

/** `>` quoting (with a space or a tab after each `>`, or none) in front of a `diff --git` or `@@ -` line. */
const QUOTED_DIFF_LINE = /^(?:>[ \t]?)+(?:diff --git|@@ -)/;

/**
 * What to say of a text whose diff is only quoted: where the quote starts (a line of the input
 * when `lineBase` says where its lines start; inside a mail, whose lines are decoded, none) and
 * that widen needs the patch, not a reply.
 */
function quotedDiffAdvice(quoted: { index: number; start: string }, lineBase: number | null): string {
  const where = lineBase === null ? '' : ` (line ${lineBase + quoted.index + 1} starts \`${quoted.start}\`)`;
  return (
    `only one quoted with \`> \`${where}, as a reply to a patch quotes it. widen reads the patch itself, ` +
    'not a reply quoting it: give it the patch mail (the original, saved from your mail client, or fetched ' +
    'with `b4 am <message-id>`), or a plain `git diff`.'
  );
}

/**
 * `mails` with each later copy of a mail dropped: the same Message-ID, subject, commit message and
 * diff (a patch that reached a mailbox through the list and by Cc, both saved; sweep AH). Mails
 * that share only a Message-ID are left for the series checks to name.
 */
function withoutCopies(mails: readonly ParsedMail[]): readonly ParsedMail[] {
  const seen = new Map<string, ParsedMail[]>();
  return mails.filter((mail) => {
    if (mail.messageId === null) return true;
    const same = seen.get(mail.messageId) ?? [];
    if (same.some((m) => m.rawSubject === mail.rawSubject && m.description === mail.description && JSON.stringify(m.files) === JSON.stringify(mail.files))) return false;
    seen.set(mail.messageId, [...same, mail]);
    return true;
  });
}

/** Orders the patch mails of one or more inputs into a series and checks that it is whole. */
function assembleSeries(given: readonly ParsedMail[], source: string, manyInputs: boolean, options: ReadOptions): SeriesReading {
  const mails = withoutCopies(given);
  // Where a mail is, for messages: its line, and its file when there are several.
  const at = (mail: ParsedMail): string => (manyInputs ? `${mail.source}, line ${mail.line}` : `line ${mail.line}`);
  // `source` names several files ("the 3 files given") or one.
  const verb = (singular: string, plural: string): string => (manyInputs ? plural : singular);
  const candidates = mails.length > 1 ? mails.filter((mail) => !mail.isReply) : mails;
  const patches = candidates.filter((mail) => mail.files.length > 0 && mail.numbering?.index !== 0);
  if (patches.length === 0) {
    const cover = mails.length === 1 && mails[0]!.numbering?.index === 0 ? mails[0]! : null;
    const quoted = cover ? null : mails.map((mail) => quotedDiff(mail.description.split('\n'))).find((q) => q !== null);
    if (quoted) {
      throw new PatchError(
        'no-diff',
        `${mails.length === 1 ? `The mail in ${source} carries no diff of its own` : `None of the ${mails.length} mails in ${source} carries a diff of its own`}, ` +
          `${quotedDiffAdvice(quoted, null)}`,
      );
    }
    throw new PatchError(
      'no-diff',
      cover
        ? `${source} is the cover letter of a ${cover.numbering!.total}-patch series ("${cover.rawSubject}"), which carries ` +
            'no diff. Give widen the patch mails too (`widen review 00*.patch`, or the mbox from `b4 am <message-id>`).'
        : `${mails.length === 1 ? `The mail in ${source} carries no diff` : `None of the ${mails.length} mails in ${source} carries a diff`}` +
            `${mails.length === 1 ? ` (${mails[0]!.withoutDiff ?? 'nothing after its `---` line looks like one'})` : ''}. ` +
            'Give widen the patch mails themselves (`git format-patch` output, or `b4 am <message-id>` for a series ' +
            'on a list), or a plain `git diff`.',
    );
  }

  const numbered = patches.filter((mail) => mail.numbering !== null);
  if (numbered.length === 0) {
    return { patches: patches.map((mail, k) => toPatch(mail, k + 1, patches.length)), gaps: [] };
  }
  if (numbered.length < patches.length) {
    const loose = patches.find((mail) => mail.numbering === null)!;
    throw new PatchError(
      'mixed-series',
      `${source} ${verb('mixes', 'mix')} numbered patch mails ("${numbered[0]!.rawSubject}") with unnumbered ones ` +
        `("${loose.rawSubject}", ${at(loose)}). Keep one series per mbox: fetch it with \`b4 am\`, ` +
        'or regenerate it with `git format-patch`.',
    );
  }

  const total = numbered[0]!.numbering!.total;
  for (const mail of numbered) {
    const { index, total: mailTotal } = mail.numbering!;
    if (mailTotal > MAX_SERIES_LENGTH) {
      throw new PatchError(
        'series-too-long',
        `"${mail.rawSubject}" (line ${mail.line} of ${mail.source}) numbers a series of ${mailTotal} patches; widen reviews ` +
          `series of at most ${MAX_SERIES_LENGTH} patches. Review the series in parts (one mbox per part, each with --allow-gaps, since each part lacks the others), or fix the subject's \`n/m\`.`,
      );
    }
    if (index > mailTotal || mailTotal === 0) {
      throw new PatchError(
        'inconsistent-series',
        `${source} ${verb('holds', 'hold')} "${mail.rawSubject}" (${at(mail)}), numbered ${index}/${mailTotal}: a patch of a series is numbered from 1 ` +
          'to the number of patches. Fix the subject\'s `n/m` (git format-patch writes it), and try again.',
      );
    }
    if (mailTotal !== total) {
      throw new PatchError(
        'inconsistent-series',
        `${source} ${verb('holds', 'hold')} patch mails that do not belong to one series: "${numbered[0]!.rawSubject}" and ` +
          `"${mail.rawSubject}" (${at(mail)}). An mbox often holds two versions of a series; keep one, ` +
          'for example with `b4 am -v <version> <message-id>`, and try again.',
      );
    }
  }

  const byIndex = new Map<number, ParsedMail>();
  for (const mail of numbered) {
    const earlier = byIndex.get(mail.numbering!.index);
    if (earlier) {
      throw new PatchError(
        'duplicate-patch',
        `${source} ${verb('holds', 'hold')} patch ${mail.numbering!.index}/${total} twice: "${earlier.rawSubject}" (${at(earlier)}) ` +
          `and "${mail.rawSubject}" (${at(mail)}). Keep one version of the series, for example with ` +
          '`b4 am -v <version> <message-id>`, and try again.',
      );
    }
    byIndex.set(mail.numbering!.index, mail);
  }

  // One mail of a series on its own (a maintainer answering one patch) is reviewed as given,
  // with a note when patches before it are not there; with a cover letter or a second patch
  // the input is a series, and a gap in it is an error unless --allow-gaps.
  const alone = numbered.length === 1 && !mails.some((mail) => mail.numbering?.index === 0);
  if (alone) {
    const { index } = numbered[0]!.numbering!;
    const before = missingPatches(byIndex, candidates, index - 1, at).map((gap) => gap.replace(/\/\d+\b/, `/${total}`));
    return {
      patches: [toPatch(numbered[0]!, index, total)],
      gaps: before.length > 0 ? [`widen reviewed patch ${index}/${total} of ${source} on its own: ${missingText(before)}, so the tree may lack what the patch builds on (give the whole series, for example with \`b4 am <message-id>\`).`] : [],
    };
  }
  const gaps = missingPatches(byIndex, candidates, total, at);
  if (gaps.length > 0 && !options.allowGaps) {
    const indexes = [...byIndex.keys()].sort((a, b) => a - b);
    const held = indexes.map((index) => `${index}/${total}`);
    // Only patches after the held ones missing (sweep AH: 1-4 of 5), the held ones being 1 to n:
    // nothing here builds on them.
    const onlyAfter = indexes[indexes.length - 1] === indexes.length;
    const why = onlyAfter ? 'The patches that are there do not build on what is missing, but the series is not whole' : `The later patches may depend on ${gaps.length === 1 ? 'it' : 'them'}`;
    throw new PatchError(
      'missing-patch',
      `${source} ${verb('holds', 'hold')} patches ${held.join(', ')} of a ${total}-patch series, but ${missingText(gaps)}. ` +
        `${why}; save the whole series (for example with \`b4 am <message-id>\`) and try again, ` +
        'or give --allow-gaps to review the patches that are there.',
    );
  }
  return {
    patches: [...byIndex.values()]
      .sort((a, b) => a.numbering!.index - b.numbering!.index)
      .map((mail) => toPatch(mail, mail.numbering!.index, total)),
    gaps: gaps.map((gap) => `Patch ${gap} in ${source}; widen reviewed the patches that are there without it.`),
  };
}

/**
 * What {@link missingPatches} found, as a clause: "patch 2/3 is missing", "patches 1/7 and 2/7
 * are missing", with any patch that came without a diff after them.
 */
function missingText(gaps: readonly string[]): string {
  const plain = gaps.flatMap((g) => /^(\S+) is missing$/.exec(g)?.[1] ?? []);
  const rest = gaps.filter((g) => !/^\S+ is missing$/.test(g)).map((g) => `patch ${g}`);
  const parts = plain.length === 0 ? [] : [plain.length === 1 ? `patch ${plain[0]} is missing` : `patches ${wordList(plain)} are missing`];
  return [...parts, ...rest].join(', and ');
}

/** Names every patch of 1..total that has no mail with a diff. */
function missingPatches(
  byIndex: ReadonlyMap<number, ParsedMail>,
  candidates: readonly ParsedMail[],
  total: number,
  at: (mail: ParsedMail) => string,
): string[] {
  const missing: string[] = [];
  for (let index = 1; index <= total; index++) {
    if (byIndex.has(index)) continue;
    const withoutDiff = candidates.find((mail) => mail.numbering?.index === index);
    missing.push(
      withoutDiff
        ? `${index}/${total} ("${withoutDiff.subject}", ${at(withoutDiff)}) carries no diff`
        : `${index}/${total} is missing`,
    );
  }
  return missing;
}

function toPatch(mail: ParsedMail, index: number, total: number): Patch {
  return {
    index,
    total,
    subject: mail.subject,
    rawSubject: mail.rawSubject,
    messageId: mail.messageId,
    from: mail.from,
    date: mail.date,
    headers: mail.headers,
    description: mail.description,
    files: mail.files,
    source: mail.source,
    startLine: mail.line,
  };
}
