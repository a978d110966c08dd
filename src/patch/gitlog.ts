/**
 * `git log -p` and `git show` output: one commit header (`commit <sha>`, `Author:`, `Date:`, the
 * message indented by four spaces) and its diff per commit. Each commit with a diff is one patch.
 */
import { parseDiff } from './diff.js';
import { commitInfo } from './commit.js';
import { PatchError, shownText } from './errors.js';
import type { Patch } from './types.js';

/** `commit <sha>`, as git log prints it (decorations such as `(HEAD -> main)` may follow). */
const COMMIT_LINE = /^commit ([0-9a-f]{40}|[0-9a-f]{64})(?: |$)/;

/** Whether `lines` start (after blank lines) with a `git log`/`git show` commit header. */
export function isGitLog(lines: readonly string[]): boolean {
  const first = lines.findIndex((line) => line.trim() !== '');
  return first >= 0 && COMMIT_LINE.test(lines[first]!) && /^(?:Author|Merge|Date):/.test(lines[first + 1] ?? '');
}

interface Commit {
  sha: string;
  /** 0-based index of its `commit` line. */
  line: number;
  author: string | null;
  date: string | null;
  message: string[];
  diffStart: number;
  end: number;
}

/**
 * The commits of `git log -p` output as a series, oldest first. git log prints the newest
 * commit first, and `git log --reverse` the oldest: the author dates tell which (when they are
 * all equal, git log's own order is taken, newest first).
 *
 * @throws PatchError `no-diff` when no commit carries a diff, or any parse error of a diff.
 */
export function readGitLog(lines: readonly string[], source: string): Patch[] {
  const commits = splitCommits(lines);
  const withDiff = commits.filter((c) => c.diffStart < c.end);
  if (withDiff.length === 0) {
    throw new PatchError(
      'no-diff',
      `${source} holds ${commits.length === 1 ? 'a commit' : `${commits.length} commits`} from \`git log\` but no diff. ` +
        'Run it with `-p` (`git log -p BASE..HEAD`), or give widen `git format-patch` output.',
    );
  }
  const times = withDiff.map((c) => Date.parse(c.date ?? ''));
  const oldestFirst = times.every((t) => !Number.isNaN(t)) && times[0]! < times[times.length - 1]!;
  const ordered = oldestFirst ? withDiff : [...withDiff].reverse();
  return ordered.map((commit, k): Patch => {
    const subject = shownText(commit.message.find((line) => line.trim() !== '')?.trim() ?? '');
    const patchName = `commit ${commit.sha.slice(0, 12)} ("${subject}") in ${source}`;
    const bodyStart = commit.message.findIndex((line) => line.trim() !== '') + 1;
    return {
      index: k + 1,
      total: ordered.length,
      subject,
      rawSubject: subject,
      messageId: null,
      from: commit.author === null ? null : shownText(commit.author),
      date: commit.date === null ? null : gitDateAsMail(shownText(commit.date)),
      headers: {},
      description: shownText(commit.message.slice(bodyStart).join('\n').trim()),
      files: parseDiff(lines.slice(commit.diffStart, commit.end), {
        patchName,
        where: (index) => `line ${commit.diffStart + index + 1} of ${source}`,
      }),
      source,
      startLine: commit.line + 1,
      // A commit, as `--git` reads one: a reply to it gets a Subject and To made from it (sweep
      // AH: a `git log -p` commit's reply had neither), and findings name its id.
      commit: commitInfo({ sha: commit.sha, ...identity(commit.author), date: isoDate(commit.date), message: commit.message.join('\n') }),
    };
  });
}

/** `Name <email>` as git log prints an author, split; the whole text as the name otherwise. */
function identity(author: string | null): { authorName: string; authorEmail: string } {
  const m = /^(.*?)\s*<([^<>]*)>\s*$/.exec(author ?? '');
  return m ? { authorName: m[1]!, authorEmail: m[2]! } : { authorName: author ?? '', authorEmail: '' };
}

/** A commit's author date as ISO 8601 (UTC), as CommitInfo keeps it; as given when unparsable. */
function isoDate(date: string | null): string {
  const t = Date.parse(gitDateAsMail(date ?? ''));
  return Number.isNaN(t) ? (date ?? '') : new Date(t).toISOString();
}

/**
 * git log's default date (`Wed Nov 20 10:00:02 2024 +0000`) in the form of a mail's Date header
 * (`Wed, 20 Nov 2024 10:00:02 +0000`), as a reply's attribution quotes it; other forms
 * (`--date=iso`) as they are.
 */
function gitDateAsMail(date: string): string {
  const m = /^(\w{3}) (\w{3}) (\d{1,2}) (\d{2}:\d{2}:\d{2}) (\d{4}) ([+-]\d{4})$/.exec(date.trim());
  return m ? `${m[1]}, ${m[3]} ${m[2]} ${m[5]} ${m[4]} ${m[6]}` : date;
}

function splitCommits(lines: readonly string[]): Commit[] {
  const starts: number[] = [];
  lines.forEach((line, index) => {
    if (COMMIT_LINE.test(line)) starts.push(index);
  });
  return starts.map((start, k) => {
    const end = starts[k + 1] ?? lines.length;
    const commit: Commit = { sha: COMMIT_LINE.exec(lines[start]!)![1]!, line: start, author: null, date: null, message: [], diffStart: end, end };
    let i = start + 1;
    for (; i < end && lines[i] !== ''; i++) {
      const header = /^(Author|Date):\s*(.*)$/.exec(lines[i]!);
      if (header?.[1] === 'Author') commit.author = header[2]!;
      if (header?.[1] === 'Date') commit.date = header[2]!;
    }
    for (; i < end; i++) {
      const line = lines[i]!;
      if (line.startsWith('diff ') || line.startsWith('--- ')) break;
      if (line.startsWith('    ')) commit.message.push(line.slice(4));
      else if (line === '') commit.message.push('');
    }
    commit.diffStart = i;
    return commit;
  });
}
