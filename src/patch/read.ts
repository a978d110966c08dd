import { parseDiff } from './diff.js';
import { PatchError } from './errors.js';
import { isMbox, isSingleMail, parseMail, splitMbox, type MailSpan, type ParsedMail } from './mail.js';
import type { Patch } from './types.js';

/** A series numbered beyond this is not a series but a mangled subject. */
const MAX_SERIES_LENGTH = 1000;

const utf8Encoder = new TextEncoder();

/**
 * Reads the patches in `input`: a plain unified diff (`git diff`, `diff -u`, junk before it
 * allowed), one `git format-patch` mail (with or without its mbox `From ` line), or an mbox
 * holding a series.
 *
 * A series comes back ordered by the `n/m` of its subjects, whatever the order of the mails;
 * its `[PATCH 0/m]` cover letter is skipped, and so are replies (`Re:`) and other mails without
 * a diff in a multi-mail mbox (a thread saved from lore holds both). A series must be whole: a
 * gap is an error, while one numbered mail alone is accepted (a reviewer may look at a single
 * patch of a series). A plain diff is one {@link Patch} whose subject is null.
 *
 * @param input the text, or its raw bytes when at hand: mail bodies are then decoded by their
 *   own charset rather than as UTF-8.
 * @param source where the input came from (a file name or `<stdin>`), for messages.
 * @throws PatchError and nothing else, whatever the input.
 */
export async function readPatches(input: string | Uint8Array, source: string): Promise<Patch[]> {
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  if (text.trim() === '') {
    throw new PatchError(
      'empty-input',
      `${source} is empty. Give widen a unified diff (\`git diff\`), a \`git format-patch\` mail or an mbox ` +
        'holding a series.',
    );
  }
  const lines = text.replace(/^\uFEFF/, '').split('\n');

  const mbox = isMbox(lines);
  if (!mbox && !isSingleMail(lines)) return [readPlainDiff(lines, source)];

  const spans = mbox ? splitMbox(lines) : [{ first: firstNonBlank(lines), end: lines.length }];
  const mailBytes = bytesOfSpan(input, lines);
  const mails: ParsedMail[] = [];
  for (const span of spans) {
    // 1-based line of the mail's `From ` line (the line before the span), else of its first header.
    const fromLine = mbox ? span.first : span.first + 1;
    mails.push(await parseMail(mailBytes(span), lines, span, fromLine, source));
  }
  return assembleSeries(mails, source);
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

/** Orders the patch mails of a mailbox into a series and checks that it is whole. */
function assembleSeries(mails: readonly ParsedMail[], source: string): Patch[] {
  const candidates = mails.length > 1 ? mails.filter((mail) => !mail.isReply) : mails;
  const patches = candidates.filter((mail) => mail.files.length > 0 && mail.numbering?.index !== 0);
  if (patches.length === 0) {
    const what = mails.length === 1 ? 'The mail in' : `None of the ${mails.length} mails in`;
    throw new PatchError(
      'no-diff',
      `${what} ${source} carries a diff${mails.length === 1 ? ' (nothing after its `---` line looks like one)' : ''}. ` +
        'Give widen the patch mails themselves (`git format-patch` output, or `b4 am <message-id>` for a series ' +
        'on a list), or a plain `git diff`.',
    );
  }

  const numbered = patches.filter((mail) => mail.numbering !== null);
  if (numbered.length === 0) {
    return patches.map((mail, k) => toPatch(mail, k + 1, patches.length, source));
  }
  if (numbered.length < patches.length) {
    const loose = patches.find((mail) => mail.numbering === null)!;
    throw new PatchError(
      'mixed-series',
      `${source} mixes numbered patch mails ("${numbered[0]!.rawSubject}") with unnumbered ones ` +
        `("${loose.rawSubject}", line ${loose.line}). Keep one series per mbox: fetch it with \`b4 am\`, ` +
        'or regenerate it with `git format-patch`.',
    );
  }

  const total = numbered[0]!.numbering!.total;
  for (const mail of numbered) {
    const { index, total: mailTotal } = mail.numbering!;
    if (mailTotal !== total || index > mailTotal || mailTotal > MAX_SERIES_LENGTH) {
      throw new PatchError(
        'inconsistent-series',
        `${source} holds patch mails that do not belong to one series: "${numbered[0]!.rawSubject}" and ` +
          `"${mail.rawSubject}" (line ${mail.line}). An mbox often holds two versions of a series; keep one, ` +
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
        `${source} holds patch ${mail.numbering!.index}/${total} twice: "${earlier.rawSubject}" (line ${earlier.line}) ` +
          `and "${mail.rawSubject}" (line ${mail.line}). Keep one version of the series, for example with ` +
          '`b4 am -v <version> <message-id>`, and try again.',
      );
    }
    byIndex.set(mail.numbering!.index, mail);
  }

  if (numbered.length > 1) checkWhole(byIndex, candidates, total, source);
  return [...byIndex.values()]
    .sort((a, b) => a.numbering!.index - b.numbering!.index)
    .map((mail) => toPatch(mail, mail.numbering!.index, total, source));
}

/** Throws `missing-patch` naming every patch of 1..total that has no mail with a diff. */
function checkWhole(
  byIndex: ReadonlyMap<number, ParsedMail>,
  candidates: readonly ParsedMail[],
  total: number,
  source: string,
): void {
  const missing: string[] = [];
  for (let index = 1; index <= total; index++) {
    if (byIndex.has(index)) continue;
    const withoutDiff = candidates.find((mail) => mail.numbering?.index === index);
    missing.push(
      withoutDiff
        ? `${index}/${total} ("${withoutDiff.subject}", line ${withoutDiff.line}) carries no diff`
        : `${index}/${total} is missing`,
    );
  }
  if (missing.length === 0) return;
  const held = [...byIndex.keys()].sort((a, b) => a - b).map((index) => `${index}/${total}`);
  throw new PatchError(
    'missing-patch',
    `${source} holds patches ${held.join(', ')} of a ${total}-patch series, but ${missing.join(' and ')}. ` +
      'The later patches may depend on it; save the whole series (for example with `b4 am <message-id>`) and try again.',
  );
}

function toPatch(mail: ParsedMail, index: number, total: number, source: string): Patch {
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
    source,
  };
}
