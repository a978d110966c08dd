/** `widen scan PATH...`: whole files and trees. */
import { dirname, resolve } from 'node:path';
import { atLeast } from '../../findings/severity.js';
import { scan } from '../../pipeline/scan.js';
import { SCAN_USAGE, usageError } from '../messages/index.js';
import { OUTPUT_FORMATS, parseColor, parseFailOn, parseFormat, parseJobs, parseRules, useColor } from './options.js';
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
  }, SCAN_USAGE);
  if (values.help) return { stdout: `${SCAN_USAGE}\n`, exitCode: 0 };
  if (positionals.length === 0) throw usageError('widen scan needs at least one file or directory to scan.', SCAN_USAGE);
  if (values.format === 'email') throw usageError('--format email writes replies to patch mails, and widen scan has no patch to answer. Review the patch with widen review --format email, or scan with --format text, json, markdown or sarif.', SCAN_USAGE);
  const format = parseFormat(values.format, SCAN_USAGE, OUTPUT_FORMATS.filter((f) => f !== 'email'));
  const color = useColor(parseColor(values.color, SCAN_USAGE), io.stdoutIsTty ?? false, io.env ?? {});
  const failOn = parseFailOn(values['fail-on'], SCAN_USAGE);
  const rules = parseRules(values.rules, SCAN_USAGE);
  const jobs = parseJobs(values.jobs, SCAN_USAGE);
  let lastShown = 0;
  const report = await scan({
    paths: positionals,
    rules,
    jobs,
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
  const { stdout } = renderReport(report, { format, color, rules, srcRoot: resolve('.'), complete: report.unreadable.length === 0, patches: [] });
  if (report.unreadable.length > 0) {
    const n = report.unreadable.length;
    const list = report.unreadable.map((u) => `${u.path} (${u.reason})`).join(', ');
    const stderr = `widen: ${n} file${n > 1 ? 's' : ''} could not be read and ${n > 1 ? 'were' : 'was'} not scanned: ${list}. Fix the permissions or leave ${n > 1 ? 'them' : 'it'} out; the results above are incomplete.\n`;
    return { stdout, stderr, exitCode: 2 };
  }
  const failing = report.findings.some((f) => atLeast(f.severity, failOn));
  return { stdout, exitCode: failing ? 1 : 0 };
}
