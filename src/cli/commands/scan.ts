/** `widen scan PATH...`: whole files and trees. */
import { atLeast } from '../../findings/severity.js';
import { scan } from '../../pipeline/scan.js';
import { renderJson } from '../../render/json.js';
import { renderMarkdown } from '../../render/markdown.js';
import { renderText } from '../../render/text.js';
import { SCAN_USAGE, usageError } from '../messages/index.js';
import { parseFailOn, parseFormat, parseJobs, parseRules } from './options.js';
import { parse } from './parse.js';
import type { CommandIo, CommandResult } from './types.js';

export async function scanCommand(args: string[], io: CommandIo): Promise<CommandResult> {
  const { values, positionals } = parse(args, {
    format: { type: 'string' },
    jobs: { type: 'string', short: 'j' },
    rules: { type: 'string' },
    'fail-on': { type: 'string' },
  }, SCAN_USAGE);
  if (values.help) return { stdout: `${SCAN_USAGE}\n`, exitCode: 0 };
  if (positionals.length === 0) throw usageError('widen scan needs at least one file or directory to scan.', SCAN_USAGE);
  const format = parseFormat(values.format, SCAN_USAGE);
  const failOn = parseFailOn(values['fail-on'], SCAN_USAGE);
  const rules = parseRules(values.rules, SCAN_USAGE);
  const jobs = parseJobs(values.jobs, SCAN_USAGE);
  let lastShown = 0;
  const report = await scan({
    paths: positionals,
    rules,
    jobs,
    progress: io.progress
      ? (phase, done, total) => {
          const now = Date.now();
          if (done === total || now - lastShown > 200) {
            lastShown = now;
            io.progress!(`${phase} ${done}/${total} files`);
          }
        }
      : undefined,
  });
  const stdout = format === 'json' ? renderJson(report) : format === 'markdown' ? renderMarkdown(report) : renderText(report);
  if (report.unreadable.length > 0) {
    const n = report.unreadable.length;
    const list = report.unreadable.map((u) => `${u.path} (${u.reason})`).join(', ');
    const stderr = `widen: ${n} file${n > 1 ? 's' : ''} could not be read and ${n > 1 ? 'were' : 'was'} not scanned: ${list}. Fix the permissions or leave ${n > 1 ? 'them' : 'it'} out; the results above are incomplete.\n`;
    return { stdout, stderr, exitCode: 2 };
  }
  const failing = report.findings.some((f) => atLeast(f.severity, failOn));
  return { stdout, exitCode: failing ? 1 : 0 };
}
