/**
 * The review pipeline: apply each patch of a series in memory to the tree, analyse the functions
 * it touches in the post-patch file, keep only the findings the patch introduces (present after,
 * absent before, matched by fingerprint), and place each on the diff that introduced it.
 *
 * Files come from a {@link TreeSource}; a file the source cannot deliver is noted as unchecked
 * and the review goes on with the rest.
 */
import { normalize as normalizePath, isAbsolute, posix } from 'node:path';
import { BracketSummaries } from '../analysis/brackets.js';
import { AnalyzedFile, type AnalysisNote } from '../analysis/file.js';
import type { FunctionSpan } from '../analysis/functions.js';
import { CParser } from '../analysis/parser.js';
import { Program } from '../analysis/program.js';
import { compareFindings, type Finding } from '../findings/finding.js';
import { diffLinesOf, placeFinding } from '../findings/placement.js';
import { applyFilePatch, describePatch, lineMapFromHunks, postImageFromHunks, preImageFromHunks } from '../patch/index.js';
import type { FilePatch, LineMap, Patch } from '../patch/types.js';
import type { Rule } from '../rules/define-rule.js';
import { allTriggers } from '../rules/run.js';
import { analyzeSpans, isCSource, sortNotes, type Report } from './analyze.js';
import { TriggerFilter } from './prefilter.js';
import { ReviewError } from './errors.js';
import { SourceUnavailable, type TreeSource } from './source.js';

export interface ReviewOptions {
  /** The patches of the series, in the order they apply. */
  patches: readonly Patch[];
  /** The tree the series applies to, or null to analyse what the diff carries. */
  tree: TreeSource | null;
  rules: readonly Rule[];
  /** Called before each file is analysed, for progress on long runs. */
  progress?: (done: number, total: number, path: string) => void;
}

/** A file the source could not deliver: later patches of the series skip it too. */
const UNAVAILABLE = Symbol('unavailable');

/**
 * The tree as it stands after the patches applied so far: files read from the source on first
 * use, then overlaid in memory. The source is never written.
 */
class WorkingTree {
  private readonly overlay = new Map<string, string | null | typeof UNAVAILABLE>();

  constructor(private readonly source: TreeSource) {}

  /** The file's text, null when absent, {@link UNAVAILABLE} when the source could not deliver it. */
  async read(path: string): Promise<string | null | typeof UNAVAILABLE> {
    if (this.overlay.has(path)) return this.overlay.get(path)!;
    try {
      return await this.source.read(path);
    } catch (e) {
      if (!(e instanceof SourceUnavailable)) throw e;
      this.overlay.set(path, UNAVAILABLE);
      throw e;
    }
  }

  write(path: string, text: string | null): void {
    this.overlay.set(path, text);
  }

  /** The files directly in `dir` as the series left them, or null when the source cannot list. */
  async list(dir: string): Promise<string[] | null> {
    const listed = await this.source.list?.(dir);
    if (!listed) return null;
    const names = new Set(listed.map((n) => (dir === '' ? n : `${dir}/${n}`)));
    for (const [path, text] of this.overlay) {
      if (posix.dirname(path) !== (dir === '' ? '.' : dir)) continue;
      if (typeof text === 'string') names.add(path);
      else names.delete(path);
    }
    return [...names].sort();
  }
}

/** Files beside a changed one that are read to find the helpers it calls; more are not read. */
const MAX_NEIGHBOURS = 1000;

/**
 * Summaries for a changed file that also look into the C files beside it (those that mention a
 * rule's trigger: only they can define a helper that matters), so a helper in `mm/vma.c` counts
 * for a caller in `mm/mmap.c`. Without a listing (the GitHub API), the file's own helpers only.
 */
async function neighbourSummaries(tree: WorkingTree | null, path: string, filter: TriggerFilter, parser: CParser): Promise<BracketSummaries> {
  const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
  const names = tree === null ? null : await tree.list(dir);
  if (tree === null || names === null) return new BracketSummaries();
  const program = new Program(parser);
  for (const p of names.filter((n) => n !== path && isCSource(n)).slice(0, MAX_NEIGHBOURS)) {
    let text: string | null | typeof UNAVAILABLE;
    try {
      text = await tree.read(p);
    } catch (e) {
      if (e instanceof SourceUnavailable) continue;
      throw e;
    }
    if (typeof text === 'string' && filter.matches(Buffer.from(text))) program.add(p, text);
  }
  return new BracketSummaries(program);
}

/** Rejects paths that would leave the tree (`../../etc/passwd` in a hostile patch). */
function safePath(path: string, patch: Patch): string {
  const p = normalizePath(path);
  if (isAbsolute(p) || p.startsWith('..')) throw new ReviewError('unsafe-path', { patch: describePatch(patch), path });
  return p;
}

export async function review(opts: ReviewOptions): Promise<Report> {
  const t0 = performance.now();
  const tree = opts.tree === null ? null : new WorkingTree(opts.tree);
  const parser = await CParser.create();
  const filter = new TriggerFilter(allTriggers(opts.rules));
  const findings: Finding[] = [];
  const notes: AnalysisNote[] = [];
  let files = 0;
  let functions = 0;
  let cFiles = 0;
  const total = opts.patches.reduce((n, p) => n + p.files.length, 0);
  let done = 0;

  for (const patch of opts.patches) {
    for (const fp of patch.files) {
      const path = fp.newPath ?? fp.oldPath ?? '';
      opts.progress?.(done++, total, path);
      const isC = isCSource(path) || isCSource(fp.oldPath ?? '');
      // Counted before anything can skip the file: a C file that could not be read is noted as
      // such, not taken for a patch without C files.
      if (isC) cFiles++;
      if (fp.binary) {
        notes.push(fileNote(path, 'skipped-file', `${describePatch(patch)} changes ${path} as a binary file; widen skipped it.`));
        continue;
      }
      let images: Images;
      try {
        images = await materialise(fp, patch, tree);
      } catch (e) {
        if (!(e instanceof SourceUnavailable)) throw e;
        if (isC) notes.push(fileNote(path, 'skipped-file', `${e.path} could not be read (${e.reason}), so widen did not check the changes ${describePatch(patch)} makes to ${path}.`));
        continue;
      }
      if (!isC) continue;
      if (fp.newPath === null || images.post === null) continue;
      files++;
      let reviewed: { findings: Finding[]; functions: number; notes: AnalysisNote[] };
      try {
        const summaries = await neighbourSummaries(tree, fp.newPath, filter, parser);
        reviewed = reviewFile(fp, patch, images, tree === null, opts.rules, parser, summaries);
      } catch (e) {
        // A bug in widen on one file (a rule that throws) must not cost the rest of the series.
        notes.push(fileNote(fp.newPath, 'analysis-failed', `widen failed while checking the changes ${describePatch(patch)} makes to ${fp.newPath} (${(e as Error)?.message ?? e}); that file was not checked. This is a bug in widen; please report it.`));
        continue;
      }
      functions += reviewed.functions;
      notes.push(...reviewed.notes);
      findings.push(...reviewed.findings);
    }
  }
  if (cFiles === 0) {
    notes.push(fileNote(opts.patches[0]?.source ?? '<input>', 'skipped-file', 'The patch changes no .c or .h file, so widen had nothing to review.'));
  }
  return {
    findings: findings.sort(compareFindings),
    notes: sortNotes(notes),
    stats: { files, functions, ms: Math.round(performance.now() - t0) },
  };
}

/** The findings one file patch introduces, placed on its diff, and what could not be checked. */
function reviewFile(
  fp: FilePatch,
  patch: Patch,
  images: Images,
  withoutTree: boolean,
  rules: readonly Rule[],
  parser: CParser,
  summaries: BracketSummaries,
): { findings: Finding[]; functions: number; notes: AnalysisNote[] } {
  const notes: AnalysisNote[] = [];
  const post = new AnalyzedFile(fp.newPath!, images.post!, parser);
  const touched = withCallers(post, touchedFunctions(post, images.lineMap));
  if (withoutTree) notes.push(...unseenFunctions(fp, post, patch));
  const after = analyzeSpans(post, touched, rules, images.lineMap.added, summaries);
  notes.push(...post.notes);
  let before: Finding[] = [];
  if (images.pre !== null && fp.oldPath !== null) {
    const pre = new AnalyzedFile(fp.oldPath, images.pre, parser);
    const preSpans = touched.flatMap((s) => pre.definitionsOf(s.name).filter((p) => p.key === s.key));
    before = analyzeSpans(pre, preSpans, rules, new Set(), summaries).findings;
  }
  const shown = diffLinesOf(fp);
  const findings = introduced(after.findings, before);
  for (const f of findings) {
    f.patch = { index: patch.index, subject: patch.subject, total: patch.total };
    f.placement = placeFinding(f, shown);
  }
  return { findings, functions: after.functions, notes };
}

interface Images {
  pre: string | null;
  post: string | null;
  lineMap: LineMap;
}

/** Pre- and post-patch text of one file, from the tree (applying the hunks) or from the diff alone. */
async function materialise(fp: FilePatch, patch: Patch, tree: WorkingTree | null): Promise<Images> {
  if (tree) {
    const oldPath = fp.oldPath === null ? null : safePath(fp.oldPath, patch);
    const newPath = fp.newPath === null ? null : safePath(fp.newPath, patch);
    let pre: string | null = null;
    if (oldPath !== null) {
      const found = await tree.read(oldPath);
      if (found === UNAVAILABLE) throw new SourceUnavailable(oldPath, 'an earlier read failed');
      if (found === null) throw new ReviewError('file-not-in-tree', { patch: describePatch(patch), path: oldPath });
      pre = found;
    } else if (newPath !== null && typeof (await tree.read(newPath)) === 'string') {
      throw new ReviewError('file-exists', { patch: describePatch(patch), path: newPath });
    }
    const { text, lineMap } = applyFilePatch(pre ?? '', fp, patch);
    if (oldPath !== null && oldPath !== newPath && fp.status !== 'copied') tree.write(oldPath, null);
    if (newPath !== null) tree.write(newPath, text);
    return { pre, post: newPath === null ? null : text, lineMap };
  }
  const post = postImageFromHunks(fp);
  const pre = fp.oldPath === null ? null : preImageFromHunks(fp).text;
  const lineCount = post.text.split('\n').length;
  return { pre, post: fp.newPath === null ? null : post.text, lineMap: lineMapFromHunks(fp, lineCount) };
}

/** The functions of the post-patch file that contain an added line or sit next to a deletion. */
function touchedFunctions(file: AnalyzedFile, map: LineMap): FunctionSpan[] {
  const out = new Set<FunctionSpan>();
  for (const l of [...map.added, ...map.deletedAt]) {
    const s = file.functionAt(l);
    if (s) out.add(s);
  }
  return [...out].sort((a, b) => a.start - b.start);
}

/**
 * Without a tree, the functions around hunks that the diff does not carry whole cannot be
 * analysed: say which, by the function name git puts after each `@@`.
 */
function unseenFunctions(fp: FilePatch, post: AnalyzedFile, patch: Patch): AnalysisNote[] {
  const path = fp.newPath ?? '';
  // Keyed by the function git names after `@@`, or by the hunk's line when it names none.
  const unseen = new Map<string, { fn: string | null; lines: number[] }>();
  for (const h of fp.hunks) {
    const changed = h.lines.some((l) => l.kind !== ' ');
    const inside = post.functionAt(h.newStart + Math.floor(h.newLines / 2));
    if (!changed || inside) continue;
    const fn = /([A-Za-z_]\w*)\s*\(/.exec(h.section)?.[1] ?? null;
    const key = fn ?? `line ${h.newStart}`;
    const entry = unseen.get(key) ?? { fn, lines: [] };
    entry.lines.push(h.newStart);
    unseen.set(key, entry);
  }
  return [...unseen.values()].map(({ fn, lines }) => ({
    path,
    line: lines[0]!,
    endLine: lines[lines.length - 1]!,
    function: fn,
    kind: 'limited-context' as const,
    message: `widen had no tree to read and ${describePatch(patch)} does not carry the whole of ${fn ? `\`${fn}()\`` : `the code at line ${lines[0]}`}, so widen could not check it; bugs just outside the hunks stay hidden. Review it against the tree the patch applies to.`,
  }));
}

/**
 * The touched functions plus their callers in the same file: a patch that changes what a helper
 * does for its caller (say, stops finishing the gather) creates the bug in the caller, which the
 * hunks do not touch. Attribution still reports only what is new.
 */
function withCallers(file: AnalyzedFile, touched: FunctionSpan[]): FunctionSpan[] {
  const names = new Set(touched.map((s) => s.name));
  const out = new Set(touched);
  for (const span of file.functions) {
    if (!out.has(span) && file.mentions(span, names)) out.add(span);
  }
  return [...out].sort((a, b) => a.start - b.start);
}

/** Findings present after the patch and not before it, matched by fingerprint as a multiset. */
function introduced(after: readonly Finding[], before: readonly Finding[]): Finding[] {
  const old = new Map<string, number>();
  for (const f of before) old.set(f.fingerprint, (old.get(f.fingerprint) ?? 0) + 1);
  return after.filter((f) => {
    const n = old.get(f.fingerprint) ?? 0;
    if (n === 0) return true;
    old.set(f.fingerprint, n - 1);
    return false;
  });
}

function fileNote(path: string, kind: AnalysisNote['kind'], message: string): AnalysisNote {
  return { path, line: 0, endLine: 0, function: null, kind, message };
}
