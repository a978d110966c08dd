/**
 * Mails: telling a mail or mbox from a plain diff, splitting an mbox, and decoding one mail with
 * postal-mime (MIME structure, quoted-printable, base64, charsets, RFC 2047 headers) into the
 * parts a patch is made of.
 */
import PostalMime, { decodeWords } from 'postal-mime';
import type { Attachment, Email } from 'postal-mime';
import { parseDiff, type DiffOrigin } from './diff.js';
import { PatchError, describePatch, shownText } from './errors.js';
import type { FilePatch, Patch } from './types.js';
import { parseSubject, type ParsedSubject } from './subject.js';
import { append } from '../append.js';

/**
 * The mbox `From ` separator line: `From <sha> Mon Sep 17 00:00:00 2001` from git format-patch,
 * `From git@z Thu Jan  1 00:00:00 1970` from b4, or a real envelope sender and date. The date
 * is required so that a commit message line starting with "From " does not split a mail.
 */
const MBOX_FROM_LINE =
  /^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{1,2}:\d\d(?::\d\d)? .*\d{4}\r?$/;

/** A header field line: a name of printable ASCII without colon or space, then a colon. */
const HEADER_FIELD = /^([!-9;-~]+):/;

/** Headers at least one of which a mail's header block must hold to be taken for a mail. */
const MAIL_HEADERS = new Set([
  'from',
  'subject',
  'date',
  'message-id',
  'to',
  'cc',
  'received',
  'return-path',
  'mime-version',
  'delivered-to',
  'in-reply-to',
]);

/** In-body headers that `git am` honours at the top of a mail body. */
const IN_BODY_HEADER = /^(from|subject|date):[ \t]*(.*)$/i;

/**
 * A scissors line (`-- >8 --`, `--8<--`, with text after it allowed), as `git mailinfo
 * --scissors` knows it: perforation dashes around a scissors mark.
 */
const SCISSORS = /^\s*-+\s*(?:>8|8<|>%|%<)\s*-+(?:\s.*)?$|^\s*(?:>8|8<|>%|%<)\s*-{2,}(?:\s.*)?$/;

/** One mail's place in the input: `lines[first]` is its first header line, `end` is exclusive. */
export interface MailSpan {
  first: number;
  end: number;
}

/** A decoded mail, reduced to what a {@link Patch} needs. */
export interface ParsedMail
  extends ParsedSubject,
    Pick<Patch, 'rawSubject' | 'messageId' | 'from' | 'date' | 'headers' | 'description' | 'files'> {
  /** 1-based input line where the mail starts (its `From ` line, if any), for messages. */
  line: number;
  /** The input the mail came from (a file name or `<stdin>`), for messages. */
  source: string;
  /**
   * When the mail carries no diff: what its body is instead, for the message that says so
   * ("its body is HTML only"); null when it has a diff.
   */
  withoutDiff: string | null;
}

function chomp(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Whether `lines` start (after blank lines) with an mbox `From ` line. */
export function isMbox(lines: readonly string[]): boolean {
  const first = lines.findIndex((line) => chomp(line).trim() !== '');
  return first >= 0 && MBOX_FROM_LINE.test(lines[first]!);
}

/**
 * Whether `lines` start (after blank lines) with a mail header block: header fields and folded
 * continuations up to a blank line, among them at least one that only mails have. A `git show`
 * (`commit <sha>` first) or a diff with notes before it does not qualify.
 */
export function isSingleMail(lines: readonly string[]): boolean {
  const first = lines.findIndex((line) => chomp(line).trim() !== '');
  if (first < 0) return false;
  let sawMailHeader = false;
  for (let i = first; i < lines.length; i++) {
    const line = chomp(lines[i]!);
    if (line === '') return sawMailHeader;
    if (i > first && /^[ \t]/.test(line)) continue;
    const field = HEADER_FIELD.exec(line);
    if (!field) return false;
    if (MAIL_HEADERS.has(field[1]!.toLowerCase())) sawMailHeader = true;
  }
  return false;
}

/** The mails of an mbox, each without its `From ` separator line. */
export function splitMbox(lines: readonly string[]): MailSpan[] {
  const starts: number[] = [];
  lines.forEach((line, index) => {
    if (MBOX_FROM_LINE.test(line)) starts.push(index);
  });
  return starts
    .map((start, k) => ({ first: start + 1, end: starts[k + 1] ?? lines.length }))
    .filter((span) => lines.slice(span.first, span.end).some((line) => chomp(line).trim() !== ''));
}

/**
 * Decodes one mail and parses the diff it carries: in its text body after the `---` line, and
 * in any attached `.patch`/`.diff`/text part (`git format-patch --attach`/`--inline`).
 *
 * @param bytes the mail, headers first (no mbox `From ` line), as raw bytes so that its body is
 *   decoded by its own charset.
 * @param lines the input's lines, for locating body lines in messages.
 * @param span where the mail is in `lines`.
 * @param fromLine 1-based line of the mail's mbox `From ` line, or of its first header line.
 * @throws PatchError `bad-mail` when postal-mime cannot decode it, or any parse error of its diff.
 */
export async function parseMail(
  bytes: Uint8Array,
  lines: readonly string[],
  span: MailSpan,
  fromLine: number,
  source: string,
): Promise<ParsedMail> {
  let email: Email;
  try {
    email = await PostalMime.parse(bytes);
  } catch (error) {
    throw new PatchError(
      'bad-mail',
      `The mail at line ${fromLine} of ${source} cannot be decoded (${error instanceof Error ? error.message : String(error)}). ` +
        'Save the mail again as raw text (in most mail clients: "save as" or "show original") and try again.',
    );
  }

  const headers = firstHeaders(email);
  const rawSubject = email.subject === undefined ? null : shownText(email.subject);
  const parsedSubject = parseSubject(rawSubject ?? '');
  // A multipart mail that names no boundary has no parts postal-mime can find; its body is
  // read as one plain text part, as a patch sent so usually is.
  const unsplit = email.text === undefined && email.html === undefined && email.attachments.length === 0 && /^multipart\//i.test(headers['content-type'] ?? '') && !/\bboundary\s*=/i.test(headers['content-type'] ?? '');
  const bodyLines = splitBody(unsplit ? rawBody(bytes) : (email.text ?? ''));

  // `git am` lets the top of the body override From, Subject and Date: a patch sent on behalf
  // of its author starts with `From: Author <...>`.
  let inBody = readInBodyHeaders(bodyLines, 0);
  let diffStart = findPatchBreak(bodyLines, inBody.end);
  // `git am --scissors`: everything above a `-- >8 --` line is discussion, and the commit
  // message (with its own in-body headers) starts below it.
  const scissors = bodyLines.slice(0, diffStart).findIndex((line) => SCISSORS.test(line));
  if (scissors >= 0) {
    inBody = readInBodyHeaders(bodyLines, scissors + 1);
    diffStart = findPatchBreak(bodyLines, inBody.end);
  }
  let descriptionStart = inBody.end;
  let descriptionLines: readonly string[] = bodyLines;
  let descriptionEnd = diffStart;

  // A `git format-patch` mail sent as an attachment under a covering note ("please find the
  // patch attached"): its own headers and commit message are the patch's, as `git am` of the
  // attachment would record them (sweep AH: the note was read as the commit message, which has
  // no sign-off).
  const attached = diffStart < bodyLines.length ? null : attachedMail(email.attachments);
  if (attached) {
    const below = readInBodyHeaders(attached.lines, attached.bodyStart);
    inBody = { headers: { ...attached.headers, ...below.headers }, end: below.end };
    descriptionLines = attached.lines;
    descriptionStart = inBody.end;
    descriptionEnd = findPatchBreak(attached.lines, inBody.end);
  }

  const subject = inBody.headers.subject !== undefined ? parseSubject(shownText(inBody.headers.subject)).subject : parsedSubject.subject;
  // Below a scissors line with a Subject of its own, the patch is that one: its numbering, not
  // that of the mail it answers (sweep AH: `Re: [PATCH 2/5]` above, `[PATCH]` below, read as a
  // lone patch 2/5 with 1/5 missing).
  const own = scissors >= 0 && inBody.headers.subject !== undefined ? parseSubject(shownText(inBody.headers.subject)) : parsedSubject;
  const patchName = describePatch({
    index: own.numbering?.index ?? 1,
    total: own.numbering?.total ?? 1,
    subject,
    source,
  });

  const files: FilePatch[] = [];
  if (diffStart < bodyLines.length) {
    const bodyOrigin = locateBody(lines, span, bodyLines, diffStart, fromLine, source, patchName);
    append(files, parseDiff(bodyLines.slice(diffStart), bodyOrigin));
  }
  for (const attachment of email.attachments) {
    if (!isPatchAttachment(attachment)) continue;
    const name = attachment.filename ?? attachment.mimeType;
    files.push(
      ...parseDiff(splitBody(decodeAttachment(attachment)), {
        patchName,
        where: (index) => `line ${index + 1} of the attachment "${name}" of the mail at line ${fromLine} of ${source}`,
      }),
    );
  }

  return {
    ...own,
    subject,
    line: fromLine,
    source,
    withoutDiff: files.length > 0 ? null : whatInstead(email, bodyLines, diffStart),
    rawSubject,
    // An empty Message-ID: header names no mail to answer.
    messageId: headers['message-id']?.trim() ? headers['message-id'].trim() : null,
    from: inBody.headers.from !== undefined ? shownText(inBody.headers.from) : (headers.from ?? null),
    date: inBody.headers.date !== undefined ? shownText(inBody.headers.date) : (headers.date ?? null),
    headers,
    // An mbox escapes a line starting with `From ` as `>From ` (mboxrd adds one `>` to any run).
    description: descriptionLines
      .slice(descriptionStart, descriptionEnd)
      .map((line) => shownText(line.replace(/^>(>*From )/, '$1')))
      .join('\n')
      .replace(/^(?:[ \t]*\n)+/, '')
      .trimEnd(),
    files,
  };
}

/**
 * The one patch attachment that is a whole `git format-patch` mail (an optional `From <sha>`
 * line, then a header block with a From: or Subject:): its lines, its From, Subject and Date,
 * and where its body starts. Null for a plain diff, or for more than one attachment.
 */
function attachedMail(attachments: readonly Attachment[]): { lines: string[]; headers: Record<string, string>; bodyStart: number } | null {
  const patches = attachments.filter(isPatchAttachment);
  if (patches.length !== 1) return null;
  const lines = splitBody(decodeAttachment(patches[0]!));
  const headers: Record<string, string> = {};
  let name: string | null = null;
  let i = /^From [0-9a-f]{40} /.test(lines[0] ?? '') ? 1 : 0;
  for (; i < lines.length && lines[i]!.trim() !== ''; i++) {
    const line = lines[i]!;
    const header = /^([A-Za-z][\w-]*):[ \t]*(.*)$/.exec(line);
    if (header) {
      name = header[1]!.toLowerCase();
      if (!(name in headers)) headers[name] = header[2]!;
    } else if (/^[ \t]/.test(line) && name !== null) {
      headers[name] += ` ${line.trim()}`;
    } else {
      return null;
    }
  }
  if (headers['from'] === undefined && headers['subject'] === undefined) return null;
  const kept: Record<string, string> = {};
  for (const key of ['from', 'subject', 'date']) if (headers[key] !== undefined) kept[key] = decodeWords(headers[key].trim());
  return { lines, headers: kept, bodyStart: i };
}

/** The body of a raw mail: everything after its header block, as UTF-8. */
function rawBody(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8').decode(bytes);
  const m = /\r?\n\r?\n/.exec(text);
  return m ? text.slice(m.index + m[0].length).replace(/\r\n/g, '\n') : '';
}

/** What a mail without a diff carries instead, for the message that says it has none. */
function whatInstead(email: Email, bodyLines: readonly string[], diffStart: number): string {
  const others = email.attachments.filter((a) => !isPatchAttachment(a)).map((a) => (a.filename ? `"${shownText(a.filename)}", ${a.mimeType}` : a.mimeType));
  const attached = others.length === 0 ? '' : `, and its attachment${others.length === 1 ? '' : 's'} (${others.join('; ')}) ${others.length === 1 ? 'is not a patch' : 'are not patches'}`;
  if (email.text === undefined && email.html !== undefined) {
    return `its body is HTML only, and widen reads a patch from a plain text body${attached}; send it with \`git send-email\`, which sends plain text`;
  }
  if (bodyLines.every((line) => line.trim() === '')) return `its body is empty${attached}`;
  if (diffStart >= bodyLines.length) return `its body has no \`---\` line and no \`diff\` line${attached}`;
  return `nothing after its \`---\` line looks like one${attached}`;
}

/** The in-body `From:`/`Subject:`/`Date:` lines at `from` (after blank lines), and where they end. */
function readInBodyHeaders(bodyLines: readonly string[], from: number): { headers: Record<string, string>; end: number } {
  const headers: Record<string, string> = {};
  let end = from;
  while (bodyLines[end]?.trim() === '') end++;
  for (let header; (header = IN_BODY_HEADER.exec(bodyLines[end] ?? '')); end++) {
    headers[header[1]!.toLowerCase()] = decodeWords(header[2]!.trim());
  }
  return { headers, end };
}

/** Every header once (the first occurrence wins), names lower-cased, RFC 2047 words decoded. */
function firstHeaders(email: Email): Record<string, string> {
  const seen = new Map<string, string>();
  for (const header of email.headers) {
    // An encoded word may decode to a line break (`=?utf-8?Q?A=0D=0ABcc:_x@y?=`): a header
    // value is one line, and a break in a name would end it in every header widen writes.
    if (!seen.has(header.key)) seen.set(header.key, shownText(decodeWords(header.value).replace(/\r?\n/g, ' ')));
  }
  // fromEntries defines own properties, so a header named `__proto__` stays a plain key.
  return Object.fromEntries(seen);
}

/** A decoded body's lines, without the empty string after its final newline. */
function splitBody(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The first line of the patch in a mail body, as `git mailinfo` finds it: a `---` separator
 * (only whitespace after it), a `--- file` header, a `diff -` line or a CVS `Index: ` line.
 * Returns `lines.length` when there is none.
 */
function findPatchBreak(lines: readonly string[], from: number): number {
  for (let i = from; i < lines.length; i++) {
    const line = chomp(lines[i]!);
    if (line.startsWith('diff -') || line.startsWith('Index: ')) return i;
    if (/^---(?:\s*$| \S)/.test(line)) return i;
  }
  return lines.length;
}

/**
 * How messages name a body line. When the body went through the mail unencoded (7bit/8bit), a
 * decoded line is also a line of the input, and messages give its input line number; a
 * quoted-printable or base64 body has no such line, so messages count within the decoded body.
 */
function locateBody(
  lines: readonly string[],
  span: MailSpan,
  bodyLines: readonly string[],
  diffStart: number,
  fromLine: number,
  source: string,
  patchName: string,
): DiffOrigin {
  let rawBodyStart = span.first;
  while (rawBodyStart < span.end && chomp(lines[rawBodyStart]!) !== '') rawBodyStart++;
  rawBodyStart++;
  return {
    patchName,
    where(index) {
      const bodyIndex = diffStart + index;
      const rawIndex = rawBodyStart + bodyIndex;
      if (rawIndex < span.end && chomp(lines[rawIndex]!) === chomp(bodyLines[bodyIndex] ?? '')) {
        return `line ${rawIndex + 1} of ${source}`;
      }
      return `line ${bodyIndex + 1} of the decoded body of the mail at line ${fromLine} of ${source}`;
    },
  };
}

function isPatchAttachment(attachment: Attachment): boolean {
  if (/\.(?:patch|diff)$/i.test(attachment.filename ?? '')) return true;
  return /^text\/(?:x-)?(?:patch|diff|plain)$/.test(attachment.mimeType);
}

/** Attachment content as text. postal-mime does not hand out a part's charset; patches are UTF-8. */
function decodeAttachment(attachment: Attachment): string {
  const { content } = attachment;
  if (typeof content === 'string') return content;
  return new TextDecoder('utf-8').decode(content);
}
