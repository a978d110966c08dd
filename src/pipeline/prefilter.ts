/**
 * The cheapest question a scan asks of a file: does it mention, as an identifier, any word some
 * rule is triggered by? A scan of the whole kernel tree asks it of 60,000 files (1.3 GB) and
 * 99.6% answer no, so it is asked of the raw bytes, before any decoding:
 *
 * - a few short **anchors** (substrings that every trigger contains one of, chosen from the
 *   triggers themselves) are searched with `Buffer.indexOf`, which is native and runs at memory
 *   speed; a file with no anchor is done;
 * - around each anchor hit, the identifier it sits in is cut out and looked up in the trigger set.
 *
 * Decoding every file to a string and running one regular expression over it cost four times as
 * much (most of the time of a whole-tree scan), and it matched substrings (`flush_tlb_page_nosync`
 * for `flush_tlb_page`) that the per-function prefilter then threw away.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Identifier characters as C (and the lexer) counts them, bytes above 127 included. */
const IDENT = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  IDENT[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c > 127 ? 1 : 0;
}

/** Anchors shorter than this match too often to be worth a pass of their own. */
const MIN_ANCHOR = 4;

export class TriggerFilter {
  private readonly words: ReadonlySet<string>;
  /** Substrings such that every trigger contains at least one; searched in order. */
  readonly anchors: readonly string[];
  private readonly anchorBytes: readonly Buffer[];

  constructor(triggers: readonly string[]) {
    this.words = new Set(triggers);
    this.anchors = chooseAnchors([...this.words]);
    this.anchorBytes = this.anchors.map((a) => Buffer.from(a, 'latin1'));
  }

  /** True when `bytes` contain a trigger as a whole identifier (not inside a longer one). */
  matches(bytes: Uint8Array): boolean {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const anchor of this.anchorBytes) {
      for (let at = buf.indexOf(anchor); at >= 0; at = buf.indexOf(anchor, at + anchor.length)) {
        let s = at;
        while (s > 0 && IDENT[buf[s - 1]!] === 1) s--;
        let e = at + anchor.length;
        while (e < buf.length && IDENT[buf[e]!] === 1) e++;
        if (this.words.has(buf.toString('latin1', s, e))) return true;
        at = e - anchor.length;
      }
    }
    return false;
  }
}

/**
 * A small set of substrings covering every trigger, greedily: each round takes the substring
 * (at least {@link MIN_ANCHOR} characters: shorter ones, such as `ge_`, match nearly every file) contained in the most triggers not yet covered, the
 * longest among equals since a longer one matches less text. For the rules of 6.12 this is four
 * anchors (`tlb`, `free`, `mmu_notifier_invalidate_range_`, `huge_`) for fifty triggers.
 */
export function chooseAnchors(triggers: readonly string[]): string[] {
  // A trigger too short to hold an anchor is its own, and covers every trigger containing it.
  const anchors = [...new Set(triggers)].filter((t) => t.length < MIN_ANCHOR).sort();
  let rest = [...new Set(triggers)].filter((t) => !anchors.some((a) => t.includes(a)));
  while (rest.length > 0) {
    const counts = new Map<string, number>();
    for (const t of rest) {
      const subs = new Set<string>();
      for (let i = 0; i + MIN_ANCHOR <= t.length; i++) {
        for (let j = i + MIN_ANCHOR; j <= t.length; j++) subs.add(t.slice(i, j));
      }
      for (const s of subs) counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    let best = '';
    let bestCount = 0;
    for (const [s, n] of counts) {
      if (n > bestCount || (n === bestCount && (s.length > best.length || (s.length === best.length && s < best)))) {
        best = s;
        bestCount = n;
      }
    }
    anchors.push(best);
    rest = rest.filter((t) => !t.includes(best));
  }
  return anchors;
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
    for (;;) {
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
