/**
 * `widen scan`: analyse whole files or directory trees and report every finding. With
 * `jobs > 1` the files are shared out to worker threads, each with its own parser.
 *
 * No file can cost the scan the others: an exception while analysing a file becomes an
 * `analysis-failed` note for it, and a worker that dies is replaced, the file it was on noted
 * and the rest of its share handed to the new worker.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BracketSummaries } from '../analysis/brackets.js';
import { AnalyzedFile, failureReason, type AnalysisNote } from '../analysis/file.js';
import { linkableNames, Program } from '../analysis/program.js';
import { CParser } from '../analysis/parser.js';
import { InputError } from '../errors.js';
import { compareFindings, type Finding } from '../findings/finding.js';
import type { Rule } from '../rules/define-rule.js';
import { findRule } from '../rules/index.js';
import { allTriggers } from '../rules/run.js';
import { analyzeSpans, fileNote, isCSource, sortNotes, type Report } from './analyze.js';
import { FOUND_MARKER, FOUND_TRIGGER, readInto, TriggerFilter } from './prefilter.js';
import { lex } from '../analysis/lexer.js';
import { NORETURN_WORDS, noreturnNames } from '../analysis/normalize.js';

export interface ScanOptions {
  paths: readonly string[];
  rules: readonly Rule[];
  /** Worker threads; 1 analyses in this thread. */
  jobs: number;
  /**
   * The module each worker thread runs; by default the compiled `scan-worker.js` beside this
   * module. A caller running widen from its TypeScript sources names the compiled one.
   */
  workerUrl?: URL;
  /** Called as files are read, then as the ones that matter are analysed. */
  progress?: (phase: 'read' | 'analysed', done: number, total: number, path: string) => void;
}

/** A file or directory a scan could not read; `reason` is the error code (`EACCES`, ...). */
export interface Unreadable {
  path: string;
  reason: string;
  /** A directory that could not be listed: everything under it is missing from the scan. */
  directory?: boolean;
}

export interface ScanReport extends Report {
  /** Files and directories that could not be read; the scan is incomplete when this is not empty. */
  unreadable: Unreadable[];
}

/** Result of scanning a batch of files (one file, as a worker sends it back). */
export interface BatchResult {
  findings: Finding[];
  notes: AnalysisNote[];
  functions: number;
  unreadable: Unreadable[];
}

/** What a scan worker is given. */
export interface WorkerInput {
  files: string[];
  /** Rule ids, resolved again in the worker. */
  rules: string[];
  /** The scan's function index (name to defining files), so helpers resolve across shares. */
  index?: Array<[string, string[]]>;
  /** Functions the scan's headers declare `__noreturn`. */
  noreturn?: string[];
}

/**
 * What a scan worker posts: `ready` once its parser is loaded, then one `file` message per file
 * of its share, in order.
 */
export type WorkerMessage = { k: 'ready' } | { k: 'file'; path: string; result: BatchResult };

/** A worker is only worth starting for at least this many files that pass the prefilter. */
const FILES_PER_WORKER = 8;

export async function scan(opts: ScanOptions): Promise<ScanReport> {
  const t0 = performance.now();
  const unreadable: BatchResult['unreadable'] = [];
  const { files, notes } = await collectFiles(opts.paths, unreadable);
  // Read and prefilter here: most files mention no API any rule cares about, and such a file
  // costs far less to skip than a worker costs to start.
  // Headers are searched for `__noreturn` in the same pass.
  const filter = new TriggerFilter(allTriggers(opts.rules), [...NORETURN_WORDS]);
  const scratch = { buf: Buffer.allocUnsafe(1 << 20) };
  const candidates: SourceText[] = [];
  // A path into `parisc_terminate()` ends there: its prototype in a header says `__noreturn`.
  const noreturn = new Set<string>();
  let read = 0;
  files.forEach((path, i) => {
    try {
      const bytes = readInto(path, scratch);
      read++;
      // A .c file's own noreturn functions are its own business (the file reads them itself).
      const want = path.endsWith('.h') ? FOUND_TRIGGER | FOUND_MARKER : FOUND_TRIGGER;
      const found = filter.find(bytes, want) & want;
      const text = found === 0 ? '' : bytes.toString('utf8');
      if (found & FOUND_MARKER) for (const name of noreturnNames(lex(text))) noreturn.add(name);
      if (found & FOUND_TRIGGER) candidates.push({ path, text });
    } catch (e) {
      unreadable.push({ path, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
    }
    opts.progress?.('read', i + 1, files.length, path);
  });
  const jobs = Math.max(1, Math.min(opts.jobs, Math.floor(candidates.length / FILES_PER_WORKER), availableParallelism() * 2));
  const progress = opts.progress ? (done: number, total: number, path: string) => opts.progress!('analysed', done, total, path) : undefined;
  const result = jobs <= 1
    ? analyzeSources(candidates, opts.rules, await CParser.create(), noreturn, progress)
    : await analyzeInWorkers(candidates, opts.rules, jobs, opts.workerUrl ?? new URL('./scan-worker.js', import.meta.url), noreturn, progress);
  unreadable.push(...result.unreadable);
  return {
    findings: result.findings.sort(compareFindings),
    notes: sortNotes([
      ...notes,
      ...result.notes,
      ...unreadable.map((u): AnalysisNote => fileNote(u.path, 'skipped-file', u.directory ? `widen could not list the directory ${u.path} (${u.reason}); nothing in it was scanned.` : `widen could not read ${u.path} (${u.reason}); it was not scanned.`)),
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

function emptyBatch(): BatchResult {
  return { findings: [], notes: [], functions: 0, unreadable: [] };
}

function addBatch(into: BatchResult, r: BatchResult): void {
  into.findings.push(...r.findings);
  into.notes.push(...r.notes);
  into.functions += r.functions;
  into.unreadable.push(...r.unreadable);
}

/** The note for a file whose analysis stopped on an internal error; none of its findings are kept. */
function failedFileNote(path: string, reason: string): AnalysisNote {
  return fileNote(path, 'analysis-failed', `widen skipped ${path} because analysing it failed with an internal error (${reason}), so no finding in it is reported.`);
}

/**
 * The files of a scan as one program: a helper defined in one of them (with external linkage,
 * or in a header) is summarised from its body for callers in the others.
 */
interface ScanProgram {
  program: Program;
  summaries: BracketSummaries;
}

function scanProgram(parser: CParser, fill: (program: Program) => void, noreturn: ReadonlySet<string>): ScanProgram {
  const program = new Program(parser, noreturn);
  fill(program);
  return { program, summaries: new BracketSummaries(program) };
}

/**
 * Analyses one file already read. Any exception becomes an `analysis-failed` note for the file
 * (with the notes made before it), never a failure of the scan.
 */
function analyzeFileText({ path, text }: SourceText, rules: readonly Rule[], parser: CParser, scope: ScanProgram): BatchResult {
  let file: AnalyzedFile | null = null;
  try {
    file = scope.program.open(path, text);
    const r = analyzeSpans(file, file.functions, rules, new Set(), scope.summaries);
    return { findings: r.findings, notes: [...file.notes], functions: r.functions, unreadable: [] };
  } catch (e) {
    return { findings: [], notes: [...(file?.notes ?? []), failedFileNote(path, failureReason(e))], functions: 0, unreadable: [] };
  }
}

/** Analyses files already read, in this thread. */
function analyzeSources(sources: readonly SourceText[], rules: readonly Rule[], parser: CParser, noreturn: ReadonlySet<string>, progress?: (done: number, total: number, path: string) => void): BatchResult {
  const out = emptyBatch();
  const scope = scanProgram(parser, (p) => sources.forEach((s) => p.add(s.path, s.text)), noreturn);
  sources.forEach((source, i) => {
    addBatch(out, analyzeFileText(source, rules, parser, scope));
    progress?.(i + 1, sources.length, source.path);
  });
  return out;
}

/**
 * Reads and analyses `paths` in this thread, calling `onFile` with each file's result. Helpers
 * resolve through `index` (a whole scan's, in a worker) or else among `paths` themselves.
 */
export async function scanFiles(paths: readonly string[], rules: readonly Rule[], onFile?: (path: string, result: BatchResult) => void, index?: WorkerInput['index'], noreturn: ReadonlySet<string> = new Set()): Promise<BatchResult> {
  const parser = await CParser.create();
  const out = emptyBatch();
  const load = (path: string): string | null => readSource(path, []);
  const scope = scanProgram(parser, (p) => (index ? p.addIndexed(index, load) : paths.forEach((path) => p.add(path, () => load(path)))), noreturn);
  for (const path of paths) {
    const unreadable: BatchResult['unreadable'] = [];
    const text = readSource(path, unreadable);
    const result = text === null ? { ...emptyBatch(), unreadable } : analyzeFileText({ path, text }, rules, parser, scope);
    addBatch(out, result);
    onFile?.(path, result);
  }
  return out;
}

async function analyzeInWorkers(sources: readonly SourceText[], rules: readonly Rule[], jobs: number, workerUrl: URL, noreturn: ReadonlySet<string>, progress?: (done: number, total: number, path: string) => void): Promise<BatchResult> {
  // Deal files round-robin so big and small files spread evenly.
  const batches: string[][] = Array.from({ length: jobs }, () => []);
  sources.forEach((f, i) => batches[i % jobs]!.push(f.path));
  const index = new Map<string, string[]>();
  for (const { path, text } of sources) {
    for (const name of linkableNames(path, text)) index.set(name, [...(index.get(name) ?? []), path]);
  }
  const ruleIds = rules.map((r) => r.id);
  let done = 0;
  const onFile = (path: string): void => progress?.(++done, sources.length, path);
  const results = await Promise.all(batches.map((batch) => workerShare(workerUrl, batch, { rules: ruleIds, index: [...index], noreturn: [...noreturn] }, onFile)));
  const out = emptyBatch();
  for (const r of results) addBatch(out, r);
  return out;
}

/**
 * Runs one worker's share of files. When the worker dies part way (a crash no per-file catch
 * could stop), the file it was on gets an `analysis-failed` note and a new worker takes the rest.
 */
async function workerShare(workerUrl: URL, files: readonly string[], shared: Omit<WorkerInput, 'files'>, onFile: (path: string) => void): Promise<BatchResult> {
  const out = emptyBatch();
  let rest = files;
  while (rest.length > 0) {
    const run = await runWorker(workerUrl, { ...shared, files: [...rest] }, (path, r) => {
      addBatch(out, r);
      onFile(path);
    });
    if (run.failure === null) break;
    out.notes.push(failedFileNote(rest[run.done]!, run.failure));
    onFile(rest[run.done]!);
    rest = rest.slice(run.done + 1);
  }
  return out;
}

/**
 * One worker on `input`: how many files it finished, and why it stopped early (null when it
 * did not). A worker that fails before it is ready is a broken installation, not a bad file:
 * that rejects.
 */
function runWorker(workerUrl: URL, input: WorkerInput, onResult: (path: string, r: BatchResult) => void): Promise<{ done: number; failure: string | null }> {
  return new Promise((resolve, reject) => {
    let ready = false;
    let done = 0;
    let error: string | null = null;
    const worker = new Worker(workerUrl, { workerData: input });
    worker.on('message', (m: WorkerMessage) => {
      if (m.k === 'ready') {
        ready = true;
      } else {
        done++;
        onResult(m.path, m.result);
      }
    });
    worker.on('error', (e) => {
      error ??= failureReason(e);
    });
    // 'exit' comes after every message the worker posted and after 'error'.
    worker.on('exit', (code) => {
      if (done === input.files.length) resolve({ done, failure: null });
      else if (!ready) reject(new Error(`a scan worker failed to start (${error ?? `exit code ${code}`})`));
      else resolve({ done, failure: error ?? `the worker thread stopped with exit code ${code}` });
    });
  });
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
 * exist is an input error; a named file that is not C is skipped with a note. A directory that
 * cannot be listed goes to `unreadable`, like a file that cannot be read: either makes the scan
 * incomplete. Symbolic links to directories are not followed (a link back up the tree would loop,
 * and a tree would be counted twice); each is named in a note. Symbolic links to files are read.
 */
export async function collectFiles(paths: readonly string[], unreadable: Unreadable[]): Promise<{ files: string[]; notes: AnalysisNote[] }> {
  const files: string[] = [];
  const notes: AnalysisNote[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError('path-not-found', `cannot read ${p} (${code === 'ENOENT' ? 'no such file or directory' : code}). Give the path of a C file or of a directory to scan, for example \`widen scan mm/\`.`);
    }
    if (st.isDirectory()) walk(p, files, notes, unreadable);
    else if (isCSource(p)) files.push(p);
    else notes.push(fileNote(p, 'skipped-file', `${p} is not a .c or .h file; widen scan skipped it.`));
  }
  return { files: [...new Set(files)].sort(), notes };
}

/**
 * Synchronous on purpose: the scan waits for the list anyway, and on the 6.12 tree (4,800
 * directories) one `await readdir()` per directory cost 0.4 s against 0.2 s for this.
 */
function walk(dir: string, files: string[], notes: AnalysisNote[], unreadable: Unreadable[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    unreadable.push({ path: dir, reason: (e as NodeJS.ErrnoException).code ?? String(e), directory: true });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '.git' && e.name !== 'node_modules') walk(p, files, notes, unreadable);
    } else if (e.isSymbolicLink()) {
      let target = null;
      try {
        target = statSync(p);
      } catch {
        // A dangling link is no directory: one with a C name is listed, and reported unreadable.
      }
      if (target?.isDirectory()) {
        notes.push(fileNote(p, 'skipped-file', `${p} is a symbolic link to a directory; widen scan does not follow those. Name the directory it points to on the command line to scan it.`));
      } else if (isCSource(e.name)) {
        files.push(p);
      }
    } else if (isCSource(e.name) && e.isFile()) {
      files.push(p);
    }
  }
}
