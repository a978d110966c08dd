/**
 * The patch model shared by every front door. A {@link Patch} is one change (one mail of a
 * series, one commit, or one plain diff); a {@link FilePatch} is its part for one file.
 *
 * Line numbers are 1-based, as in unified diff headers.
 */

/** One line of a hunk body. `text` excludes the leading marker and the line ending. */
export interface HunkLine {
  kind: ' ' | '+' | '-';
  text: string;
  /** True when the line was followed by `\ No newline at end of file`. */
  noNewline?: boolean;
  /**
   * True when the line ended with CRLF in the diff itself (a CRLF file in a `git diff`). Absent
   * when the diff's CRs were lost in transport (mail), which is why applying falls back to the
   * target file's own line endings.
   */
  crlf?: boolean;
}

export interface Hunk {
  /** 1-based index of the hunk within its file patch, for error messages. */
  index: number;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The text after the closing `@@` (git puts the enclosing function's line there). */
  section: string;
  lines: HunkLine[];
}

export type FileStatus = 'modified' | 'added' | 'deleted' | 'renamed' | 'copied';

export interface FilePatch {
  /** Path before the change, without the `a/` prefix; null for a new file. */
  oldPath: string | null;
  /** Path after the change, without the `b/` prefix; null for a deleted file. */
  newPath: string | null;
  status: FileStatus;
  /** A binary diff (`Binary files ... differ` or `GIT binary patch`): no hunks, skipped with a note. */
  binary: boolean;
  hunks: Hunk[];
  /** File mode before the change (`old mode`, `deleted file mode`, or the `index` line), e.g. `100644`. */
  oldMode?: string;
  /** File mode after the change (`new mode`, `new file mode`, or the `index` line). */
  newMode?: string;
  /** Git's `similarity index` of a rename or copy, in percent. */
  similarity?: number;
  /**
   * A traditional diff's (`diff -u`) `---` and `+++` lines as written: a reply quotes them, not
   * git's form, which the patch does not have. Absent for a `diff --git` file patch.
   */
  markers?: [string, string];
}

export interface Patch {
  /** 1-based position in the series (1 for a lone patch). */
  index: number;
  /** Number of patches in the series as stated in `[PATCH n/m]`, or the count found. */
  total: number;
  /** Mail subject with the `[PATCH ...]` prefix removed, or null for a plain diff. */
  subject: string | null;
  /** The full Subject header as it was, or null for a plain diff. */
  rawSubject: string | null;
  /** Message-ID (with angle brackets) when the patch came from a mail. */
  messageId: string | null;
  /**
   * The author, as `git am` takes it: an in-body `From:` line at the top of the body (a patch
   * sent on someone else's behalf), else the From header; RFC 2047 words decoded.
   */
  from: string | null;
  /** The author date as written in the mail (in-body `Date:` first, like `from`). */
  date: string | null;
  /** All mail headers, lower-cased names, first occurrence wins; empty for a plain diff. */
  headers: Record<string, string>;
  /** The commit message body (between the headers and the `---` line), or ''. */
  description: string;
  files: FilePatch[];
  /** Where the patch was read from (a file name or `<stdin>`), for messages. */
  source: string;
  /**
   * The 1-based line of `source` where the patch begins (its mail's `From ` line or first
   * header, its `commit` line in `git log` output), when it was read from text; notes on its
   * commit message point there.
   */
  startLine?: number;
  /**
   * The commit the patch is, when it was read from git or from a pull request's commits (absent
   * for mails and plain diffs, whose metadata is in the fields above).
   */
  commit?: CommitInfo;
}

/** A commit's identity and message, as `git log` or GitHub's commits API give them. */
export interface CommitInfo {
  /** The full object id. */
  sha: string;
  author: { name: string; email: string };
  /** Author date, ISO 8601. */
  date: string;
  /** The first line of the message. */
  subject: string;
  /** The message after the subject and the blank line under it, trailers included; '' when none. */
  body: string;
  /**
   * The trailers of the message's last paragraph (`Signed-off-by`, `Fixes`, `Cc`...), in order,
   * keys as written; empty when that paragraph is prose (trailers.ts `splitTrailers()`).
   */
  trailers: Array<{ key: string; value: string }>;
}

/**
 * Maps lines of a post-patch file back to the pre-patch file. `oldLineOf[n]` for a 1-based
 * new line `n` is the matching old line, or 0 when the line was added by the patch.
 */
export interface LineMap {
  oldLineOf: Int32Array;
  /** 1-based new lines added by the patch. */
  added: Set<number>;
  /**
   * 1-based new lines next to which old lines were deleted (a deletion between new lines
   * k-1 and k is recorded at k), so a pure deletion still touches its function. A deletion
   * after the last new line is recorded at the last line; a file left empty records none.
   */
  deletedAt: Set<number>;
}
