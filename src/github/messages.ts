/** What the App says in its own words: help, refusals, check-run titles for trouble. */
import { codeSpan } from '../render/markdown.js';
import { CATALOG } from '../rules/index.js';
import { CONFIG_PATH, type Permission } from './config.js';

export const HELP_TEXT = `**widen** reads the whole function around each hunk of this pull request and checks mmu_gather, mmap_lock and VMA consistency on the patched code.

| command | what it does |
|---|---|
| \`/widen\` or \`/widen review\` | review the pull request again now and answer with a review (findings already posted are not repeated) |
| \`/widen help\` | this message |

Settings live in \`${CONFIG_PATH}\` on the default branch. Rules: ${CATALOG.map((r) => `\`${r.id}\``).join(', ')}.`;

export function unauthorizedReply(login: string, needed: Permission): string {
  return `@${login} only people with ${needed} access to this repository can run \`/widen\`; a maintainer can run it for you.`;
}

export function unknownCommandReply(command: string): string {
  // The word is the commenter's: a code span as long as its backticks need keeps it one span
  // (`x\`@torvalds\`` would otherwise leave a live mention outside it).
  return `${codeSpan(`/widen ${command}`)} is not a widen command.\n\n${HELP_TEXT}`;
}
