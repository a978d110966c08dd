/**
 * tree-sitter initialisation. The C grammar is the `tree-sitter-c.wasm` file shipped in the
 * `tree-sitter-c` npm package, loaded through `web-tree-sitter`: no native build, so the same
 * code runs from a fresh clone, in CI and in the Docker image.
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Point, type Tree } from 'web-tree-sitter';

let ready: Promise<Language> | null = null;

/** Loads the WASM runtime and the C grammar once per process (or worker thread). */
export function loadCLanguage(): Promise<Language> {
  ready ??= (async () => {
    await Parser.init();
    const require = createRequire(import.meta.url);
    return Language.load(require.resolve('tree-sitter-c/tree-sitter-c.wasm'));
  })();
  return ready;
}

/** Characters web-tree-sitter copies per read (its 10 KiB input buffer holds UTF-16). */
const INPUT_CHUNK = 5119;

/** A C parser bound to the grammar. Create one per thread and reuse it. */
export class CParser {
  private readonly parser: Parser;

  private constructor(language: Language) {
    this.parser = new Parser();
    this.parser.setLanguage(language);
  }

  static async create(): Promise<CParser> {
    return new CParser(await loadCLanguage());
  }

  /**
   * Parses `[start, end)` of `text` only. Node offsets, rows and columns stay relative to the
   * whole of `text`, so nothing has to be shifted afterwards. The caller must `delete()` the tree.
   */
  parseRange(text: string, start: number, end: number, startPoint: Point, endPoint: Point): Tree {
    // The range's text only, in chunks as big as the runtime's input buffer: given the whole
    // string, web-tree-sitter copies up to 5,120 characters into WASM memory for every read,
    // past the end of a short function into the rest of the file.
    const input = (index: number): string => (index < end ? text.slice(index, Math.min(end, index + INPUT_CHUNK)) : '');
    const tree = this.parser.parse(input, null, {
      includedRanges: [{ startIndex: start, endIndex: end, startPosition: startPoint, endPosition: endPoint }],
    });
    if (!tree) throw new Error('tree-sitter returned no tree');
    return tree;
  }
}
