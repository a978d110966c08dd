/**
 * The scan cache (`widen scan --cache`): each analysed file's findings and notes, kept between
 * runs and reused while nothing they were computed from has changed.
 *
 * What a file's results depend on, and how each is checked before they are reused:
 * - its own bytes: a content hash;
 * - the helpers in other files its summaries read ({@link Program.dependencies}): the hash of
 *   every such file, and for every name looked up there, the exact list of files that define it
 *   now (a helper added to, or moved into, another file changes the list);
 * - the functions the scan's headers declare `__noreturn`: one hash for the whole scan;
 * - widen itself: the hash of its own code and grammar, and the rules run.
 *
 * Content, not modification times, decides: a `git checkout` that rewrites a file unchanged keeps
 * its entry, and an edit within the same second cannot slip through. The cache is one file per
 * scan (working directory, paths and rules), written whole after the scan and replaced atomically,
 * so a scan interrupted or run twice at once leaves either the old file or a new one. A cache that
 * cannot be read is ignored and rebuilt; one that cannot be written costs only the next run's time.
 * Neither changes what the scan reports.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { AnalysisNote } from '../analysis/file.js';
import { errorWords } from '../errors.js';
import type { Finding } from '../findings/finding.js';

/** Bumped when the file's layout changes; an older file is ignored. */
const FORMAT = 2;

/** Cache files of other scans not written for this long are deleted when a scan writes its own. */
const STALE_MS = 30 * 24 * 3600 * 1000;

/** Where a scan keeps its cache, and what identifies widen's own code. */
export interface CacheOptions {
  dir: string;
  /** widen's build identity; by default the hash of its code and grammar ({@link buildId}). */
  build?: string;
}

/** What an analysed file's results are reused as. */
export interface CachedResult {
  findings: Finding[];
  notes: AnalysisNote[];
  functions: number;
}

/** The other files and the looked-up names a file's results depend on ({@link Program.dependencies}). */
export interface Dependencies {
  files: readonly string[];
  names: readonly string[];
}

/** The scan as it is now, against which entries are checked. */
export interface ScanState {
  /** The content hash of a candidate file, undefined for a file that is not one. */
  hash(path: string): string | undefined;
  /** The files that define `name` for other files, in scan order. */
  definers(name: string): readonly string[];
  /** Hash of the functions declared `__noreturn` by the scan's headers. */
  noreturn: string;
}

interface Entry {
  hash: string;
  /** The functions the file defines for other files ({@link linkableNames}), a function of its text. */
  defines: string[];
  /** Indexes into the file's `paths`. */
  deps: number[];
  /** Indexes into the file's `names`. */
  names: number[];
  result: CachedResult;
}

/** The cache file's content. */
interface Stored {
  format: number;
  build: string;
  noreturn: string;
  paths: string[];
  /** The hash each of `paths` had when the file was written. */
  hashes: string[];
  /** Each looked-up name, with the indexes in `paths` of the files that defined it. */
  names: Array<[string, number[]]>;
  entries: Array<[number, Entry]>;
}

/** A file's entry as kept in memory until the cache is written. */
interface Kept {
  hash: string;
  defines: readonly string[];
  deps: Dependencies;
  result: CachedResult;
}

/** The content hash the cache keys files by. */
export function contentHash(bytes: Uint8Array | string): string {
  return createHash('sha1').update(bytes).digest('base64');
}

/** Where `--cache` keeps scan caches by default: `$XDG_CACHE_HOME/widen`, else `~/.cache/widen`. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'widen');
}

let build: string | null = null;

/**
 * widen's build identity: the hash of its own code and of the parser it runs. Its code is the
 * directory of the running module's bundle (dist/bundle/, which holds the whole command line),
 * or, for the compiled modules, all of dist/. The parser is the grammar's .wasm and
 * web-tree-sitter's own. A rebuilt widen, or an updated grammar or parser, makes every cached result
 * stale.
 */
export function buildId(): string {
  if (build !== null) return build;
  const hash = createHash('sha1');
  const here = dirname(fileURLToPath(import.meta.url));
  const code = basename(here) === 'bundle' ? here : dirname(here);
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(?:js|ts)$/.test(e.name)) hash.update(`${p.slice(code.length)}\0`).update(readFileSync(p));
    }
  };
  walk(code);
  const require = createRequire(import.meta.url);
  hash.update(readFileSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm')));
  hash.update(readFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm')));
  return (build = hash.digest('base64'));
}

export class ScanCache {
  private readonly kept = new Map<string, Kept>();
  /** Why the cache could not be read or written, for the user: never part of the report. */
  readonly warnings: string[] = [];
  private stored: Stored | null = null;
  /** Per stored file and name: 0 not checked yet, 1 unchanged, 2 changed. */
  private fileOk = new Uint8Array(0);
  private nameOk = new Uint8Array(0);
  private readonly byPath = new Map<string, Entry>();
  /** Entries reused this run. */
  hits = 0;
  /** Whether this run analysed a file: else, with every entry reused, the file on disk is current. */
  private stale = false;

  private constructor(
    readonly file: string,
    private readonly build: string,
  ) {}

  /**
   * The cache of the scan of `paths` with `rules` run from the current directory, read from
   * `opts.dir` if it holds one.
   */
  static open(opts: CacheOptions, paths: readonly string[], rules: readonly string[]): ScanCache {
    const key = createHash('sha1').update([process.cwd(), ...paths.map((p) => resolve(p)), '', ...rules].join('\0')).digest('base64url');
    const cache = new ScanCache(join(opts.dir, `scan-${key}.v8`), opts.build ?? buildId());
    cache.load();
    return cache;
  }

  private load(): void {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // No cache yet (or no directory for one, which writing it will report).
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.warnings.push(`could not read the scan cache ${this.file} (${errorWords(e)}); every file was analysed afresh.`);
      return;
    }
    let stored: unknown;
    try {
      stored = deserialize(bytes);
    } catch {
      stored = null;
    }
    // A cache written by another build of widen is simply out of date.
    const header = stored as Partial<Stored> | null;
    if (typeof header === 'object' && header !== null && (header.format !== FORMAT || header.build !== this.build) && typeof header.build === 'string') return;
    if (!isStored(stored)) {
      this.warnings.push(`ignored the scan cache ${this.file}: it is damaged or is not a widen scan cache; it will be rewritten.`);
      return;
    }
    this.stored = stored;
    this.fileOk = new Uint8Array(stored.paths.length);
    this.nameOk = new Uint8Array(stored.names.length);
    for (const [path, entry] of stored.entries) this.byPath.set(stored.paths[path]!, entry);
  }

  /** What the file defines for other files, as an earlier run indexed it, if its text (`hash`) is unchanged. */
  defines(path: string, hash: string): readonly string[] | null {
    const entry = this.byPath.get(path);
    return entry && entry.hash === hash ? entry.defines : null;
  }

  /**
   * The results of `path` from an earlier run, if its text (`hash`) and everything they depend on
   * are as they were; they are kept for the next run too.
   */
  lookup(path: string, hash: string, now: ScanState): CachedResult | null {
    const stored = this.stored;
    const entry = this.byPath.get(path);
    if (!stored || !entry || entry.hash !== hash || stored.noreturn !== now.noreturn) return null;
    if (!entry.deps.every((d) => this.fileUnchanged(d, now)) || !entry.names.every((n) => this.nameUnchanged(n, now))) return null;
    this.hits++;
    this.kept.set(path, {
      hash,
      defines: entry.defines,
      deps: { files: entry.deps.map((d) => stored.paths[d]!), names: entry.names.map((n) => stored.names[n]![0]) },
      result: entry.result,
    });
    return entry.result;
  }

  /** Records a file analysed in this run. Results of a failed analysis are not kept. */
  store(path: string, hash: string, defines: readonly string[], result: CachedResult, deps: Dependencies): void {
    this.stale = true;
    if (result.notes.some((n) => n.kind === 'analysis-failed')) return;
    this.kept.set(path, { hash, defines, deps, result: { findings: result.findings, notes: result.notes, functions: result.functions } });
  }

  /**
   * Writes what this run analysed or reused, and nothing else, replacing the file atomically.
   * Other scans' caches not used for 30 days are deleted.
   */
  save(now: ScanState): void {
    if (!this.stale && this.stored && this.hits === this.byPath.size) {
      // Nothing changed: marked as used (pruning goes by age) instead of written again.
      try {
        const t = new Date();
        utimesSync(this.file, t, t);
      } catch {
        // Only its age is lost.
      }
      return;
    }
    const paths: string[] = [];
    const hashes: string[] = [];
    const pathIds = new Map<string, number>();
    const pathId = (p: string): number => {
      let id = pathIds.get(p);
      if (id === undefined) {
        pathIds.set(p, (id = paths.length));
        paths.push(p);
        hashes.push(now.hash(p) ?? '');
      }
      return id;
    };
    const names: Array<[string, number[]]> = [];
    const nameIds = new Map<string, number>();
    const nameId = (n: string): number => {
      let id = nameIds.get(n);
      if (id === undefined) {
        nameIds.set(n, (id = names.length));
        names.push([n, now.definers(n).map(pathId)]);
      }
      return id;
    };
    const entries: Array<[number, Entry]> = [...this.kept].map(([path, k]) => [
      pathId(path),
      { hash: k.hash, defines: [...k.defines], deps: k.deps.files.map(pathId), names: k.deps.names.map(nameId), result: k.result },
    ]);
    const stored: Stored = { format: FORMAT, build: this.build, noreturn: now.noreturn, paths, hashes, names, entries };
    // Unique per writer: two scans of the same paths, in one process or two, may finish together.
    const tmp = `${this.file}.${process.pid}.${randomUUID()}.tmp`;
    try {
      makeDirectories(dirname(this.file));
      writeFileSync(tmp, serialize(stored));
      renameSync(tmp, this.file);
    } catch (e) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // Nothing was written where nothing can be.
      }
      this.warnings.push(`could not write the scan cache ${this.file} (${errorWords(e)}); the next scan will analyse every file again.`);
      return;
    }
    this.pruneOthers();
  }

  private fileUnchanged(id: number, now: ScanState): boolean {
    if (this.fileOk[id] === 0) this.fileOk[id] = now.hash(this.stored!.paths[id]!) === this.stored!.hashes[id] ? 1 : 2;
    return this.fileOk[id] === 1;
  }

  private nameUnchanged(id: number, now: ScanState): boolean {
    if (this.nameOk[id] === 0) {
      const [name, was] = this.stored!.names[id]!;
      const is = now.definers(name);
      this.nameOk[id] = is.length === was.length && is.every((p, i) => p === this.stored!.paths[was[i]!]) ? 1 : 2;
    }
    return this.nameOk[id] === 1;
  }

  private pruneOthers(): void {
    const dir = dirname(this.file);
    try {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (p === this.file || !/^scan-[\w-]+\.v8$/.test(name)) continue;
        const st = statSync(p);
        // Only files widen wrote: anything else of that name is the user's.
        if (st.isFile() && Date.now() - st.mtimeMs > STALE_MS) rmSync(p, { force: true });
      }
    } catch {
      // Pruning is housekeeping: a directory that cannot be listed keeps its files.
    }
  }
}

/** Whether a deserialised value has the cache file's shape (a damaged or foreign file has not). */
function isStored(v: unknown): v is Stored {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<Stored>;
  if (typeof s.format !== 'number' || typeof s.build !== 'string' || typeof s.noreturn !== 'string') return false;
  if (!Array.isArray(s.paths) || !Array.isArray(s.hashes) || !Array.isArray(s.names) || !Array.isArray(s.entries)) return false;
  const n = s.paths.length;
  const index = (i: unknown): boolean => Number.isInteger(i) && (i as number) >= 0 && (i as number) < n;
  if (s.hashes.length !== n || !s.paths.every((p) => typeof p === 'string') || !s.hashes.every((h) => typeof h === 'string')) return false;
  if (!s.names.every((e) => Array.isArray(e) && typeof e[0] === 'string' && Array.isArray(e[1]) && e[1].every(index))) return false;
  const names = s.names.length;
  return s.entries.every((e) => {
    if (!Array.isArray(e) || !index(e[0])) return false;
    const entry = e[1] as Partial<Entry> | undefined;
    const r = entry?.result as Partial<CachedResult> | undefined;
    return typeof entry?.hash === 'string'
      && Array.isArray(entry.defines) && entry.defines.every((d) => typeof d === 'string')
      && Array.isArray(entry.deps) && entry.deps.every(index)
      && Array.isArray(entry.names) && entry.names.every((i) => Number.isInteger(i) && i >= 0 && i < names)
      && !!r && Array.isArray(r.findings) && r.findings.every(isFindingLike) && Array.isArray(r.notes) && r.notes.every(isNoteLike) && typeof r.functions === 'number';
  });
}

/** The fields every renderer reads without checking. */
function isFindingLike(f: unknown): boolean {
  const x = f as Partial<Finding> | null;
  return typeof x === 'object' && x !== null && typeof x.rule === 'string' && typeof x.severity === 'string' && typeof x.message === 'string'
    && typeof x.path === 'string' && Number.isInteger(x.line) && Number.isInteger(x.endLine) && Array.isArray(x.related);
}

function isNoteLike(n: unknown): boolean {
  const x = n as Partial<AnalysisNote> | null;
  return typeof x === 'object' && x !== null && typeof x.path === 'string' && typeof x.kind === 'string' && typeof x.message === 'string' && Number.isInteger(x.line);
}

/**
 * `mkdir -p`, one directory at a time: Node 20's `mkdirSync(..., { recursive: true })` loops for
 * ever on a path under /proc (`--cache-dir /proc/nope` spun at 90% CPU; sweep J). The first
 * directory that cannot be made throws, and the caller warns.
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      if (!statSync(d).isDirectory()) throw Object.assign(new Error(`${d} exists and is not a directory`), { code: 'EEXIST' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) throw e;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) mkdirSync(d);
}
