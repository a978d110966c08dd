/**
 * Golden files: what users read, kept as files so a wording change shows up as a readable diff.
 * A test never writes one by itself: a missing or different golden fails, and
 * `UPDATE_GOLDEN=1 npm test` is the explicit command that rewrites them (review the diff).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function expectGolden(path: string, actual: string): void {
  if (process.env['UPDATE_GOLDEN']) writeFileSync(path, actual);
  if (!existsSync(path)) throw new Error(`golden file ${path} is missing; run UPDATE_GOLDEN=1 npm test and review what it writes`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/**
 * The text between `<!-- NAME:start -->` and `<!-- NAME:end -->` in a document (the README's
 * example comment), checked and, under UPDATE_GOLDEN=1, rewritten like a golden file.
 */
export function expectGoldenSection(path: string, name: string, actual: string): void {
  const start = `<!-- ${name}:start -->\n`;
  const end = `<!-- ${name}:end -->`;
  const doc = readFileSync(path, 'utf8');
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${path} has no ${start.trim()} … ${end} section`);
  if (process.env['UPDATE_GOLDEN']) writeFileSync(path, doc.slice(0, from + start.length) + actual + doc.slice(to));
  const current = readFileSync(path, 'utf8');
  expect(current.slice(current.indexOf(start) + start.length, current.indexOf(end))).toBe(actual);
}
