/**
 * The review pipeline: apply each patch of a series in memory to the tree, analyse the functions
 * it touches in the post-patch file, keep only the findings the patch introduces (present after,
 * absent before, matched by fingerprint), and place each on the diff that introduced it.
 *
 * Files come from a {@link TreeSource}; a file the source cannot deliver is noted as unchecked
 * and the review goes on with the rest.
 */
import { normalize as normalizePath, isAbsolute, posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BracketSummaries } from '../analysis/brackets.js';
import { AnalyzedFile } from '../analysis/file.js';
import type { FunctionSpan } from '../analysis/functions.js';
import { CParser } from '../analysis/parser.js';
import { Preparations, Program } from '../analysis/program.js';
import { compareFindings, patchRef, type Finding } from '../findings/finding.js';
import { diffLinesOf, placeFinding } from '../findings/placement.js';
import { PatchError, applyFilePatch, describePatch, lineMapFromHunks, postImageFromHunks, preImageFromHunks, unapplyFilePatch } from '../patch/index.js';
import type { FilePatch, Hunk, LineMap, Patch } from '../patch/types.js';
import type { Rule } from '../rules/define-rule.js';
import type { CatalogRule } from '../rules/index.js';
import { isPatchRule, runPatchRules, type PatchRule } from '../rules/patch/define-patch-rule.js';
import { MMAP_LOCK_BARE_HELPERS, MMAP_LOCK_TABLE_SAYS } from '../rules/resources.js';
import { withoutCallerEchoes } from '../rules/overlaps.js';
import { allTriggers } from '../rules/run.js';
import { analyzeSpans, fileNote, isCSource, sortNotes, type Report, type ReportNote } from './analyze.js';
import { TriggerFilter } from './prefilter.js';
import { ReviewError } from './errors.js';
import { renamesOf } from './renames.js';
import { SourceUnavailable, type TreeSource } from './source.js';
import { append } from '../append.js';

export interface ReviewOptions {
  /** The patches of the series, in the order they apply. */
  patches: readonly Patch[];
  /** The tree the series applies to, or null to analyse what the diff carries. */
  tree: TreeSource | null;
  /** Function rules run on the changed C code; patch rules on each patch's commit message. */
  rules: readonly CatalogRule[];
  /** Called before each file is analysed, for progress on long runs. */
  progress?: (done: number, total: number, path: string) => void;
  /**
   * Patches that are only applied: they bring the tree to the state a later patch applies to
   * (the earlier patches of a series when one patch is checked, as `b4-check` does) and are
   * neither analysed nor reported on.
   */
  applyOnly?: ReadonlySet<Patch>;
  /**
   * Stops the review between files when aborted (the App's deadline): the review then rejects
   * with the signal's reason. The review waits for the event loop's timers before each file, so
   * a timer that aborts it fires even while the analysis keeps the thread busy (and a server's
   * other requests are answered meanwhile).
   */
  signal?: AbortSignal;
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

  /** The files directly in `dir` that the patches applied so far wrote (not deleted). */
  written(dir: string): string[] {
    return [...this.overlay].filter(([path, text]) => typeof text === 'string' && inDir(path, dir)).map(([path]) => path).sort();
  }

  /** The files directly in `dir` as the series left them, or null when the source cannot list. */
  async list(dir: string): Promise<string[] | null> {
    const listed = await this.source.list?.(dir);
    if (!listed) return null;
    const names = new Set(listed.map((n) => (dir === '' ? n : `${dir}/${n}`)));
    for (const [path, text] of this.overlay) {
      if (!inDir(path, dir)) continue;
      if (typeof text === 'string') names.add(path);
      else names.delete(path);
    }
    return [...names].sort();
  }
}

/** Whether `path` sits directly in `dir` ('' for the top of the tree). */
function inDir(path: string, dir: string): boolean {
  return posix.dirname(path) === (dir === '' ? '.' : dir);
}

/** Files beside a changed one that are read to find the helpers it calls; more are not read. */
const MAX_NEIGHBOURS = 1000;

/**
 * The headers that define the mm APIs the rules know, read from the tree too: their static
 * inline helpers are summarised like any other, and what they define tells the rules which API
 * level the tree has (`vm_flags_set()` or not, per-VMA locks or not). Indexed when added,
 * analysed only when a summary needs one of their functions.
 */
const TREE_API_HEADERS = ['include/linux/mmap_lock.h', 'include/linux/mm.h', 'include/linux/mm_types.h', 'include/asm-generic/tlb.h', 'include/linux/vmstat.h', 'include/linux/vm_event_item.h', 'include/linux/pgtable.h'];

/**
 * Summaries for a changed file that also look into the C files beside it (those that mention a
 * rule's trigger: only they can define a helper that matters), so a helper in `mm/vma.c` counts
 * for a caller in `mm/mmap.c`, and into the tree's mm API headers. Without a listing (the GitHub
 * API), the files beside it that the patches themselves wrote, which cost no request.
 *
 * `programs` holds one {@link Program} per directory for the patch being reviewed (the tree does
 * not change while its files are reviewed): the changed files of one directory read, index and
 * analyse their neighbours once between them. A series touching a hundred files of mm/ did that
 * a hundred times.
 */
async function neighbourSummaries(tree: WorkingTree | null, path: string, filter: TriggerFilter, parser: CParser, programs: Map<string, Program | null>, preparations: Preparations): Promise<BracketSummaries> {
  if (tree === null) return new BracketSummaries();
  const dir = dirOf(path);
  let program = programs.get(dir);
  if (program === undefined) {
    program = await directoryProgram(tree, dir, filter, parser, preparations);
    programs.set(dir, program);
  }
  // Without a listing, no file beside this one that the patches wrote: its own text only.
  if (program === null || program.size - (program.has(path) ? 1 : 0) === 0) return new BracketSummaries();
  return new BracketSummaries(program.excluding(path));
}

/** The directory of a path in the tree, '' at its root. */
function dirOf(path: string): string {
  return posix.dirname(path) === '.' ? '' : posix.dirname(path);
}

/**
 * The C files of `dir` that mention a rule's trigger (at most {@link MAX_NEIGHBOURS}), and, with a
 * listing, the tree's mm API headers; null without a listing when the patches wrote none there.
 */
async function directoryProgram(tree: WorkingTree, dir: string, filter: TriggerFilter, parser: CParser, preparations: Preparations): Promise<Program | null> {
  const listed = await tree.list(dir);
  // Without a listing, the files the patches wrote are read from memory: they cost no request.
  // One more than the limit: the file under review, excluded later, may be among them.
  const names = (listed ?? tree.written(dir)).filter((n) => isCSource(n)).slice(0, MAX_NEIGHBOURS + 1);
  const program = new Program(parser, undefined, preparations);
  for (const p of names) {
    let text: string | null | typeof UNAVAILABLE;
    try {
      text = await tree.read(p);
    } catch (e) {
      if (e instanceof SourceUnavailable) continue;
      throw e;
    }
    if (typeof text === 'string' && filter.matches(Buffer.from(text))) program.add(p, text);
  }
  if (listed === null) return program.size === 0 ? null : program;
  for (const p of TREE_API_HEADERS) {
    const text = await tree.read(p).catch((e: unknown) => {
      if (e instanceof SourceUnavailable) return null;
      throw e;
    });
    if (typeof text === 'string') program.add(p, text);
  }
  return program;
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
  const functionRules = opts.rules.filter((r): r is Rule => !isPatchRule(r));
  const patchRules = opts.rules.filter((r): r is PatchRule => isPatchRule(r));
  const filter = new TriggerFilter(allTriggers(functionRules));
  const findings: Finding[] = [];
  const notes: ReportNote[] = [];
  // Distinct files: a series changing one file in three patches read one file (sweep AK).
  const files = new Set<string>();
  let functions = 0;
  let cFiles = 0;
  const total = opts.patches.reduce((n, p) => n + p.files.length, 0);
  let done = 0;
  const alreadyNoted = new Set<Patch>();
  // Normalised files, kept across the patches of a series (see Preparations).
  const preparations = new Preparations();

  for (const patch of opts.patches) {
    const reported = !opts.applyOnly?.has(patch);
    const notesBefore = notes.length;
    // Per directory, for this patch's state of the tree (see neighbourSummaries).
    const programs = new Map<string, Program | null>();
    if (reported) append(findings, runPatchRules(patch, patchRules));
    // Every file of the patch is applied before any is reviewed: a helper the patch adds in
    // mm/vma.c, or changes in a header, is what mm/mmap.c's summaries must see, whatever the
    // order of the files in the diff.
    const applied: Array<{ fp: FilePatch; path: string; images: Images }> = [];
    for (const fp of patch.files) {
      opts.signal?.throwIfAborted();
      const path = fp.newPath ?? fp.oldPath ?? '';
      const isC = isCSource(path) || isCSource(fp.oldPath ?? '');
      // Counted before anything can skip the file: a C file that could not be read is noted as
      // such, not taken for a patch without C files.
      if (isC && reported) cFiles++;
      if (fp.binary) {
        // Only a C file is something widen would have checked: a binary blob, like a Makefile,
        // is out of its scope, and a note would make --fail-on-unchecked fail for it (sweep R).
        if (reported && isC) notes.push(fileNote(path, 'skipped-file', `${describePatch(patch)} changes ${path} as a binary file; widen skipped it.`));
        continue;
      }
      // Only C files are reviewed, and only C files are read as helpers of others; a name that
      // would leave the tree is refused whatever the file.
      if (!isC) {
        if (fp.oldPath !== null) safePath(fp.oldPath, patch);
        if (fp.newPath !== null) safePath(fp.newPath, patch);
        continue;
      }
      let images: Images;
      try {
        images = await materialise(fp, patch, tree);
      } catch (e) {
        if (!(e instanceof SourceUnavailable)) throw e;
        if (isC && reported) notes.push(fileNote(path, 'skipped-file', `${e.path} could not be read (${e.reason}), so widen did not check the changes ${describePatch(patch)} makes to ${path}.${e.hint ? ` ${e.hint}` : ''}`));
        continue;
      }
      if (!reported) continue;
      if (images.alreadyApplied && !alreadyNoted.has(patch)) {
        alreadyNoted.add(patch);
        notes.push(fileNote(path, 'already-applied', `The tree already holds ${describePatch(patch)}: its hunks are in ${path} and undoing them gives a file they apply to. widen reviewed the tree as the state after the patch.`));
      }
      applied.push({ fp, path, images });
    }
    done += patch.files.length - applied.length;
    // A directory's index is dropped after its last file: a patch across many directories
    // (fs/, kernel/) would otherwise keep every one's analysed helpers to the end.
    const left = new Map<string, number>();
    for (const { fp, images } of applied) if (fp.newPath !== null && images.post !== null) left.set(dirOf(fp.newPath), (left.get(dirOf(fp.newPath)) ?? 0) + 1);
    for (const { fp, path, images } of applied) {
      if (opts.signal) {
        await sleep(0);
        opts.signal.throwIfAborted();
      }
      opts.progress?.(done++, total, path);
      if (fp.newPath === null || images.post === null) continue;
      files.add(fp.newPath);
      let reviewed: FileReview;
      try {
        const summaries = await neighbourSummaries(tree, fp.newPath, filter, parser, programs, preparations);
        reviewed = reviewFile(fp, patch, images, functionRules, parser, summaries, preparations);
      } catch (e) {
        // A bug in widen on one file (a rule that throws) must not cost the rest of the series.
        notes.push(fileNote(fp.newPath, 'analysis-failed', `widen failed while checking the changes ${describePatch(patch)} makes to ${fp.newPath} (${(e as Error)?.message ?? e}); that file was not checked. This is a bug in widen; please report it.`));
        continue;
      } finally {
        const dir = dirOf(fp.newPath);
        const n = (left.get(dir) ?? 1) - 1;
        left.set(dir, n);
        if (n === 0) programs.delete(dir);
      }
      functions += reviewed.functions;
      append(notes, reviewed.notes);
      markFixed(findings, reviewed.resolved, patch);
      append(findings, reviewed.findings);
    }
    // A note's lines are those of the file as this patch left it: in a series the same file has
    // other lines after another patch (sweep R: two notes on arch/x86/mm/fault.c, two states).
    for (let i = notesBefore; i < notes.length; i++) notes[i] = { ...notes[i]!, patch: notes[i]!.patch ?? patchRef(patch) };
  }
  if (cFiles === 0) {
    notes.push(fileNote(opts.patches[0]?.source ?? '<input>', 'skipped-file', 'The patch changes no .c or .h file, so widen had nothing to review.'));
  }
  markChangedLater(findings, opts.patches);
  return {
    findings: findings.sort(compareFindings),
    notes: sortNotes(notes),
    stats: { files: files.size, functions, ms: Math.round(performance.now() - t0) },
  };
}

/**
 * A finding's excerpt shows its file as the finding's patch left it: where a later patch of the
 * series changes that file, its lines and their numbers may differ from the series' end, and
 * the excerpt says so (sweep AK: a pull request's inline comment quoted commit 1's line 14).
 */
function markChangedLater(findings: readonly Finding[], patches: readonly Patch[]): void {
  for (const f of findings) {
    if (!f.excerpt || !f.patch) continue;
    const at = patches.findIndex((p) => p.index === f.patch!.index && p.subject === f.patch!.subject);
    if (at >= 0 && patches.slice(at + 1).some((later) => later.files.some((x) => x.oldPath === f.path))) f.excerpt.changedLater = true;
  }
}

interface FileReview {
  /** What the patch introduces, placed on its diff. */
  findings: Finding[];
  /** What was there before the patch and is gone after it: what the patch fixes. */
  resolved: Finding[];
  functions: number;
  notes: ReportNote[];
}

/**
 * Every patch must be bisectable, so a bug stays reported against the patch that introduced it
 * even when a later patch of the series fixes it; the finding then says which patch does.
 */
function markFixed(reported: readonly Finding[], resolved: readonly Finding[], patch: Patch): void {
  for (const gone of resolved) {
    const fixed = reported.find((f) => f.fingerprint === gone.fingerprint && f.fixedBy === undefined && (f.patch?.index ?? 0) < patch.index);
    if (fixed) fixed.fixedBy = patchRef(patch);
  }
}


/** The findings one file patch introduces and resolves, and what could not be checked. */
function reviewFile(fp: FilePatch, patch: Patch, images: Images, rules: readonly Rule[], parser: CParser, summaries: BracketSummaries, preparations: Preparations): FileReview {
  const notes: ReportNote[] = [];
  const post = new AnalyzedFile(fp.newPath!, preparations.of(fp.newPath!, images.post!), parser);
  let touched = withCallers(post, touchedFunctions(post, images.lineMap));
  // Without a tree, the lines the diff does not carry are blank: the code around a hunk is cut
  // anyhow, and the limited-context note already says so.
  let whole = true;
  if (images.known) {
    // Without a tree only what the diff carries whole can be analysed; everything else is named.
    const known = images.known;
    const lines = images.post!.split('\n');
    // A diff that carries every line of the file (a new file) hides nothing: each function found
    // is a function, whatever its layout (`static inline int f(...) { ... }` on one line).
    if (!carriesAll(known, lines)) {
      whole = false;
      touched = touched.filter((span) => isWhole(span, known, lines));
      append(notes, unseenHunks(fp, post, patch, touched));
    }
  }
  const changed = changedTexts(fp, images);
  noteTableContracts(post, touchedFunctions(post, images.lineMap), rules, changed);
  const pre = images.pre !== null && fp.oldPath !== null ? new AnalyzedFile(fp.oldPath, preparations.of(fp.oldPath, images.pre), parser) : null;
  const after = analyzeSpans(post, touched, rules, images.lineMap.added, summaries, pre, true);
  if (whole && post.shapeProblems.length > 0) {
    const changed = [...images.lineMap.added, ...images.lineMap.deletedAt];
    post.noteShapeProblems((_, lines) => changed.some((l) => l >= lines.first && l <= lines.last));
  }
  append(notes, post.notes);
  let before: Finding[] = [];
  if (pre) {
    const preSpans = touched.flatMap((s) => pre.definitionsOf(s.name).filter((p) => p.key === s.key));
    before = analyzeSpans(pre, preSpans, rules, new Set(), summaries, null, true).findings;
  }
  const shown = diffLinesOf(fp);
  const oldLineOf = images.lineMap.oldLineOf;
  // A line the patch kept, or only renamed identifiers in, is the same line before and after.
  const renames = pre ? renamesOf(images.pre!, images.post!, images.lineMap, (line) => post.functionAt(line)?.name ?? null) : null;
  const sameLine = (newLine: number, oldLine: number): boolean => oldLineOf[newLine] === oldLine || renames?.lineOf.get(newLine) === oldLine;
  // Renamed, a pre-patch finding is matched by its explanation, which quotes code whole: a
  // headline shortens long code, and a new name can change whether it must (sweep AF).
  const renamed = renames && renames.names.size > 0 ? (f: Finding): string => renames.apply(f.explanation, f.function) : undefined;
  // The path a finding shows, line for line: of two equal leaks of one lock, the one whose
  // return the patch added is the new one (sweep AH: a second early return in do_madvise()).
  const samePath = (a: Finding, b: Finding): boolean => a.related.length === b.related.length && a.related.every((r, i) => sameLine(r.line, b.related[i]!.line));
  const findings = withoutCallerEchoes(introduced(after.findings, before, (a, b) => sameLine(a.line, b.line), { before: renamed }, samePath));
  const removed = removedCalls(post, rules, changed);
  for (const f of findings) {
    f.patch = patchRef(patch);
    f.placement = placeFinding(f, shown);
    f.explanation += removed(f);
  }
  return { findings, resolved: introduced(before, after.findings, (b, a) => sameLine(a.line, b.line), { after: renamed }, (b, a) => samePath(a, b)), functions: after.functions, notes };
}

interface Images {
  pre: string | null;
  post: string | null;
  lineMap: LineMap;
  /** Without a tree: the post-patch lines the diff carries (the rest of `post` is blank). */
  known?: ReadonlySet<number>;
  /** The tree already held the patch: `post` is the tree's file and `pre` the hunks undone. */
  alreadyApplied?: boolean;
}

/**
 * Whether the diff carries every line of a function, from its first token to its closing brace.
 * A fragment of a function body can itself look like a definition (`for (...) {` ... `}` at the
 * top of a hunk), so the span must also open and close in column 0, as kernel style writes every
 * function definition and no block inside one.
 */
function isWhole(span: FunctionSpan, known: ReadonlySet<number>, lines: readonly string[]): boolean {
  if (!/^[A-Za-z_]/.test(lines[span.startLine - 1] ?? '') || !(lines[span.endLine - 1] ?? '').startsWith('}')) return false;
  for (let line = span.startLine; line <= span.endLine; line++) if (!known.has(line)) return false;
  return true;
}

/** Whether the diff carries every line of the post-patch file (the empty string after its last newline aside). */
function carriesAll(known: ReadonlySet<number>, lines: readonly string[]): boolean {
  const count = lines.length > 0 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  for (let line = 1; line <= count; line++) if (!known.has(line)) return false;
  return true;
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
    } else if (newPath !== null) {
      const found = await tree.read(newPath);
      if (typeof found === 'string') {
        // A new file the tree already has with the patch's content: the patch is already applied.
        if (found === applyFilePatch('', fp, patch).text) return { ...newFileImages(fp, patch, found), alreadyApplied: true };
        throw new ReviewError('file-exists', { patch: describePatch(patch), path: newPath });
      }
    }
    let alreadyApplied = false;
    let applied: ReturnType<typeof applyFilePatch>;
    try {
      applied = applyFilePatch(pre ?? '', fp, patch);
    } catch (e) {
      // `git format-patch -1 | widen review --tree .` in the repository the commit came from:
      // the tree is the post-patch state. Undoing the hunks proves it and gives the pre-patch file.
      const original = e instanceof PatchError && e.kind === 'patch-does-not-apply' && pre !== null ? undoPatch(pre, fp, patch) : null;
      if (original === null) throw e;
      alreadyApplied = true;
      pre = original;
      applied = applyFilePatch(original, fp, patch);
    }
    const { text, lineMap } = applied;
    if (oldPath !== null && oldPath !== newPath && fp.status !== 'copied') tree.write(oldPath, null);
    if (newPath !== null) tree.write(newPath, text);
    return { pre, post: newPath === null ? null : text, lineMap, alreadyApplied };
  }
  const post = postImageFromHunks(fp);
  const pre = fp.oldPath === null ? null : preImageFromHunks(fp).text;
  const lineCount = post.text.split('\n').length;
  return { pre, post: fp.newPath === null ? null : post.text, lineMap: lineMapFromHunks(fp, lineCount), known: post.known };
}

function newFileImages(fp: FilePatch, patch: Patch, text: string): Images {
  return { pre: null, post: text, lineMap: applyFilePatch('', fp, patch).lineMap };
}

/** The file before `fp`, when `text` is the file after it; null when `fp` is not in `text`. */
function undoPatch(text: string, fp: FilePatch, patch: Patch): string | null {
  try {
    return unapplyFilePatch(text, fp, patch);
  } catch (e) {
    if (e instanceof PatchError) return null;
    throw e;
  }
}

/**
 * A patch that changes the body of such a helper changes a contract widen does not re-derive,
 * and whose callers it therefore cannot check against the new body (sweep C: a
 * `fixup_user_fault()` that stopped taking the lock again on `VM_FAULT_COMPLETED`, while its
 * callers in other files still unlock after it). Said, so that the silence is not read as
 * "the callers agree".
 */
function noteTableContracts(file: AnalyzedFile, changed: readonly FunctionSpan[], rules: readonly Rule[], texts: ChangedTexts): void {
  if (!rules.some((r) => r.id.startsWith('mmap-lock-'))) return;
  for (const span of changed) {
    // A bare "may release or take" entry is read from its body, at its callers too.
    if (!MMAP_LOCK_TABLE_SAYS.has(span.name) || MMAP_LOCK_BARE_HELPERS.has(span.name)) continue;
    // Only a change that can move the contract: a lock call, a return or a jump. A message
    // added (expand_stack()'s warning), a comment or an assertion changes nothing a caller
    // relies on.
    const { added, deleted } = texts(span.startLine, span.endLine);
    if (![...added, ...deleted].some((t) => movesContract(t.replace(COMMENTS, '').replace(ASSERTS, '')))) continue;
    const says = MMAP_LOCK_TABLE_SAYS.get(span.name);
    // Every line of it added: the patch brings the helper in (6.1's `do_mas_munmap()` put on a 6.12 tree).
    const verb = deleted.length === 0 && added.length > span.endLine - span.startLine ? 'adds' : 'changes';
    file.note(
      span,
      span.startLine,
      span.startLine,
      'not-judged',
      `widen knows what \`${span.name}()\` does to its caller's mmap lock from a built-in list of kernel helpers, not from the body this patch ${verb}` +
        `${says ? `; the list says it ${says}. widen` : ': widen'} did not check that the callers of \`${span.name}()\` still agree with the new body. Check how each caller handles the lock after the call.`,
    );
  }
}

const CONTRACT_WORDS = /\b(?:return|goto|\w*_lock\w*|\w*unlock\w*|vma_end_read|handle_mm_fault)\b/;
/**
 * A store through a lock flag parameter (`*locked = 0;`, `*unlocked = true;`): the half of the
 * contract the caller reads (sweep AC's B05, `*locked = 0;` deleted from
 * `__get_user_pages_locked()`, had no note).
 */
const FLAG_STORE = /\*\s*\w*lock\w*\s*=(?!=)/;

/** Whether a changed line (comments and assertions taken out) can move a helper's lock contract. */
function movesContract(text: string): boolean {
  return CONTRACT_WORDS.test(text) || FLAG_STORE.test(text);
}
/** An assertion of a lock (`mmap_assert_locked(mm)`, `lockdep_assert_held(...)`) documents a contract; it does not change it. */
const ASSERTS = /\b\w*assert\w*\s*\([^;]*/g;
/**
 * A comment, or the part of one on a line (`/* holds the mmap_lock *\/`, ` * ... mmap_lock ...`).
 * A line that starts with `*` and a word is a store through a pointer (`*locked = 0;`), not a
 * comment's middle line.
 */
const COMMENTS = /\/\*.*?(?:\*\/|$)|\/\/.*$|^\s*\*(?:[\s/].*)?$/g;

/** The text of the lines a file patch adds and deletes within post-image lines [first, last]. */
type ChangedTexts = (first: number, last: number) => { added: string[]; deleted: string[] };

/**
 * {@link ChangedTexts} of a file patch: the added lines from the post-image, the deleted ones
 * from the hunks, where they stood among the lines; a line deleted and added again as it was
 * (whitespace aside) is neither.
 */
function changedTexts(fp: FilePatch, images: Images): ChangedTexts {
  const lines = images.post?.split('\n') ?? [];
  return (first, last) => {
    const added: string[] = [];
    for (const l of images.lineMap.added) if (l >= first && l <= last) added.push(lines[l - 1] ?? '');
    // A deleted line counts where it stood: before the post-patch line that follows it. A hunk
    // often spans the end of one function and the start of the next.
    const deleted: string[] = [];
    for (const h of fp.hunks) {
      if (h.newStart > last || h.newStart + h.newLines < first) continue;
      let at = h.newStart;
      for (const x of h.lines) {
        if (x.kind !== '-') at++;
        else if (at >= first && at <= last) deleted.push(x.text);
      }
    }
    // A line deleted and added again as it was, or only indented anew, is no change.
    const out: string[] = [];
    const gone = new Map<string, number[]>();
    deleted.forEach((t, i) => {
      const k = squeeze(t);
      const at = gone.get(k);
      if (at) at.push(i);
      else gone.set(k, [i]);
    });
    const matched = new Set<number>();
    for (const t of added) {
      const i = gone.get(squeeze(t))?.shift();
      if (i !== undefined) matched.add(i);
      else out.push(t);
    }
    return { added: out, deleted: deleted.filter((_, i) => !matched.has(i)) };
  };
}

/**
 * What a finding's explanation gains from the patch: the calls of its rule's API that the patch
 * deletes from the function the finding is in, and does not add back. The bug is often that
 * deletion (a `vma_start_write(mpnt)` or an unlock dropped), which the excerpt of the post-patch
 * code cannot show (sweep F: "the finding never says that the patch removed
 * `vma_start_write(mpnt)`").
 */
function removedCalls(post: AnalyzedFile, rules: readonly Rule[], texts: ChangedTexts): (f: Finding) => string {
  // Once per rule and function: a patch with thousands of findings in one function read its
  // changed lines once per finding (sweep L: 4,000 findings took 22 s against 2 s to scan).
  const said = new Map<string, string>();
  return (f) => {
    const span = post.functionAt(f.line);
    // And the helpers of the file its lines name (`__unmap_hugepage_range()` "may unshare ...
    // and leave the flush to its caller"): a call deleted there is the finding's cause too
    // (sweep M: `huge_pmd_unshare_flush()` deleted from the helper, reported at the caller).
    const helpers = [...new Set(f.related.flatMap((r) => [...r.message.matchAll(/`(\w+)\(\)`/g)].map((m) => m[1]!)))]
      .map((name) => post.definitionsOf(name))
      .filter((defs) => defs.length === 1 && defs[0] !== span)
      .map((defs) => defs[0]!);
    const key = `${f.rule}|${span?.start ?? -1}|${f.function}|${helpers.map((h) => h.start).join(',')}`;
    let text = said.get(key);
    if (text === undefined) said.set(key, (text = [span, ...helpers].map((s, i) => removedFrom(f, s, i > 0)).join('')));
    return text;
  };

  function removedFrom(f: Finding, span: FunctionSpan | undefined, helper = false): string {
    const rule = rules.find((r) => r.id === f.rule);
    if (rule?.meta.deletionsExplain === false) return '';
    const words = rule ? [...allTriggers([rule]), ...(rule.meta.remedies ?? [])].filter((w) => /^\w+$/.test(w)) : [];
    if (words.length === 0 || !span || (!helper && span.name !== f.function)) return '';
    const api = new RegExp(`\\b(?:${words.join('|')})\\s*\\(`, 'g');
    const { added, deleted } = texts(span.startLine, span.endLine);
    // A call the patch makes again in a line of its own (`if (huge_pmd_unshare(...)) {` turned
    // into `unshared = huge_pmd_unshare(...);`, an unlock moved) is not deleted: only lines with
    // a call of a function the patch no longer calls there count.
    const kept = new Set(added.flatMap((t) => callNames(t, api)));
    // Nor is one the patch writes into a helper it calls instead (sweep AE: a notifier range's
    // start and end, or a flush, moved into new helpers of the file).
    for (const callee of post.calleesOf(span)) {
      for (const def of post.definitionsOf(callee)) {
        if (def === span) continue;
        for (const t of texts(def.startLine, def.endLine).added) for (const n of callNames(t, api)) kept.add(n);
      }
    }
    // Nor is one turned into its killable or trylock form (`mmap_read_lock()` into
    // `mmap_read_lock_killable()`, sweep H): the lock is still taken there.
    const replaced = (c: string): boolean => [...kept].some((k) => k.startsWith(`${c}_`) || k === c.replace(/_lock$/, '_trylock'));
    // A comment that names a call deletes no call (sweep K: "This patch deletes `* No need to
    // mmap_read_unlock(mm) as we would`").
    // A lock turned into the other mode (`mmap_write_lock_killable()` into
    // `mmap_read_lock_killable()`, sweep N) is a change of mode, said as one.
    const otherMode = (c: string): string | null => {
      const o = c.includes('_write_') ? c.replace('_write_', '_read_') : c.includes('_read_') ? c.replace('_read_', '_write_') : null;
      return o !== null && kept.has(o) ? o : null;
    };
    const code = deleted.map((t) => ({ line: t.trim(), names: callNames(t.replace(COMMENTS, ''), api) }));
    const swaps = [...new Map(code.flatMap((c) => c.names.filter((n) => !kept.has(n) && otherMode(n) !== null).map((n) => [n, otherMode(n)!] as const))).entries()];
    // A deletion the rule's own message already names is not said twice (sweep AJ: "The patch
    // deletes the re-seat, ..." then "This patch deletes `vma_iter_set(&vmi, vma->vm_end);`").
    const own = `${f.message} ${f.explanation}`;
    const saysDeleted = /\b[Tt]he patch deletes|\bthis patch deletes|\bpatch deletes its\b/.test(own);
    const alreadySaid = (c: { line: string; names: string[] }): boolean => own.includes(c.line.replace(/;\s*$/, '')) || (saysDeleted && c.names.every((n) => own.includes(`${n}(`)));
    const calls = [...new Set(code.filter((c) => !alreadySaid(c) && c.names.some((n) => !kept.has(n) && !replaced(n) && otherMode(n) === null)).map((c) => c.line))];
    const turned = swaps.length === 0 ? '' : ` This patch turns ${swaps.map(([from, to]) => `\`${from}()\` into \`${to}()\``).join(' and ')} in \`${span.name}()\`.`;
    if (calls.length === 0) return turned;
    const shown = calls.slice(0, 2).map((c) => `\`${c.replace(/`/g, "'")}\``).join(' and ');
    return `${turned} This patch deletes ${shown}${calls.length > 2 ? ` and ${calls.length - 2} more such line${calls.length > 3 ? 's' : ''}` : ''} from \`${span.name}()\`.`;
  }
}

/** `text` with its runs of white space made one space, and trimmed. */
function squeeze(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The names of the functions `api` finds called in one line. */
function callNames(line: string, api: RegExp): string[] {
  return [...line.matchAll(api)].map((m) => m[0].replace(/\s*\($/, ''));
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
 * Without a tree, every hunk that changes a line outside the functions the diff carries whole
 * could not be checked: name each, by the function git puts after its `@@` (or by its line), so
 * that silence always means "checked".
 */
function unseenHunks(fp: FilePatch, post: AnalyzedFile, patch: Patch, checked: readonly FunctionSpan[]): ReportNote[] {
  const path = fp.newPath ?? '';
  const inChecked = (line: number): boolean => checked.some((s) => s.startLine <= line && line <= s.endLine);
  // Keyed by the function git names after `@@`, or by the hunk's line when it names none.
  const unseen = new Map<string, { fn: string | null; lines: number[] }>();
  for (const h of fp.hunks) {
    if (changedLines(h).every(inChecked)) continue;
    const fn = /([A-Za-z_]\w*)\s*\(/.exec(h.section)?.[1] ?? post.functionAt(h.newStart)?.name ?? null;
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
 * The post-patch lines a hunk changes: its added lines, and for a deletion the line that
 * follows it (where the line map records it). A hunk that only deletes at the end of the file
 * counts its last line.
 */
function changedLines(h: Hunk): number[] {
  const out: number[] = [];
  let line = h.newStart;
  let pendingDeletion = false;
  for (const l of h.lines) {
    if (l.kind === '-') {
      pendingDeletion = true;
      continue;
    }
    if (l.kind === '+' || pendingDeletion) out.push(line);
    pendingDeletion = false;
    line++;
  }
  if (pendingDeletion) out.push(Math.max(1, line - 1));
  return out;
}

/**
 * The touched functions plus their callers in the same file: a patch that changes what a helper
 * does for its caller (say, stops finishing the gather) creates the bug in the caller, which the
 * hunks do not touch. Attribution still reports only what is new.
 */
function withCallers(file: AnalyzedFile, touched: FunctionSpan[]): FunctionSpan[] {
  const names = new Set(touched.map((s) => s.name));
  // A caller through a macro the file defines as the call (expand_stack() calls
  // expand_downwards() as `vma_expand_down()`, sweep C buggy-11) is a caller too.
  for (const alias of file.callAliasesOf(names)) names.add(alias);
  const out = new Set(touched);
  for (const span of file.functions) {
    if (!out.has(span) && file.mentions(span, names)) out.add(span);
  }
  return [...out].sort((a, b) => a.start - b.start);
}

/**
 * Findings present after the patch and not before it. A finding on a line the patch kept, with
 * the same rule, message and function as one on that line before, is that one (`sameLine` says
 * whether two lines are one line across the patch), first where the lines of the path it shows are
 * the same lines too (`samePath`: a function with two equal leaks of one lock before and three
 * after has one new, the one whose path the patch added); then one whose explanation is the same once
 * `renamed` put the pre-patch side's in the post-patch names (see renames.ts); the rest are
 * matched by fingerprint as a multiset. Fingerprints alone would take the first of two equal
 * findings for the old one, and a statement added above an identical old one would be reported
 * at the old one.
 */
function introduced(
  after: readonly Finding[],
  before: readonly Finding[],
  sameLine: (a: Finding, b: Finding) => boolean,
  renamed: { after?: (f: Finding) => string; before?: (f: Finding) => string } = {},
  samePath: (a: Finding, b: Finding) => boolean = () => true,
): Finding[] {
  const matched = new Set<Finding>();
  const left = new Set(before);
  /** Matches each unmatched finding of `after` to one of `left` on the same line with the same `key`. */
  const match = (key: (f: Finding) => string, keyBefore: (f: Finding) => string, same = sameLine): void => {
    const byKey = new Map<string, Finding[]>();
    for (const b of left) byKey.set(keyBefore(b), [...(byKey.get(keyBefore(b)) ?? []), b]);
    for (const a of after) {
      if (matched.has(a)) continue;
      const b = byKey.get(key(a))?.find((x) => left.has(x) && same(a, x));
      if (!b) continue;
      left.delete(b);
      matched.add(a);
    }
  };
  const what = (f: Finding, text: string): string => `${f.rule}\0${f.messageId}\0${f.function ?? ''}\0${text}`;
  match((f) => what(f, f.message), (f) => what(f, f.message), (a, b) => sameLine(a, b) && samePath(a, b));
  match((f) => what(f, f.message), (f) => what(f, f.message));
  if (renamed.after || renamed.before) match((f) => what(f, renamed.after?.(f) ?? f.explanation), (f) => what(f, renamed.before?.(f) ?? f.explanation));
  const old = new Map<string, number>();
  for (const f of left) old.set(f.fingerprint, (old.get(f.fingerprint) ?? 0) + 1);
  return after.filter((f) => {
    if (matched.has(f)) return false;
    const n = old.get(f.fingerprint) ?? 0;
    if (n === 0) return true;
    old.set(f.fingerprint, n - 1);
    return false;
  });
}
