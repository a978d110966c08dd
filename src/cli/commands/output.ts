/**
 * What `review` and `scan` print, in the format asked for: one place that hands the report to
 * its renderer, with what that renderer needs beside the findings (the patches an email answers,
 * the rule descriptors and source root SARIF records, whether text may be coloured).
 */
import { escapeControls, escapeJsonControls } from '../../patch/errors.js';
import type { Patch } from '../../patch/types.js';
import type { Report } from '../../pipeline/analyze.js';
import { renderEmail } from '../../render/email.js';
import { renderJson } from '../../render/json.js';
import { renderMarkdown } from '../../render/markdown.js';
import { renderSarif } from '../../render/sarif.js';
import { noteLines, renderText } from '../../render/text.js';
import type { CatalogRule } from '../../rules/index.js';
import { version } from '../version.js';
import type { OutputFormat } from './options.js';
import { ruleDescriptors } from './rule-descriptors.js';

export interface OutputContext {
  format: OutputFormat;
  /** Colour text output (decided from --color, the terminal and NO_COLOR). */
  color: boolean;
  /** The rules that ran: SARIF lists each, with or without results. */
  rules: readonly CatalogRule[];
  /** The absolute directory paths are relative to (the tree, or where a scan ran); null when unknown. */
  srcRoot: string | null;
  /** False when the run could not do all it was asked (a scan with unreadable files). */
  complete: boolean;
  /** The patches reviewed, for the email replies. */
  patches: readonly Patch[];
}

/** What to print: the rendering for stdout and, for some formats, remarks for stderr. */
export function renderReport(report: Report, ctx: OutputContext): { stdout: string; stderr: string } {
  switch (ctx.format) {
    case 'json':
      return { stdout: escapeJsonControls(renderJson(report)), stderr: '' };
    case 'markdown':
      return { stdout: renderMarkdown(shownReport(report)), stderr: '' };
    case 'sarif':
      return { stdout: escapeJsonControls(renderSarif(report, { rules: ruleDescriptors(ctx.rules), toolVersion: version(), srcRoot: ctx.srcRoot, cwd: process.cwd(), executionSuccessful: ctx.complete })), stderr: '' };
    case 'email':
      return emailOutput(shownReport(report), ctx.patches);
    case 'text':
      return { stdout: renderText(shownReport(report), { color: ctx.color }), stderr: '' };
  }
}

/**
 * The report with every path and text a finding or note carries written out by
 * `escapeControls()`: what rules and readers already escape, plus what comes from outside
 * unescaped (a file name on disk with an escape sequence, a pull request's file list), so that
 * no renderer can hand a control character to the terminal or the mail. Escaping twice changes
 * nothing, so what was escaped before stays as it was.
 */
function shownReport(report: Report): Report {
  const e = escapeControls;
  return {
    ...report,
    findings: report.findings.map((f) => ({
      ...f,
      path: e(f.path),
      message: e(f.message),
      explanation: e(f.explanation),
      fix: e(f.fix),
      related: f.related.map((r) => ({ ...r, path: e(r.path), message: e(r.message) })),
      ...(f.excerpt ? { excerpt: { ...f.excerpt, path: e(f.excerpt.path) } } : {}),
    })),
    notes: report.notes.map((n) => ({ ...n, path: e(n.path), message: e(n.message) })),
  };
}

/**
 * The replies on stdout; on stderr, what the replies could not say: headers the patch mail did
 * not have, the notes on what was not checked (the list gets the findings, the reviewer the
 * caveats), and that there is nothing to send when nothing was found.
 */
function emailOutput(report: Report, patches: readonly Patch[]): { stdout: string; stderr: string } {
  const mail = renderEmail(report, patches);
  const remarks = mail.missing.map((m) => `widen: ${m}`);
  const n = report.notes.length;
  const notes = `${n === 1 ? 'this note' : `these ${n} notes`} on what widen could not check`;
  if (mail.replies === 0) remarks.push(`widen: no findings, so no reply was written${n > 0 ? `; ${notes}:` : '.'}`);
  else if (n > 0) remarks.push(`widen: ${notes} ${n === 1 ? 'is' : 'are'} for you, not in the ${mail.replies === 1 ? 'reply' : 'replies'}:`);
  // The notes themselves, as --format text lists them: the reviewer needs no second run to read them.
  if (n > 0) remarks.push(...noteLines(report.notes));
  return { stdout: mail.text, stderr: escapeControls(remarks.map((r) => `${r}\n`).join('')) };
}
