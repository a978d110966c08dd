/** `widen scan PATH...`: whole files and trees. */
import { dirname, resolve } from 'node:path';
import { atLeast } from '../../findings/severity.js';
import { READ_ERROR_WORDS } from '../../errors.js';
import { escapeControls } from '../../patch/errors.js';
import { scan, type Unreadable } from '../../pipeline/scan.js';
import { defaultCacheDir } from '../../pipeline/scan-cache.js';
import { SCAN_USAGE, usageError } from '../messages/index.js';
import { OUTPUT_FORMATS, hasUnchecked, parseColor, parseFailOn, parseFormat, parseJobs, parseScanRules, useColor } from './options.js';
import { readBaseline, withoutBaseline } from './baseline.js';
import { renderReport } from './output.js';
import { parse } from './parse.js';
import type { CommandIo, CommandResult } from './types.js';

export async function scanCommand(args: string[], io: CommandIo): Promise<CommandResult> {
  const { values, positionals } = parse(args, {
    format: { type: 'string' },
    jobs: { type: 'string', short: 'j' },
    rules: { type: 'string' },
    'fail-on': { type: 'string' },
    color: { type: 'string' },
    'fail-on-unchecked': { type: 'boolean' },
    cache: { type: 'boolean' },
    'cache-dir': { type: 'string' },
    baseline: { type: 'string' },
  }, SCAN_USAGE);
  if (values.help) return { stdout: `${SCAN_USAGE}\n`, exitCode: 0 };
  if (positionals.length === 0) throw usageError('widen scan needs at least one file or directory to scan.', SCAN_USAGE);
  if (values.format === 'email') throw usageError('--format email writes replies to patch mails, and widen scan has no patch to answer. Review the patch with widen review --format email, or scan with --format text, json, markdown or sarif.', SCAN_USAGE);
  const format = parseFormat(values.format, SCAN_USAGE, OUTPUT_FORMATS.filter((f) => f !== 'email'));
  const color = useColor(parseColor(values.color, SCAN_USAGE), io.stdoutIsTty ?? false, io.env ?? {});
  const failOn = parseFailOn(values['fail-on'], SCAN_USAGE);
  const rules = parseScanRules(values.rules, SCAN_USAGE);
  const jobs = parseJobs(values.jobs, SCAN_USAGE);
  const cacheDir = values['cache-dir'];
  if (cacheDir === '') throw usageError('--cache-dir needs a directory, for example --cache-dir ~/.cache/widen.', SCAN_USAGE);
  if (values.baseline === '') throw usageError('--baseline needs the JSON report of an earlier scan, for example --baseline known.json.', SCAN_USAGE);
  // Read before the scan: a wrong file name should not cost a scan of the whole tree first.
  const baseline = values.baseline === undefined ? null : await readBaseline(values.baseline);
  const cache = cacheDir !== undefined || values.cache === true ? { dir: resolve(cacheDir ?? defaultCacheDir(io.env ?? {})) } : undefined;
  let lastShown = 0;
  const report = await scan({
    paths: positionals,
    rules,
    jobs,
    cache,
    progress: io.progress
      ? (phase, done, total, path) => {
          const now = Date.now();
          // A terminal redrawn for every file of a 60,000-file tree costs more than the scan.
          if (done === total || now - lastShown > 200) {
            lastShown = now;
            io.progress!(`${phase === 'read' ? 'read' : 'checked'} ${done}/${total} files, in ${dirname(path)}/`);
          }
        }
      : undefined,
  });
  if (baseline) {
    const { findings, known } = withoutBaseline(report.findings, baseline);
    report.findings = findings;
    report.stats.baseline = known;
  }
  const { stdout } = renderReport(report, { format, color, rules, srcRoot: resolve('.'), complete: report.unreadable.length === 0, patches: [] });
  const warnings = report.warnings.map((w) => `widen: ${escapeControls(w)}\n`).join('');
  if (report.unreadable.length > 0) return { stdout, stderr: `${warnings}widen: ${describeUnreadable(report.unreadable)}\n`, exitCode: 2 };
  const failing = report.findings.some((f) => atLeast(f.severity, failOn));
  const unchecked = values['fail-on-unchecked'] === true && hasUnchecked(report.notes);
  return { stdout, ...(warnings ? { stderr: warnings } : {}), exitCode: failing || unchecked ? 1 : 0 };
}

/** What to do about a path a scan could not read, by error code. */
const UNREADABLE_TODO: Record<string, string> = {
  EACCES: 'fix the permissions',
  EPERM: 'fix the permissions',
  ENOENT: 'remove the dangling link',
  ELOOP: 'fix the link',
  EISDIR: 'name it as a directory',
};

/** Why a scan could not read a path, in words: a file it listed and cannot find is a dangling link, or gone. */
function whyUnreadable(code: string): string {
  return code === 'ENOENT' ? 'it vanished, or is a symbolic link to nothing' : (READ_ERROR_WORDS[code] ?? code);
}

/** The closing message of a scan that could not read everything: what, why, and what to do. */
export function describeUnreadable(unreadable: readonly Unreadable[]): string {
  const n = unreadable.length;
  const list = unreadable.map((u) => `${u.directory ? 'the directory ' : ''}${escapeControls(u.path)} (${whyUnreadable(u.reason)})`).join(', ');
  const todo = [...new Set(unreadable.map((u) => UNREADABLE_TODO[u.reason] ?? 'check it'))].join(' or ');
  return `${n} path${n > 1 ? 's' : ''} could not be read and ${n > 1 ? 'were' : 'was'} not scanned: ${list}. To scan ${n > 1 ? 'them' : 'it'}, ${todo}; or leave ${n > 1 ? 'them' : 'it'} out. The results above are incomplete.`;
}
