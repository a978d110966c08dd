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
import { AnalyzedFile, prepareSource, type PreparedSource } from './file.js';
import type { FunctionSpan } from './functions.js';
import type { CParser } from './parser.js';

export interface Definition {
  file: AnalyzedFile;
  span: FunctionSpan;
}

export interface DefinitionResolver {
  /**
   * The definitions a call to `name` from `from` may reach; empty when none is known. With
   * `mentioning`, definitions in other files are looked for only in files whose text mentions
   * one of those words: a helper can only take or drop a resource whose calls its file names,
   * and the files that do not are never analysed.
   */
  definitions(name: string, from: AnalyzedFile, mentioning?: readonly string[]): readonly Definition[];
  /**
   * Whether a header in sight (`.h` files given to a {@link Program}) names `word` as a whole
   * word anywhere in its text, for a symbol that is not a function (a macro, an enum value);
   * null when no header is in sight, and then nothing can be said.
   */
  headersMention?(word: string, from: AnalyzedFile): boolean | null;
}

/** Definitions in the caller's own file only. */
export const sameFile: DefinitionResolver = {
  definitions: (name, from) => from.calleeDefinitionsOf(name).map((span) => ({ file: from, span })),
};

/** Analysed files kept for summaries; more are analysed again when asked. */
export const KEEP_FILES = 128;

/** Preparations a {@link Preparations} keeps; the least recently used go first. */
export const KEEP_PREPARATIONS = 256;

/**
 * Files' preparations (normalised text and functions, which depend on the text alone) by path,
 * each for the text it was made from, shared by the Programs of one review: the patches of a
 * series read the same files again, each patch with Programs of its own (sweep AH: 200 one-line
 * patches of mm/madvise.c normalised mm/'s helper files 200 times). At most
 * {@link KEEP_PREPARATIONS} paths.
 */
export class Preparations {
  /** Per path, the last two versions asked for (a file before and after a patch), latest first. */
  private readonly byPath = new Map<string, PreparedSource[]>();
  /**
   * The analysed file made from each kept preparation for a Program's summaries: what a helper
   * file's functions are (their syntax, CFG, definitions) depends on its text alone, so the
   * Programs of the next patch use them again. What a summary makes of them is not kept here.
   */
  private readonly analysed = new WeakMap<PreparedSource, AnalyzedFile>();

  /** The kept preparation of `path` if one was made from `text`, else a new one, kept. */
  of(path: string, text: string): PreparedSource {
    const kept = this.byPath.get(path) ?? [];
    this.byPath.delete(path);
    const made = kept.find((p) => p.text === text) ?? prepareSource(path, text);
    this.byPath.set(path, [made, ...kept.filter((p) => p !== made)].slice(0, 2));
    for (const oldest of this.byPath.keys()) {
      if (this.byPath.size <= KEEP_PREPARATIONS) break;
      this.byPath.delete(oldest);
    }
    return made;
  }

  /** The analysed file of `path` from `prepared` (one of {@link of}'s), made once per preparation. */
  file(path: string, prepared: PreparedSource, parser: CParser, noreturn: ReadonlySet<string>): AnalyzedFile {
    const known = this.analysed.get(prepared);
    if (known && known.usesNoreturn(noreturn)) return known;
    const file = new AnalyzedFile(path, prepared, parser, noreturn);
    this.analysed.set(prepared, file);
    return file;
  }
}

export class Program implements DefinitionResolver {
  /** Function name to the paths that define it with a linkage other files can reach. */
  private readonly index = new Map<string, string[]>();
  private readonly texts = new Map<string, () => string | null>();
  private readonly analysed = new Map<string, AnalyzedFile | null>();
  /**
   * Every file's preparation (its normalised text and functions), kept after the analysed file
   * is dropped: analysing a file again costs its functions, not its normalising (on the whole
   * 6.12 tree, 186 helper files analysed again cost 0.3 s of normalising before).
   */
  private readonly prepared = new Map<string, PreparedSource>();
  /** Per word list (by its words), per path: whether the file's text names one of them. */
  private readonly mentionMemo = new Map<string, Map<string, boolean>>();
  /** The key of each word list asked about, joined once per list rather than once per question. */
  private readonly wordKeys = new WeakMap<readonly string[], string>();
  /** Files whose definitions a caller in another file has used. */
  private readonly helperFiles = new Set<string>();
  /** Per file, the headers whose text its functions asked about ({@link headersMention}). */
  private readonly textLookups = new Map<string, Set<string>>();
  private readonly headerWordMemo = new Map<string, boolean>();
  /** Per file, the names its functions looked up in other files (what {@link dependencies} follows). */
  private readonly lookups = new Map<string, Set<string>>();

  /** `noreturn`: functions declared `__noreturn` in files outside the program (a scan's headers). */
  constructor(
    private readonly parser: CParser,
    readonly noreturn: ReadonlySet<string> = new Set(),
    /** Where preparations are made and kept beyond this program (a review's series shares one). */
    private readonly preparations: Preparations | null = null,
  ) {}

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

  /**
   * The analysed file for `path` with this text: the one a summary already analysed when there
   * is one (a scan reaches most helper files before it reaches them in order), else a new one,
   * kept for later summaries.
   */
  open(path: string, text: string): AnalyzedFile {
    const known = this.analysed.get(path);
    const kept = this.prepared.get(path);
    if (known && (kept ? kept.text === text && known.source === kept.source : known.source.text === text)) return known;
    const file = this.analysedFile(path, text);
    this.adopt(file);
    return file;
  }

  /** A new analysed file of `path`, or the one the shared {@link Preparations} made from the same text. */
  private analysedFile(path: string, text: string): AnalyzedFile {
    const prepared = this.preparation(path, text);
    return this.preparations ? this.preparations.file(path, prepared, this.parser, this.noreturn) : new AnalyzedFile(path, prepared, this.parser, this.noreturn);
  }

  /** The kept preparation of `path` if it was made from `text`, else a new one, kept. */
  private preparation(path: string, text: string): PreparedSource {
    const kept = this.prepared.get(path);
    if (kept?.text === text) return kept;
    const made = this.preparations ? this.preparations.of(path, text) : prepareSource(path, text);
    this.prepared.set(path, made);
    return made;
  }

  /** A file analysed elsewhere (the one under review): used as is, not analysed again. */
  adopt(file: AnalyzedFile): void {
    this.analysed.delete(file.path);
    if (this.prepared.get(file.path)?.source !== file.source) this.prepared.delete(file.path);
    this.analysed.set(file.path, file);
    this.evict();
  }

  /**
   * Drops analysed files beyond {@link KEEP_FILES}: the least recently used file whose
   * definitions no summary has asked for, else the least recently used one. A helper file
   * (mm/internal.h, mm/vma.c) is asked for again and again across a scan; a file analysed only
   * for its own functions is not, and with plain LRU the whole 6.12 tree analysed 85 files twice.
   */
  private evict(): void {
    while (this.analysed.size > KEEP_FILES) {
      let victim: string | undefined;
      for (const path of this.analysed.keys()) {
        if (!this.helperFiles.has(path)) {
          victim = path;
          break;
        }
      }
      this.analysed.delete(victim ?? this.analysed.keys().next().value!);
    }
  }

  definitions(name: string, from: AnalyzedFile, mentioning?: readonly string[]): readonly Definition[] {
    return this.resolve(name, from, mentioning, null);
  }

  /**
   * This program as the review of `path` sees it: `path` defines nothing here, not even for a
   * helper in another file that calls back into it (the reviewed text is `path`'s only version).
   * The analysed files stay shared, so the files of one directory in one patch analyse their
   * neighbours once between them instead of once each.
   */
  excluding(path: string): DefinitionResolver {
    return { definitions: (name, from, mentioning) => this.resolve(name, from, mentioning, path), headersMention: (word, from) => this.headersMention(word, from) };
  }

  /** Files the index holds. */
  get size(): number {
    return this.texts.size;
  }

  has(path: string): boolean {
    return this.texts.has(path);
  }

  private resolve(name: string, from: AnalyzedFile, mentioning: readonly string[] | undefined, excluded: string | null): readonly Definition[] {
    const own = sameFile.definitions(name, from);
    if (own.length > 0) return own;
    let names = this.lookups.get(from.path);
    if (!names) this.lookups.set(from.path, (names = new Set()));
    names.add(name);
    const out: Definition[] = [];
    for (const path of this.definers(name)) {
      if (path === from.path || path === excluded || !reachable(from.path, path) || (mentioning && !this.fileMentions(path, mentioning))) continue;
      const file = this.file(path);
      if (!file) continue;
      for (const span of file.calleeDefinitionsOf(name)) {
        if (linkable(path, span)) out.push({ file, span });
      }
    }
    return out;
  }

  headersMention(word: string, from: AnalyzedFile): boolean | null {
    const headers = [...this.texts.keys()].filter((p) => p.endsWith('.h') && p !== from.path);
    if (headers.length === 0) return null;
    // Every header consulted is something the answer depends on (a scan's cache must see it change).
    let consulted = this.textLookups.get(from.path);
    if (!consulted) this.textLookups.set(from.path, (consulted = new Set()));
    const re = new RegExp(`\\b${word.replace(/\W/g, '\\$&')}\\b`);
    for (const path of headers) {
      consulted.add(path);
      const key = `${path}\0${word}`;
      let found = this.headerWordMemo.get(key);
      if (found === undefined) {
        const text = this.analysed.get(path)?.source.text ?? this.texts.get(path)?.() ?? '';
        found = text.includes(word) && re.test(text);
        this.headerWordMemo.set(key, found);
      }
      if (found) return true;
    }
    return false;
  }

  /** The files that define `name` for other files, in the order they were added. */
  definers(name: string): readonly string[] {
    return this.index.get(name) ?? [];
  }

  /**
   * What the results for `path` may depend on besides its own text: the names its functions
   * looked up in other files, and every file the index gave for them, then the same for those
   * files' functions, transitively (a helper's summary reads the helpers it calls). Every file
   * the index gave counts, not only those whose definitions were used: whether a file mentions
   * a resource's calls decides whether it is read. An over-approximation (a file's lookups are
   * all of its functions'), which a cache of analyses between runs can rely on.
   */
  dependencies(path: string): { files: string[]; names: string[] } {
    const files = new Set([path]);
    const names = new Set<string>();
    const queue = [path];
    for (let p = queue.pop(); p !== undefined; p = queue.pop()) {
      for (const name of this.lookups.get(p) ?? []) {
        if (names.has(name)) continue;
        names.add(name);
        for (const q of this.definers(name)) {
          if (!files.has(q)) {
            files.add(q);
            queue.push(q);
          }
        }
      }
    }
    for (const p of [...files]) for (const h of this.textLookups.get(p) ?? []) files.add(h);
    files.delete(path);
    return { files: [...files], names: [...names] };
  }

  /** Whether the file's text names any of `words` (as a substring: a cheap, safe over-approximation). */
  private fileMentions(path: string, words: readonly string[]): boolean {
    let wordsKey = this.wordKeys.get(words);
    if (wordsKey === undefined) this.wordKeys.set(words, (wordsKey = words.join(',')));
    let perPath = this.mentionMemo.get(wordsKey);
    if (!perPath) this.mentionMemo.set(wordsKey, (perPath = new Map()));
    let known = perPath.get(path);
    if (known === undefined) {
      const text = this.analysed.get(path)?.source.text ?? this.texts.get(path)?.() ?? '';
      known = words.some((w) => text.includes(w));
      perPath.set(path, known);
    }
    return known;
  }

  private link(name: string, path: string): void {
    const paths = this.index.get(name) ?? [];
    if (!paths.includes(path)) paths.push(path);
    this.index.set(name, paths);
  }

  private file(path: string): AnalyzedFile | null {
    this.helperFiles.add(path);
    if (this.analysed.has(path)) {
      const known = this.analysed.get(path)!;
      this.analysed.delete(path);
      this.analysed.set(path, known);
      return known;
    }
    const text = this.texts.get(path)?.() ?? null;
    const file = text === null ? null : this.analysedFile(path, text);
    this.analysed.set(path, file);
    this.evict();
    return file;
  }
}

/** The kernel's architectures (6.1 and 6.12, and those removed since 5.x), as arch/ names them. */
const ARCHES = new Set(['alpha', 'arc', 'arm', 'arm64', 'csky', 'h8300', 'hexagon', 'ia64', 'loongarch', 'm68k', 'microblaze', 'mips', 'nds32', 'nios2', 'openrisc', 'parisc', 'powerpc', 'riscv', 's390', 'sh', 'sparc', 'um', 'x86', 'xtensa']);

/** The architecture a path is under (`m68k` for `arch/m68k/kernel/sys_m68k.c`), or null: an `arch/<name>/` segment naming a kernel architecture. */
function archOf(path: string): string | null {
  for (let at = path.lastIndexOf('arch/'); at >= 0; at = at === 0 ? -1 : path.lastIndexOf('arch/', at - 1)) {
    if (at > 0 && path[at - 1] !== '/') continue;
    const end = path.indexOf('/', at + 5);
    const name = end < 0 ? '' : path.slice(at + 5, end);
    if (ARCHES.has(name)) return name;
  }
  return null;
}

/** Whether a path is in the tree's user-space tools (`tools/testing/vma/vma_internal.h` stubs kernel functions for a test harness). */
function inTools(path: string): boolean {
  return path.startsWith('tools/') || path.includes('/tools/');
}

/**
 * Whether a call in `caller` can reach a definition in `definer`. A kernel is built for one
 * architecture: of the nine `do_page_fault()`s under arch/, a call in arch/m68k/ reaches m68k's
 * (its summary is not alpha's), while a call in generic code may reach any of them (user-mode
 * Linux, arch/um, builds with its host's arch/x86/um). The kernel never calls into tools/, whose
 * test harnesses define kernel functions as stubs, nor tools/ into the kernel. A tree kept under
 * a directory named `tools` has every path in tools/ by this test, so nothing is told apart there
 * (as before this test); one under `arch/linux/` is not taken for an architecture's.
 */
export function reachable(caller: string, definer: string): boolean {
  if (inTools(caller) !== inTools(definer)) return false;
  const from = archOf(caller);
  const to = archOf(definer);
  return from === null || to === null || from === to || (from === 'um' && to === 'x86');
}

function linkable(path: string, span: FunctionSpan): boolean {
  return !span.isStatic || path.endsWith('.h');
}

/**
 * The names of the functions a file defines that other files can call. An index, not an
 * analysis, and built without lexing (a scan indexes every file it keeps before analysing any):
 * a kernel function's body opens with `{` at the start of a line, and its name is the
 * identifier before the first `(` of the text since the item before it. A definition written
 * otherwise is missed here, and a name taken wrongly is at worst looked up and not found; the
 * definitions themselves always come from the analysed file.
 */
export function linkableNames(path: string, text: string): string[] {
  const header = path.endsWith('.h');
  const names = new Set<string>();
  for (let at = text.indexOf('\n{'); at >= 0; at = text.indexOf('\n{', at + 2)) {
    const head = itemBefore(text, at);
    const m = /([A-Za-z_]\w*)\s*\(/.exec(head);
    if (!m || /^(?:if|for|while|switch|return|sizeof)$/.test(m[1]!)) continue;
    if (!/\)\s*(?:__\w+(?:\([^)]*\))?\s*)*$/.test(head)) continue;
    if (header || !/\bstatic\b/.test(head)) names.add(m[1]!);
  }
  return [...names];
}

/** The text of the top-level item that ends at offset `end`: back to the last `;`, `}`, comment or directive line. */
function itemBefore(text: string, end: number): string {
  // Searched backwards with lastIndexOf (this runs for every function of every file an index is
  // built for), in a slice: a bounded window, so a file without comments costs no more.
  const window = text.slice(Math.max(0, end - 1000), end);
  let start = Math.max(window.lastIndexOf(';'), window.lastIndexOf('}')) + 1;
  const comment = window.lastIndexOf('*/');
  if (comment >= 0 && comment + 2 > start) start = comment + 2;
  const directive = window.lastIndexOf('\n#');
  if (directive >= 0) {
    const eol = window.indexOf('\n', directive + 1);
    const lineEnd = eol < 0 ? window.length : eol;
    if (lineEnd > start) start = lineEnd;
  }
  return window.slice(start);
}
