/**
 * Writing the header block of a reply mail (RFC 5322): address lists split as the grammar
 * splits them, non-ASCII words encoded as RFC 2047 encoded-words, long fields folded.
 */
import { MAX_MAIL_LINE } from '../patch/limits.js';

/** RFC 5322 2.1.1: lines SHOULD be no more than 78 characters. */
const MAX_HEADER_LINE = 78;

/**
 * The longest word (a Message-ID, an address) a header line is given: with the field's name it
 * stays under the 998 characters RFC 5322 (2.1.1) allows a line, which no folding can shorten.
 */
export const MAX_HEADER_WORD = 900;

/** RFC 2047 2: an encoded-word is at most 75 characters; 45 bytes of UTF-8 fit in base64 under that. */
const ENCODED_WORD_BYTES = 45;

/**
 * Splits an address list (`To`, `Cc`) at the commas between addresses, not those inside a quoted
 * name (`"Doe, Jane" <jane@example.org>`), a comment or an angle address.
 */
export function splitAddresses(list: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let depth = 0;
  let angle = false;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (quoted && c === '\\') {
      current += c + (list[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth = Math.max(0, depth - 1);
    else if (!quoted && c === '<') angle = true;
    else if (!quoted && c === '>') angle = false;
    if (c === ',' && !quoted && depth === 0 && !angle) {
      if (current.trim()) out.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  if (current.trim()) out.push(current.trim());
  // A piece with no address is part of the next one: a display name whose comma was hidden in
  // an RFC 2047 word the patch reader decoded ("=?UTF-8?Q?M=C3=BCller=2C_Hans?= <h@x>").
  const merged: string[] = [];
  let pending = '';
  for (const piece of out) {
    if (!piece.includes('@')) pending = pending ? `${pending}, ${piece}` : piece;
    else {
      merged.push(pending ? `${pending}, ${piece}` : piece);
      pending = '';
    }
  }
  if (pending) merged.push(pending);
  return merged;
}

/** The bare address of a mailbox (`Jane <jane@example.org>` → `jane@example.org`), lower-cased, for comparing. */
export function addressOf(mailbox: string): string {
  // What `/<([^>]*)>/` finds, without its rescans (quadratic on a run of `<`).
  const open = mailbox.indexOf('<');
  const close = open < 0 ? -1 : mailbox.indexOf('>', open);
  return (close < 0 ? mailbox : mailbox.slice(open + 1, close)).trim().toLowerCase();
}

/**
 * Who a mailbox is, as an attribution line names them: the display name (`"Doe, Jane" <j@x>` →
 * `Doe, Jane`, `j@x (Jane)` → `Jane`), or the bare address when there is none.
 */
export function displayName(mailbox: string): string {
  const angle = mailbox.indexOf('<');
  const [open, close] = [mailbox.indexOf('('), mailbox.lastIndexOf(')')];
  const name = angle > 0 ? mailbox.slice(0, angle) : open >= 0 && close > open ? mailbox.slice(open + 1, close) : '';
  // A backslash quotes the next character only inside a quoted string (RFC 5322 quoted-pair).
  const quoted = /^"(.*)"$/.exec(name.trim());
  const unquoted = (quoted ? quoted[1]!.replace(/\\(.)/g, '$1') : name).trim();
  return unquoted !== '' ? unquoted : mailbox.trim().replace(/^<(.*)>$/, '$1');
}

/** True when `s` is all ASCII (code points below 128). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** `s` as RFC 2047 encoded-words when it holds anything but printable ASCII; as it is otherwise. */
export function encodeWords(s: string): string {
  // Printable ASCII is written as it is, unless one word of it is too long for a header line:
  // folding happens only at white space, so such a word is encoded, in pieces that fold.
  if (/^[\x20-\x7e]*$/.test(s) && !s.split(' ').some((w) => w.length > MAX_HEADER_WORD)) return s;
  const words: string[] = [];
  let chunk: number[] = [];
  const encoder = new TextEncoder();
  const flush = (): void => {
    if (chunk.length) words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
    chunk = [];
  };
  // Whole characters only: an encoded-word must not split a multi-byte character.
  for (const ch of s) {
    const bytes = encoder.encode(ch);
    if (chunk.length + bytes.length > ENCODED_WORD_BYTES) flush();
    chunk.push(...bytes);
  }
  flush();
  return words.join(' ');
}

/**
 * A mailbox ready for a header: a non-ASCII display name encoded, an ASCII one with RFC 5322
 * specials (a comma, say) quoted; the address itself is left alone.
 */
export function encodeMailbox(mailbox: string): string {
  // Longer than a message line may be is not a mailbox, and the pattern below would backtrack.
  if (mailbox.length > MAX_MAIL_LINE) return mailbox;
  const m = /^(.*?)\s*<([^>]*)>\s*$/.exec(mailbox);
  if (!m) return mailbox;
  const quoted = /^"(.*)"$/.exec(m[1]!);
  const name = quoted ? quoted[1]!.replace(/\\(.)/g, '$1') : m[1]!;
  if (name === '') return `<${m[2]}>`;
  if (!isAscii(name)) return `${encodeWords(name)} <${m[2]}>`;
  return /[()<>[\]:;@\\,."]/.test(name) ? `"${name.replace(/(["\\])/g, '\\$1')}" <${m[2]}>` : `${name} <${m[2]}>`;
}

/**
 * `Name: value` folded before a space so that lines stay within 78 characters where the value
 * allows it (a single word longer than that stays whole: folding may only happen at white space).
 */
export function headerField(name: string, value: string): string {
  const words = value.split(/(?<=\S)\s+(?=\S)/);
  const lines: string[] = [];
  let line = `${name}:`;
  for (const w of words) {
    if (line.length + 1 + w.length > MAX_HEADER_LINE && line.trim().length > name.length + 1) {
      lines.push(line);
      line = ` ${w}`;
    } else {
      line += ` ${w}`;
    }
  }
  lines.push(line);
  return lines.join('\n');
}
