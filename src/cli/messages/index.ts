/**
 * What the CLI says to people: usage texts and the templates of its error messages. Every
 * error says what went wrong and what to do next, in one paragraph.
 */
import { InputError } from '../../errors.js';
import { ReviewError } from '../../pipeline/errors.js';

export const MAIN_USAGE = `widen: reviews Linux-kernel-style C patches by reading the whole function around each hunk.

Usage:
  widen review [PATCH...] [--tree DIR] [--format FMT] [--fail-on LEVEL] [--rules IDS] [--color WHEN]
  widen review --pr OWNER/REPO#N [--api-url URL] [--series MODE] [--format FMT] [--fail-on LEVEL] [--rules IDS]
  widen review --git BASE..HEAD [--series MODE] [--format FMT] [--fail-on LEVEL] [--rules IDS]
  widen scan PATH... [--format FMT] [--jobs N] [--rules IDS] [--fail-on LEVEL] [--color WHEN]
  widen b4-check [--base REV]     check one patch mail (stdin) for b4 review: JSON on stdout
  widen rules                     list the rules: id, severity, summary
  widen explain RULE-ID           show a rule's documentation
  widen debug cfg FILE FUNCTION [--format dot|text]
                                  dump a function's control-flow graph
  widen worker [--concurrency N]  run the GitHub App's queued reviews (REDIS_URL)
  widen --version | --help

PATCH is a unified diff, a git format-patch mail or an mbox series; '-' or none reads stdin.
FMT is text (default), json, markdown, email (a reply to the patch mails) or sarif.
LEVEL is error, warning (default), note or none. WHEN is auto (default), always or never.
Exit status: 0 nothing at or above --fail-on, 1 findings, 2 usage or input error.
Run 'widen COMMAND --help' for a command's options. WIDEN_DEBUG=1 adds the stack to an internal error.`;

export const REVIEW_USAGE = `Usage: widen review [PATCH...] [--tree DIR] [--format FMT] [--fail-on LEVEL] [--rules IDS] [--color WHEN]
       widen review --pr OWNER/REPO#N|URL [--api-url URL] [--series MODE] [--format FMT] [--fail-on LEVEL] [--rules IDS]
       widen review --git BASE..HEAD [--series MODE] [--format FMT] [--fail-on LEVEL] [--rules IDS]

Reviews a patch (unified diff, git format-patch mail, or mbox series; '-' or none reads stdin),
a GitHub pull request through the API, exactly as the widen GitHub App would (nothing is
posted; the token comes from GITHUB_TOKEN), or the commits of a range of the git repository
you are in, as a series (read from git; the working tree and the index are not touched).
  --tree DIR       the tree the patch applies to; applied in memory, never written.
                   Without it widen analyses only what the diff carries.
  --pr PR          OWNER/REPO#N or the pull request's URL
  --git RANGE      BASE..HEAD: each commit after BASE up to HEAD, as a patch of a series on
                   the tree of the first one's parent; merge commits are left out with a note
  --series MODE    per-commit (default: each commit a patch; a pull request of more than
                   50 commits is reviewed squashed, with a note) or squashed (the whole change
                   as one patch); for --pr it replaces the repository's series setting
  --api-url URL    the REST API root for GitHub Enterprise Server (https://HOST/api/v3);
                   derived from a pull request URL when not given
  --format FMT     text (default), json, markdown, email (an mbox of replies to the patch
                   mails: git mailsplit it, then git send-email) or sarif (SARIF 2.1.0,
                   for code scanning)
  --fail-on LEVEL  exit 1 when a finding is at least this severe: error, warning (default), note, none
  --fail-on-unchecked
                   exit 1 also when a note says something could not be checked
  --allow-gaps     review a series with patches missing (named in a note) instead of failing
  --rules IDS      comma-separated rule ids to run (default: all; see 'widen rules')
  --color WHEN     colour text output: auto (default: on a terminal, unless NO_COLOR is set),
                   always or never`;

export const SCAN_USAGE = `Usage: widen scan PATH... [--format FMT] [--jobs N] [--rules IDS] [--fail-on LEVEL] [--color WHEN]
                  [--cache | --cache-dir DIR] [--baseline FILE]

Analyses whole .c/.h files, or directories recursively, and reports every finding.
  --format FMT     text (default), json, markdown or sarif (SARIF 2.1.0, for code scanning)
  --jobs N         worker threads (default: the number of CPUs less one, at most 8)
  --rules IDS      comma-separated rule ids to run (default: all)
  --fail-on LEVEL  error, warning (default), note or none
  --fail-on-unchecked
                   exit 1 also when a note says something could not be checked
  --color WHEN     colour text output: auto (default: on a terminal, unless NO_COLOR is set),
                   always or never
  --cache          reuse the results of files unchanged since the last scan of the same paths,
                   helpers in other files included; kept in $XDG_CACHE_HOME/widen (~/.cache/widen)
  --cache-dir DIR  the same, kept in DIR
  --baseline FILE  report only findings that FILE, the --format json report of an earlier scan,
                   does not hold (matched by fingerprint and file, not by line)`;

export const B4_CHECK_USAGE = `Usage: widen b4-check [--base REV] [--rules IDS]

The per-patch check command of b4 review (b4 0.15 and later). Reads one patch mail on stdin in
a kernel git repository and prints a JSON array of {tool, status, summary, url, details}.
The tree is read from git objects at --base, else at the base commit in B4_TRACKING_FILE, else
at HEAD, with the series' earlier patches (from b4's review branch) applied in memory; the
working tree and the index are never touched. Configure it with:
  git config b4.review-perpatch-check-cmd 'widen b4-check'
  --base REV       the commit the patch (or its series) applies to
  --rules IDS      comma-separated rule ids to run (default: all)`;

export const DEBUG_USAGE = `Usage: widen debug cfg FILE FUNCTION [--format dot|text]

Prints the control-flow graph widen builds for FUNCTION in FILE (DOT by default; pipe it to
'dot -Tsvg'), for debugging the analysis.`;

/**
 * The CLI's wording of an input error: the pipeline's errors are kinds plus data, and only here
 * do they learn that the tree came from --tree.
 */
export function describeInputError(e: InputError): string {
  if (e.kind === 'patch-does-not-apply') return `${e.message} (The tree is the directory given with --tree.)`;
  if (!(e instanceof ReviewError)) return e.message;
  const { patch, path } = e.data;
  switch (e.kind) {
    case 'file-not-in-tree':
      return `${patch} changes ${path}, but the tree has no such file. Check that --tree points at the top of the tree the patch was made against (or that earlier patches of the series are included).`;
    case 'file-exists':
    case 'unsafe-path':
      return e.message;
  }
}

/**
 * A command line widen cannot make sense of: what is wrong, the command's synopsis and where the
 * rest is, in one short paragraph (the whole usage text would bury the one line that matters).
 */
export function usageError(detail: string, usage: string): InputError {
  if (usage === MAIN_USAGE) return new InputError('usage', `${detail} Run 'widen --help' for the commands.`);
  const synopsis = /^Usage: ((widen \S+)[^\n]*)/.exec(usage);
  if (!synopsis) return new InputError('usage', detail);
  return new InputError('usage', `${detail}\nUsage: ${synopsis[1]}\nRun '${synopsis[2]} --help' for the options.`);
}
