/**
 * A subject without a subsystem prefix. `git log --oneline mm/` reads as a list of
 * `mm/<file>: what changed`, and maintainers' tools (b4, patchwork, the mm-commits mails) sort
 * and route patches by it.
 */
import { definePatchRule } from './define-patch-rule.js';

/** One word of a prefix: a path of letters, digits and `_ . + -` (`mm`, `mm/mmap`, `x86/mm`). */
const WORD = '[A-Za-z0-9_.+-]+(?:/[A-Za-z0-9_.+-]+)*';

/**
 * `mm:`, `mm/mmap:`, `mm, oom:`, `x86/mm:`, `arm64:` (of `arm64: mm: `): one or more path-like
 * words joined by `, `, then a colon. A subject that starts with a sentence has spaces before its
 * first colon, or none at all.
 */
const PREFIX = new RegExp(`^${WORD}(?:, ?${WORD})*:`);

/**
 * A prefix of two or three words (`stm class:`, `ACPI / EC:`, `PM / devfreq:`): some subsystems
 * write theirs so. Each word is lower case or an upper-case acronym, so a sentence with a colon
 * ("Fix the bug: ...") is not one.
 */
const SPACED_WORD = '(?:[a-z0-9][a-z0-9_.+-]*|[A-Z0-9]{2,})';
const SPACED_PREFIX = new RegExp(`^${SPACED_WORD}(?: / | )${SPACED_WORD}(?:(?: / | )${SPACED_WORD})?:`);

/** An example prefix for a file, for the fix: `mm/mmap: ` for mm/mmap.c, `stm: ` for drivers/hwtracing/stm/core.c. */
function examplePrefix(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'mm' && parts.length === 2) return `mm/${parts[1]!.replace(/\.[ch]$/, '')}: `;
  return parts.length >= 2 ? `${parts[parts.length - 2]}: ` : 'mm/mmap: ';
}

/** `git revert` writes `Revert "<subject>"`; the reverted subject carries the prefix. */
const REVERT = /^(?:Revert|Reapply) "/;

export default definePatchRule<'missing' | 'noSpace' | 'noSummary'>({
  id: 'patch-subject-prefix',
  meta: {
    summary: 'a subject starts with a subsystem prefix such as `mm:` or `mm/mmap:`, then a space and a summary',
    severity: 'note',
    confidence: 'medium',
  },
  messages: {
    missing: {
      headline: 'the subject has no subsystem prefix such as `mm:` or `mm/mmap:`',
      explanation:
        'The subject "{{subject}}" does not start with the subsystem it changes. Kernel subjects read ' +
        '`<subsystem>: <what changes>` (Documentation/process/submitting-patches.rst); maintainers and their ' +
        'tools sort, route and search patches by the prefix.',
      fix: 'Start the subject with the prefix the subsystem uses: `git log --oneline -- {{path}}` shows it (for example `{{example}}`).',
    },
    noSpace: {
      headline: 'the subject has no space after its prefix `{{prefix}}`',
      explanation:
        'The subject "{{subject}}" starts with the prefix `{{prefix}}` but runs on without a space after the colon. ' +
        'Kernel subjects read `<subsystem>: <what changes>` (Documentation/process/submitting-patches.rst), and ' +
        '`git log --oneline`, patchwork and b4 show the subject as it is written.',
      fix: 'Put one space after the colon: "{{spaced}}".',
    },
    noSummary: {
      headline: 'the subject is only its prefix `{{prefix}}`, with nothing after it',
      explanation:
        'The subject "{{subject}}" names the subsystem but not what the patch changes. Kernel subjects read ' +
        '`<subsystem>: <what changes>` (Documentation/process/submitting-patches.rst); the summary is what ' +
        '`git log --oneline` and the stable and mm-commits lists show of the patch.',
      fix: 'Say after the prefix what the patch changes, as a short phrase in the imperative (`{{prefix}} check the gap before merging`).',
    },
  },
  check(commit, ctx) {
    const subject = commit.subject;
    if (REVERT.test(subject)) return;
    const prefix = PREFIX.exec(subject)?.[0] ?? SPACED_PREFIX.exec(subject)?.[0];
    if (prefix === undefined) {
      ctx.report({ messageId: 'missing', data: { subject, path: commit.paths[0] ?? '.', example: examplePrefix(commit.paths[0] ?? 'mm/mmap.c') }, evidence: subject });
      return;
    }
    const summary = subject.slice(prefix.length);
    if (summary.trim() === '') ctx.report({ messageId: 'noSummary', data: { subject, prefix }, evidence: subject });
    else if (!/^\s/.test(summary)) ctx.report({ messageId: 'noSpace', data: { subject, prefix, spaced: `${prefix} ${summary}` }, evidence: subject });
  },
});
