/**
 * `--format email`: the review as the plain-text reply a maintainer sends to the list. Each patch
 * with findings gets one reply, all of them in one mbox (`From `-line separated, mboxrd): the
 * `Re:` subject, `In-Reply-To` and `References` threading it under the patch mail, `To`/`Cc` as a
 * reply-to-all would set them, a one-line attribution, then the patch quoted with `> `, cut to
 * the hunks the findings are about (`[...]` where something was cut), and each finding written
 * below the line it concerns: the headline, the reasoning, the widened context (the lines of the
 * function the diff does not carry marked as coming from the tree), the fix and the rule's page.
 * A finding on no line the diff shows comes after the quoted patch, with where it is.
 * Prose is wrapped at 72 columns; there is no Markdown.
 *
 * No `From:` header is written: the reply is the maintainer's, and `git send-email` (or the mail
 * client) fills in the sender; a `From:` of someone else would make it a forwarded patch.
 */
import { docsUrl } from '../findings/docs.js';
import { cutLongLine } from '../findings/excerpt.js';
import { isCommitFinding, type Excerpt, type ExcerptLine, type Finding } from '../findings/finding.js';
import { diffLinesOf } from '../findings/placement.js';
import { escapeControls } from '../patch/errors.js';
import { formatHunkHeader } from '../patch/hunk-header.js';
import type { FilePatch, Hunk, Patch } from '../patch/types.js';
import type { Report } from '../pipeline/analyze.js';
import { addressOf, displayName, encodeMailbox, encodeWords, headerField, isAscii, MAX_HEADER_WORD, splitAddresses } from './mail-headers.js';
import { expandTabs, functionHeader, labelBelow, patchName, wrapAt } from './text.js';
import { wordList } from '../words.js';

/** Prose is wrapped here, the width mail readers expect (and `git format-patch` writes). */
export const WRAP = 72;

/** A hunk up to this many lines is quoted whole; a longer one only around the lines that matter. */
const WHOLE_HUNK = 40;

/** Lines quoted around each line that matters in a long hunk. */
const QUOTE_CONTEXT = 3;

/** The mbox separator line, as `git format-patch` writes one (the date is fixed, not the sending time). */
const MBOX_FROM = 'From widen Mon Sep 17 00:00:00 2001';

export interface EmailRendering {
  /** The replies as one mbox; for a lone plain diff, the reply body alone. Empty without findings. */
  text: string;
  /** How many replies `text` holds. */
  replies: number;
  /** What could not be filled in, one sentence per reply, for stderr. */
  missing: string[];
}

/**
 * The replies to `patches` for the findings of `report`; patches without findings get none, and
 * neither does a cover letter (the patch reader never returns one).
 */
export function renderEmail(report: Report, patches: readonly Patch[]): EmailRendering {
  const byPatch = new Map<number, Finding[]>();
  for (const f of report.findings) {
    const index = f.patch?.index ?? 1;
    const list = byPatch.get(index) ?? [];
    list.push(f);
    byPatch.set(index, list);
  }
  const indexes = [...byPatch.keys()].sort((a, b) => a - b);
  const replies = indexes.map((index) => reply(patches.find((p) => p.index === index) ?? null, byPatch.get(index)!));
  const missing = sayMissing(replies);
  // A lone plain diff has nothing to thread under: its body is what the user pastes into a reply.
  if (replies.length === 1 && replies[0]!.headers.length === 0) return { text: replies[0]!.body, replies: 1, missing };
  const text = replies.map((r) => [MBOX_FROM, ...r.headers, '', mboxrdEscape(r.body)].join('\n')).join('\n');
  return { text, replies: replies.length, missing };
}

interface Reply {
  patch: Patch | null;
  headers: string[];
  body: string;
  missing: string | null;
  /** When {@link missing} is one of the sentences every reply of a series may need: said once for all of them. */
  shared?: SharedLack;
}

/** What a reply lacks for a reason many patches of a series share: the patch is a commit, or its mail has no Message-ID. */
type SharedLack = 'commit' | 'noMessageId' | 'noHeaders';

function reply(patch: Patch | null, findings: readonly Finding[]): Reply {
  const body = replyBody(patch, findings);
  const { headers, missing, shared } = replyHeaders(patch, body);
  return { patch, headers, body, missing, ...(shared ? { shared } : {}) };
}

/**
 * The sentences for stderr, a reply's in its order; replies that lack the same thing for the
 * same reason (nine commits of `--git`, a series sent without `--thread`) get one sentence
 * naming them all instead of one each.
 */
function sayMissing(replies: readonly Reply[]): string[] {
  const out: string[] = [];
  for (const r of replies) {
    if (r.missing === null) continue;
    const group = r.shared ? replies.filter((o) => o.shared === r.shared && o.patch !== null) : [];
    if (group.length < 2) out.push(r.missing);
    else if (group[0] === r) out.push(sharedSentence(r.shared!, group.map((o) => o.patch!)));
  }
  return out;
}

function sharedSentence(lack: SharedLack, patches: readonly Patch[]): string {
  const total = patches[0]!.total;
  const whole = patches.length === total && patches.every((p, i) => p.index === i + 1);
  const which = whole ? `the ${total} patches` : `patches ${wordList(patches.map((p) => String(p.index)))}`;
  if (lack === 'noHeaders') {
    // Sweep AH: a series of plain diffs said this once per reply.
    return `${which[0]!.toUpperCase()}${which.slice(1)} came without mail headers, so their replies have no Subject, In-Reply-To, References, To or Cc: paste each into your mail client's reply to its patch.`;
  }
  if (lack === 'commit') {
    return (
      `${which[0]!.toUpperCase()}${which.slice(1)} are commits, not mails: their replies have a Subject and To made from each commit, but no In-Reply-To, ` +
      'References or Cc. To answer the series on its list, review the mails it was posted as (`b4 am <message-id>`), or reply from your mail client.'
    );
  }
  return (
    `The mails of ${which} have no Message-ID, so their replies have no In-Reply-To or References and will not thread under them: ` +
    'give widen the patches as the list delivered them (saved from your mail client, or fetched with `b4 am <message-id>`), ' +
    "or set both headers of each reply to the Message-ID its patch was posted with before sending."
  );
}

/**
 * The header block threading the reply under `patch`. What the patch mail does not say is left
 * out and named in `missing`, never invented.
 */
function replyHeaders(patch: Patch | null, body: string): { headers: string[]; missing: string | null; shared?: SharedLack } {
  const h = patch?.headers ?? {};
  const name = patch ? describe(patch) : 'a patch widen could not identify';
  if (patch?.commit && Object.keys(h).length === 0) return commitReplyHeaders(patch, body);
  if (!patch || Object.keys(h).length === 0) {
    return { headers: [], missing: `${name} came without mail headers, so its reply has no Subject, In-Reply-To, References, To or Cc: paste it into your mail client's reply to the patch.`, ...(patch ? { shared: 'noHeaders' as const } : {}) };
  }
  const headers: string[] = [];
  const lacking: string[] = [];
  if (patch.rawSubject !== null) headers.push(headerField('Subject', encodeWords(/^re:/i.test(patch.rawSubject) ? patch.rawSubject : `Re: ${patch.rawSubject}`)));
  else lacking.push('Subject');
  // An id or address longer than a header line may be cannot be written: it is left out and said.
  const messageId = patch.messageId !== null && fits(patch.messageId) ? patch.messageId : null;
  if (messageId !== null) {
    // RFC 5322 3.6.4: the parent's References, or failing those its one In-Reply-To, then its id.
    const parents = (h['references'] ?? h['in-reply-to'] ?? '').split(/\s+/).filter((id) => /^<[^>]+>$/.test(id) && fits(id));
    const references = [...(h['references'] === undefined && parents.length > 1 ? [] : parents), messageId];
    headers.push(headerField('In-Reply-To', messageId), headerField('References', [...new Set(references)].join(' ')));
  }
  // Reply to all: the sender first, everyone the patch went to on Cc.
  const to = splitAddresses(h['reply-to'] ?? h['from'] ?? '');
  const seen = new Set(to.map(addressOf));
  const cc = [...splitAddresses(h['to'] ?? ''), ...splitAddresses(h['cc'] ?? '')].filter((m) => {
    const a = addressOf(m);
    if (seen.has(a)) return false;
    seen.add(a);
    return true;
  });
  const toBoxes = to.map(encodeMailbox);
  const ccBoxes = cc.map(encodeMailbox);
  const tooLong = [...toBoxes, ...ccBoxes].filter((m) => !fits(m)).length;
  if (toBoxes.some(fits)) headers.push(headerField('To', toBoxes.filter(fits).join(', ')));
  else lacking.push('To');
  if (ccBoxes.some(fits)) headers.push(headerField('Cc', ccBoxes.filter(fits).join(', ')));
  headers.push(...bodyHeaders(body));
  const sentences: string[] = [];
  if (patch.messageId !== null && messageId === null) {
    sentences.push(
      `The Message-ID of ${name} is ${patch.messageId.length} characters long, more than a mail header line may hold, so its reply has no In-Reply-To or References ` +
        'and will not thread under it: set both headers by hand if your mail client can send them.',
    );
  }
  if (tooLong > 0) {
    sentences.push(`${tooLong === 1 ? 'One recipient of' : `${tooLong} recipients of`} ${name} ${tooLong === 1 ? 'has an address' : 'have addresses'} longer than a mail header line may hold, and ${tooLong === 1 ? 'is' : 'are'} left out of the reply's To and Cc.`);
  }
  if (patch.messageId === null) {
    // `git format-patch` writes a Message-ID only with --thread; what threads the reply is the id
    // the patch was posted with, which only the mail as the list delivered it carries.
    sentences.push(
      `The mail of ${name} has no Message-ID, so its reply has no In-Reply-To or References and will not thread under it: ` +
        'give widen the patch as the list delivered it (saved from your mail client, or fetched with `b4 am <message-id>`), ' +
        'or set both headers to the Message-ID it was posted with before sending.',
    );
  }
  if (lacking.length > 0) {
    const what = lacking.join(' or ');
    const them = lacking.length > 1 ? 'them' : 'it';
    sentences.push(sentences.length > 0 ? `It has no ${what} either; fill ${them} in too.` : `The mail of ${name} has no ${what}, so its reply has none either; fill ${them} in before sending.`);
  }
  // The Message-ID sentence alone is what every reply of a series sent without --thread says.
  const shared = patch.messageId === null && sentences.length === 1 ? { shared: 'noMessageId' as const } : {};
  return { headers, missing: sentences.length > 0 ? sentences.join(' ') : null, ...shared };
}

/**
 * The headers of a reply to a commit (`--git`), which was never a mail: a Subject as the patch
 * mail's would read, and the author as To. What only the posted mail knows is said instead.
 */
function commitReplyHeaders(patch: Patch, body: string): { headers: string[]; missing: string; shared: SharedLack } {
  const tag = patch.total > 1 ? `[PATCH ${patch.index}/${patch.total}]` : '[PATCH]';
  const headers = [headerField('Subject', encodeWords(`Re: ${tag} ${patch.subject ?? patch.commit!.sha.slice(0, 12)}`))];
  const author = patch.from === null ? null : encodeMailbox(patch.from);
  if (author !== null && fits(author)) headers.push(headerField('To', author));
  headers.push(...bodyHeaders(body));
  return {
    headers,
    missing:
      `${describe(patch)} is commit ${patch.commit!.sha.slice(0, 12)}, not a mail: its reply has a Subject and To made from the commit, ` +
      'but no In-Reply-To, References or Cc. To answer the patch on its list, review the mail it was posted as (`b4 am <message-id>`), or reply from your mail client.',
    shared: 'commit',
  };
}

/** Whether a Message-ID or mailbox fits on a header line (folding cannot shorten one word). */
function fits(word: string): boolean {
  return word.length <= MAX_HEADER_WORD;
}

/** The MIME headers a body that is not plain ASCII needs; none for one that is. */
function bodyHeaders(body: string): string[] {
  return isAscii(body) ? [] : ['MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: 8bit'];
}

function describe(patch: Patch): string {
  return patch.subject !== null ? `patch ${patch.index} ("${patch.subject}")` : `the patch in ${patch.source}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A date as a mail's `Date:` header writes it (RFC 2822, `Sun, 6 Dec 2026 09:18:28 +0000`), in
 * the author's own time zone. A commit read from git or GitHub carries an ISO 8601 date; a mail
 * its header, which is kept as it is.
 */
export function mailDate(date: string): string {
  const iso = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.\d+)?\s*(Z|[+-]\d\d:?\d\d)$/.exec(date.trim());
  if (!iso) return date;
  const [, y, mo, d, h, mi, s, zone] = iso as unknown as [string, string, string, string, string, string, string, string];
  const month = Number(mo);
  if (month < 1 || month > 12) return date;
  const day = new Date(Date.UTC(Number(y), month - 1, Number(d))).getUTCDay();
  const tz = zone === 'Z' ? '+0000' : zone.replace(':', '');
  return `${DAYS[day]}, ${Number(d)} ${MONTHS[month - 1]} ${y} ${h}:${mi}:${s} ${tz}`;
}

/** The quoted patch with the comments under their lines, and comments on files the patch does not touch after it. */
function replyBody(patch: Patch | null, findings: readonly Finding[]): string {
  const out: string[] = [];
  // The sender by name, as mutt attributes a quote: the address would take the line past the wrap.
  if (patch?.from) out.push(...wrap(`On ${patch.date ? `${mailDate(patch.date)}, ` : ''}${displayName(patch.from)} wrote:`));
  const placed = new Set<Finding>();
  const said = new Map<string, Finding>();
  // Notes on the commit message come first, where a reviewer answers the message, above the code:
  // those on the subject or the message as a whole, then each under the line it is about.
  const message = patch && patch.description !== '' ? patch.description.split('\n').map((l) => l.replace(/\r$/, '')) : [];
  const onCommit = findings.filter(isCommitFinding);
  const lineOf = (f: Finding): number => (f.quote === undefined ? -1 : message.indexOf(f.quote));
  for (const f of onCommit.filter((c) => lineOf(c) < 0)) {
    if (out.length > 0) out.push('');
    out.push(...comment(f, null, said));
    placed.add(f);
  }
  const files = patch?.files ?? [];
  let cut = false;
  const markCut = (): void => {
    if (!cut) out.push('[...]');
    cut = true;
  };
  // The rest of the commit message is not quoted: the other comments are on the code.
  let next = 0;
  for (const at of [...new Set(onCommit.map(lineOf).filter((i) => i >= 0))].sort((a, b) => a - b)) {
    if (out.length > 0) out.push('');
    if (at > next) out.push('[...]');
    out.push(quote(message[at]!), '');
    for (const f of onCommit.filter((c) => lineOf(c) === at)) {
      if (out[out.length - 1] !== '') out.push('');
      out.push(...comment(f, null, said));
      placed.add(f);
    }
    next = at + 1;
  }
  if (patch && patch.description !== '') {
    if (placed.size > 0) out.push('');
    markCut();
  }
  for (const fp of files) {
    const path = fp.newPath ?? fp.oldPath;
    const own = findings.filter((f) => !isCommitFinding(f) && f.path === path && fp.newPath !== null);
    const plan = quotePlan(fp, own);
    if (plan.size === 0) {
      markCut();
      continue;
    }
    out.push(...fileHeader(fp).map(quote));
    fp.hunks.forEach((hunk, h) => {
      const anchors = plan.get(h);
      if (!anchors) {
        markCut();
        return;
      }
      cut = false;
      out.push(quote(`${formatHunkHeader(hunk)}${hunk.section ? ` ${hunk.section}` : ''}`));
      const diff = diffLinesOf(fp);
      const shown = new Set([...diff.added, ...diff.context]);
      const wanted = new Set([...anchors.keys(), ...own.flatMap(keyLines)]);
      for (const piece of quoteHunk(hunk, wanted)) {
        if (piece.kind === 'cut') {
          markCut();
          continue;
        }
        cut = false;
        out.push(quote(piece.text));
        for (const f of anchors.get(piece.newLine ?? -1) ?? []) {
          if (out[out.length - 1] !== '') out.push('');
          out.push(...comment(f, shown, said), '');
          placed.add(f);
        }
      }
    });
  }
  // What no quoted line shows: findings on lines outside the hunks, and on files the patch does
  // not touch. Without a patch (a scan) there is no diff to tell tree lines from.
  for (const f of findings) {
    if (placed.has(f)) continue;
    if (out.length > 0 && out[out.length - 1] !== '') out.push('');
    if (!patch) {
      out.push(...comment(f, null, said), '');
      continue;
    }
    // Said first, or the comment would read as one on the quoted line above it.
    out.push(...wrap(`Outside the diff, at ${f.path}:${f.line}${f.function ? ` in ${f.function}()` : ''}:`), '');
    const fp = files.find((p) => p.newPath !== null && p.newPath === f.path);
    const diff = fp ? diffLinesOf(fp) : null;
    out.push(...comment(f, new Set(diff ? [...diff.added, ...diff.context] : []), said), '');
  }
  while (out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}

function quote(line: string): string {
  // A control character of the patch (an escape sequence in a string literal) is written out,
  // not sent on to the reader's terminal or mail client; a line of megabytes is cut.
  return `> ${escapeControls(cutLongLine(line))}`.trimEnd();
}

/** The lines of a file's diff header worth quoting: which file, and what became of it. */
function fileHeader(fp: FilePatch): string[] {
  // A `diff -u` patch has no `diff --git` line to quote, and its own names after `---`/`+++`.
  if (fp.markers) return [...fp.markers];
  const oldName = fp.oldPath ?? fp.newPath!;
  const newName = fp.newPath ?? fp.oldPath!;
  return [`diff --git a/${oldName} b/${newName}`, `--- ${fp.oldPath === null ? '/dev/null' : `a/${fp.oldPath}`}`, `+++ ${fp.newPath === null ? '/dev/null' : `b/${fp.newPath}`}`];
}

/** The post-patch lines a finding's argument rests on, in its own file. */
function keyLines(f: Finding): number[] {
  return [f.line, f.endLine, ...f.related.filter((r) => r.path === f.path).map((r) => r.line)];
}

function hunkRange(h: Hunk): [number, number] {
  return [h.newStart, h.newStart + Math.max(h.newLines, 1) - 1];
}

/**
 * Which hunks of `fp` to quote, and in each, the findings to write below each post-patch line.
 * A finding sits below the line it is placed on (review's placement: the line of its argument
 * the diff shows, an added line first). One that no line of the diff shows is not planned here:
 * under a quoted line it would read as a comment on that line, so it goes after the quoted
 * patch, where its widened context shows the lines it is about. Hunks with no finding are left
 * out.
 */
function quotePlan(fp: FilePatch, findings: readonly Finding[]): Map<number, Map<number, Finding[]>> {
  const plan = new Map<number, Map<number, Finding[]>>();
  const diff = diffLinesOf(fp);
  for (const f of findings) {
    const candidates = [f.placement && f.placement.kind !== 'outside-diff' ? f.placement.line : null, ...keyLines(f)];
    const anchor = candidates.find((l): l is number => l !== null && (diff.added.has(l) || diff.context.has(l))) ?? deletionAnchor(fp, f);
    if (anchor === undefined) continue;
    const hunk = fp.hunks.findIndex((h) => anchor >= hunkRange(h)[0] && anchor <= hunkRange(h)[1]);
    const anchors = plan.get(hunk) ?? new Map<number, Finding[]>();
    anchors.set(anchor, [...(anchors.get(anchor) ?? []), f]);
    plan.set(hunk, anchors);
    // The other hunks the argument runs through are quoted too (the end of a bracket).
    for (const l of keyLines(f)) {
      const other = fp.hunks.findIndex((h) => l >= hunkRange(h)[0] && l <= hunkRange(h)[1]);
      if (other >= 0 && !plan.has(other)) plan.set(other, new Map());
    }
  }
  return plan;
}

/**
 * For a finding whose note names a line the patch deletes (`This patch deletes
 * \`tlb_start_vma(tlb, vma);\` ...`) and whose own lines no hunk shows: the post-patch line
 * just after that deletion, so that the reply quotes the deleted line with the finding under it
 * (sweep AJ: a patch that only deletes got a reply quoting none of it, "Outside the diff").
 */
function deletionAnchor(fp: FilePatch, f: Finding): number | undefined {
  if (!f.explanation.includes('This patch deletes')) return undefined;
  const named = (text: string): boolean => {
    const code = text.slice(1).trim();
    return code !== '' && f.explanation.includes(`\`${code.replace(/`/g, "'")}\``);
  };
  for (const h of fp.hunks) {
    const lines = numberedLines(h);
    const at = lines.findIndex((l) => l.newLine === null && named(l.text));
    if (at < 0) continue;
    // The line after the deletion, or the hunk's last one when the deletion ends it.
    const kept = lines.filter((l) => l.newLine !== null);
    const next = kept.find((l) => lines.indexOf(l) > at) ?? kept.at(-1);
    return next?.newLine ?? undefined;
  }
  return undefined;
}

type QuotePiece = { kind: 'line'; text: string; newLine: number | null } | { kind: 'cut' };

/** A hunk's lines as quoted (`+`, `-` or ` ` first), each with its post-patch line; null for a deleted one. */
function numberedLines(h: Hunk): Array<QuotePiece & { kind: 'line' }> {
  let newLine = h.newStart;
  return h.lines.map((l) => ({ kind: 'line' as const, text: `${l.kind}${l.text}`, newLine: l.kind === '-' ? null : newLine++ }));
}

/** A hunk's lines to quote: all of a short hunk; in a long one, those around the `wanted` post-patch lines. */
function quoteHunk(h: Hunk, wanted: ReadonlySet<number>): QuotePiece[] {
  const lines = numberedLines(h);
  if (lines.length <= WHOLE_HUNK) return lines;
  const keep = new Set<number>();
  lines.forEach((l, i) => {
    if (l.newLine !== null && wanted.has(l.newLine)) for (let k = i - QUOTE_CONTEXT; k <= i + QUOTE_CONTEXT; k++) keep.add(k);
  });
  const out: QuotePiece[] = [];
  lines.forEach((l, i) => {
    if (keep.has(i)) out.push(l);
    else if (out[out.length - 1]?.kind !== 'cut') out.push({ kind: 'cut' });
  });
  return out;
}

/**
 * One finding as a reviewer writes it under the quoted line. `said` holds the first finding of
 * each rule and message the reply has explained: a later one of the same kind points back to it
 * instead of repeating its reasoning, fix and link (sweep R: thirteen `api-version-gate`
 * findings made a 681-line reply), and shows its excerpt only when it is another function's.
 */
function comment(f: Finding, shownByDiff: ReadonlySet<number> | null, said: Map<string, Finding>): string[] {
  const out = wrap(`${f.severity}: ${f.message} [${f.rule}]`);
  const key = `${f.rule}|${f.messageId}`;
  const first = said.get(key);
  if (!first) said.set(key, f);
  if (first) out.push('', ...wrap(`As above (${isCommitFinding(first) ? 'on the commit message' : `${first.path}:${first.line}`}): the explanation and the fix given there apply here too.`));
  else if (f.explanation) out.push('', ...wrap(f.explanation));
  if (f.excerpt && !(first && first.function === f.function && first.path === f.path)) out.push('', ...excerptBlock(f.excerpt, shownByDiff));
  const elsewhere = f.related.filter((r) => !f.excerpt?.lines.some((l) => l && r.path === f.excerpt!.path && l.line === r.line));
  if (elsewhere.length > 0) out.push('', 'Also:', ...elsewhere.flatMap((r) => wrap(`${r.path}:${r.line}: ${r.message}`, '  ', '    ')));
  if (f.fix && !first) out.push('', ...wrap(`Fix: ${f.fix}`));
  // What a maintainer would say first in a reply to a series (sweep H): fold the fix in.
  if (f.fixedBy) out.push('', ...wrap(`A later ${patchName(f.fixedBy)} fixes this${f.fixedBy.subject === null ? '' : ` ("${f.fixedBy.subject}")`}, but the series does not bisect cleanly in between: please fold the fix into this patch.`));
  if (!first) out.push('', ...seeAlso(docsUrl(f.rule)));
  return out;
}

/** The link to the rule's page; a URL cannot be wrapped, so one too long for the line gets a line of its own. */
function seeAlso(url: string): string[] {
  const line = `See ${url}`;
  return line.length <= WRAP ? [line] : ["See the rule's documentation:", url];
}

/**
 * The widened context under a finding, indented off the prose: line numbers, then `+` for a line
 * the patch adds, `|` for a line the diff does not carry (read from the tree), and a blank for
 * a context line the diff shows. Without a patch (`shownByDiff` null) there are no marks. Code
 * is quoted verbatim, however long; what a line of the argument shows is labelled `<- label`
 * beside it when the excerpt's labels fit there in {@link WRAP} columns, else below it (see
 * {@link labelBelow}).
 */
function excerptBlock(e: Excerpt, shownByDiff: ReadonlySet<number> | null): string[] {
  const width = Math.max(...e.lines.map((l) => (l ? String(l.line).length : 0)), 2);
  const where = `${e.function ? `${e.function}() in ` : ''}${e.path}`;
  const fromTree = shownByDiff !== null && e.lines.some((l) => l && !l.added && !shownByDiff.has(l.line));
  const intro =
    shownByDiff === null ? `${where}:`
    : fromTree ? `${where} after this patch, with the lines the diff does not show ("|") read from the tree:`
    : `${where} after this patch ("+" marks the lines it adds):`;
  const code = e.lines.map((l) => (l ? expandTabs(l.text).trimEnd() : ''));
  // A reply has no '>' column for the finding's own lines (it would read as quoting): they get a
  // label when no related note already sits there (sweep AJ: the seed's start and end unmarked).
  const notes = e.lines.map((l) => (l === null ? null : (l.note ?? (l.role === 'primary' ? 'reported here' : l.role === 'end' ? 'up to here' : null))));
  // Columns before the code: two of indent, the line number, the mark between two spaces.
  const gutter = width + 5;
  const inlineLength = (column: number, note: string): number => gutter + column + LABEL_GAP + '<- '.length + note.length;
  // The labels share one column, past the longest labelled line, when all of them fit there;
  // otherwise all go below their lines, so that one excerpt reads one way.
  const labelled = e.lines.flatMap((l, i) => (notes[i] ? [{ i, note: notes[i]! }] : []));
  const column = Math.max(0, ...labelled.map(({ i }) => code[i]!.length));
  const inline = labelled.every(({ note }) => inlineLength(column, note) <= WRAP);
  // A run of another function's lines is named above it, as the text output does.
  const lines = e.lines.flatMap((l, i) => [...functionHeader(l).map((h) => `  ${h}`), ...excerptLine(l, i)]);
  return [...wrap(intro), '', ...lines];
  function excerptLine(l: ExcerptLine | null, i: number): string[] {
    if (!l) return [`  ${' '.repeat(width)}   ...`];
    const mark = l.added ? '+' : shownByDiff === null || shownByDiff.has(l.line) ? ' ' : '|';
    const text = code[i]!;
    const line = `  ${String(l.line).padStart(width)} ${mark} ${text}`;
    const note = notes[i];
    if (!note) return [line.trimEnd()];
    if (inline) return [`${line}${' '.repeat(column - text.length + LABEL_GAP)}<- ${note}`];
    return [line.trimEnd(), ...labelBelow(note, gutter, text.length - text.trimStart().length, WRAP, MIN_LABEL_WIDTH)];
  }
}

/** Spaces between the longest labelled code line and its `<-`. */
const LABEL_GAP = 2;

/** A label below its line gets at least this many columns before the wrap, or moves left for them. */
const MIN_LABEL_WIDTH = 36;

/**
 * `text` wrapped at {@link WRAP} columns on spaces (see {@link wrapAt}); the first line starts
 * with `first`, the others with `rest`.
 */
export function wrap(text: string, first = '', rest = first): string[] {
  return wrapAt(text, WRAP, first, rest);
}

/** mboxrd: a body line starting with `From ` (after any `>`s) gets one more `>`, so readers do not split there. */
function mboxrdEscape(body: string): string {
  return body.replace(/^(>*From )/gm, '>$1');
}
