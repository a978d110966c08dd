/**
 * `widen scan`: analyse whole files or directory trees and report every finding. With
 * `jobs > 1` the files are shared out to worker threads, each with its own parser.
 */
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AnalyzedFile, type AnalysisNote } from '../analysis/file.js';
import { CParser } from '../analysis/parser.js';
import { InputError } from '../errors.js';
import { compareFindings, type Finding } from '../findings/finding.js';
import type { Rule } from '../rules/define-rule.js';
import { findRule } from '../rules/index.js';
import { allTriggers } from '../rules/run.js';
import { analyzeSpans, isCSource, mentionsAnyTrigger, sortNotes, type Report } from './analyze.js';

export interface ScanOptions {
  paths: readonly string[];
  rules: readonly Rule[];
  /** Worker threads; 1 analyses in this thread. */
  jobs: number;
  /** Called as files are read, then as the ones that matter are analysed. */
  progress?: (phase: 'read' | 'analysed', done: number, total: number) => void;
}

export interface ScanReport extends Report {
  /** Files that could not be read; the scan is incomplete when this is not empty. */
  unreadable: Array<{ path: string; reason: string }>;
}

/** Result of scanning a batch of files, as a worker sends it back. */
export interface BatchResult {
  findings: Finding[];
  notes: AnalysisNote[];
  functions: number;
  unreadable: Array<{ path: string; reason: string }>;
}

/** A worker is only worth starting for at least this many files that pass the prefilter. */
const FILES_PER_WORKER = 8;

export async function scan(opts: ScanOptions): Promise<ScanReport> {
  const t0 = performance.now();
  const { files, notes } = await collectFiles(opts.paths);
  // Read and prefilter here: most files mention no API any rule cares about, and such a file
  // costs far less to skip than a worker costs to start.
  const triggers = allTriggers(opts.rules);
  const candidates: SourceText[] = [];
  const unreadable: BatchResult['unreadable'] = [];
  let read = 0;
  files.forEach((path, i) => {
    const text = readSource(path, unreadable);
    if (text !== null) {
      read++;
      if (mentionsAnyTrigger(text, triggers)) candidates.push({ path, text });
    }
    opts.progress?.('read', i + 1, files.length);
  });
  const jobs = Math.max(1, Math.min(opts.jobs, Math.floor(candidates.length / FILES_PER_WORKER), availableParallelism() * 2));
  const progress = opts.progress ? (done: number, total: number) => opts.progress!('analysed', done, total) : undefined;
  const result = jobs <= 1
    ? analyzeSources(candidates, opts.rules, await CParser.create(), progress)
    : await analyzeInWorkers(candidates.map((c) => c.path), opts.rules, jobs, progress);
  unreadable.push(...result.unreadable);
  return {
    findings: result.findings.sort(compareFindings),
    notes: sortNotes([
      ...notes,
      ...result.notes,
      ...unreadable.map((u): AnalysisNote => ({ path: u.path, line: 0, endLine: 0, function: null, kind: 'skipped-file', message: `widen could not read ${u.path} (${u.reason}); it was not scanned.` })),
    ]),
    unreadable,
    stats: { files: read, functions: result.functions, ms: Math.round(performance.now() - t0) },
  };
}

interface SourceText {
  path: string;
  text: string;
}

/** Reads a file synchronously (many small files read faster so); null, recorded, when it cannot be read. */
function readSource(path: string, unreadable: BatchResult['unreadable']): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    unreadable.push({ path, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
    return null;
  }
}

/** Analyses files already read, in this thread. */
function analyzeSources(sources: readonly SourceText[], rules: readonly Rule[], parser: CParser, progress?: (done: number, total: number) => void): BatchResult {
  const out: BatchResult = { findings: [], notes: [], functions: 0, unreadable: [] };
  sources.forEach(({ path, text }, i) => {
    const file = new AnalyzedFile(path, text, parser);
    const r = analyzeSpans(file, file.functions, rules);
    out.findings.push(...r.findings);
    out.functions += r.functions;
    out.notes.push(...file.notes);
    progress?.(i + 1, sources.length);
  });
  return out;
}

/** Reads and analyses `paths` in this thread: what each worker of `scan --jobs N` does. */
export async function scanFiles(paths: readonly string[], rules: readonly Rule[], progress?: (done: number, total: number) => void): Promise<BatchResult> {
  const unreadable: BatchResult['unreadable'] = [];
  const sources: SourceText[] = [];
  for (const path of paths) {
    const text = readSource(path, unreadable);
    if (text !== null) sources.push({ path, text });
  }
  const out = analyzeSources(sources, rules, await CParser.create(), progress);
  out.unreadable.push(...unreadable);
  return out;
}

async function analyzeInWorkers(files: readonly string[], rules: readonly Rule[], jobs: number, progress?: (done: number, total: number) => void): Promise<BatchResult> {
  // Deal files round-robin so big and small files spread evenly.
  const batches: string[][] = Array.from({ length: jobs }, () => []);
  files.forEach((f, i) => batches[i % jobs]!.push(f));
  const ruleIds = rules.map((r) => r.id);
  let done = 0;
  const results = await Promise.all(
    batches.map(
      (batch) =>
        new Promise<BatchResult>((resolve, reject) => {
          const worker = new Worker(workerUrl(), { workerData: { files: batch, rules: ruleIds } });
          worker.on('message', (m: { progress?: true; result?: BatchResult }) => {
            if (m.progress) progress?.(++done, files.length);
            if (m.result) resolve(m.result);
          });
          worker.on('error', reject);
          worker.on('exit', (code) => {
            if (code !== 0) reject(new Error(`scan worker exited with code ${code}`));
          });
        }),
    ),
  );
  const out: BatchResult = { findings: [], notes: [], functions: 0, unreadable: [] };
  for (const r of results) {
    out.findings.push(...r.findings);
    out.notes.push(...r.notes);
    out.functions += r.functions;
    out.unreadable.push(...r.unreadable);
  }
  return out;
}

/** The compiled worker next to this module (under ts-jest the sources run from src/, the worker from dist/). */
function workerUrl(): URL {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) return new URL('../../dist/pipeline/scan-worker.js', here);
  return new URL('./scan-worker.js', here);
}

/** Resolves rule ids sent to a worker. */
export function rulesById(ids: readonly string[]): Rule[] {
  return ids.map((id) => {
    const r = findRule(id);
    if (!r) throw new Error(`unknown rule ${id}`);
    return r;
  });
}

/**
 * The `.c`/`.h` files under `paths`, sorted, directories walked recursively. A path that does not
 * exist is an input error; a named file that is not C is skipped with a note.
 */
export async function collectFiles(paths: readonly string[]): Promise<{ files: string[]; notes: AnalysisNote[] }> {
  const files: string[] = [];
  const notes: AnalysisNote[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError('path-not-found', `widen scan: cannot read ${p} (${code === 'ENOENT' ? 'no such file or directory' : code}). Give the path of a C file or of a directory to scan, for example \`widen scan mm/\`.`);
    }
    if (st.isDirectory()) await walk(p, files, notes);
    else if (isCSource(p)) files.push(p);
    else notes.push({ path: p, line: 0, endLine: 0, function: null, kind: 'skipped-file', message: `${p} is not a .c or .h file; widen scan skipped it.` });
  }
  return { files: [...new Set(files)].sort(), notes };
}

async function walk(dir: string, files: string[], notes: AnalysisNote[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    notes.push({ path: dir, line: 0, endLine: 0, function: null, kind: 'skipped-file', message: `widen could not list ${dir} (${(e as NodeJS.ErrnoException).code ?? e}); files in it were not scanned.` });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '.git' && e.name !== 'node_modules') await walk(p, files, notes);
    } else if (isCSource(e.name) && (e.isFile() || e.isSymbolicLink())) {
      files.push(p);
    }
  }
}
