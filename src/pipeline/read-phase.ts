/**
 * The first phase of a scan: every file read and prefiltered. Most files mention no API any
 * rule cares about and are dropped unread past their bytes; the rest (the candidates) are kept
 * with their text, and headers are searched for `__noreturn` in the same pass.
 *
 * On the whole kernel tree this phase is reading 1.3 GB: about 1.8 s of system calls and 1 s of
 * searching in one thread, a third of a cold scan. The analysis that follows cannot start before
 * it ends (a file's helpers may be in any other file), and one analysis thread is the fastest on
 * a 2-CPU machine, so the second CPU idles through it. A scan of many files in one job therefore
 * reads with a second thread ({@link prefilterShared}): both take chunks of the file list from a
 * shared counter until none is left, and the chunks are put back in file order, so the result is
 * the one thread's. If that thread cannot start or dies, the main thread reads its chunks itself.
 */
import { Worker } from 'node:worker_threads';
import type { Rule } from '../rules/define-rule.js';
import { allTriggers } from '../rules/run.js';
import { lex } from '../analysis/lexer.js';
import { NORETURN_WORDS, noreturnNames } from '../analysis/normalize.js';
import { FOUND_MARKER, FOUND_TRIGGER, readInto, TriggerFilter } from './prefilter.js';
import { contentHash } from './scan-cache.js';
import { append } from '../append.js';

/** A file that names a rule's API and is larger than this is skipped with a note, not analysed. */
export const MAX_ANALYSED_BYTES = 4 * 1024 * 1024;

/** The {@link Unreadable} reason of a file over {@link MAX_ANALYSED_BYTES}. */
export const TOO_LARGE = 'too-large';

/** The {@link Unreadable} reason of a file in UTF-16. */
export const UTF16 = 'utf-16';

/**
 * A file or directory a scan could not read, or a file it would not analyse; `reason` is the
 * error code (`EACCES`, ...), {@link TOO_LARGE} or {@link UTF16}.
 */
export interface Unreadable {
  path: string;
  reason: string;
  /** A directory that could not be listed: everything under it is missing from the scan. */
  directory?: boolean;
}

export interface SourceText {
  path: string;
  text: string;
  /** Content hash, when the scan has a cache. */
  hash?: string;
}

export interface Prefiltered {
  /** Files read. */
  read: number;
  /** The files that mention a rule's trigger, with their text. */
  candidates: SourceText[];
  /** Functions the headers read declare `__noreturn`. */
  noreturn: Set<string>;
  unreadable: Unreadable[];
}

/** A path that could not be read, and why: the error's code (`EACCES`, ...) or its text. */
export function unreadableAt(path: string, e: unknown): Unreadable {
  return { path, reason: (e as NodeJS.ErrnoException).code ?? String(e) };
}

/**
 * Reads files one by one into one buffer and keeps those that mention a trigger of its rules.
 * Files are decoded only when kept: allocating and decoding 60,000 strings cost more than
 * reading the bytes.
 */
class Reader {
  private readonly filter: TriggerFilter;
  private readonly scratch = { buf: Buffer.allocUnsafe(1 << 20) };

  /** With `hash`, candidates are hashed for the cache and decoded only when asked. */
  constructor(rules: readonly Rule[], private readonly hash: boolean) {
    this.filter = new TriggerFilter(allTriggers(rules), [...NORETURN_WORDS]);
  }

  read(path: string, out: Prefiltered): void {
    try {
      const bytes = readInto(path, this.scratch);
      out.read++;
      // UTF-16 text (with its byte-order mark) never matches a trigger byte for byte: noted,
      // so that its silence is not read as checked and clean (sweep AI).
      if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
        out.unreadable.push({ path, reason: UTF16 });
        return;
      }
      // A .c file's own noreturn functions are its own business (the file reads them itself).
      // A path into `parisc_terminate()` ends there: its prototype in a header says `__noreturn`.
      const want = path.endsWith('.h') ? FOUND_TRIGGER | FOUND_MARKER : FOUND_TRIGGER;
      const found = this.filter.find(bytes, want) & want;
      const text = found === 0 || (this.hash && !(found & FOUND_MARKER)) ? '' : bytes.toString('utf8');
      if (found & FOUND_MARKER) for (const name of noreturnNames(lex(text))) out.noreturn.add(name);
      // Analysis takes about 200 bytes of memory per byte of code that names a rule's API: one
      // generated 50 MB file ran the whole scan out of memory, every other file's findings
      // with it (sweep AI). No kernel file that names a trigger comes near the limit.
      if (found & FOUND_TRIGGER && bytes.length > MAX_ANALYSED_BYTES) out.unreadable.push({ path, reason: TOO_LARGE });
      else if (found & FOUND_TRIGGER) out.candidates.push(this.hash ? lazySource(path, copyOf(bytes), null, text || null) : { path, text });
    } catch (e) {
      out.unreadable.push(unreadableAt(path, e));
    }
  }
}

function emptyPrefiltered(): Prefiltered {
  return { read: 0, candidates: [], noreturn: new Set(), unreadable: [] };
}

/** Reads and prefilters `files` in this thread, in order. */
export function prefilter(files: readonly string[], rules: readonly Rule[], hash: boolean, onRead: (done: number, path: string) => void): Prefiltered {
  const reader = new Reader(rules, hash);
  const out = emptyPrefiltered();
  files.forEach((path, i) => {
    reader.read(path, out);
    onRead(i + 1, path);
  });
  return out;
}

/**
 * A copy out of the scratch buffer, which the next file overwrites (`Buffer.from(buffer)` copies
 * ten times slower than `copy`). Not from Node's pool of small buffers: a candidate posted by
 * the reading thread would carry the whole pool with it.
 */
function copyOf(scratch: Buffer): Buffer {
  const bytes = Buffer.allocUnsafeSlow(scratch.length);
  scratch.copy(bytes);
  return bytes;
}

/** The bytes behind a {@link lazySource}: what the reading thread posts, so the main thread decodes only what it reads. */
const bytesOf = new WeakMap<SourceText, Uint8Array>();

/**
 * A candidate of a scan with a cache: its text decoded only when asked for (to index it when
 * the cache has no entry for it, or to analyse it), unless it was already (`decoded`: a header
 * read for `__noreturn`). Decoding every candidate cost a scan whose files all come from the
 * cache a tenth of its time.
 */
function lazySource(path: string, bytes: Uint8Array, hash: string | null, decoded: string | null): SourceText {
  let text = decoded;
  const source: SourceText = {
    path,
    hash: hash ?? contentHash(bytes),
    get text() {
      return (text ??= Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
    },
  };
  bytesOf.set(source, bytes);
  return source;
}

/** What the reading thread of {@link prefilterShared} is started with. */
export interface ReadInput {
  mode: 'read';
  files: string[];
  rules: string[];
  cached: boolean;
  /** Int32s shared with the main thread: the next chunk to take, and the files this thread has read (or tried to). */
  control: SharedArrayBuffer;
  chunk: number;
}

/** A candidate as the reading thread posts it: the text, or with a cache the bytes and hash. */
type PostedSource = { path: string; text: string } | { path: string; bytes: Uint8Array; hash: string; text: string | null };

/** The chunks the reading thread read, each as {@link Prefiltered} with its sets as arrays. */
interface ReadChunks {
  k: 'chunks';
  chunks: Array<{ index: number; read: number; candidates: PostedSource[]; noreturn: string[]; unreadable: Unreadable[] }>;
}

/** The control words of {@link ReadInput.control}. */
const NEXT_CHUNK = 0;
const OTHER_READ = 1;

/** Files per chunk: small enough that the two threads end together, large enough to cost nothing to hand out. */
const MAX_CHUNK = 128;

/** Takes chunks from `control` until none is left, reading each into its own result. */
function readChunks(files: readonly string[], chunk: number, control: Int32Array, reader: Reader, onChunk: (index: number, out: Prefiltered, files: number, last: string) => void): void {
  const chunks = Math.ceil(files.length / chunk);
  for (let c = Atomics.add(control, NEXT_CHUNK, 1); c < chunks; c = Atomics.add(control, NEXT_CHUNK, 1)) {
    const out = emptyPrefiltered();
    const end = Math.min(files.length, (c + 1) * chunk);
    for (let i = c * chunk; i < end; i++) reader.read(files[i]!, out);
    onChunk(c, out, end - c * chunk, files[end - 1]!);
  }
}

/**
 * The reading thread's side (run by `scan-worker.js` when started with a {@link ReadInput}):
 * reads chunks until none is left, counting the files it read in the shared control words so the
 * main thread can report progress, then posts what it read and ends.
 */
export function serveRead(port: { postMessage(m: ReadChunks): void }, input: ReadInput, rules: readonly Rule[]): void {
  const control = new Int32Array(input.control);
  const reader = new Reader(rules, input.cached);
  const posted: ReadChunks = { k: 'chunks', chunks: [] };
  readChunks(input.files, input.chunk, control, reader, (index, out, files) => {
    Atomics.add(control, OTHER_READ, files);
    posted.chunks.push({
      index,
      read: out.read,
      candidates: out.candidates.map((c) => (c.hash === undefined ? { path: c.path, text: c.text } : { path: c.path, ...sourceBytes(c) })),
      noreturn: [...out.noreturn],
      unreadable: out.unreadable,
    });
  });
  port.postMessage(posted);
}

function sourceBytes(c: SourceText): { bytes: Uint8Array; hash: string; text: string | null } {
  return { bytes: bytesOf.get(c)!, hash: c.hash!, text: null };
}

/**
 * Reads and prefilters `files` with this thread and one more (see the module comment): the same
 * result as {@link prefilter}, in about half the time when the machine has a CPU to spare.
 * `onRead` is called after each chunk this thread reads, with the count of files both threads
 * have read (or failed to), and once more at the end with all of them.
 */
export async function prefilterShared(files: readonly string[], rules: readonly Rule[], hash: boolean, workerUrl: URL, onRead: (done: number, path: string) => void): Promise<Prefiltered & SharedReading> {
  const chunk = Math.max(1, Math.min(MAX_CHUNK, Math.ceil(files.length / 64)));
  const chunks = Math.ceil(files.length / chunk);
  const control = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  const results: Array<Prefiltered | undefined> = Array.from({ length: chunks }, () => undefined);
  const input: ReadInput = { mode: 'read', files: [...files], rules: rules.map((r) => r.id), cached: hash, control: control.buffer as SharedArrayBuffer, chunk };
  const theirs = readInThread(workerUrl, input);
  const reader = new Reader(rules, hash);
  const other: SharedReading = { readByOther: 0, lostByOther: 0 };
  let mine = 0;
  readChunks(files, chunk, control, reader, (index, out, n, last) => {
    results[index] = out;
    mine += n;
    onRead(mine + Atomics.load(control, OTHER_READ), last);
  });
  if (results.every((r) => r !== undefined)) {
    // The other thread took no chunk (it was still starting): nothing to wait for.
    theirs.cancel();
  } else {
    const posted = await theirs.result;
    for (const c of posted?.chunks ?? []) {
      results[c.index] = {
        read: c.read,
        candidates: c.candidates.map((s) => ('bytes' in s ? lazySource(s.path, s.bytes, s.hash, s.text) : s)),
        noreturn: new Set(c.noreturn),
        unreadable: c.unreadable,
      };
    }
    for (const c of posted?.chunks ?? []) other.readByOther += c.read;
    // The thread died or could not start: its chunks are read here.
    results.forEach((r, index) => {
      if (r !== undefined) return;
      const out = emptyPrefiltered();
      for (const path of files.slice(index * chunk, (index + 1) * chunk)) reader.read(path, out);
      results[index] = out;
      other.lostByOther++;
    });
  }
  if (files.length > 0) onRead(files.length, files.at(-1)!);
  const out = { ...emptyPrefiltered(), ...other };
  for (const r of results) {
    out.read += r!.read;
    append(out.candidates, r!.candidates);
    for (const name of r!.noreturn) out.noreturn.add(name);
    append(out.unreadable, r!.unreadable);
  }
  return out;
}

/** How the reading was shared. */
export interface SharedReading {
  /** Files whose results came from the other thread. */
  readByOther: number;
  /** Chunks the other thread took but never posted (it died), read again by this thread. */
  lostByOther: number;
}

/** The reading thread: its chunks once posted (null if it failed), and a way to stop it unwaited. */
function readInThread(workerUrl: URL, input: ReadInput): { result: Promise<ReadChunks | null>; cancel: () => void } {
  let worker: Worker;
  try {
    worker = new Worker(workerUrl, { workerData: input });
  } catch {
    return { result: Promise.resolve(null), cancel: () => {} };
  }
  const result = new Promise<ReadChunks | null>((resolve) => {
    worker.once('message', (m: ReadChunks) => resolve(m));
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
  return { result, cancel: () => void worker.terminate() };
}
