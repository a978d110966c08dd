/**
 * `--format markdown`, and the text of the App's review comments: GitHub-flavoured Markdown.
 * Each finding reads on its own: a headline, the widened excerpt from the enclosing function in
 * a fenced `c` block with the patch's lines marked, a link to the rule's page, and for a finding
 * that follows a path through the function, a collapsed Mermaid flowchart of that path (GitHub
 * draws Mermaid in comments).
 */
import { docsUrl } from '../findings/docs.js';
import { isCommitFinding, type Excerpt, type Finding, type PatchRef } from '../findings/finding.js';
import type { Report, ReportNote } from '../pipeline/analyze.js';
import { pathSteps } from './path.js';
import { excerptLines, notePatch, patchLabel, SHORT_SHA, summary } from './text.js';

/** Mermaid labels longer than this are cut: a flowchart box should hold one statement. */
const MAX_LABEL = 60;
/** A step's note in the flowchart: the related line's label, which rules keep short. */
const MAX_NOTE = 100;

const SEVERITY_BADGE: Record<Finding['severity'], string> = {
  error: '🛑 **error**',
  warning: '⚠️ **warning**',
  note: 'ℹ️ **note**',
};

/**
 * The body of one review comment (or one section of a longer document) for `f`; `flow: false`
 * leaves out the flowchart of its path.
 */
export function renderFindingComment(f: Finding, { flow: withFlow = true }: { flow?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`${SEVERITY_BADGE[f.severity]} · [\`${f.rule}\`](${docsUrl(f.rule)})${f.function ? ` · in ${codeSpan(`${f.function}()`)}` : ''}${isCommitFinding(f) ? ' · on the commit message' : ''}`);
  out.push('', `**${escapeText(f.message)}**`);
  // A note on a commit message sits under a heading that names the commit (findingHeading); a
  // pull request of one commit is that commit, and saying so on every comment adds nothing
  // (sweep AK).
  if (!isCommitFinding(f) && f.patch && f.patch.subject !== null && (f.patch.total ?? 1) > 1) out.push('', `<sub>Introduced by ${seriesName(f.patch)}: ${escapeText(f.patch.subject)}</sub>`);
  if (f.fixedBy) {
    out.push('', `<sub>A later ${f.fixedBy.commit ? 'commit' : 'patch'} fixes it: ${seriesName(f.fixedBy)}${f.fixedBy.subject === null ? '' : `: ${escapeText(f.fixedBy.subject)}`}. It stays reported here because the series does not bisect cleanly in between.</sub>`);
  }
  if (f.excerpt) out.push('', ...renderExcerptBlock(f.excerpt, f.patch));
  if (f.explanation) out.push('', escapeText(f.explanation));
  if (f.fix) out.push('', `**Fix:** ${escapeText(f.fix)}`);
  const flow = withFlow ? pathFlowchart(f) : null;
  const asLeft = f.excerpt?.changedLater && f.patch ? ` (lines as ${seriesName(f.patch)} left the file)` : '';
  if (flow) out.push('', `<details><summary>The path through the function${asLeft}</summary>`, '', ...flow, '', '</details>');
  return out.join('\n');
}

/** Said under a comment whose texts {@link renderFindingCommentWithin} had to cut. */
export const CUT_NOTE = "<sub>Cut to fit GitHub's limit on the length of a comment: `widen review` on the command line prints the whole finding.</sub>";

/**
 * The comment for `f` in at most `limit` characters: GitHub refuses a longer review comment, and
 * with it the whole review. Whole when it fits; else without its excerpt, then without the
 * flowchart of its path; then with its own texts (headline, function name, explanation, fix, the
 * subjects of the patches it names) cut shorter and shorter, and {@link CUT_NOTE} under it. A
 * 70,000-character identifier in a headline went out whole before (sweep AA).
 */
export function renderFindingCommentWithin(f: Finding, limit: number): string {
  for (const t of [renderFindingComment(f), renderFindingComment({ ...f, excerpt: undefined }), renderFindingComment({ ...f, excerpt: undefined }, { flow: false })]) {
    if (t.length <= limit) return t;
  }
  for (let keep = Math.floor(limit / 8); ; keep = Math.floor(keep / 2)) {
    // A code span cut open would take the rest of the comment into it: closed after the ellipsis.
    const cut = (text: string): string => {
      const short = cutText(text, keep);
      return short !== text && (short.match(/`/g)?.length ?? 0) % 2 === 1 ? `${short}\`` : short;
    };
    const short: Finding = {
      ...f,
      excerpt: undefined,
      message: cut(f.message),
      ...(f.function ? { function: cut(f.function) } : {}),
      ...(f.explanation ? { explanation: cut(f.explanation) } : {}),
      ...(f.fix ? { fix: cut(f.fix) } : {}),
      ...(f.patch ? { patch: { ...f.patch, subject: f.patch.subject === null ? null : cut(f.patch.subject) } } : {}),
      ...(f.fixedBy ? { fixedBy: { ...f.fixedBy, subject: f.fixedBy.subject === null ? null : cut(f.fixedBy.subject) } } : {}),
    };
    const t = `${renderFindingComment(short, { flow: false })}\n\n${CUT_NOTE}`;
    if (t.length <= limit || keep <= 8) return t.length <= limit ? t : cutText(t, limit - 1);
  }
}

/** `text` cut to at most `n` UTF-16 units, with an ellipsis when cut, never inside a surrogate pair. */
export function cutText(text: string, n: number): string {
  if (text.length <= n) return text;
  let end = Math.max(0, n - 1);
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
  return `${text.slice(0, end)}…`;
}

/** `commit 0123456789ab (2/3)` for a commit, `patch 2/3` for a mail of a series. */
function seriesName(ref: PatchRef): string {
  const place = `${ref.index}/${ref.total ?? 1}`;
  return ref.commit ? `commit \`${ref.commit.slice(0, SHORT_SHA)}\` (${place})` : `patch ${place}`;
}

/**
 * The excerpt as a fenced block, and a legend of its marks. `patch`, the finding's patch, is
 * named when a later patch changes the file (the lines are that patch's, not the series' end).
 */
export function renderExcerptBlock(e: Excerpt, patch?: PatchRef): string[] {
  const lines = excerptLines(e);
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(lines) + 1));
  const marks = new Set(e.lines.flatMap((l) => (l ? [l.added ? '+' : '', l.role === 'related' ? '*' : '', l.role ? '>' : ''] : [])));
  // The other functions whose lines are quoted, each named above its lines in the block.
  const others = [...new Set(e.lines.flatMap((l) => (l?.function !== undefined && l.function !== e.function ? [l.function] : [])))];
  const legend = [
    marks.has('>') ? '`>` the finding' : '',
    marks.has('*') ? '`*` a line the argument depends on' : '',
    marks.has('+') ? '`+` added by this patch' : '',
  ].filter(Boolean);
  return [
    `Widened context from ${others.length ? `${codeSpan(`${e.function}()`)} and ${others.map((n) => codeSpan(`${n}()`)).join(', ')}` : codeSpan(`${e.function}()`)} in ${codeSpan(e.path)}${e.changedLater && patch ? ` as ${seriesName(patch)} left it: a later ${patch.commit ? 'commit' : 'patch'} changes the file, so its lines may differ now` : ''}${legend.length ? ` (${legend.join(', ')})` : ''}:`,
    '',
    `${fence}c`,
    ...lines,
    fence,
  ];
}

/**
 * A flowchart of the lines the finding's argument runs through, in the order the rule gave them
 * (where it starts, each related step, where the evidence ends), or null for a finding that is
 * about one line only.
 */
export function pathFlowchart(f: Finding): string[] | null {
  const steps = pathSteps(f);
  if (!steps) return null;
  const text = new Map((f.excerpt?.lines ?? []).flatMap((l) => (l ? [[l.line, l.text.trim()] as const] : [])));
  const out = ['```mermaid', 'flowchart TD'];
  // Each node: the line and its code (when the excerpt shows it), then what happens there. A
  // step back at the finding's line is no new node: the path's last edge goes round to it.
  const drawn = steps.filter((s) => !s.again);
  drawn.forEach((s, i) => {
    const code = text.get(s.line);
    const head = code ? `${s.line}: ${truncate(code, MAX_LABEL)}` : `line ${s.line}`;
    const note = s.note ? `<br/>${mermaidText(truncate(s.note, MAX_NOTE))}` : '';
    out.push(`  s${i}["${mermaidText(head)}${note}"]`);
  });
  const primary = drawn.findIndex((s) => s.primary);
  for (let i = 1; i < drawn.length; i++) out.push(`  s${i - 1} --> s${i}`);
  if (drawn.length < steps.length) out.push(`  s${drawn.length - 1} -->|again| s${primary}`);
  out.push(`  style s${primary} stroke-width:3px`, '```');
  return out;
}

/** The whole report as one Markdown document: what `--format markdown` prints. */
export function renderMarkdown(report: Report): string {
  const out: string[] = ['## widen review', ''];
  if (report.findings.length === 0) out.push('No findings.', '');
  for (const f of report.findings) {
    out.push(`### ${findingHeading(f)}`, '', renderFindingComment(f), '');
  }
  if (report.notes.length > 0) out.push(...renderNotes(report.notes), '');
  out.push(`<sub>${escapeText(summary(report))}</sub>`);
  return `${out.join('\n')}\n`;
}

/** A finding's heading: its `path:line`, or for a commit message the patch it is about. */
/** A commit is named as the inline comments of the same pull request name it (sweep AK). */
function findingHeading(f: Finding): string {
  if (!isCommitFinding(f) || !f.patch) return codeSpan(`${f.path}:${f.line}`);
  const commit = f.patch.commit ? `${seriesName(f.patch)}${f.patch.subject === null ? '' : `: ${escapeText(f.patch.subject)}`}` : null;
  return `Commit message of ${commit ?? escapeText(patchLabel(f.patch))}`;
}

/** What could not be checked, as a list a reviewer can act on. */
export function renderNotes(notes: readonly ReportNote[]): string[] {
  return [
    '**Not checked** (silence elsewhere means checked and clean):',
    '',
    ...notes.map(noteItem),
  ];
}

/**
 * `text` as a Markdown code span: fenced by one more backtick than its longest run of them, and
 * padded with a space when it starts or ends with one (CommonMark 6.1), so a file name such as
 * ``mm/`x`.c`` reads as one span instead of breaking out into emphasis.
 */
export function codeSpan(text: string): string {
  const fence = '`'.repeat(longestBacktickRun([text]) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A note as a Markdown list item: where, then what. */
export function noteItem(n: ReportNote): string {
  return `- ${codeSpan(`${n.path}${n.line > 0 ? `:${n.line}` : ''}`)}: ${escapeText(`${notePatch(n)}${n.message}`)}`;
}

/**
 * Keeps text from being read as HTML or as references: `&`, `<` and `>` become entities, `@` and
 * `#` lose their power to mention and link, and brackets cannot make a link, except inside the code
 * spans the text already holds (`` `a->b` ``), where CommonMark shows an entity as typed
 * (`&lt;`) and raw HTML is not HTML anyway. A code span is a run of backticks closed by the next
 * run of the same length (CommonMark 6.1); a run never closed is plain text.
 */
export function escapeText(s: string): string {
  // Text here can be a pull request author's (a commit subject, an author's name): outside code
  // spans it must not notify anyone (`@torvalds`, `@org/team`), cross-reference an issue (`#1`)
  // or become a link or an image under the App's name. A zero-width space after `@` and `#`
  // breaks the reference without changing what a reader sees; brackets are escaped.
  const escape = (t: string): string =>
    t
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/@(?=[A-Za-z0-9_])|#(?=\d)/g, '$&\u200b')
      .replace(/[[\]]/g, '\\$&');
  const runs = [...s.matchAll(/`+/g)];
  // For each run, the next run of the same length (its closer, if it opens a span): one pass
  // from the end, so that hostile text of many unmatched runs stays linear.
  const closer = new Array<number>(runs.length);
  const nextOfLength = new Map<number, number>();
  for (let i = runs.length - 1; i >= 0; i--) {
    const length = runs[i]![0].length;
    closer[i] = nextOfLength.get(length) ?? -1;
    nextOfLength.set(length, i);
  }
  let out = '';
  let from = 0;
  for (let i = 0; i < runs.length; i++) {
    const open = runs[i]!;
    const j = closer[i]!;
    // A run never closed is literal backticks; the runs after it may still open spans.
    if (j < 0) continue;
    const close = runs[j]!;
    const end = close.index + close[0].length;
    out += escape(s.slice(from, open.index)) + s.slice(open.index, end);
    from = end;
    i = j;
  }
  return out + escape(s.slice(from));
}

/**
 * A Mermaid label's text: `#` first (Mermaid reads `#name;` as an entity: C's `#1;` would turn
 * into a control character), then `&` (the label goes into HTML, where `&params` reads as
 * `¶ms` and `&regs` as `®s`; sweep AK), quotes and angle brackets as entities, backticks as
 * quotes (Mermaid reads them as Markdown).
 */
function mermaidText(s: string): string {
  return s.replace(/#/g, '#35;').replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/`/g, "'");
}

/** `s` cut to `max` characters, at a word boundary when there is one in its second half. */
function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.lastIndexOf(' ', max - 1);
  return `${s.slice(0, cut > max / 2 ? cut : max - 1)}…`;
}

function longestBacktickRun(lines: readonly string[]): number {
  let best = 0;
  for (const l of lines) for (const m of l.matchAll(/`+/g)) best = Math.max(best, m[0].length);
  return best;
}

/** GitHub rejects a review or comment body longer than this ("Body is too long (maximum is 65536 characters)"). */
export const MAX_COMMENT_BODY = 65_536;

export interface ReviewBodyInput {
  /** New findings posted as inline comments with this review. */
  inline: readonly Finding[];
  /** New findings no line of the diff can carry. */
  outside: readonly Finding[];
  /** New findings over the inline cap. */
  overflow: readonly Finding[];
  /** How many findings an earlier review already posted and that still stand. */
  standing: number;
  /** How many earlier comments this run marked as resolved. */
  resolved: number;
  notes: readonly ReportNote[];
  /** The inline cap, for the overflow section's heading. */
  maxComments: number;
  /** A hidden marker that identifies a finding on later runs. */
  mark: (f: Finding) => string;
  /**
   * New findings on diff lines that GitHub refused as inline comments (a review with them was
   * answered 422): listed in the body instead, under a heading of their own.
   */
  refused?: readonly Finding[];
  /** Said after the headline: how the review was done when not as asked (a series squashed). */
  remarks?: readonly string[];
}

/**
 * The body of a review: what is new, the findings that cannot sit on a diff line (each with
 * its widened context and marker), the overflow over the inline cap, and what could not be
 * checked. Kept under {@link MAX_COMMENT_BODY}: when findings do not fit whole, later ones are
 * listed by headline, and any that do not fit at all are counted (the check run lists them).
 */
export function renderReviewBody(input: ReviewBodyInput): string {
  const refused = input.refused ?? [];
  const fresh = input.inline.length + input.outside.length + input.overflow.length + refused.length;
  const out: string[] = [];
  out.push(fresh > 0 ? `**widen** found ${fresh} new issue${fresh === 1 ? '' : 's'} in this pull request.` : '**widen** found nothing new in this pull request.');
  const status: string[] = [];
  if (input.inline.length) status.push(`${input.inline.length} inline below`);
  if (input.standing) status.push(`${input.standing} from earlier reviews still stand${input.standing === 1 ? 's' : ''}`);
  if (input.resolved) status.push(`${input.resolved} earlier comment${input.resolved === 1 ? ' is' : 's are'} resolved by the latest changes`);
  if (status.length) out.push('', `${status.join('; ')}.`);
  for (const remark of input.remarks ?? []) out.push('', escapeText(remark));

  const budget = MAX_COMMENT_BODY - 2_000;
  let size = out.join('\n').length;
  let omitted = 0;
  const sections: Array<{ heading: string; why: string; findings: readonly Finding[] }> = [
    // Notes on commit messages have no line of code to sit on; they are a section of their own.
    { heading: 'On the commit messages', why: 'These notes are about how the patches are written (author, subject, trailers), not about a line of code.', findings: input.outside.filter(isCommitFinding) },
    { heading: 'Not accepted as inline comments', why: 'GitHub refused this review with these findings as comments on their lines, so they are listed here, each with its line.', findings: refused },
    { heading: 'Outside the diff', why: 'These findings concern lines the diff does not show, so GitHub cannot take them as inline comments.', findings: input.outside.filter((f) => !isCommitFinding(f)) },
    { heading: 'More findings', why: `Only ${input.maxComments} inline comments are posted per review, to stay within GitHub's limits.`, findings: input.overflow },
  ].filter((x) => x.findings.length > 0);
  const headOf = (x: (typeof sections)[number]): string[] => ['', `### ${x.heading} (${x.findings.length})`, '', x.why];
  const briefs = new Map(sections.flatMap((x) => x.findings.map((f) => [f, `\n- ${findingHeading(f)} ${SEVERITY_BADGE[f.severity]} [\`${f.rule}\`](${docsUrl(f.rule)}): ${escapeText(f.message)} ${input.mark(f)}`] as const)));
  // What every later finding takes as a line of its own, and every later heading: a finding is
  // written whole only while that still fits after it, so that whole excerpts do not crowd out
  // the findings after them (sweep AK: 35 whole, then 60 neither listed nor marked, so back as
  // new on the next push).
  let reserve = sections.reduce((n, x) => n + headOf(x).join('\n').length + 1 + x.findings.reduce((m, f) => m + briefs.get(f)!.length + 1, 0), 0);
  for (const x of sections) {
    const head = headOf(x);
    out.push(...head);
    size += head.join('\n').length + 1;
    reserve -= head.join('\n').length + 1;
    for (const f of x.findings) {
      const brief = briefs.get(f)!;
      reserve -= brief.length + 1;
      const whole = ['', `#### ${findingHeading(f)}`, '', renderFindingComment(f), input.mark(f)].join('\n');
      // Never more than half the budget held back: with hundreds of findings, the first few
      // still come whole.
      const piece = size + whole.length + Math.min(reserve, budget / 2) < budget ? whole : size + brief.length < budget ? brief : null;
      if (piece === null) {
        omitted++;
        continue;
      }
      out.push(piece);
      size += piece.length + 1;
    }
  }
  if (omitted > 0) out.push('', `…and ${omitted} more finding${omitted === 1 ? '' : 's'} that do not fit in one review; the \`widen\` check run lists them all.`);
  if (input.notes.length > 0) {
    const notes = renderNotes(input.notes);
    const fitting: string[] = [];
    for (const line of notes) {
      if (size + line.length + 1 >= MAX_COMMENT_BODY - 200) {
        fitting.push(`- …and more; the \`widen\` check run lists them all.`);
        break;
      }
      fitting.push(line);
      size += line.length + 1;
    }
    out.push('', ...fitting);
  }
  return out.join('\n');
}
