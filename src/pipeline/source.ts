/**
 * Where a review reads the files a patch applies to. The pipeline never touches the disk or the
 * network itself: the CLI hands it a directory, the GitHub App and `review --pr` a source backed
 * by the API, and tests a map in memory.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

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
  ) {
    super(`${path} could not be read: ${reason}`);
    this.name = 'SourceUnavailable';
  }
}

/** A directory on disk, read on demand and never written. */
export class DirectorySource implements TreeSource {
  constructor(readonly root: string) {}

  async read(path: string): Promise<string | null> {
    try {
      return await readFile(join(this.root, path), 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new SourceUnavailable(path, code ?? String(e));
    }
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
