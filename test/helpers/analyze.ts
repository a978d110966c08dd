/** Test helpers: analyse C source held in a string. */
import { AnalyzedFile, type AnalyzedFunction } from '../../src/analysis/file.js';
import { CParser } from '../../src/analysis/parser.js';

let parser: Promise<CParser> | null = null;

export function getParser(): Promise<CParser> {
  parser ??= CParser.create();
  return parser;
}

export async function analyzeSource(text: string, path = 'test.c'): Promise<AnalyzedFile> {
  return new AnalyzedFile(path, text, await getParser());
}

/** The analysed function `name` of `text`; fails the test if it is missing. */
export async function functionOf(text: string, name: string): Promise<AnalyzedFunction> {
  const file = await analyzeSource(text);
  const span = file.definitionsOf(name)[0];
  if (!span) throw new Error(`no function ${name}`);
  const fn = file.analyze(span);
  if (!fn) throw new Error(`${name} did not parse`);
  return fn;
}

/** 1-based line of the first occurrence of `needle` in `text`. */
export function lineOf(text: string, needle: string, from = 0): number {
  const i = text.indexOf(needle, from);
  if (i < 0) throw new Error(`'${needle}' not found`);
  return text.slice(0, i).split('\n').length;
}
