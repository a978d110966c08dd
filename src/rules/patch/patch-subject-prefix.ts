/**
 * A subject without a subsystem prefix. `git log --oneline mm/` reads as a list of
 * `mm/<file>: what changed`, and maintainers' tools (b4, patchwork, the mm-commits mails) sort
 * and route patches by it.
 */
import { definePatchRule } from './define-patch-rule.js';

/**
 * `mm: `, `mm/mmap: `, `mm, oom: `, `x86/mm: `, `arm64: mm: `: one or more path-like words, joined
 * by `/` or `, `, then a colon and a space. A subject that starts with a sentence has spaces
 * before its first colon, or none at all.
 */
const PREFIX = /^[A-Za-z0-9_.+-]+(?:\/[A-Za-z0-9_.+-]+)*(?:, ?[A-Za-z0-9_.+-]+(?:\/[A-Za-z0-9_.+-]+)*)*: \S/;

/** `git revert` writes `Revert "<subject>"`; the reverted subject carries the prefix. */
const REVERT = /^(?:Revert|Reapply) "/;

export default definePatchRule<'missing'>({
  id: 'patch-subject-prefix',
  meta: {
    summary: 'The subject has no subsystem prefix such as `mm:` or `mm/mmap:`.',
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
      fix: 'Start the subject with the prefix the subsystem uses: `git log --oneline -- {{path}}` shows it (for example `mm/mmap: `).',
    },
  },
  check(commit, ctx) {
    if (PREFIX.test(commit.subject) || REVERT.test(commit.subject)) return;
    ctx.report({ messageId: 'missing', data: { subject: commit.subject, path: commit.paths[0] ?? '.' }, evidence: commit.subject });
  },
});
