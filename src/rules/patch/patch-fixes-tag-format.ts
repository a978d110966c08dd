/**
 * A `Fixes:` tag not of the form `Fixes: <12+ hex digits> ("<subject>")`. Stable maintainers'
 * scripts pick backports by it, and a short or unquoted reference stops matching once the
 * repository grows; this is checkpatch's BAD_FIXES_TAG without its look-up in git.
 */
import { definePatchRule } from './define-patch-rule.js';

type Messages = 'spelling' | 'indented' | 'commitId' | 'idShort' | 'idLong' | 'idCase' | 'title' | 'titleForm';

/**
 * A line that means to be a `Fixes:` tag: `Fixes:` with anything after it, or `fixes` followed
 * by a commit id (checkpatch's own test, so `Fixes 1234abcd (...)` and `fixes commit ...` count).
 */
const CANDIDATE = /^\s*fixes\s*:|^\s*fixes:?\s*(?:commit\s*)?[0-9a-f]{5,40}\b/i;

/** The tag itself, spelled right: `Fixes:` and one space. */
const SPELLED = /^Fixes: \S/;

/**
 * What stands where the commit id goes: a word of hex digits in either case, with a digit in it
 * (so that `Fixes: a crash` or `Fixes: added ...` is prose, not an id).
 */
const ID_WORD = /^Fixes: ([0-9a-fA-F]+)(?![0-9A-Za-z_])/;

/** Git abbreviates to no fewer than this many digits in a `Fixes:` tag; a full SHA-1 id has 40. */
const MIN_ID_DIGITS = 12;
const MAX_ID_DIGITS = 40;

/**
 * ` ("<subject>")` after the id, to the end of the line: parentheses, then double quotes around
 * the subject. The subject may hold quotes and parentheses of its own (`Revert "mm: x (y)"`).
 */
const TITLE = /^ \("(.+)"\)\s*$/;

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
    summary: 'a `Fixes:` tag reads `Fixes: <12+ hex digits> ("<subject>")`',
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
    indented: {
      headline: 'an indented `Fixes:` tag: `{{quote}}`',
      explanation:
        'The line `{{tag}}` is indented. `git interpret-trailers` and the stable scripts read a `Fixes:` tag only ' +
        `at the start of a line, among the trailers that end the message; indented, it reads as a quotation. The form is ${FORM}.`,
      fix: "Start the tag at the first column, in the trailer block above `Signed-off-by:`; if it quotes another commit's message, it can stay.",
    },
    commitId: {
      headline: 'a `Fixes:` tag that does not start with a commit id: `{{quote}}`',
      explanation:
        `The line \`{{tag}}\` does not go on with a commit id after \`Fixes: \`. A URL, the word \`commit\` or a ` +
        `subject alone cannot be looked up by the stable scripts; the form is ${FORM}.`,
      fix: "Name the commit the way git does: `git log -1 --abbrev=12 --format='Fixes: %h (\"%s\")' <id>` prints the line.",
    },
    idShort: {
      headline: 'a `Fixes:` tag whose commit id is shorter than twelve digits: `{{quote}}`',
      explanation:
        `The line \`{{tag}}\` names the commit by {{digits}} hex digits. An id shorter than ${MIN_ID_DIGITS} digits ` +
        `becomes ambiguous as the repository grows (submitting-patches.rst asks for at least ${MIN_ID_DIGITS}); the form is ${FORM}.`,
      fix: "Name the commit the way git does: `git log -1 --abbrev=12 --format='Fixes: %h (\"%s\")' <id>` prints the line.",
    },
    idLong: {
      headline: 'a `Fixes:` tag whose commit id is longer than forty digits: `{{quote}}`',
      explanation:
        `The line \`{{tag}}\` starts with {{digits}} hex digits, more than the ${MAX_ID_DIGITS} of a commit id, so no ` +
        `commit can be looked up by it; the form is ${FORM}.`,
      fix: "Name the commit the way git does: `git log -1 --abbrev=12 --format='Fixes: %h (\"%s\")' <id>` prints the line.",
    },
    idCase: {
      headline: 'a `Fixes:` tag whose commit id has upper-case hex digits: `{{quote}}`',
      explanation:
        'The line `{{tag}}` writes the commit id with upper-case letters. git prints ids in lower case, and ' +
        `checkpatch and the scripts that read the tag expect them so; the form is ${FORM}.`,
      fix: "Write the id in lower case (`{{lower}}`), or let git print the line: `git log -1 --abbrev=12 --format='Fixes: %h (\"%s\")' {{lower}}`.",
    },
    title: {
      headline: 'a `Fixes:` tag without its `("<subject>")`: `{{quote}}`',
      explanation:
        `The line \`{{tag}}\` names the commit but not its subject; the form is ${FORM}, so a reader sees what is ` +
        'fixed, and can check that the id is the right one, without looking it up.',
      fix: "Add the fixed commit's subject: `git log -1 --abbrev=12 --format='Fixes: %h (\"%s\")' {{id}}` prints the line.",
    },
    titleForm: {
      headline: 'a `Fixes:` tag whose subject is not written ` ("<subject>")`: `{{quote}}`',
      explanation:
        'The line `{{tag}}` names the commit, but what follows the id is not one space, then the subject in double ' +
        `quotes inside parentheses, up to the end of the line; the form is ${FORM}, on one line however long (a tag ` +
        'wrapped onto the next line is cut where it wraps).',
      fix: "Let git write the line: `git log -1 --abbrev=12 --format='Fixes: %h (\"%s\")' {{id}}` prints it; keep it on one line.",
    },
  },
  check(commit, ctx) {
    for (const line of commit.lines) {
      if (!CANDIDATE.test(line)) continue;
      const data = { tag: line.trim(), quote: quoted(line) };
      const report = (messageId: Messages, extra: Record<string, string | number> = {}): void => ctx.report({ messageId, data: { ...data, ...extra }, evidence: line, at: line });
      if (!SPELLED.test(line)) {
        report(SPELLED.test(line.trim()) ? 'indented' : 'spelling');
        continue;
      }
      const id = ID_WORD.exec(line)?.[1];
      if (id === undefined || !/\d/.test(id)) report('commitId');
      else if (id.length < MIN_ID_DIGITS) report('idShort', { digits: id.length });
      else if (id.length > MAX_ID_DIGITS) report('idLong', { digits: id.length });
      else if (id !== id.toLowerCase()) report('idCase', { lower: id.toLowerCase() });
      else {
        const rest = line.slice('Fixes: '.length + id.length);
        if (rest.trim() === '') report('title', { id });
        else if (!TITLE.test(rest)) report('titleForm', { id });
      }
    }
  },
});
