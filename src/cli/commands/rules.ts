/** `widen rules` and `widen explain RULE-ID`. */
import { readFile } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { packageFile } from '../../package-root.js';
import { CATALOG, findCatalogRule } from '../../rules/index.js';
import { MAIN_USAGE, usageError } from '../messages/index.js';
import type { CommandResult } from './types.js';

export function rulesCommand(args: string[]): CommandResult {
  if (args.includes('--help') || args.includes('-h')) return { stdout: 'Usage: widen rules\n\nLists every rule: id, default severity, what it checks.\n', exitCode: 0 };
  if (args.length > 0) throw usageError(`widen rules takes no arguments (got ${args.join(' ')}).`, MAIN_USAGE);
  const idWidth = Math.max(...CATALOG.map((r) => r.id.length));
  const lines = CATALOG.map((r) => `${r.id.padEnd(idWidth)}  ${r.meta.severity.padEnd(7)}  ${r.meta.summary}`);
  return { stdout: `${lines.join('\n')}\n`, exitCode: 0 };
}

/** The rule pages ship with the package: docs/rules/<id>.md next to dist/. */
export function ruleDocUrl(id: string): URL {
  return packageFile(`docs/rules/${id}.md`);
}

export async function explainCommand(args: string[]): Promise<CommandResult> {
  if (args.includes('--help') || args.includes('-h')) return { stdout: 'Usage: widen explain RULE-ID\n\nShows the documentation of a rule.\n', exitCode: 0 };
  if (args.length !== 1) throw usageError("widen explain takes exactly one rule id, for example 'widen explain tlb-vma-bracket-vma-reassigned'; 'widen rules' lists them.", MAIN_USAGE);
  const id = args[0]!;
  if (!findCatalogRule(id)) {
    throw new InputError('unknown-rule', `There is no rule '${id}'. Known rules: ${CATALOG.map((r) => r.id).join(', ')}. Run 'widen rules' for a summary of each.`);
  }
  try {
    // The page as Markdown, less the HTML comments that mark its generated sections.
    return { stdout: (await readFile(ruleDocUrl(id), 'utf8')).replace(/^<!--[^\n]*-->\n/gm, ''), exitCode: 0 };
  } catch {
    throw new InputError('missing-docs', `The documentation page of ${id} is missing from this installation (docs/rules/${id}.md). Reinstall widen.`);
  }
}
