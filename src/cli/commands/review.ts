/** `widen review [PATCH...]`: the mailing-list front door. */
import { readFile } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { atLeast } from '../../findings/severity.js';
import { readPatches } from '../../patch/index.js';
import type { Patch } from '../../patch/types.js';
import { review } from '../../pipeline/review.js';
import { renderJson } from '../../render/json.js';
import { renderText } from '../../render/text.js';
import { REVIEW_USAGE, usageError } from '../messages/index.js';
import { parseFailOn, parseFormat, parseRules } from './options.js';
import { parse } from './parse.js';
import type { CommandIo, CommandResult } from './types.js';

export async function reviewCommand(args: string[], io: CommandIo): Promise<CommandResult> {
  const { values, positionals } = parse(args, {
    tree: { type: 'string' },
    format: { type: 'string' },
    'fail-on': { type: 'string' },
    rules: { type: 'string' },
    pr: { type: 'string' },
    'api-url': { type: 'string' },
  }, REVIEW_USAGE);
  if (values.help) return { stdout: `${REVIEW_USAGE}\n`, exitCode: 0 };
  if (values.pr !== undefined) {
    throw usageError('--pr (reviewing a GitHub pull request) is not available in this version of widen yet. Save the pull request as a patch (append .patch to its URL) and run widen review on that file.', REVIEW_USAGE);
  }
  const format = parseFormat(values.format, REVIEW_USAGE);
  const failOn = parseFailOn(values['fail-on'], REVIEW_USAGE);
  const rules = parseRules(values.rules, REVIEW_USAGE);
  const inputs = positionals.length === 0 ? ['-'] : positionals;
  if (inputs.filter((p) => p === '-').length > 1) throw usageError("stdin ('-') can be given only once.", REVIEW_USAGE);

  const patches: Patch[] = [];
  for (const input of inputs) {
    const source = input === '-' ? '<stdin>' : input;
    let bytes: Buffer;
    try {
      bytes = input === '-' ? await io.readStdin() : await readFile(input);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError('patch-unreadable', `widen review: cannot read ${input} (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code ?? e}). Give the path of a patch file, or '-' to read the patch from stdin.`);
    }
    patches.push(...(await readPatches(bytes, source)));
  }
  // Several inputs form one series, in the order given.
  if (inputs.length > 1) patches.forEach((p, i) => Object.assign(p, { index: i + 1, total: patches.length }));

  const report = await review({ patches, tree: values.tree ?? null, rules });
  const stdout = format === 'json' ? renderJson(report) : renderText(report);
  const failing = report.findings.some((f) => atLeast(f.severity, failOn));
  return { stdout, exitCode: failing ? 1 : 0 };
}
