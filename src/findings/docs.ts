/** Where each rule's documentation lives, for links in comments, SARIF and JSON. */

/**
 * The rule pages as published with the source (`docs/rules/<id>.md`). A self-hosted install on
 * GitHub Enterprise Server still links here: the pages are public and version-independent.
 */
export const RULE_DOCS_BASE = 'https://github.com/widen-review/widen/blob/main/docs/rules/';

export function docsUrl(ruleId: string): string {
  return `${RULE_DOCS_BASE}${ruleId}.md`;
}
