/**
 * `widen scan`: analyse whole files or directory trees and report every finding.
 *
 * A scan has two phases. First every file is read and prefiltered: most files mention no API
 * any rule cares about and are dropped unparsed; the rest (the candidates) are indexed by the
 * functions they define for other files, and headers are searched for `__noreturn`. Then each
 * candidate is analysed, with helpers resolved across all candidates.
 *
 * In one job, a scan of many files reads them with a second thread (read-phase.ts), then
 * analyses in this one. With `jobs > 1` both phases run in worker threads (see {@link
 * serveScan} for the protocol): each worker reads and prefilters its share of the files, the
 * main thread merges their indexes, then hands out candidates one at a time, a worker's own
 * first and then whatever another worker has not reached yet, so the threads finish together.
 *
 * No file can cost the scan the others: an exception while analysing a file becomes an
 * `analysis-failed` note for it, and a worker that dies is replaced, the file it was on noted
 * and the rest of its work handed to the new worker.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, normalize, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BracketSummaries } from '../analysis/brackets.js';
import { AnalyzedFile, failureReason, type AnalysisNote } from '../analysis/file.js';
import { linkableNames, Program } from '../analysis/program.js';
import { CParser } from '../analysis/parser.js';
import { InputError, READ_ERROR_WORDS, errorWords } from '../errors.js';
import { compareFindings, type Finding } from '../findings/finding.js';
import type { Rule } from '../rules/define-rule.js';
import { findRule } from '../rules/index.js';
import { allTriggers, rulesForFile } from '../rules/run.js';
import { analyzeSpans, fileNote, isCSource, sortNotes, type Report } from './analyze.js';
import { MAX_ANALYSED_BYTES, prefilter, prefilterShared, TOO_LARGE, unreadableAt, UTF16, type SourceText, type Unreadable } from './read-phase.js';
import { TriggerFilter } from './prefilter.js';
import { contentHash, ScanCache, type CacheOptions, type Dependencies, type ScanState } from './scan-cache.js';
import { append } from '../append.js';

export interface ScanOptions {
  paths: readonly string[];
  rules: readonly Rule[];
  /** Worker threads; 1 does everything in this thread. */
  jobs: number;
  /**
   * The module each worker thread runs; by default the compiled `scan-worker.js` beside this
   * module. A caller running widen from its TypeScript sources names the compiled one.
   */
  workerUrl?: URL;
  /** Called as files are read, then as the ones that matter are analysed. */
  progress?: (phase: 'read' | 'analysed', done: number, total: number, path: string) => void;
  /** Reuse the results of files analysed by an earlier scan, and keep this one's (see scan-cache.ts). */
  cache?: CacheOptions;
  /**
   * How long a worker thread may analyse one file before it is stopped, the file noted and a
   * new worker started for the rest ({@link FILE_DEADLINE_MS} by default). A runaway analysis
   * of one function (the liveness fixpoint that looped for ever, fixed in e1430a6) then costs
   * that file, not the scan. One thread (`jobs: 1`) has no such guard.
   */
  fileDeadlineMs?: number;
  /**
   * A scan of at least this many files in one job reads them with a second thread, when the
   * machine has more than one CPU ({@link READ_THREAD_FROM} by default; see read-phase.ts).
   */
  readThreadFrom?: number;
}

/**
 * The default of {@link ScanOptions.readThreadFrom}: about 0.3 s of reading in one thread, well
 * above what the reading thread costs to start (its modules, about 0.1 s of the other CPU).
 */
export const READ_THREAD_FROM = 2000;

/** The default of {@link ScanOptions.fileDeadlineMs}: the slowest kernel file analyses in about 2 s. */
export const FILE_DEADLINE_MS = 120_000;

export type { Unreadable };

export interface ScanReport extends Report {
  /** Files and directories that could not be read; the scan is incomplete when this is not empty. */
  unreadable: Unreadable[];
  /** What went wrong with the cache: it changes no result, only how long the next scan takes. */
  warnings: string[];
}

/** Result of scanning a batch of files (one file, as a worker sends it back). */
export interface BatchResult {
  findings: Finding[];
  notes: AnalysisNote[];
  functions: number;
  unreadable: Unreadable[];
  /** With a cache: what else the file's results depend on. */
  deps?: Dependencies;
}

/** What a scan worker is started with. */
export interface WorkerInput {
  /** Its share of the files to read and prefilter (none for a worker that replaces a dead one). */
  files: string[];
  /** Rule ids, resolved again in the worker. */
  rules: string[];
  /** Whether the scan has a cache: candidates are hashed and results carry their dependencies. */
  cached?: boolean;
}

/** A candidate a worker found in its share: its path and the functions it defines for other files. */
export interface CandidateEntry {
  path: string;
  names: string[];
  /** Content hash, when the scan has a cache. */
  hash?: string;
}

/** What the main thread sends a scan worker once every share is read. */
export type MainMessage =
  /** The scan's function index (name to defining files) and the functions its headers declare `__noreturn`. */
  | { k: 'index'; index: Array<[string, string[]]>; noreturn: string[] }
  /** Analyse this file next. */
  | { k: 'file'; path: string }
  /** Nothing left: stop. */
  | { k: 'end' };

/**
 * What a scan worker posts: `ready` once its parser is loaded; `progress` now and then while it
 * reads its share; `read` when the share is read; then one `file` per file it was given.
 */
export type WorkerMessage =
  | { k: 'ready' }
  | { k: 'progress'; read: number; path: string }
  | { k: 'read'; read: number; candidates: CandidateEntry[]; noreturn: string[]; unreadable: Unreadable[] }
  | { k: 'file'; path: string; result: BatchResult };

/** The two ends of a worker's conversation, as {@link serveScan} needs them (a `MessagePort` has both). */
export interface ScanPort {
  postMessage(m: WorkerMessage): void;
  on(event: 'message', listener: (m: MainMessage) => void): unknown;
  close(): void;
}

/**
 * A worker is only worth starting for at least this many files: it costs about 0.1 s of CPU to
 * start (modules and grammar), about what reading and prefiltering 1,000 files costs.
 */
const FILES_PER_WORKER = 32;

/** How often (in files) a worker reports its reading progress. */
const PROGRESS_EVERY = 500;

export async function scan(opts: ScanOptions): Promise<ScanReport> {
  const t0 = performance.now();
  const unreadable: Unreadable[] = [];
  const { files, notes } = await collectFiles(opts.paths, unreadable);
  const jobs = Math.max(1, Math.min(opts.jobs, Math.floor(files.length / FILES_PER_WORKER), availableParallelism() * 2));
  const cache = opts.cache ? ScanCache.open(opts.cache, opts.paths, opts.rules.map((r) => r.id)) : null;
  const workerUrl = opts.workerUrl ?? new URL('./scan-worker.js', import.meta.url);
  const readThread = files.length >= (opts.readThreadFrom ?? READ_THREAD_FROM) && availableParallelism() > 1 ? workerUrl : null;
  const result = jobs <= 1
    ? await scanInThread(files, opts.rules, opts.progress, cache, readThread)
    : await scanInWorkers(files, opts.rules, jobs, workerUrl, opts.progress, cache, opts.fileDeadlineMs ?? FILE_DEADLINE_MS);
  append(unreadable, result.unreadable);
  return {
    findings: result.findings.sort(compareFindings),
    notes: sortNotes([
      ...notes,
      ...result.notes,
      ...unreadable.map((u): AnalysisNote => fileNote(u.path, 'skipped-file', unreadableWords(u))),
    ]),
    unreadable,
    warnings: cache?.warnings ?? [],
    stats: { files: result.read, functions: result.functions, ...(cache ? { cached: cache.hits } : {}), ms: Math.round(performance.now() - t0) },
  };
}

/** Reads a file synchronously (many small files read faster so); null, recorded, when it cannot be read. */
function readSource(path: string, unreadable: Unreadable[]): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    unreadable.push(unreadableAt(path, e));
    return null;
  }
}

function emptyBatch(): BatchResult {
  return { findings: [], notes: [], functions: 0, unreadable: [] };
}

function addBatch(into: BatchResult, r: BatchResult): void {
  append(into.findings, r.findings);
  append(into.notes, r.notes);
  into.functions += r.functions;
  append(into.unreadable, r.unreadable);
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
  /**
   * The rules' triggers, to learn which rules can concern a file before it is analysed
   * ({@link rulesForFile}); null to run every rule on every file (no prefilter).
   */
  triggers: TriggerFilter | null;
}

function scanProgram(parser: CParser, fill: (program: Program) => void, noreturn: ReadonlySet<string>, rules: readonly Rule[] | null): ScanProgram {
  const program = new Program(parser, noreturn);
  fill(program);
  return { program, summaries: new BracketSummaries(program), triggers: rules && new TriggerFilter(allTriggers(rules)) };
}

/**
 * Analyses one file already read. Any exception becomes an `analysis-failed` note for the file
 * (with the notes made before it), never a failure of the scan.
 */
function analyzeFileText({ path, text }: SourceText, rules: readonly Rule[], scope: ScanProgram): BatchResult {
  let file: AnalyzedFile | null = null;
  try {
    // A file whose triggers concern no rule (`vm_flags` only read, a TLB flush with no
    // page-table lock around) is not normalised: no function of it could be checked.
    const concerned = scope.triggers ? rulesForFile(rules, scope.triggers.collect(Buffer.from(text, 'utf8')), text) : rules;
    if (concerned.length === 0) return emptyBatch();
    file = scope.program.open(path, text);
    const r = analyzeSpans(file, file.functions, concerned, new Set(), scope.summaries);
    if (file.shapeProblems.length > 0) {
      const triggers = new Set(allTriggers(concerned));
      const f = file;
      f.noteShapeProblems((p) => f.shapeMentions(p, triggers));
    }
    return { findings: r.findings, notes: [...file.notes], functions: r.functions, unreadable: [] };
  } catch (e) {
    return { findings: [], notes: [...(file?.notes ?? []), failedFileNote(path, failureReason(e))], functions: 0, unreadable: [] };
  }
}

/**
 * The scan's index of the functions its candidates define for other files: name to defining
 * files, in file order (`candidates` are), as every thread resolves helpers through it.
 */
function functionIndex(candidates: readonly CandidateEntry[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const c of candidates) {
    for (const name of c.names) {
      const paths = byName.get(name);
      if (paths) paths.push(c.path);
      else byName.set(name, [c.path]);
    }
  }
  return byName;
}

/** The scan as a cache checks its entries against: the candidates' hashes, the index, the noreturn set. */
function scanState(candidates: readonly CandidateEntry[], index: ReadonlyMap<string, readonly string[]>, noreturn: Iterable<string>): ScanState {
  const hashes = new Map(candidates.map((c) => [c.path, c.hash!]));
  return {
    hash: (path) => hashes.get(path),
    definers: (name) => index.get(name) ?? [],
    noreturn: contentHash([...noreturn].sort().join('\n')),
  };
}

/**
 * Both phases in this thread. The parser is loaded only when a file needs analysing: a scan
 * whose every file comes from the cache parses nothing.
 */
async function scanInThread(files: readonly string[], rules: readonly Rule[], progress: ScanOptions['progress'], cache: ScanCache | null, readThread: URL | null): Promise<BatchResult & { read: number }> {
  const onRead = (done: number, path: string): void => progress?.('read', done, files.length, path);
  const pre = readThread ? await prefilterShared(files, rules, cache !== null, readThread, onRead) : prefilter(files, rules, cache !== null, onRead);
  const out = emptyBatch();
  append(out.unreadable, pre.unreadable);
  const entries = pre.candidates.map((c): CandidateEntry => ({ path: c.path, names: [...(cache?.defines(c.path, c.hash!) ?? linkableNames(c.path, c.text))], hash: c.hash }));
  const index = functionIndex(entries);
  const state = cache ? scanState(entries, index, pre.noreturn) : null;
  // The sources, not their texts: a candidate of a scan with a cache decodes only when read.
  const sources = new Map(pre.candidates.map((c) => [c.path, c]));
  let scope: ScanProgram | null = null;
  for (const [i, source] of pre.candidates.entries()) {
    const entry = entries[i]!;
    const hit = cache?.lookup(source.path, source.hash!, state!);
    if (hit) {
      addBatch(out, { ...hit, unreadable: [] });
    } else {
      scope ??= scanProgram(await CParser.create(), (p) => p.addIndexed(index, (path) => sources.get(path)?.text ?? null), pre.noreturn, rules);
      const result = analyzeFileText(source, rules, scope);
      addBatch(out, result);
      cache?.store(source.path, source.hash!, entry.names, result, scope.program.dependencies(source.path));
    }
    progress?.('analysed', i + 1, pre.candidates.length, source.path);
  }
  if (cache) cache.save(state!);
  return { ...out, read: pre.read };
}

/**
 * Reads and analyses `paths` in this thread, calling `onFile` with each file's result; helpers
 * resolve among `paths` themselves. No prefilter: every file is analysed.
 */
export async function scanFiles(paths: readonly string[], rules: readonly Rule[], onFile?: (path: string, result: BatchResult) => void): Promise<BatchResult> {
  const parser = await CParser.create();
  const out = emptyBatch();
  const load = (path: string): string | null => readSource(path, []);
  const scope = scanProgram(parser, (p) => paths.forEach((path) => p.add(path, () => load(path))), new Set(), null);
  for (const path of paths) {
    const unreadable: Unreadable[] = [];
    const text = readSource(path, unreadable);
    const result = text === null ? { ...emptyBatch(), unreadable } : analyzeFileText({ path, text }, rules, scope);
    addBatch(out, result);
    onFile?.(path, result);
  }
  return out;
}

/**
 * The worker's side of a scan (the body of `scan-worker.js`): reads and prefilters its share,
 * posts the candidates and what they define, then analyses each file it is sent, with helpers
 * resolved through the whole scan's index, until it is told to end.
 */
export async function serveScan(port: ScanPort, input: WorkerInput): Promise<void> {
  const rules = rulesById(input.rules);
  const parser = await CParser.create();
  port.postMessage({ k: 'ready' });
  const pre = prefilter(input.files, rules, input.cached === true, (done, path) => {
    if (done % PROGRESS_EVERY === 0) port.postMessage({ k: 'progress', read: done, path });
  });
  // The texts of its own candidates stay here: most of them are analysed by this worker.
  const texts = new Map(pre.candidates.map((c) => [c.path, c.text]));
  let scope: ScanProgram | null = null;
  port.on('message', (m) => {
    if (m.k === 'index') {
      scope = scanProgram(parser, (p) => p.addIndexed(m.index, (path) => texts.get(path) ?? readSource(path, [])), new Set(m.noreturn), rules);
    } else if (m.k === 'file') {
      const unreadable: Unreadable[] = [];
      const text = texts.get(m.path) ?? readSource(m.path, unreadable);
      const result = text === null ? { ...emptyBatch(), unreadable } : analyzeFileText({ path: m.path, text }, rules, scope!);
      if (input.cached && text !== null) result.deps = scope!.program.dependencies(m.path);
      port.postMessage({ k: 'file', path: m.path, result });
    } else {
      port.close();
    }
  });
  port.postMessage({
    k: 'read',
    read: pre.read,
    candidates: pre.candidates.map((c) => ({ path: c.path, names: linkableNames(c.path, c.text), hash: c.hash })),
    noreturn: [...pre.noreturn],
    unreadable: pre.unreadable,
  });
}

/** One worker thread of a scan, as the main thread tracks it. */
interface Slot {
  /** Files it reads; emptied once they are read. */
  share: string[];
  /** Candidates it read, not handed out yet, in file order (its share is, and it reads in order). */
  queue: string[];
  /** The file it is analysing, if any. */
  current: string | null;
  /** Files read, as last reported. */
  read: number;
  /** Whether its worker has read its share and waits for the index (or has it). */
  joined: boolean;
  /** Whether it has been sent `end`. */
  ended: boolean;
  /** Whether a worker died reading this share already. */
  retried: boolean;
  /** The deadline of the file it analyses. */
  timer: ReturnType<typeof setTimeout> | null;
  /** Why its worker was stopped, when widen stopped it. */
  stopped: string | null;
}

/**
 * Both phases in `jobs` worker threads. Files are dealt round-robin for reading, so big and
 * small directories spread evenly; a candidate is analysed by the worker that read it, unless
 * another worker runs out of work first and takes it from the end of the longest queue.
 */
function scanInWorkers(files: readonly string[], rules: readonly Rule[], jobs: number, workerUrl: URL, progress: ScanOptions['progress'], cache: ScanCache | null, deadlineMs: number): Promise<BatchResult & { read: number }> {
  const order = new Map(files.map((f, i) => [f, i]));
  const ruleIds = rules.map((r) => r.id);
  const slots: Slot[] = Array.from({ length: jobs }, () => ({ share: [], queue: [], current: null, read: 0, joined: false, ended: false, retried: false, timer: null, stopped: null }));
  files.forEach((f, i) => slots[i % jobs]!.share.push(f));
  const out = emptyBatch();
  const candidates: CandidateEntry[] = [];
  const noreturn = new Set<string>();
  let reading = jobs;
  let index: MainMessage | null = null;
  let state: ScanState | null = null;
  /** The candidates by path, once all are read. */
  let entryOf: ReadonlyMap<string, CandidateEntry> = new Map();
  let analysed = 0;
  let running = 0;

  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      for (const w of live.values()) void w.terminate();
      reject(e);
    };

    const readProgress = (path: string): void => progress?.('read', slots.reduce((n, s) => n + s.read, 0), files.length, path);

    /** The next file for a slot: its own first, else the last of the longest other queue. */
    const next = (slot: Slot): string | null => {
      if (slot.queue.length > 0) return slot.queue.shift()!;
      let longest: Slot | null = null;
      for (const s of slots) if (s.queue.length > 0 && (!longest || s.queue.length > longest.queue.length)) longest = s;
      return longest ? longest.queue.pop()! : null;
    };

    const dispatch = (slot: Slot, worker: Worker): void => {
      const path = next(slot);
      slot.current = path;
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = null;
      if (path !== null) {
        worker.postMessage({ k: 'file', path } satisfies MainMessage);
        // Past the deadline the worker is stopped: its exit notes the file and starts another.
        slot.timer = setTimeout(() => {
          if (slot.current !== path || live.get(slot) !== worker) return;
          slot.stopped = `analysing it took longer than ${Math.round(deadlineMs / 1000)} s, so its worker thread was stopped`;
          void worker.terminate();
        }, deadlineMs);
      } else {
        slot.ended = true;
        worker.postMessage({ k: 'end' } satisfies MainMessage);
      }
    };

    /**
     * All shares are read: index the candidates in file order, as one thread would, take what
     * the cache holds, and start analysing the rest.
     */
    const startAnalysis = (): void => {
      candidates.sort((a, b) => order.get(a.path)! - order.get(b.path)!);
      const byName = functionIndex(candidates);
      entryOf = new Map(candidates.map((c) => [c.path, c]));
      index = { k: 'index', index: [...byName], noreturn: [...noreturn].sort() };
      if (cache) {
        state = scanState(candidates, byName, noreturn);
        const hits = new Set<string>();
        for (const c of candidates) {
          const hit = cache.lookup(c.path, c.hash!, state);
          if (!hit) continue;
          hits.add(c.path);
          addBatch(out, { ...hit, unreadable: [] });
          progress?.('analysed', ++analysed, candidates.length, c.path);
        }
        for (const slot of slots) slot.queue = slot.queue.filter((p) => !hits.has(p));
      }
      // A worker still starting (one replacing a dead one) joins when it has read its share.
      for (const [slot, worker] of live) if (slot.joined) enlist(slot, worker);
    };

    const live = new Map<Slot, Worker>();

    const enlist = (slot: Slot, worker: Worker): void => {
      worker.postMessage(index!);
      dispatch(slot, worker);
    };

    const start = (slot: Slot): void => {
      let ready = false;
      let error: string | null = null;
      const worker = new Worker(workerUrl, { workerData: { files: slot.share, rules: ruleIds, cached: cache !== null } satisfies WorkerInput });
      slot.joined = false;
      live.set(slot, worker);
      running++;
      worker.on('message', (m: WorkerMessage) => {
        if (failed) return;
        if (m.k === 'ready') {
          ready = true;
        } else if (m.k === 'progress') {
          slot.read = m.read;
          readProgress(m.path);
        } else if (m.k === 'read') {
          if (slot.share.length > 0) {
            slot.share = [];
            slot.read = m.read;
            append(out.unreadable, m.unreadable);
            for (const name of m.noreturn) noreturn.add(name);
            append(candidates, m.candidates);
            append(slot.queue, m.candidates.map((c) => c.path));
            readProgress(m.candidates.at(-1)?.path ?? files[0]!);
            reading--;
          }
          slot.joined = true;
          if (index) {
            // A worker that replaced a dead one joins the analysis under way.
            enlist(slot, worker);
          } else if (reading === 0) {
            startAnalysis();
          }
        } else {
          addBatch(out, m.result);
          if (cache && m.result.deps) {
            const entry = entryOf.get(m.path)!;
            cache.store(m.path, entry.hash!, entry.names, m.result, m.result.deps);
          }
          progress?.('analysed', ++analysed, candidates.length, m.path);
          dispatch(slot, worker);
        }
      });
      worker.on('error', (e) => {
        error ??= failureReason(e);
      });
      // 'exit' comes after every message the worker posted and after 'error'.
      worker.on('exit', (code) => {
        live.delete(slot);
        running--;
        if (slot.timer) clearTimeout(slot.timer);
        slot.timer = null;
        if (failed) return;
        if (!ready) return fail(new Error(`a scan worker failed to start (${error ?? `exit code ${code}`})`));
        const why = slot.stopped ?? error ?? `the worker thread stopped with exit code ${code}`;
        slot.stopped = null;
        if (slot.share.length > 0) {
          // Died while reading: nothing of the share was kept, so it is read again, once.
          if (slot.retried) return fail(new Error(`a scan worker stopped twice while reading files (${why})`));
          slot.retried = true;
          slot.read = 0;
          start(slot);
        } else if (slot.current !== null) {
          // Died on a file: that file is noted, and a new worker takes the rest.
          out.notes.push(failedFileNote(slot.current, why));
          progress?.('analysed', ++analysed, candidates.length, slot.current);
          slot.current = null;
          start(slot);
        } else if (!slot.ended) {
          // Died between phases, holding no file: a new worker goes on from here.
          start(slot);
        }
        if (running === 0) {
          if (cache && state) cache.save(state);
          resolve({ ...out, read: slots.reduce((n, s) => n + s.read, 0) });
        }
      });
    };

    slots.forEach(start);
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
 * and a tree would be counted twice); each one whose target the scan does not reach anyway (a
 * directory outside the paths given, or under a `.git` or `node_modules` the walk skips) is named
 * in a note. Symbolic links to files are read.
 */
export async function collectFiles(paths: readonly string[], unreadable: Unreadable[]): Promise<{ files: string[]; notes: AnalysisNote[] }> {
  const files: string[] = [];
  const notes: AnalysisNote[] = [];
  const given: Array<{ path: string; directory: boolean; regular: boolean }> = [];
  for (const p of paths) {
    try {
      const st = await stat(p);
      given.push({ path: p, directory: st.isDirectory(), regular: st.isFile() });
    } catch (e) {
      throw new InputError('path-not-found', `cannot read ${p} (${errorWords(e)}). Give the path of a C file or of a directory to scan, for example \`widen scan mm/\`.`);
    }
  }
  // The directories the scan walks, resolved: a link into one of them is scanned through its target.
  const roots = given.filter((g) => g.directory).map((g) => resolvedOr(g.path));
  for (const { path: p, directory, regular } of given) {
    // What path.join(p, name) gives each entry, made once: one join per file of a tree cost 50 MB.
    if (directory) walk(p, join(p, '_').slice(0, -1), files, notes, unreadable, roots);
    else if (!regular) notes.push(notRegular(p));
    else if (isCSource(p)) files.push(normalize(p));
    else notes.push(fileNote(p, 'skipped-file', `${p} is not a .c or .h file; widen scan skipped it.`));
  }
  return { files: [...new Set(files)].sort(), notes };
}

/**
 * Lists `dir`, whose entries' paths are `prefix` and their name. Synchronous on purpose: the
 * scan waits for the list anyway, and on the 6.12 tree (4,800 directories) one `await readdir()`
 * per directory cost 0.4 s against 0.2 s for this.
 */
function walk(dir: string, prefix: string, files: string[], notes: AnalysisNote[], unreadable: Unreadable[], roots: readonly string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    unreadable.push({ ...unreadableAt(dir, e), directory: true });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const p = prefix + e.name;
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) walk(p, `${p}/`, files, notes, unreadable, roots);
    } else if (e.isSymbolicLink()) {
      let target = null;
      try {
        target = statSync(p);
      } catch {
        // A dangling link is no directory: one with a C name is listed, and reported unreadable.
      }
      if (target?.isDirectory()) {
        if (!walkedAnyway(p, roots)) notes.push(fileNote(p, 'skipped-file', `${p} is a symbolic link to a directory; widen scan does not follow those. Name the directory it points to on the command line to scan it.`));
      } else if (isCSource(e.name)) {
        if (target && !target.isFile()) notes.push(notRegular(p));
        else files.push(p);
      }
    } else if (isCSource(e.name)) {
      if (e.isFile()) files.push(p);
      else notes.push(notRegular(p));
    }
  }
}

/**
 * The note for a C-named entry that is no regular file: a FIFO would block the scan until
 * something writes to it, and a device such as /dev/zero never ends.
 */
function notRegular(p: string): AnalysisNote {
  return fileNote(p, 'skipped-file', `${p} is not a regular file (a device, FIFO or socket, or a link to one); widen scan skipped it.`);
}

/** `p` with its symbolic links resolved, or as given when it cannot be (it went away since). */
function resolvedOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Directories a scan does not walk into. */
const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules']);

/**
 * Whether the directory the link `p` points to is walked by the scan anyway: it lies in one of
 * the scan's `roots` (resolved) and under none of the directories the walk skips.
 * (`scripts/dtc/include-prefixes/arm` points into `arch/arm/boot/dts` of the same tree.)
 */
function walkedAnyway(p: string, roots: readonly string[]): boolean {
  let real: string;
  try {
    real = realpathSync(p);
  } catch {
    return false;
  }
  return roots.some((root) => {
    if (real !== root && !real.startsWith(`${root}${sep}`)) return false;
    return !real.slice(root.length).split(sep).some((part) => SKIPPED_DIRS.has(part));
  });
}

/** What a skipped-file note says of a file or directory the scan could not read or analyse. */
function unreadableWords(u: Unreadable): string {
  if (u.directory) return `widen could not list the directory ${u.path} (${READ_ERROR_WORDS[u.reason] ?? u.reason}); nothing in it was scanned.`;
  if (u.reason === UTF16) return `${u.path} is UTF-16 text, which widen does not read (C sources are ASCII or UTF-8); it was not scanned. Convert it to UTF-8 to scan it.`;
  if (u.reason === TOO_LARGE) return `${u.path} names an API a rule checks but is larger than ${MAX_ANALYSED_BYTES / 1048576} MiB (generated code?), more than widen analyses in one file; it was not scanned.`;
  return `widen could not read ${u.path} (${READ_ERROR_WORDS[u.reason] ?? u.reason}); it was not scanned.`;
}
