/**
 * `--format sarif`: SARIF 2.1.0 as GitHub code scanning takes it (docs.github.com, "SARIF
 * support for code scanning"). One run: the tool with a descriptor for every rule that ran (help
 * text and page, default level, precision, tags), one result per finding (its headline and
 * reasoning, the start line as the location, the related lines, a code flow for a finding that
 * follows a path, the finding's fingerprint), and what could not be checked as tool execution
 * notifications, so silence in the alerts still means "checked and clean".
 *
 * Paths are relative to `%SRCROOT%` (the tree reviewed, or the directory scanned from), so an
 * upload matches the repository's files wherever the run happened.
 */
import { posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import { docsUrl } from '../findings/docs.js';
import { isCommitFinding, type Finding } from '../findings/finding.js';
import { SEVERITIES, type Severity } from '../findings/severity.js';
import { STDIN_SOURCE } from '../patch/limits.js';
import type { Report, ReportNote } from '../pipeline/analyze.js';
import { pathSteps } from './path.js';
import { patchLabel } from './text.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** The base every relative artifact URI is resolved against. */
export const SRCROOT = '%SRCROOT%';

/** The key of widen's fingerprint in `partialFingerprints`; the version changes if its recipe does. */
export const FINGERPRINT_KEY = 'widenFingerprint/v1';

/**
 * GitHub rejects an upload whose run has more results than this ("SARIF results exceed hard
 * limit", docs.github.com code-scanning troubleshooting; it shows the 5,000 most severe).
 */
export const MAX_RESULTS_PER_RUN = 25_000;

/** What SARIF says about a rule: built by the caller from the rule catalog, so this file never sees a rule. */
export interface RuleDescriptor {
  id: string;
  /** One line (`widen rules`). */
  summary: string;
  /** A paragraph: what the rule checks and why. */
  description: string;
  severity: Severity;
  confidence: 'high' | 'medium' | 'low';
  /** The rule's documentation page, Markdown. */
  help: string;
  /** Extra tags (the kernel resources the rule checks). */
  tags: readonly string[];
}

export interface SarifOptions {
  /** Every rule that ran, including those without findings (GitHub closes their old alerts). */
  rules: readonly RuleDescriptor[];
  toolVersion: string;
  /** Absolute directory the relative paths are relative to; recorded as `%SRCROOT%`. Null leaves it out. */
  srcRoot: string | null;
  /**
   * Absolute directory the command ran in: the patch files a commit-message result points at
   * were named relative to it, not to the tree (sweep J). Defaults to `srcRoot`.
   */
  cwd?: string;
  /** False when the run could not do all it was asked (files that could not be read). */
  executionSuccessful: boolean;
  /** Results written at most; {@link MAX_RESULTS_PER_RUN} unless a test says otherwise. */
  maxResults?: number;
}

/** GitHub reads `precision` to rank alerts; widen's confidence maps onto its scale. */
const PRECISION: Record<RuleDescriptor['confidence'], string> = { high: 'high', medium: 'medium', low: 'low' };

export function renderSarif(report: Report, opts: SarifOptions): string {
  const ruleIndex = new Map(opts.rules.map((r, i) => [r.id, i]));
  // A commit read from git or GitHub is no file of the repository: a note on its message goes
  // among the run's notifications, where code scanning shows no alert on a file that is not there.
  const onCommits = report.findings.filter(onCommitMessage);
  const { kept, overflow } = withinLimit(report.findings.filter((f) => !onCommitMessage(f)), opts.maxResults ?? MAX_RESULTS_PER_RUN);
  const run: Sarif.Run = {
    tool: {
      driver: {
        name: 'widen',
        informationUri: 'https://github.com/widen-review/widen',
        version: opts.toolVersion,
        semanticVersion: opts.toolVersion,
        rules: opts.rules.map(ruleDescriptor),
      },
    },
    ...(opts.srcRoot !== null ? { originalUriBaseIds: { [SRCROOT]: { uri: directoryUri(opts.srcRoot) } } } : {}),
    invocations: [
      {
        executionSuccessful: opts.executionSuccessful,
        toolExecutionNotifications: [...report.notes.map((n) => notification(n, opts.srcRoot)), ...onCommits.map((f) => commitNotification(f, ruleIndex.get(f.rule))), ...(overflow ? [overflow] : [])],
      },
    ],
    columnKind: 'utf16CodeUnits',
    results: kept.map((f) => result(f, ruleIndex.get(f.rule), opts.srcRoot, opts.cwd ?? opts.srcRoot)),
  };
  const log: Sarif.Log = { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run] };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/**
 * The findings that fit in one run, the most severe first kept (in their own order), and a
 * notification counting the rest: over the limit GitHub would refuse the whole upload.
 */
function withinLimit(findings: readonly Finding[], max: number): { kept: readonly Finding[]; overflow: Sarif.Notification | null } {
  if (findings.length <= max) return { kept: findings, overflow: null };
  const bySeverity = findings.map((f, i) => ({ f, i })).sort((a, b) => SEVERITIES.indexOf(a.f.severity) - SEVERITIES.indexOf(b.f.severity) || a.i - b.i);
  const keep = new Set(bySeverity.slice(0, max).map((x) => x.i));
  const left = findings.length - max;
  return {
    kept: findings.filter((_, i) => keep.has(i)),
    overflow: {
      level: 'warning',
      descriptor: { id: 'results-over-limit' },
      message: { text: `${left} finding${left === 1 ? '' : 's'} of the least severe are left out: GitHub code scanning refuses a run with more than ${max} results. --format json lists them all.` },
    },
  };
}

function ruleDescriptor(r: RuleDescriptor): Sarif.ReportingDescriptor {
  return {
    id: r.id,
    name: pascalCase(r.id),
    shortDescription: { text: sentence(r.summary) },
    fullDescription: { text: r.description },
    help: { text: r.help, markdown: r.help },
    helpUri: docsUrl(r.id),
    defaultConfiguration: { level: r.severity },
    properties: { tags: ['correctness', 'linux-kernel', 'mm', ...r.tags], precision: PRECISION[r.confidence] },
  };
}

function result(f: Finding, ruleIndex: number | undefined, root: string | null, cwd: string | null): Sarif.Result {
  const related = relatedLocations(f, root);
  const steps = pathSteps(f);
  return {
    ruleId: f.rule,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    level: f.severity,
    message: { text: [sentence(f.message), f.explanation, f.fix ? `Fix: ${f.fix}` : ''].filter(Boolean).join('\n\n') },
    locations: [
      {
        // A commit message is no region of code: the location is the line where the patch begins
        // in the file it was read from, and the logical location names the patch (GitHub
        // requires a physical location).
        physicalLocation: physical(root, isCommitFinding(f) ? patchFilePath(f.path, root, cwd) : f.path, f.line, f.column),
        ...(f.function ? { logicalLocations: [{ name: f.function, kind: 'function' }] } : {}),
        ...(isCommitFinding(f) && f.patch ? { logicalLocations: [{ name: `commit message of ${patchLabel(f.patch)}`, kind: 'resource' }] } : {}),
      },
    ],
    ...(related.length > 0 ? { relatedLocations: related } : {}),
    ...(steps
      ? {
          codeFlows: [
            {
              message: { text: `The path through ${f.function ? `${f.function}()` : f.path} that the finding follows.` },
              threadFlows: [
                {
                  locations: steps.map((s, i) => ({
                    location: { physicalLocation: physical(root, f.path, s.line), message: { text: sentence(s.note ?? (s.primary ? f.message : s.again ? `Here again: ${f.message}` : i === 0 ? 'Starts here' : 'Ends here')) } },
                    executionOrder: i + 1,
                  })),
                },
              ],
            },
          ],
        }
      : {}),
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
    properties: {
      confidence: f.confidence,
      messageId: f.messageId,
      ...(f.scope ? { scope: f.scope } : {}),
      ...(f.patch ? { patch: { index: f.patch.index, subject: f.patch.subject } } : {}),
      ...(f.placement ? { placement: f.placement.kind } : {}),
    },
  };
}

/** The related lines, each with what it shows, and the end of the evidence when no related line is it. */
function relatedLocations(f: Finding, root: string | null): Sarif.Location[] {
  const out: Sarif.Location[] = f.related.map((r, i) => ({ id: i + 1, physicalLocation: physical(root, r.path, r.line, r.column), message: { text: sentence(r.message) } }));
  if (f.endLine !== f.line && !f.related.some((r) => r.path === f.path && r.line === f.endLine)) {
    out.push({ id: out.length + 1, physicalLocation: physical(root, f.path, f.endLine), message: { text: 'Where the finding ends: the closing call, or where the path leaves the function.' } });
  }
  return out;
}

/**
 * A finding on the message of a commit read from git or GitHub (`review --git`, `--pr`), whose
 * `path` names the commit, not a file: sweep AK found code scanning would file alerts on a path
 * `commit 2795eab6648e` the repository does not have.
 */
function onCommitMessage(f: Finding): boolean {
  const sha = /^commit ([0-9a-f]{7,40})$/.exec(f.path)?.[1];
  return isCommitFinding(f) && sha !== undefined && f.patch?.commit?.startsWith(sha) === true;
}

function commitNotification(f: Finding, ruleIndex: number | undefined): Sarif.Notification {
  const where = `commit message of ${f.patch ? patchLabel(f.patch) : f.path}`;
  return {
    level: f.severity,
    message: { text: [`${sentence(f.message)} (${where})`, f.explanation, f.fix ? `Fix: ${f.fix}` : ''].filter(Boolean).join('\n\n') },
    associatedRule: { id: f.rule, ...(ruleIndex !== undefined ? { index: ruleIndex } : {}) },
    locations: [{ logicalLocations: [{ name: where, kind: 'resource' }] }],
  };
}

function notification(n: ReportNote, root: string | null): Sarif.Notification {
  return {
    level: n.kind === 'analysis-failed' ? 'error' : n.kind === 'skipped-file' ? 'warning' : 'note',
    message: { text: n.message },
    descriptor: { id: n.kind },
    locations: [{ physicalLocation: physical(root, n.path, n.line > 0 ? n.line : null) }],
  };
}

/**
 * The path of a patch file (a commit message's location) as the tree's root sees it: it was
 * named from the directory the command ran in, which need not be the tree. Standard input and
 * a run without a directory to resolve from keep the name as given.
 */
function patchFilePath(path: string, srcRoot: string | null, cwd: string | null): string {
  if (cwd === null || path === STDIN_SOURCE || posix.isAbsolute(path)) return path;
  const abs = posix.resolve(cwd, path);
  return srcRoot === null ? abs : posix.relative(srcRoot, abs);
}

/** A location in a file; line 0 or null means the whole file. */
function physical(srcRoot: string | null, path: string, line: number | null, column?: number): Sarif.PhysicalLocation {
  return {
    artifactLocation: artifactLocation(path, srcRoot),
    ...(line !== null && line > 0 ? { region: { startLine: line, ...(column !== undefined && column > 0 ? { startColumn: column } : {}) } } : {}),
  };
}

/**
 * A relative path stays relative to `%SRCROOT%` (as URI path segments); one that leaves it
 * (absolute, or `../` from the root) becomes an absolute `file:` URI, which GitHub cannot match
 * to the repository but other viewers open.
 */
function artifactLocation(path: string, srcRoot: string | null): Sarif.ArtifactLocation {
  let p = posix.normalize(path.replace(/\\/g, '/'));
  // An absolute path inside the root (`widen scan $PWD/mm`) is a path of the repository too.
  if (posix.isAbsolute(p) && srcRoot !== null) {
    const inside = posix.relative(srcRoot, p);
    if (inside !== '' && inside !== '..' && !inside.startsWith('../') && !posix.isAbsolute(inside)) p = inside;
  }
  if (posix.isAbsolute(p)) return { uri: pathToFileURL(p).href };
  if (p === '..' || p.startsWith('../')) return { uri: srcRoot === null ? encodeRelative(p) : pathToFileURL(posix.join(srcRoot, p)).href };
  return { uri: encodeRelative(p), uriBaseId: SRCROOT };
}

function encodeRelative(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/**
 * SARIF viewers show messages as sentences: a final period is added. The first letter is left
 * as it is: a summary may start with a function name (`huge_pmd_unshare_flush()`).
 */
function sentence(s: string): string {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** `tlb-vma-bracket-balance` → `TlbVmaBracketBalance`: SARIF's rule `name` is an identifier. */
function pascalCase(id: string): string {
  return id.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}
