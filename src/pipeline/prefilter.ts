/**
 * The cheapest question a scan asks of a file: does it mention, as an identifier, any word some
 * rule is triggered by? A scan of the whole kernel tree asks it of 60,000 files (1.3 GB) and
 * 99% answer no, so it is asked of the raw bytes, before any decoding, in one pass per file:
 * the Wu-Manber multi-pattern search (Wu and Manber, "A fast algorithm for multi-pattern
 * searching", 1994), the set version of Boyer-Moore-Horspool that grep-like tools use.
 *
 * A window as long as the shortest trigger slides over the bytes; a hash of its last three bytes
 * indexes a table that says how far the window may jump without skipping a trigger's start.
 * For the rules of 6.12 the shortest trigger has 7 characters, so a window jumps up to 5 bytes.
 * Where the table says 0, the triggers ending their first window with those three bytes (or
 * others of the same hash) are compared in full, and a hit counts only as a whole identifier
 * (not `flush_tlb_page_nosync` for `flush_tlb_page`). Three bytes rather than two: two-byte
 * blocks of C (`_p`, `e_`, `re`) end a trigger's window so often that a quarter more time went
 * to windows that jumped 0 and were compared for nothing (1.50 s against 1.25 s for the whole
 * 6.12 tree, in memory).
 *
 * No npm package does this on a `Buffer` without decoding it; the earlier approach (one
 * `Buffer.indexOf` pass per substring shared by the triggers, ten passes) cost three times as
 * much CPU on the whole 6.12 tree (4.0-4.3 s against 1.3-1.5 s, same 554 files), and decoding
 * every file to run a regular expression cost more still.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Identifier characters as C (and the lexer) counts them, bytes above 127 included. */
const IDENT = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  IDENT[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c > 127 ? 1 : 0;
}

/** Bytes per block the shift table is indexed by, hashed into 16 bits ({@link blockHash}): a 64 KiB table. */
const BLOCK = 3;

/** The table index of the block of three bytes ending with `c`. Collisions only shorten jumps. */
function blockHash(a: number, b: number, c: number): number {
  return ((a << 10) ^ (b << 5) ^ c) & 0xffff;
}

/** What {@link TriggerFilter.find} saw in a file: a trigger, a marker, both or neither. */
export const FOUND_TRIGGER = 1;
export const FOUND_MARKER = 2;

export class TriggerFilter {
  /** Triggers and markers of at least {@link BLOCK} bytes, searched with the tables. */
  private readonly words: readonly Buffer[];
  /** Shorter ones (none in the shipped rules), searched one by one. */
  private readonly tiny: readonly Buffer[];
  /** What a hit on each word counts as ({@link FOUND_TRIGGER} or {@link FOUND_MARKER}). */
  private readonly kind: ReadonlyMap<Buffer, number>;
  /** The window: the length of the shortest word in {@link words}. */
  readonly window: number;
  /** For each block hash, how far the window may move when it ends with such a block. */
  private readonly shift: Uint8Array;
  /** For each block hash, the words whose first window ends with such a block. */
  private readonly ending: Array<readonly Buffer[] | undefined>;

  /**
   * `markers` are searched in the same pass for a caller that wants to know of them too (a
   * scan reads `__noreturn` declarations from the headers that have them): one pass over a
   * header instead of two.
   */
  constructor(triggers: readonly string[], markers: readonly string[] = []) {
    const kind = new Map<string, number>();
    for (const m of markers) kind.set(m, FOUND_MARKER);
    for (const t of triggers) kind.set(t, (kind.get(t) ?? 0) | FOUND_TRIGGER);
    const all = [...kind].map(([w, k]) => [Buffer.from(w, 'latin1'), k] as const);
    this.kind = new Map(all);
    this.words = all.map(([w]) => w).filter((w) => w.length >= BLOCK);
    this.tiny = all.map(([w]) => w).filter((w) => w.length < BLOCK);
    const m = this.words.length === 0 ? BLOCK : Math.min(255, ...this.words.map((w) => w.length));
    this.window = m;
    this.shift = new Uint8Array(1 << 16).fill(m - BLOCK + 1);
    this.ending = new Array<readonly Buffer[] | undefined>(1 << 16);
    for (const w of this.words) {
      for (let j = BLOCK - 1; j < m; j++) {
        const h = blockHash(w[j - 2]!, w[j - 1]!, w[j]!);
        this.shift[h] = Math.min(this.shift[h]!, m - 1 - j);
      }
      const h = blockHash(w[m - 3]!, w[m - 2]!, w[m - 1]!);
      this.ending[h] = [...(this.ending[h] ?? []), w];
    }
  }

  /**
   * The triggers (not markers) `buf` holds as whole identifiers, in a full pass: what a scan asks
   * of a file it kept, to learn which rules can concern it (rules/run.ts, `rulesForFile()`).
   */
  collect(buf: Uint8Array): Set<string> {
    const out = new Set<string>();
    this.search(buf, (w) => {
      if ((this.kind.get(w)! & FOUND_TRIGGER) !== 0) out.add(w.toString('latin1'));
      return false;
    });
    return out;
  }

  /** True when `bytes` contain a trigger as a whole identifier (not inside a longer one). */
  matches(buf: Uint8Array): boolean {
    return (this.find(buf, FOUND_TRIGGER) & FOUND_TRIGGER) !== 0;
  }

  /**
   * Which kinds of word `buf` holds as whole identifiers, as {@link FOUND_TRIGGER} and
   * {@link FOUND_MARKER} bits; the search stops once every bit of `want` is found, so a bit
   * not in `want` may be set or not (callers mask the answer with `want`).
   */
  find(buf: Uint8Array, want: number = FOUND_TRIGGER | FOUND_MARKER): number {
    let found = 0;
    this.search(
      buf,
      (w) => {
        found |= this.kind.get(w)!;
        return (found & want) === want;
      },
      // A short word whose kinds are known already could add nothing.
      (w) => (found & this.kind.get(w)!) === this.kind.get(w)!,
    );
    return found;
  }

  /**
   * Calls `hit` with each word found at a place in `buf` as a whole identifier (a word may come
   * more than once; a short word, searched on its own, at most once) until `hit` returns true.
   * `skip` leaves out a short word before its own search.
   */
  private search(buf: Uint8Array, hit: (w: Buffer) => boolean, skip: (w: Buffer) => boolean = () => false): void {
    const n = buf.length;
    const m = this.window;
    const shift = this.shift;
    if (this.words.length > 0) {
      // Two windows slide at once, one over each half of the bytes: each step of one window
      // waits for the loads its jump depends on, so two independent windows keep the CPU busy
      // while one waits (1.5x faster on the 6.12 tree in memory; four windows were no faster).
      // A window that starts anywhere still stops at every place a word ends, so the first
      // stops where the second began, and a word across the middle is found by the first.
      let a = m - 1;
      const mid = Math.max(a, n >> 1);
      let b = mid;
      while (a < mid && b < n) {
        const ha = blockHash(buf[a - 2]!, buf[a - 1]!, buf[a]!);
        const hb = blockHash(buf[b - 2]!, buf[b - 1]!, buf[b]!);
        const sa = shift[ha]!;
        const sb = shift[hb]!;
        if (sa !== 0) a += sa;
        else if (this.wordsEndingAt(buf, a++, ha, hit)) return;
        if (sb !== 0) b += sb;
        else if (this.wordsEndingAt(buf, b++, hb, hit)) return;
      }
      if (this.slide(buf, a, mid, hit) || this.slide(buf, b, n, hit)) return;
    }
    if (this.tiny.length === 0) return;
    const view = Buffer.from(buf.buffer, buf.byteOffset, n);
    for (const w of this.tiny) {
      if (skip(w)) continue;
      for (let at = view.indexOf(w); at >= 0; at = view.indexOf(w, at + 1)) {
        if ((at === 0 || IDENT[buf[at - 1]!] === 0) && wordAt(buf, at, w)) {
          if (hit(w)) return;
          break;
        }
      }
    }
  }

  /** One window from `pos` until it ends at `end` or later: true when `hit` said to stop. */
  private slide(buf: Uint8Array, pos: number, end: number, hit: (w: Buffer) => boolean): boolean {
    const shift = this.shift;
    while (pos < end) {
      const h = blockHash(buf[pos - 2]!, buf[pos - 1]!, buf[pos]!);
      const s = shift[h]!;
      if (s !== 0) pos += s;
      else if (this.wordsEndingAt(buf, pos++, h, hit)) return true;
    }
    return false;
  }

  /**
   * Tries the words whose first window ends, as the one ending at `pos` does, with a block of
   * hash `h`: true when `hit` says to stop.
   */
  private wordsEndingAt(buf: Uint8Array, pos: number, h: number, hit: (w: Buffer) => boolean): boolean {
    const start = pos - this.window + 1;
    if (start !== 0 && IDENT[buf[start - 1]!] !== 0) return false;
    for (const w of this.ending[h]!) if (wordAt(buf, start, w) && hit(w)) return true;
    return false;
  }
}

/** Whether `w` is at `start` of `buf` and ends there as an identifier (the start is checked by the caller). */
function wordAt(buf: Uint8Array, start: number, w: Uint8Array): boolean {
  const end = start + w.length;
  if (end > buf.length || (end < buf.length && IDENT[buf[end]!] === 1)) return false;
  for (let i = 0; i < w.length; i++) if (buf[start + i] !== w[i]) return false;
  return true;
}

/**
 * Reads a whole file into `scratch` (grown when too small) and returns the view of its bytes;
 * the view is only valid until the next call with the same scratch. One buffer for every file
 * of a scan: allocating and decoding 60,000 strings cost more than reading the bytes.
 */
export function readInto(path: string, scratch: { buf: Buffer }): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (scratch.buf.length < size + 1) scratch.buf = Buffer.allocUnsafe(Math.max(size + 1, scratch.buf.length * 2));
    let n = 0;
    // A regular file's size is known: once that many bytes are in, the read that would return 0
    // is not made (one system call less for each of 60,000 files). A file that grows meanwhile is
    // read as it was when opened; one that reports size 0 (a /proc-like file) is read to its end.
    while (n < size || size === 0) {
      if (n === scratch.buf.length) {
        const bigger = Buffer.allocUnsafe(scratch.buf.length * 2);
        scratch.buf.copy(bigger);
        scratch.buf = bigger;
      }
      const got = readSync(fd, scratch.buf, n, scratch.buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return scratch.buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
