/**
 * What SARIF says about each rule, taken from the rule catalog and the rule's documentation page
 * (the page is the help GitHub shows beside an alert). The renderer gets these, never the rules.
 */
import { readFileSync } from 'node:fs';
import type { CatalogRule } from '../../rules/index.js';
import { isPatchRule } from '../../rules/patch/define-patch-rule.js';
import type { RuleDescriptor } from '../../render/sarif.js';
import { ruleDocUrl } from './rules.js';

/** @param readPage the rule's page by id, null when missing; the installed `docs/rules/` by default. */
export function ruleDescriptors(rules: readonly CatalogRule[], readPage: (id: string) => string | null = readRulePage): RuleDescriptor[] {
  return rules.map((r) => {
    const help = readPage(r.id);
    return {
      id: r.id,
      summary: r.meta.summary,
      description: help === null ? r.meta.summary : firstParagraph(help) ?? r.meta.summary,
      severity: r.meta.severity,
      confidence: r.meta.confidence,
      help: help ?? `${r.id}: ${r.meta.summary}`,
      // A patch rule checks no kernel resource; it is about how the patch is written.
      tags: isPatchRule(r) ? ['patch-hygiene'] : r.meta.resources.map((res) => res.id),
    };
  });
}

/** The page, or null when the installation lacks it (the catalog test keeps every page present). */
function readRulePage(id: string): string | null {
  try {
    return readFileSync(ruleDocUrl(id), 'utf8');
  } catch {
    return null;
  }
}

/**
 * The first prose paragraph of a rule page, on one line: the page opens with its title, a
 * severity line and the generated API list, then says in a paragraph what the rule is about.
 */
export function firstParagraph(page: string): string | null {
  const body = page.replace(/<!--[\s\S]*?-->[\s\S]*?<!--[\s\S]*?-->/g, '');
  for (const para of body.split(/\n\s*\n/)) {
    const text = para.trim();
    if (text === '' || text.startsWith('#') || text.startsWith('**') || text.startsWith('```') || text.startsWith('<')) continue;
    // A parenthetical aside about the API list above it (sweep AK: "(`mmap_read_lock()` is the
    // baseline ...)" shown in code scanning as api-version-gate's description).
    if (text.startsWith('(') && text.endsWith(')')) continue;
    return text.replace(/\s*\n\s*/g, ' ');
  }
  return null;
}
