/**
 * Where a summary looks for the definition of a function a caller names. A helper that finishes
 * the gather for its caller is as often in another file of the directory (`mm/vma.c` for
 * `mm/mmap.c`) as in the caller's own; without its body the caller looks like a leak, or the
 * leak the helper hides goes unseen.
 *
 * - {@link sameFile}: the caller's own file only (the default, and all the GitHub App can afford).
 * - {@link Program}: the caller's file first, then every other file it was given that defines the
 *   name with external linkage (not `static`), or in a header (where `static inline` helpers
 *   live). Files are indexed from their tokens when added and analysed only when a summary needs
 *   one of their functions; a bounded number of analysed files is kept.
 */
import { AnalyzedFile } from './file.js';
import { findFunctions, type FunctionSpan } from './functions.js';
import { lex } from './lexer.js';
import type { CParser } from './parser.js';
import { SourceFile } from './source.js';

export interface Definition {
  file: AnalyzedFile;
  span: FunctionSpan;
}

export interface DefinitionResolver {
  /** The definitions a call to `name` from `from` may reach; empty when none is known. */
  definitions(name: string, from: AnalyzedFile): readonly Definition[];
}

/** Definitions in the caller's own file only. */
export const sameFile: DefinitionResolver = {
  definitions: (name, from) => from.definitionsOf(name).map((span) => ({ file: from, span })),
};

/** Analysed files kept for summaries; more are analysed again when asked. */
const KEEP_FILES = 32;

export class Program implements DefinitionResolver {
  /** Function name to the paths that define it with a linkage other files can reach. */
  private readonly index = new Map<string, string[]>();
  private readonly texts = new Map<string, () => string | null>();
  private readonly analysed = new Map<string, AnalyzedFile | null>();

  constructor(private readonly parser: CParser) {}

  /**
   * Makes a file's functions available to summaries. `text` is read when the file is added (to
   * index it) and again when one of its functions is first needed, so a caller may hand a
   * function that reads the disk instead of keeping every text in memory.
   */
  add(path: string, text: string | (() => string | null)): void {
    const load = typeof text === 'string' ? () => text : text;
    const first = load();
    if (first === null || this.texts.has(path)) return;
    this.texts.set(path, load);
    for (const name of linkableNames(path, first)) this.link(name, path);
  }

  /** Index entries made elsewhere (a scan's main thread, for its workers). */
  addIndexed(entries: Iterable<[string, readonly string[]]>, load: (path: string) => string | null): void {
    for (const [name, paths] of entries) {
      for (const path of paths) {
        if (!this.texts.has(path)) this.texts.set(path, () => load(path));
        this.link(name, path);
      }
    }
  }

  /** A file analysed elsewhere (the one under review): used as is, not analysed again. */
  adopt(file: AnalyzedFile): void {
    this.analysed.delete(file.path);
    this.analysed.set(file.path, file);
  }

  definitions(name: string, from: AnalyzedFile): readonly Definition[] {
    const own = sameFile.definitions(name, from);
    if (own.length > 0) return own;
    const out: Definition[] = [];
    for (const path of this.index.get(name) ?? []) {
      if (path === from.path) continue;
      const file = this.file(path);
      if (!file) continue;
      for (const span of file.definitionsOf(name)) {
        if (linkable(path, span)) out.push({ file, span });
      }
    }
    return out;
  }

  private link(name: string, path: string): void {
    const paths = this.index.get(name) ?? [];
    if (!paths.includes(path)) paths.push(path);
    this.index.set(name, paths);
  }

  private file(path: string): AnalyzedFile | null {
    if (this.analysed.has(path)) {
      const known = this.analysed.get(path)!;
      this.analysed.delete(path);
      this.analysed.set(path, known);
      return known;
    }
    const text = this.texts.get(path)?.() ?? null;
    const file = text === null ? null : new AnalyzedFile(path, text, this.parser);
    this.analysed.set(path, file);
    if (this.analysed.size > KEEP_FILES) this.analysed.delete(this.analysed.keys().next().value!);
    return file;
  }
}

function linkable(path: string, span: FunctionSpan): boolean {
  return !span.isStatic || path.endsWith('.h');
}

/**
 * The names of the functions a file defines that other files can call, from its raw tokens: an
 * index, not an analysis (a name the macro normaliser would have found differently is at worst
 * looked up and not found).
 */
export function linkableNames(path: string, text: string): string[] {
  const spans = findFunctions(lex(text), new SourceFile(path, text));
  return [...new Set(spans.filter((s) => linkable(path, s)).map((s) => s.name))];
}
