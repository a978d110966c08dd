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

/** How much of an unknown command the reply quotes: enough to recognise it, far from GitHub's 65,536-character limit on a comment. */
export const QUOTED_COMMAND_CHARS = 80;

export function unknownCommandReply(command: string): string {
  // The words are the commenter's: a code span as long as its backticks need keeps them one span
  // (`x\`@torvalds\`` would otherwise leave a live mention outside it). A comment may be 65,536
  // characters long, and so may the command: quoted whole, the reply was refused (sweep AA).
  const chars = [...command];
  const shown = chars.length > QUOTED_COMMAND_CHARS ? `${chars.slice(0, QUOTED_COMMAND_CHARS).join('')}…` : command;
  return `${codeSpan(`/widen ${shown}`)} is not a widen command.\n\n${HELP_TEXT}`;
}
