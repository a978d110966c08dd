/**
 * `--format json`: one object, exactly the contract's shape (PRODUCT.md), extended with
 * `column`, `messageId` and the `notes` array.
 */
import { docsUrl } from '../findings/docs.js';
import type { Finding, PatchRef } from '../findings/finding.js';
import type { PlacementKind } from '../findings/placement.js';
import type { Report, ReportNote } from '../pipeline/analyze.js';

export interface JsonFinding {
  rule: string;
  severity: string;
  confidence: string;
  message: string;
  explanation: string;
  fix: string;
  messageId: string;
  /** `commit-message` for a patch rule's finding: `line` is where the patch begins in `path`, and `patch` names it. */
  scope?: 'commit-message';
  /** For a commit-message finding: the line of the message it is about, as written (absent for the subject). */
  quote?: string;
  path: string;
  line: number;
  column: number;
  endLine: number;
  function: string | null;
  /** `commit`: the commit's full id, when the patch is one (`review --git`, `review --pr`). */
  patch?: { index: number; subject: string | null; commit?: string };
  /** The later patch of the series that removes the finding again (review of a series only). */
  fixedBy?: { index: number; subject: string | null; commit?: string };
  related: Array<{ path: string; line: number; message: string }>;
  /** Checks (`rule/messageId`) whose findings of the same defect were folded into this one. */
  alsoFoundBy?: string[];
  fingerprint: string;
  docsUrl: string;
  /** Where the finding sits on the diff that introduced it (review only). */
  placement?: PlacementKind;
}

function jsonPatchRef(ref: PatchRef): NonNullable<JsonFinding['patch']> {
  return { index: ref.index, subject: ref.subject, ...(ref.commit ? { commit: ref.commit } : {}) };
}

export function toJsonFinding(f: Finding): JsonFinding {
  return {
    rule: f.rule,
    severity: f.severity,
    confidence: f.confidence,
    message: f.message,
    explanation: f.explanation,
    fix: f.fix,
    messageId: f.messageId,
    ...(f.scope ? { scope: f.scope } : {}),
    ...(f.quote !== undefined ? { quote: f.quote } : {}),
    path: f.path,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    function: f.function,
    ...(f.patch ? { patch: jsonPatchRef(f.patch) } : {}),
    ...(f.fixedBy ? { fixedBy: jsonPatchRef(f.fixedBy) } : {}),
    related: f.related.map((r) => ({ path: r.path, line: r.line, message: r.message })),
    ...(f.alsoFoundBy ? { alsoFoundBy: f.alsoFoundBy } : {}),
    fingerprint: f.fingerprint,
    docsUrl: docsUrl(f.rule),
    ...(f.placement ? { placement: f.placement.kind } : {}),
  };
}

export function renderJson(report: Report): string {
  const notes = report.notes.map((n: ReportNote) => ({ path: n.path, line: n.line, endLine: n.endLine, function: n.function, kind: n.kind, message: n.message, ...(n.patch ? { patch: n.patch } : {}) }));
  return `${JSON.stringify({ version: 1, findings: report.findings.map(toJsonFinding), notes, stats: report.stats }, null, 2)}\n`;
}
