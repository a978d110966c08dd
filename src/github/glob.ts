/**
 * Path globs of `.github/widen.yml` (`paths.include`, `paths.exclude`), matched in time linear in
 * the path for a given glob.
 *
 * The App used picomatch, which compiles a glob to a backtracking `RegExp`: a 44-character
 * exclude glob (`**\/*a*a*a...*z`) against a 36-character file name of a pull request kept the
 * App's only thread busy for hours, and every installation's deliveries timed out. Here a glob
 * is compiled to a small automaton and matched by simulating it (the set of live states moves
 * one character at a time, never back), so no pattern and no file name can make a match cost
 * more than (path length x glob length).
 *
 * Syntax (picomatch's, with `dot: true`, for what path globs use):
 * - `*` any run of characters but `/`; `?` one character but `/`;
 * - `**` as a whole segment: any number of segments (`a/**\/b` matches `a/b` and `a/x/y/b`;
 *   `mm/**` everything under `mm/`; `**` alone everything); elsewhere in a segment it is `*`;
 * - `[abc]`, `[a-z]`, `[!a-z]` / `[^a-z]` one character of (or not of) a class, never `/`;
 * - `{a,b}` alternatives, expanded before compiling (at most {@link MAX_ALTERNATIVES});
 * - `\x` the character `x` itself; a leading `!` negates the glob, and in a list subtracts
 *   from what the plain globs select ({@link compileGlobs}).
 * Dot files match like any other name. Two corners differ from picomatch, on purpose: `[!a-z]`
 * is the class's complement, as in every shell (picomatch read it otherwise), and `x/**` matches
 * what is under `x/`, not a file named `x` (picomatch matched `mm` with `mm/**` but not
 * `lib/test_hmm.c` with `**\/test*\/**`).
 */

/** Alternatives one glob's braces may expand to; past it the glob is refused. */
export const MAX_ALTERNATIVES = 256;

export class GlobError extends Error {}

type Token =
  | { k: 'char'; test: (c: string) => boolean }
  | { k: 'star' }
  /** `**\/`: nothing, or any characters ending in `/`. */
  | { k: 'segments' }
  /** `**` alone, or the end of `x/**`: anything. */
  | { k: 'all' };

/** A compiled glob: true when the whole path matches. */
export type Matcher = (path: string) => boolean;

/**
 * One matcher for several globs, as a `.gitignore` reads a list: a path matches when one of the
 * plain globs does and none of the negated ones (`!x`) matches it again, so
 * `["mm/**", "!mm/kasan/**"]` is mm/ without kasan. A list of negated globs alone starts from
 * every path; an empty list matches none. (An OR of all of them selected every file: a negated
 * glob matches almost any path by itself; sweep J.)
 */
export function compileGlobs(globs: readonly string[]): Matcher {
  if (globs.length === 0) return () => false;
  const plain = globs.filter((g) => !g.startsWith('!')).map(compileGlob);
  const negated = globs.filter((g) => g.startsWith('!')).map((g) => compileGlob(g.slice(1)));
  return (path) => (plain.length === 0 || plain.some((m) => m(path))) && !negated.some((m) => m(path));
}

/**
 * Why `glob` can match no path of a repository (they are relative, `/`-separated, with no `.`
 * or empty segment), or null: `/mm/**`, `./mm/**`, `mm/`, `mm//x`.
 */
export function neverMatches(glob: string): string | null {
  const body = glob.startsWith('!') ? glob.slice(1) : glob;
  if (body.startsWith('/')) return `paths are relative to the repository's root: write ${JSON.stringify(body.replace(/^\/+/, ''))}`;
  if (/^\.\.?\//.test(body) || /\/\.\.?\//.test(body)) return `paths have no \`.\` or \`..\` segment: write ${JSON.stringify(body.replace(/^(\.\/)+/, ''))}`;
  if (body.endsWith('/')) return `a glob ending in \`/\` matches no file: write ${JSON.stringify(`${body}**`)} for everything under it`;
  if (body.includes('//')) return 'paths have no empty segment (`//`)';
  if (body === '') return 'it is empty';
  return null;
}

export function compileGlob(glob: string): Matcher {
  const negated = glob.startsWith('!');
  const body = negated ? glob.slice(1) : glob;
  const programs = expandBraces(body).map(tokenize);
  const match = (path: string): boolean => programs.some((p) => run(p, path));
  return negated ? (path) => !match(path) : match;
}

/** `{a,b}c` into `ac`, `bc`; nested braces too. A `{` without a matching `}` is literal. */
function expandBraces(glob: string): string[] {
  let out = [glob];
  for (let guard = 0; guard < 64; guard++) {
    const next: string[] = [];
    let changed = false;
    for (const g of out) {
      const span = innermostBraces(g);
      if (!span) {
        next.push(g);
        continue;
      }
      changed = true;
      const [open, close, parts] = span;
      for (const part of parts) next.push(g.slice(0, open) + part + g.slice(close + 1));
      if (next.length > MAX_ALTERNATIVES) throw new GlobError(`the glob ${JSON.stringify(glob)} expands to more than ${MAX_ALTERNATIVES} alternatives`);
    }
    out = next;
    if (!changed) return out;
  }
  throw new GlobError(`the glob ${JSON.stringify(glob)} nests its braces too deeply`);
}

/** The innermost `{...,...}` of a glob (one without braces inside), unescaped, with its parts. */
function innermostBraces(g: string): [number, number, string[]] | null {
  let open = -1;
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '\\') {
      i++;
    } else if (c === '{') {
      open = i;
    } else if (c === '}' && open >= 0) {
      const inner = g.slice(open + 1, i);
      const parts = splitTop(inner);
      // `{a}` (no comma) is literal in picomatch, as is an empty pair.
      if (parts.length > 1) return [open, i, parts];
      open = -1;
    }
  }
  return null;
}

function splitTop(s: string): string[] {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ',') {
      parts.push(s.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(s.slice(from));
  return parts;
}

function tokenize(glob: string): Token[] {
  const tokens: Token[] = [];
  const literal = (ch: string): Token => ({ k: 'char', test: (c) => c === ch });
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) {
      tokens.push(literal(glob[++i]!));
    } else if (c === '*') {
      let j = i;
      while (glob[j + 1] === '*') j++;
      const double = j > i;
      const startsSegment = i === 0 || glob[i - 1] === '/';
      const endsSegment = j + 1 === glob.length || glob[j + 1] === '/';
      if (double && startsSegment && endsSegment) {
        if (j + 1 === glob.length) {
          // `**` alone: anything; `x/**`: at least one character after the `/`.
          if (i > 0) tokens.push({ k: 'char', test: () => true });
          tokens.push({ k: 'all' });
        } else {
          tokens.push({ k: 'segments' });
          j++; // the `/` after it belongs to the token
        }
      } else {
        tokens.push({ k: 'star' });
      }
      i = j;
    } else if (c === '?') {
      tokens.push({ k: 'char', test: (x) => x !== '/' });
    } else if (c === '[') {
      const cls = parseClass(glob, i);
      if (cls) {
        tokens.push({ k: 'char', test: cls.test });
        i = cls.end;
      } else {
        tokens.push(literal('['));
      }
    } else {
      tokens.push(literal(c));
    }
  }
  return tokens;
}

/** `[...]` at `at`: its test and the index of its `]`, or null when it is not closed. */
function parseClass(glob: string, at: number): { test: (c: string) => boolean; end: number } | null {
  let i = at + 1;
  const negated = glob[i] === '!' || glob[i] === '^';
  if (negated) i++;
  const ranges: Array<[string, string]> = [];
  let first = true;
  for (; i < glob.length; i++) {
    let c = glob[i]!;
    if (c === ']' && !first) {
      return { test: (x) => x !== '/' && ranges.some(([lo, hi]) => x >= lo && x <= hi) !== negated, end: i };
    }
    first = false;
    if (c === '\\' && i + 1 < glob.length) c = glob[++i]!;
    if (glob[i + 1] === '-' && i + 2 < glob.length && glob[i + 2] !== ']') {
      let hi = glob[i + 2]!;
      i += 2;
      if (hi === '\\' && i + 1 < glob.length) hi = glob[++i]!;
      ranges.push([c, hi]);
    } else {
      ranges.push([c, c]);
    }
  }
  return null;
}

/**
 * Simulates the glob's automaton over the path. State `t` means "the next token to match is t";
 * `segments` has a second, inner state (`-t - 1`) for "inside the characters it swallows".
 */
function run(tokens: readonly Token[], path: string): boolean {
  const n = tokens.length;
  let live = closure(tokens, [0]);
  for (let p = 0; p < path.length && live.size > 0; p++) {
    const c = path[p]!;
    const next: number[] = [];
    for (const s of live) {
      if (s < 0) {
        // Inside `**/`: any characters, then the `/` that ends them.
        next.push(s);
        if (c === '/') next.push(-s);
        continue;
      }
      if (s >= n) continue;
      const tok = tokens[s]!;
      switch (tok.k) {
        case 'char':
          if (tok.test(c)) next.push(s + 1);
          break;
        case 'star':
          if (c !== '/') next.push(s);
          break;
        case 'segments':
          next.push(-s - 1);
          if (c === '/') next.push(s + 1);
          break;
        case 'all':
          next.push(s);
          break;
      }
    }
    live = closure(tokens, next);
  }
  for (const s of live) if (s >= n) return true;
  return false;
}

/** States reachable without reading a character: past `*`, `**\/`, `/**` and `**`, which may match nothing. */
function closure(tokens: readonly Token[], states: readonly number[]): Set<number> {
  const out = new Set<number>();
  const work = [...states];
  while (work.length > 0) {
    const s = work.pop()!;
    if (out.has(s)) continue;
    out.add(s);
    const tok = s >= 0 ? tokens[s] : undefined;
    if (tok && tok.k !== 'char') work.push(s + 1);
  }
  return out;
}
