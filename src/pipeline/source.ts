/**
 * Where a review reads the files a patch applies to. The pipeline never touches the disk or the
 * network itself: the CLI hands it a directory (or, for `b4-check`, a commit of a git
 * repository), the GitHub App and `review --pr` a source backed by the API, and tests a map in
 * memory.
 */
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { READ_ERROR_WORDS } from '../errors.js';

/**
 * The tree a patch (or the first patch of a series) applies to, as it stands before the patch.
 * Paths are relative to the top of the tree, with `/` separators, and already checked not to
 * leave it.
 */
export interface TreeSource {
  /**
   * The text of `path`, or null when the tree has no such file. Throws {@link SourceUnavailable}
   * when the file may exist but cannot be had; the review then notes the file as unchecked and
   * goes on with the rest.
   */
  read(path: string): Promise<string | null>;
  /**
   * The names of the files directly in directory `dir` (`''` for the top), or null when the
   * source cannot list cheaply (the GitHub API, where each listing is a request). Used to find
   * helpers a changed file calls in the files beside it.
   */
  list?(dir: string): Promise<string[] | null>;
}

/** A file a source could not deliver: unreadable on disk, a 404 or a timeout from the API. */
export class SourceUnavailable extends Error {
  constructor(
    readonly path: string,
    /** Why, in a few words that fit after "could not be read: ". */
    readonly reason: string,
    /** What the user can do about it, a sentence of its own for the note, when there is something. */
    readonly hint: string | null = null,
  ) {
    super(`${path} could not be read: ${reason}`);
    this.name = 'SourceUnavailable';
  }
}

/** A tree file larger than this is not read: no C source comes near it. */
const MAX_TREE_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads the C source file `full` (named `path` in messages): null when it does not exist, and
 * {@link SourceUnavailable} with the reason in words when it is not a regular file of at most
 * 64 MiB or cannot be read.
 */
export async function readSourceFile(full: string, path: string): Promise<string | null> {
  try {
    // A device or FIFO under the name of a source file would never end, or block.
    const st = await stat(full);
    if (!st.isFile()) throw new SourceUnavailable(path, st.isDirectory() ? 'it is a directory' : 'it is a device, FIFO or socket, not a regular file');
    if (st.size > MAX_TREE_FILE_BYTES) throw new SourceUnavailable(path, `it is larger than ${MAX_TREE_FILE_BYTES / 1048576} MiB`);
    return await readFile(full, 'utf8');
  } catch (e) {
    if (e instanceof SourceUnavailable) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new SourceUnavailable(path, (code && READ_ERROR_WORDS[code]) ?? code ?? String(e));
  }
}

/**
 * A directory on disk, read on demand and never written. A file of the tree that is a symbolic
 * link out of it is not read (sweep J): a patch names paths inside the tree, and what it makes
 * widen quote (the expected lines of a hunk that does not apply, an excerpt) must come from
 * there, not from whatever file of the machine a link in an untrusted tree points at.
 */
export class DirectorySource implements TreeSource {
  private realRoot: Promise<string> | null = null;

  constructor(readonly root: string) {}

  async read(path: string): Promise<string | null> {
    const full = join(this.root, path);
    let real: string;
    try {
      real = await realpath(full);
    } catch {
      // Missing, or unreadable: readSourceFile says which, in its words.
      return readSourceFile(full, path);
    }
    this.realRoot ??= realpath(this.root).catch(() => resolve(this.root));
    const root = await this.realRoot;
    const inside = relative(root, real);
    if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      throw new SourceUnavailable(
        path,
        'it is a symbolic link to a file outside the tree',
        // A tree of links (`cp -rs`, `lndir`) checks nothing: say how to give the real one.
        'widen does not follow a link out of the tree, since a checkout can carry a link to any file of the machine; for a tree made of links, give --tree the directory they point into.',
      );
    }
    return readSourceFile(full, path);
  }

  async list(dir: string): Promise<string[] | null> {
    try {
      return (await readdir(join(this.root, dir), { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    } catch {
      return null;
    }
  }
}

/** Files held in memory: tests, and trees rebuilt from something other than a directory. */
export class MemorySource implements TreeSource {
  private readonly files: ReadonlyMap<string, string>;

  constructor(files: ReadonlyMap<string, string> | Record<string, string>) {
    this.files = files instanceof Map ? files : new Map(Object.entries(files));
  }

  async read(path: string): Promise<string | null> {
    return this.files.get(path) ?? null;
  }

  async list(dir: string): Promise<string[] | null> {
    const prefix = dir === '' ? '' : `${dir}/`;
    return [...this.files.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).map((p) => p.slice(prefix.length));
  }
}

/**
 * The files of a git repository at one commit, read from git's object store with one long-lived
 * `git cat-file --batch`; the working tree and the index are never read or written, so a review
 * can run in a checkout with uncommitted changes, or on a commit that is not checked out.
 */
export class GitSource implements TreeSource {
  private readonly git: ChildProcessByStdio<Writable, Readable, null>;
  private buffered = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private ended = false;
  /** Requests go one at a time: cat-file answers in order, and each answer is read whole. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly repository: string,
    /** The full id of the commit whose tree is read. */
    readonly commit: string,
  ) {
    this.git = spawn('git', ['cat-file', '--batch'], { cwd: repository, stdio: ['pipe', 'pipe', 'ignore'] });
    this.git.stdout.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake?.();
    });
    const end = (): void => {
      this.ended = true;
      this.wake?.();
    };
    this.git.stdout.on('end', end);
    this.git.on('error', end);
  }

  /**
   * Opens the tree of `revision` (a commit id, branch, tag, `HEAD`...) in the repository at
   * `repository`. Throws {@link SourceUnavailable} with path `revision` when git cannot resolve it
   * to a commit (or git is not there).
   */
  static async open(repository: string, revision: string): Promise<GitSource> {
    const commit = await new Promise<string>((resolve, reject) => {
      execFile('git', ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`], { cwd: repository }, (error, stdout) => {
        if (error) reject(new SourceUnavailable(revision, 'not a commit of this repository'));
        else resolve(stdout.trim());
      });
    });
    return new GitSource(repository, commit);
  }

  read(path: string): Promise<string | null> {
    const next = this.queue.then(() => this.request(path));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The files (blobs) directly in `dir` at the commit, from `git ls-tree`; null when git cannot list it. */
  list(dir: string): Promise<string[] | null> {
    return new Promise((resolve) => {
      execFile('git', ['ls-tree', '-z', this.commit, '--', dir === '' ? '.' : `${dir}/`], { cwd: this.repository, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
        if (error) return resolve(null);
        // `<mode> <type> <object>\t<path>` entries, NUL-separated; paths are relative to the top.
        const names = stdout.split('\0').flatMap((entry) => {
          const tab = entry.indexOf('\t');
          if (tab < 0 || entry.split(' ')[1] !== 'blob') return [];
          const path = entry.slice(tab + 1);
          return [path.slice(path.lastIndexOf('/') + 1)];
        });
        resolve(names);
      });
    });
  }

  /** Ends the `git cat-file` process. */
  close(): void {
    this.git.stdin.end();
  }

  private async request(path: string): Promise<string | null> {
    // cat-file reads one object name per line.
    if (path.includes('\n')) throw new SourceUnavailable(path, 'a file name with a line break');
    this.git.stdin.write(`${this.commit}:${path}\n`);
    const header = (await this.take((buffer) => {
      const eol = buffer.indexOf(0x0a);
      return eol < 0 ? null : eol + 1;
    })).toString('utf8').trimEnd();
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) return null;
    const [, type, size] = header.split(' ');
    const length = Number(size);
    if (!Number.isInteger(length)) throw new SourceUnavailable(path, `git cat-file answered "${header}"`);
    const body = await this.take((buffer) => (buffer.length >= length + 1 ? length + 1 : null));
    // A directory (tree) or submodule (commit) at that path is no file the patch could change.
    return type === 'blob' ? body.subarray(0, length).toString('utf8') : null;
  }

  /** Waits until `complete` says how many buffered bytes form the next piece, and takes them. */
  private async take(complete: (buffer: Buffer) => number | null): Promise<Buffer> {
    for (;;) {
      const size = complete(this.buffered);
      if (size !== null) {
        const piece = this.buffered.subarray(0, size);
        this.buffered = this.buffered.subarray(size);
        return piece;
      }
      if (this.ended) throw new SourceUnavailable(this.commit, 'git cat-file stopped answering');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }
}
