/**
 * A `Fixes:` tag not of the form `Fixes: <12+ hex digits> ("<subject>")`. Stable maintainers'
 * scripts pick backports by it, and a short or unquoted reference stops matching once the
 * repository grows; this is checkpatch's BAD_FIXES_TAG without its look-up in git.
 */
import { definePatchRule } from './define-patch-rule.js';

type Messages = 'spelling' | 'commitId' | 'title';

/**
 * A line that means to be a `Fixes:` tag: `Fixes:` with anything after it, or `fixes` followed
 * by a commit id (checkpatch's own test, so `Fixes 1234abcd (...)` and `fixes commit ...` count).
 */
const CANDIDATE = /^\s*fixes\s*:|^\s*fixes:?\s*(?:commit\s*)?[0-9a-f]{5,40}\b/i;

/** The tag itself, spelled right: `Fixes:` and one space. */
const SPELLED = /^Fixes: \S/;

/** A commit id of 12 to 40 lower-case hex digits, then the subject. */
const COMMIT_ID = /^Fixes: ([0-9a-f]{12,40})(?=\s|$)/;

/**
 * `("<subject>")` after the id, to the end of the line: parentheses, then double quotes around
 * the subject. The subject may hold quotes and parentheses of its own (`Revert "mm: x (y)"`).
 */
const TITLE = /^Fixes: [0-9a-f]{12,40} \("(.+)"\)\s*$/;

/** Headlines quote the line up to this many characters; the explanation quotes it whole. */
const QUOTE_MAX = 32;

function quoted(line: string): string {
  const t = line.trim();
  return t.length <= QUOTE_MAX ? t : `${t.slice(0, QUOTE_MAX - 1)}…`;
}

const FORM = '`Fixes: <12+ hex digits> ("<subject>")`';

export default definePatchRule<Messages>({
  id: 'patch-fixes-tag-format',
  meta: {
    summary: 'A `Fixes:` tag is not of the form `Fixes: <12+ hex digits> ("<subject>")`.',
    severity: 'note',
    confidence: 'high',
  },
  messages: {
    spelling: {
      headline: 'a `Fixes:` tag not spelled `Fixes: `: `{{quote}}`',
      explanation:
        `The line \`{{tag}}\` means to be a \`Fixes:\` tag, but tools look for exactly \`Fixes:\` (capital F, ` +
        `a colon, one space) and then ${FORM}; stable maintainers' scripts select backports by it.`,
      fix: "Write it as `Fixes: <id> (\"<subject>\")`; `git log -1 --abbrev=12 --format='Fixes: %h (\"%s\")' <id>` prints it.",
    },
    commitId: {
      headline: 'a `Fixes:` tag without a twelve-digit commit id: `{{quote}}`',
      explanation:
        `The line \`{{tag}}\` does not start with a commit id of at least 12 lower-case hex digits. A shorter ` +
        'id becomes ambiguous as the repository grows, and a URL or a subject alone cannot be looked up by the ' +
        `stable scripts; the form is ${FORM}.`,
      fix: "Name the commit the way git does: `git log -1 --abbrev=12 --format='Fixes: %h (\"%s\")' <id>` prints the line.",
    },
    title: {
      headline: 'a `Fixes:` tag without its `("<subject>")`: `{{quote}}`',
      explanation:
        `The line \`{{tag}}\` names the commit but not its subject in parentheses and double quotes, all on ` +
        `one line; the form is ${FORM}, so a reader sees what is fixed without looking it up.`,
      fix: "Add the fixed commit's subject: `git log -1 --abbrev=12 --format='Fixes: %h (\"%s\")' {{id}}` prints the line.",
    },
  },
  check(commit, ctx) {
    for (const line of commit.lines) {
      if (!CANDIDATE.test(line)) continue;
      const data = { tag: line.trim(), quote: quoted(line) };
      if (!SPELLED.test(line)) ctx.report({ messageId: 'spelling', data, evidence: line });
      else if (!COMMIT_ID.test(line)) ctx.report({ messageId: 'commitId', data, evidence: line });
      else if (!TITLE.test(line)) ctx.report({ messageId: 'title', data: { ...data, id: COMMIT_ID.exec(line)![1]! }, evidence: line });
    }
  },
});
