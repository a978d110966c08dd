/**
 * Parse health for `npm run bench`: every function of every .c/.h file of a tree goes through
 * widen's own front end (kernel-macro normalisation, tree-sitter, conversion, CFG), in worker
 * threads, and a function counts as clean when the parser left no ERROR region in it (no
 * `parse-error` or `no-function-body` note). Unresolved gotos are a CFG matter and counted
 * apart. Files are dealt round-robin in sorted order, so a run is reproducible.
 *
 * The functions that name a trigger word of a rule (the catalog's functions: the ones a rule
 * may check or read a summary of) are counted apart too, and each unclean one is listed: those
 * are the parse failures that can cost a finding.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { inMmSubset } from './kernel.mjs';

const UNCLEAN = new Set(['parse-error', 'no-function-body']);

function emptyTally() {
  return { files: 0, lines: 0, functions: 0, clean: 0, ruleFunctions: 0, ruleClean: 0 };
}

/** At most this many unclean functions that name a trigger are listed. */
const RULE_UNCLEAN_LISTED = 30;

function add(into, from) {
  for (const k of Object.keys(from)) into[k] = (into[k] ?? 0) + from[k];
}

async function work({ widenRoot, tree, files }) {
  const { CParser } = await import(join(widenRoot, 'dist/analysis/parser.js'));
  const { AnalyzedFile } = await import(join(widenRoot, 'dist/analysis/file.js'));
  const { RULES } = await import(join(widenRoot, 'dist/rules/index.js'));
  const { allTriggers } = await import(join(widenRoot, 'dist/rules/run.js'));
  const triggers = new Set(allTriggers(RULES));
  const parser = await CParser.create();
  const byDir = {};
  const notes = {};
  const failed = [];
  const worst = [];
  const ruleUnclean = [];
  for (const rel of files) {
    const dir = rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '.';
    const t = (byDir[dir] ??= emptyTally());
    const m = inMmSubset(rel) ? (byDir['mm/ + arch/*/mm/'] ??= emptyTally()) : null;
    const text = readFileSync(join(tree, rel), 'utf8');
    const lines = text.split('\n').length - 1;
    const tally = { files: 1, lines, functions: 0, clean: 0, ruleFunctions: 0, ruleClean: 0 };
    try {
      const file = new AnalyzedFile(rel, text, parser);
      for (const span of file.functions) {
        const before = file.notes.length;
        tally.functions++;
        const fn = file.analyze(span);
        const fresh = file.notes.slice(before);
        for (const n of fresh) notes[n.kind] = (notes[n.kind] ?? 0) + 1;
        const clean = fn !== null && !fresh.some((n) => UNCLEAN.has(n.kind));
        if (clean) tally.clean++;
        if (!file.mentions(span, triggers)) continue;
        tally.ruleFunctions++;
        if (clean) tally.ruleClean++;
        else ruleUnclean.push({ path: rel, line: span.startLine, function: span.name });
      }
    } catch (e) {
      failed.push({ path: rel, error: String(e?.message ?? e).split('\n')[0] });
    }
    add(t, tally);
    if (m) add(m, tally);
    if (tally.functions - tally.clean >= 5) worst.push({ path: rel, functions: tally.functions, unclean: tally.functions - tally.clean });
  }
  return { byDir, notes, failed, worst, ruleUnclean };
}

if (!isMainThread) {
  parentPort.postMessage(await work(workerData));
}

/**
 * Parse health of `files` (paths relative to `tree`) with widen's build in `widenRoot`, on
 * `jobs` worker threads. Returns totals, the mm/ + arch/*\/mm/ share, per top-level directory
 * figures, note kinds, files that made the front end throw, and the files with most unclean
 * functions.
 */
export async function parseHealth({ widenRoot, tree, files, jobs, say }) {
  const t0 = performance.now();
  const batches = Array.from({ length: jobs }, () => []);
  files.forEach((f, i) => batches[i % jobs].push(f));
  say(`parse health: ${files.length} files on ${jobs} worker thread${jobs > 1 ? 's' : ''}`);
  const parts = await Promise.all(
    batches.map(
      (batch) =>
        new Promise((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url), { workerData: { widenRoot, tree, files: batch } });
          w.once('message', resolve);
          w.once('error', reject);
          w.once('exit', (code) => code !== 0 && reject(new Error(`parse-health worker exited with ${code}`)));
        }),
    ),
  );
  const byDir = {};
  const notes = {};
  const failed = [];
  const worst = [];
  const ruleUnclean = [];
  for (const p of parts) {
    for (const [d, t] of Object.entries(p.byDir)) add((byDir[d] ??= emptyTally()), t);
    add(notes, p.notes);
    failed.push(...p.failed);
    worst.push(...p.worst);
    ruleUnclean.push(...p.ruleUnclean);
  }
  ruleUnclean.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line);
  const total = emptyTally();
  for (const [d, t] of Object.entries(byDir)) if (d !== 'mm/ + arch/*/mm/') add(total, t);
  const share = (t) => (t.functions ? t.clean / t.functions : 1);
  const seconds = (performance.now() - t0) / 1000;
  return {
    ...total,
    cleanShare: share(total),
    mm: byDir['mm/ + arch/*/mm/'] ? { ...byDir['mm/ + arch/*/mm/'], cleanShare: share(byDir['mm/ + arch/*/mm/']) } : null,
    byDir: Object.fromEntries(Object.entries(byDir).filter(([d]) => d !== 'mm/ + arch/*/mm/').sort().map(([d, t]) => [d, { ...t, cleanShare: share(t) }])),
    ruleShare: total.ruleFunctions ? total.ruleClean / total.ruleFunctions : 1,
    ruleUnclean: ruleUnclean.slice(0, RULE_UNCLEAN_LISTED),
    notes,
    failed,
    worst: worst.sort((a, b) => b.unclean - a.unclean).slice(0, 15),
    seconds,
    linesPerSecond: total.lines / seconds,
    jobs,
  };
}
