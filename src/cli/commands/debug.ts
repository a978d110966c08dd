/** `widen debug cfg FILE FUNCTION`: the CFG widen builds, for debugging the analysis. */
import { cfgToDot, cfgToText } from '../../analysis/cfg-dump.js';
import { AnalyzedFile } from '../../analysis/file.js';
import { CParser } from '../../analysis/parser.js';
import { InputError } from '../../errors.js';
import { shownText } from '../../patch/errors.js';
import { readSourceFile, SourceUnavailable } from '../../pipeline/source.js';
import { DEBUG_USAGE, usageError } from '../messages/index.js';
import { parse } from './parse.js';
import type { CommandResult } from './types.js';

export async function debugCommand(args: string[]): Promise<CommandResult> {
  const { values, positionals } = parse(args, { format: { type: 'string' } }, DEBUG_USAGE);
  if (values.help) return { stdout: `${DEBUG_USAGE}\n`, exitCode: 0 };
  const [what, path, name] = positionals;
  if (what !== 'cfg' || !path || !name || positionals.length !== 3) throw usageError('widen debug needs: cfg FILE FUNCTION.', DEBUG_USAGE);
  const format = values.format ?? 'dot';
  if (format !== 'dot' && format !== 'text') throw usageError(`--format must be dot or text, not '${format}'.`, DEBUG_USAGE);
  let text: string | null;
  try {
    text = await readSourceFile(path, shownText(path));
  } catch (e) {
    if (!(e instanceof SourceUnavailable)) throw e;
    throw new InputError('file-unreadable', `cannot read ${e.path}: ${e.reason}.`);
  }
  if (text === null) throw new InputError('file-unreadable', `cannot read ${shownText(path)}: there is no such file.`);
  const file = new AnalyzedFile(path, text, await CParser.create());
  const spans = file.definitionsOf(name);
  if (spans.length === 0) {
    const names = file.functions.map((f) => f.name);
    throw new InputError('no-such-function', `${path} defines no function named ${name}.${names.length ? ` It defines: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}.` : ''}`);
  }
  const out: string[] = [];
  for (const span of spans) {
    const fn = file.analyze(span);
    if (!fn) continue;
    out.push(format === 'dot' ? cfgToDot(fn.cfg, file.source) : cfgToText(fn.cfg, file.source));
  }
  const notes = file.notes.map((n) => `// ${n.path}:${n.line}: note: ${n.message}\n`).join('');
  return { stdout: notes + out.join('\n'), exitCode: 0 };
}
