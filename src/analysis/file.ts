/**
 * One C file under analysis: normalised once, segmented into functions once, and each
 * function parsed, converted and given its CFG only when something asks for it.
 */
import type { FunctionAst } from './ast.js';
import { buildCfg, type Cfg } from './cfg.js';
import { ReachingDefs } from './dataflow.js';
import { findFunctions, functionAtLine, type FunctionSpan } from './functions.js';
import { normalize, type NormalizedSource } from './normalize.js';
import type { CParser } from './parser.js';
import { FactModel } from './paths.js';
import { SourceFile } from './source.js';
import { convertFunction } from './syntax.js';

/** Something the analysis could not do, reported to the user as a note rather than hidden. */
export interface AnalysisNote {
  path: string;
  line: number;
  endLine: number;
  function: string | null;
  kind: 'parse-error' | 'no-function-body' | 'path-budget' | 'unresolved-goto' | 'limited-context' | 'skipped-file';
  message: string;
}

export class AnalyzedFunction {
  private defsCache: ReachingDefs | null = null;
  private factsCache: FactModel | null = null;

  constructor(
    readonly file: AnalyzedFile,
    readonly span: FunctionSpan,
    readonly ast: FunctionAst,
    readonly cfg: Cfg,
  ) {}

  get name(): string {
    return this.span.name;
  }

  /** Reaching definitions, computed on first use. */
  get defs(): ReachingDefs {
    this.defsCache ??= new ReachingDefs(this.cfg);
    return this.defsCache;
  }

  /** The branch conditions paths can be correlated on, computed on first use. */
  get facts(): FactModel {
    this.factsCache ??= new FactModel(this.cfg);
    return this.factsCache;
  }

  /** 1-based line of an offset in the file. */
  line(offset: number): number {
    return this.file.source.position(offset).line;
  }

  /** The original source text of a span, white space collapsed, for messages. */
  text(span: { start: number; end: number }): string {
    return this.file.source.text.slice(span.start, span.end).replace(/\s+/g, ' ').trim();
  }
}

export class AnalyzedFile {
  readonly source: SourceFile;
  readonly normalized: NormalizedSource;
  readonly functions: readonly FunctionSpan[];
  private readonly byName = new Map<string, FunctionSpan[]>();
  private readonly cache = new Map<FunctionSpan, AnalyzedFunction | null>();
  readonly notes: AnalysisNote[] = [];

  constructor(
    path: string,
    text: string,
    private readonly parser: CParser,
  ) {
    this.source = new SourceFile(path, text);
    this.normalized = normalize(text);
    this.functions = findFunctions(this.normalized.tokens, this.source);
    for (const f of this.functions) {
      const list = this.byName.get(f.name) ?? [];
      list.push(f);
      this.byName.set(f.name, list);
    }
  }

  get path(): string {
    return this.source.path;
  }

  /** The function containing 1-based `line`, if any. */
  functionAt(line: number): FunctionSpan | undefined {
    return functionAtLine(this.functions, line);
  }

  /** Definitions of a function name in this file. */
  definitionsOf(name: string): readonly FunctionSpan[] {
    return this.byName.get(name) ?? [];
  }

  /**
   * Parses and analyses one function. Returns null when tree-sitter finds no body at all;
   * either way, unparsable regions are recorded in {@link notes}.
   */
  analyze(span: FunctionSpan): AnalyzedFunction | null {
    if (this.cache.has(span)) return this.cache.get(span)!;
    const text = this.normalized.text;
    const startPos = this.source.position(span.start);
    const endPos = this.source.position(span.end);
    const tree = this.parser.parseRange(text, span.start, span.end, { row: startPos.line - 1, column: startPos.column - 1 }, { row: endPos.line - 1, column: endPos.column - 1 });
    let result: AnalyzedFunction | null = null;
    try {
      const ast = convertFunction(tree.rootNode, text, this.normalized.blockMacros, span.name);
      if (!ast) {
        this.note(span, span.startLine, span.endLine, 'no-function-body', `widen could not find the body of \`${span.name}()\` (lines ${span.startLine}-${span.endLine}); it was not analysed.`);
      } else {
        for (const [a, b] of this.problemLines(ast.problems)) {
          const where = a === b ? `line ${a}` : `lines ${a}-${b}`;
          this.note(span, a, b, 'parse-error', `widen could not parse ${where} of \`${span.name}()\`; calls it found there are still checked, but findings that depend on that code may be missed.`);
        }
        const cfg = buildCfg(ast);
        for (const g of cfg.unresolvedGotos) {
          const line = this.source.position(cfg.nodes[g.node]!.start).line;
          this.note(span, line, line, 'unresolved-goto', `\`goto ${g.label}\` in \`${span.name}()\` has no label widen could find; paths through it are not followed.`);
        }
        result = new AnalyzedFunction(this, span, ast, cfg);
      }
    } finally {
      tree.delete();
    }
    this.cache.set(span, result);
    return result;
  }

  /** Problem regions as line ranges, adjacent and overlapping ones merged into one. */
  private problemLines(problems: FunctionAst['problems']): Array<[number, number]> {
    const ranges = problems
      .map((p): [number, number] => [this.source.position(p.start).line, this.source.position(Math.max(p.start, p.end - 1)).line])
      .sort((x, y) => x[0] - y[0]);
    const out: Array<[number, number]> = [];
    for (const r of ranges) {
      const last = out[out.length - 1];
      if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
      else out.push([...r]);
    }
    return out;
  }

  note(span: FunctionSpan | null, line: number, endLine: number, kind: AnalysisNote['kind'], message: string): void {
    this.notes.push({ path: this.path, line, endLine, function: span?.name ?? null, kind, message });
  }
}

