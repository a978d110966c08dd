/**
 * `--format text`: compiler-style lines (`path:line:col: severity: message [rule-id]`) that
 * editors and CI logs link, each followed by the widened context from the enclosing function,
 * the way a reviewer quotes it: `>` marks the finding's own lines, `*` its related lines, and
 * `+` the lines the patch added; then the reasoning (`= note:`) and the fix (`= help:`), as rustc
 * writes them.
 */
import { isCommitFinding, type Excerpt, type ExcerptLine, type Finding, type PatchRef } from '../findings/finding.js';
import type { Report, ReportNote } from '../pipeline/analyze.js';

/** Notes printed in full before the rest are summarised (all of them are in the JSON output). */
const MAX_TEXT_NOTES = 20;

export interface TextOptions {
  /** ANSI colours (for a terminal); the words are the same either way. */
  color?: boolean;
}

/** SGR sequences: bold, a colour, and reset. */
const SGR = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36', boldRed: '1;31', boldYellow: '1;33', boldCyan: '1;36' } as const;

type Paint = (style: keyof typeof SGR, s: string) => string;

const plain: Paint = (_style, s) => s;
const ansi: Paint = (style, s) => (s === '' ? s : `\x1b[${SGR[style]}m${s}\x1b[0m`);

const SEVERITY_STYLE: Record<Finding['severity'], keyof typeof SGR> = { error: 'boldRed', warning: 'boldYellow', note: 'boldCyan' };

/** Length of a commit id as a finding names it: what kernel `Fixes:` tags use. */
export const SHORT_SHA = 12;

/** `patch 2`, or `patch 2 (commit 0123456789ab)` when the patch is a commit. */
export function patchName(ref: PatchRef): string {
  return `patch ${ref.index}${ref.commit ? ` (commit ${ref.commit.slice(0, SHORT_SHA)})` : ''}`;
}

export function renderText(report: Report, opts: TextOptions = {}): string {
  const paint = opts.color ? ansi : plain;
  const out: string[] = [];
  for (const f of report.findings) {
    out.push(opts.color ? paintedHeadline(f, paint) : findingHeadline(f));
    if (isCommitFinding(f) && f.patch) out.push(`  in the commit message of ${patchLabel(f.patch)}`);
    else if (f.patch && f.patch.subject !== null) out.push(`  introduced by ${patchName(f.patch)}: ${f.patch.subject}`);
    if (f.fixedBy) out.push(`  fixed by ${patchName(f.fixedBy)}${f.fixedBy.subject === null ? '' : `: ${f.fixedBy.subject}`} (the series does not bisect cleanly in between)`);
    // The excerpt's lines are that patch's (sweep AK: a later patch moved them).
    if (f.excerpt?.changedLater && f.patch) out.push(`  lines as ${patchName(f.patch)} left the file; a later patch changes it`);
    if (f.excerpt) out.push(...renderExcerpt(f.excerpt, paint, SEVERITY_STYLE[f.severity]));
    if (f.explanation) out.push(`  ${paint('bold', '= note:')} ${f.explanation}`);
    if (f.fix) out.push(`  ${paint('bold', '= help:')} ${f.fix}`);
    out.push('');
  }
  out.push(...noteLines(report.notes, paint));
  out.push(summary(report));
  return `${out.join('\n')}\n`;
}

export function findingHeadline(f: Finding): string {
  return `${findingWhere(f)} ${f.severity}: ${f.message} [${f.rule}]`;
}

/**
 * `path:line:col:` as compilers write it; a finding on a commit message names the patch's file
 * alone (`series.mbox:`), as compilers do for a diagnostic about a whole file.
 */
function findingWhere(f: Finding): string {
  return isCommitFinding(f) ? `${f.path}:` : `${f.path}:${f.line}:${f.column}:`;
}

/** `patch 2/3 ("mm: fix x")`, or `"mm: fix x"` for a lone patch: how outputs name a patch. */
export function patchLabel(p: PatchRef): string {
  const subject = p.subject === null ? '' : `"${p.subject}"`;
  if ((p.total ?? 1) <= 1) return subject || `patch ${p.index}`;
  return `patch ${p.index}/${p.total}${subject ? ` (${subject})` : ''}`;
}

/** The headline as a compiler colours it: the location bold, the severity in its colour, the rule id dim. */
function paintedHeadline(f: Finding, paint: Paint): string {
  return `${paint('bold', findingWhere(f))} ${paint(SEVERITY_STYLE[f.severity], `${f.severity}:`)} ${paint('bold', f.message)} ${paint('dim', `[${f.rule}]`)}`;
}

/** The notes, a line each, the first {@link MAX_TEXT_NOTES} of them; how many more there are. */
export function noteLines(notes: readonly ReportNote[], paint: Paint = plain): string[] {
  const out = notes.slice(0, MAX_TEXT_NOTES).map((n) => noteLine(n, paint));
  if (notes.length > MAX_TEXT_NOTES) out.push(`widen: ${notes.length - MAX_TEXT_NOTES} more notes not shown; --format json lists them all.`);
  return out;
}

function noteLine(n: ReportNote, paint: Paint): string {
  const where = n.line > 0 ? `${n.path}:${n.line}:` : `${n.path}:`;
  return `${paint('bold', where)} ${paint('boldCyan', 'note:')} ${notePatch(n)}${n.message}`;
}

/** `[patch 2/9] ` before a note of a series, whose line numbers are that patch's state of the file. */
export function notePatch(n: ReportNote): string {
  return n.patch && (n.patch.total ?? 1) > 1 ? `[patch ${n.patch.index}/${n.patch.total}] ` : '';
}

/** Tabs are expanded so the markers after a line line up in any terminal. */
export function expandTabs(s: string): string {
  let col = 0;
  let out = '';
  for (const ch of s) {
    if (ch === '\t') {
      const n = 8 - (col % 8);
      out += ' '.repeat(n);
      col += n;
    } else {
      out += ch;
      col++;
    }
  }
  return out;
}

export function renderExcerpt(e: Excerpt, paint: Paint = plain, primary: keyof typeof SGR = 'bold'): string[] {
  // An excerpt that opens in another function names that one first (excerptLines does).
  const header = e.lines[0]?.function === undefined ? [`  In ${e.function}():`] : [];
  return [...header, ...excerptLines(e, paint, primary).map((l) => `  ${l}`.trimEnd())];
}

/** `In name():` above a line that starts a run of another function's lines. */
export function functionHeader(l: ExcerptLine | null): string[] {
  return l?.function === undefined ? [] : [`In ${l.function}():`];
}

/**
 * The excerpt's lines in a gutter: `>` marks the finding's own lines, `*` its related lines
 * (with their note after the code), `+` the lines the patch added, `...` elided lines. Shared by
 * the text and markdown renderings so a reviewer reads the same picture in both.
 */
export function excerptLines(e: Excerpt, paint: Paint = plain, primary: keyof typeof SGR = 'bold'): string[] {
  const width = Math.max(...e.lines.map((l) => (l ? String(l.line).length : 0)), 3);
  const code = e.lines.map((l) => (l ? expandTabs(l.text).trimEnd() : ''));
  // The labels share one column, just past the longest labelled line.
  const codeWidth = Math.min(72, Math.max(0, ...e.lines.map((l, i) => (l?.note ? code[i]!.length : 0))));
  // Marker, line number, bar and added mark come before the code.
  const gutter = width + 5;
  const gap = (text: string): number => Math.max(1, codeWidth - text.length + 2);
  // The labels sit beside their lines when all of them fit in LABEL_WRAP columns; otherwise all
  // go below their lines, so that a label is never past the edge of a terminal or of GitHub's
  // code block, and one excerpt reads one way.
  const inline = e.lines.every((l, i) => !l?.note || gutter + code[i]!.length + gap(code[i]!) + '<- '.length + l.note.length <= LABEL_WRAP);
  return e.lines.flatMap((l, i) => [...functionHeader(l), ...excerptLine(l, i)]);
  function excerptLine(l: ExcerptLine | null, i: number): string[] {
    if (!l) return [`${' '.repeat(width + 3)}|  ...`];
    const marker = l.role === 'primary' || l.role === 'end' ? paint(primary, '>') : l.role === 'related' ? paint('boldCyan', '*') : ' ';
    const text = code[i]!;
    const note = l.note && inline ? `${' '.repeat(gap(text))}${paint('cyan', `<- ${l.note}`)}` : '';
    const line = `${marker} ${paint('dim', `${String(l.line).padStart(width)} |`)}${l.added ? paint('green', '+') : ' '}${text}${note}`.trimEnd();
    if (!l.note || inline) return [line];
    return [line, ...labelBelow(l.note, gutter, text.length - text.trimStart().length, LABEL_WRAP, MIN_LABEL_WIDTH).map((x) => paint('cyan', x))];
  }
}

/**
 * A label too long to sit beside its code line, as rustc writes one: on the lines below, a `^`
 * under the first character of the code (`gutter` columns, then the code's `indent`), the text
 * wrapped at `columns` and indented under itself. A label that fits whole stays under its code;
 * one that would be squeezed into fewer than `minWidth` columns by code indented that deep moves
 * left to where the code column starts. The text, markdown and email renderings all write
 * labels this way.
 */
export function labelBelow(note: string, gutter: number, indent: number, columns: number, minWidth: number): string[] {
  const label = `^ ${note}`;
  const under = gutter + indent;
  const at = under + label.length <= columns || columns - under >= minWidth ? under : gutter;
  return wrapAt(label, columns, ' '.repeat(at), ' '.repeat(at + 2));
}

/** Columns an excerpt line may take with its label beside it (text output indents two more). */
const LABEL_WRAP = 98;
/** A label below its line gets at least this many columns, or moves left under the gutter. */
const MIN_LABEL_WIDTH = 40;

/**
 * `text` wrapped at `columns` on spaces, each paragraph (line of `text`) on its own; a word
 * longer than a line (a URL) is left whole, and so is a code span that fits on one line
 * (`` `git log -1 --format='Fixes: %h ("%s")'` ``: a command broken across lines cannot be
 * pasted). The first line starts with `first`, the others with `rest`.
 */
export function wrapAt(text: string, columns: number, first = '', rest = first): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = out.length === 0 ? first : rest;
    let empty = true;
    for (const word of words(paragraph, columns - rest.length)) {
      if (!empty && line.length + 1 + word.length > columns) {
        out.push(line);
        line = `${rest}${word}`;
      } else {
        line = empty ? `${line}${word}` : `${line} ${word}`;
      }
      empty = false;
    }
    out.push(line.trimEnd());
  }
  return out;
}

/**
 * The words of `paragraph`: runs of non-space characters, where a code span (`` `a b` ``) counts
 * as part of its word while it fits in `width`; a longer one breaks at its spaces. A backtick
 * with no partner after it is an ordinary character.
 */
function words(paragraph: string, width: number): string[] {
  const out: string[] = [];
  for (const token of paragraph.match(/(?:`[^`]*`|[^\s`]|`(?![^`]*`))+/g) ?? []) {
    if (token.length <= width || !/\s/.test(token)) out.push(token);
    else out.push(...token.split(/\s+/).filter(Boolean));
  }
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summary(report: Report): string {
  const bySeverity = new Map<string, number>();
  for (const f of report.findings) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
  const detail = [...bySeverity].map(([s, n]) => `${n} ${s}${n === 1 ? '' : 's'}`).join(', ');
  const { files, functions, ms, cached, baseline } = report.stats;
  const reused = cached ? ` (the results of ${plural(cached, 'file')} from the cache)` : '';
  const known = baseline === undefined ? '' : `; ${plural(baseline, 'finding')} of the baseline not shown`;
  return `widen: ${plural(report.findings.length, baseline === undefined ? 'finding' : 'new finding')}${detail ? ` (${detail})` : ''}${known}; ${plural(files, 'file')}, ${plural(functions, 'function')} checked in ${ms} ms${reused}.`;
}
