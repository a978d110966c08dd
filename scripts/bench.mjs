#!/usr/bin/env node
/**
 * `npm run bench`: the measured goals of issue 13, every figure taken in the same run.
 *
 *   precision  `widen scan` of the whole linux-source-6.12 and 6.1 trees and of 6.1's mm/ +
 *              arch/*\/mm/ (the issue's scope);
 *              every report, joined to its argued verdict (scripts/bench/verdicts.mjs,
 *              docs/precision.md)
 *   recall     the mutation corpus (scripts/bench/mutations.mjs) applied to real 6.12 functions
 *              and reviewed with `widen review --tree`; found/total per rule, misses, controls
 *   speed      `widen scan` against Coccinelle (../shared/bench/coccinelle-8.cocci) on 6.12
 *              mm/ + arch/*\/mm/, one job each; widen's peak RSS; `widen scan` of the whole tree
 *              against `grep -rlE` of the rules' trigger words; each scan also again with
 *              `--cache` on the unchanged tree (a warm cache, checked to report the same);
 *              the front end alone on mm/ (every rule's check skipped: the floor of a cold
 *              scan, scripts/bench/front-end.mjs); start-up and the seed review
 *   health     share of functions parsed without an ERROR node, whole 6.12 tree
 *   app        the GitHub App on the seed pull request (scripts/bench/app.ts)
 *   queue      deliveries per second through the Redis queue with 1 and 2 `widen worker`s
 *              (scripts/bench/queue.ts; needs redis-server)
 *
 * Kernel sources come from the Debian packages at run time (`apt-get install
 * linux-source-6.12 linux-source-6.1`) and are extracted once into .bench/ (see
 * scripts/bench/kernel.mjs). Run `npm run build` first: the bench measures the built CLI.
 *
 * Usage: npm run bench -- [--only PARTS] [--runs N] [--dir DIR] [--tree DIR] [--tar PATH]
 *          [--tar-6.1 PATH] [--cocci PATH] [--widen DIR] [--health-every N] [--no-peer]
 *          [--app-only] [--json] [--help]
 *   --only PARTS      comma-separated: precision,recall,speed,health,app,queue (default: all)
 *   --runs N          timed runs per command, median reported (default 3)
 *   --dir DIR         the speed corpus (a tree's mm/ and arch/*\/mm/) instead of .bench/linux-6.12
 *   --tree DIR        an extracted whole 6.12 tree instead of .bench/linux-6.12-full
 *   --tar PATH        the 6.12 tarball (default /usr/src/linux-source-6.12.tar.xz)
 *   --tar-6.1 PATH    the 6.1 tarball (default /usr/src/linux-source-6.1.tar.xz)
 *   --cocci PATH      Coccinelle's semantic patch (default ../shared/bench/coccinelle-8.cocci)
 *   --widen DIR       measure the build in DIR/dist instead of this checkout's (e.g. a clean
 *                     snapshot of a commit while the working tree is being edited)
 *   --health-every N  parse health on every Nth file of the sorted file list (default 1: all)
 *   --no-peer         skip Coccinelle
 *   --app-only        the same as --only app
 *   --json            print results.json instead of the table
 *   --help            print this
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseHealth } from './bench/health.mjs';
import { CorpusError, cFiles, kernelVersion, mmSubset, packageVersion, wholeTree } from './bench/kernel.mjs';
import mutations from './bench/mutations.mjs';
import { runRecall, wordingOf } from './bench/recall.mjs';
import verdicts from './bench/verdicts.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, '.bench');
const PARTS = ['precision', 'recall', 'speed', 'health', 'app', 'queue'];

const USAGE = readFileSync(fileURLToPath(import.meta.url), 'utf8')
  .split('\n')
  .filter((line, i, all) => i > all.findIndex((l) => l.startsWith(' * Usage:')) - 1 && i < all.findIndex((l) => l === ' */'))
  .map((line) => line.replace(/^ \* ?/, '').replaceAll('*\\/', '*/'))
  .join('\n');

let parsed;
try {
  parsed = parseArgs({ options: optionSpec() });
} catch (e) {
  process.stderr.write(`bench: ${e.message}\n\n${USAGE}\n`);
  process.exit(2);
}
const { values: opts } = parsed;
if (opts.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

function optionSpec() {
  return {
    help: { type: 'boolean', short: 'h', default: false },
    only: { type: 'string' },
    runs: { type: 'string', default: '3' },
    dir: { type: 'string' },
    tree: { type: 'string' },
    tar: { type: 'string', default: '/usr/src/linux-source-6.12.tar.xz' },
    'tar-6.1': { type: 'string', default: '/usr/src/linux-source-6.1.tar.xz' },
    cocci: { type: 'string', default: join(root, '..', 'shared', 'bench', 'coccinelle-8.cocci') },
    widen: { type: 'string' },
    'health-every': { type: 'string', default: '1' },
    'no-peer': { type: 'boolean', default: false },
    'app-only': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  };
}
const runs = Math.max(1, Number(opts.runs) || 3);
const healthEvery = Math.max(1, Number(opts['health-every']) || 1);
const widenRoot = resolve(opts.widen ?? root);
const cli = join(widenRoot, 'dist', 'cli', 'main.js');

function say(msg) {
  process.stderr.write(`bench: ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

function selectedParts() {
  if (opts['app-only']) return ['app'];
  if (!opts.only) return PARTS;
  const parts = opts.only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = parts.filter((p) => !PARTS.includes(p));
  if (unknown.length) fail(`--only: unknown part ${unknown.join(', ')}; choose from ${PARTS.join(', ')}.`);
  return parts;
}

// ---- corpora --------------------------------------------------------------------------------

const corpora = {
  whole: null,
  whole61: null,
  mm612: null,
  mm61: null,
};

function whole612() {
  if (opts.tree) {
    if (!existsSync(join(opts.tree, 'mm'))) fail(`--tree ${opts.tree} has no mm/; give the root of an extracted kernel tree.`);
    return resolve(opts.tree);
  }
  return (corpora.whole ??= wholeTree(opts.tar, join(benchDir, 'linux-6.12-full'), say));
}

function mm612() {
  if (opts.dir) {
    if (!existsSync(opts.dir)) fail(`--dir ${opts.dir} does not exist.`);
    return resolve(opts.dir);
  }
  const whole = opts.tree ? resolve(opts.tree) : existsSync(join(benchDir, 'linux-6.12-full')) ? join(benchDir, 'linux-6.12-full') : null;
  return (corpora.mm612 ??= mmSubset(opts.tar, join(benchDir, 'linux-6.12'), say, whole));
}

/** The whole 6.1 tree (precision beyond the issue's mm/ + arch/*\/mm/). */
function whole61() {
  return (corpora.whole61 ??= wholeTree(opts['tar-6.1'], join(benchDir, 'linux-6.1-full'), say, 'linux-source-6.1'));
}

function mm61() {
  const whole = existsSync(join(benchDir, 'linux-6.1-full')) ? join(benchDir, 'linux-6.1-full') : null;
  return (corpora.mm61 ??= mmSubset(opts['tar-6.1'], join(benchDir, 'linux-6.1'), say, whole, 'linux-source-6.1'));
}

function countLines(dir, files) {
  return files.reduce((n, f) => n + readFileSync(join(dir, f), 'utf8').split('\n').length - 1, 0);
}

// ---- measuring ------------------------------------------------------------------------------

const gnuTime = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;

/**
 * Runs a command once; returns wall seconds and peak RSS in MB. Peak RSS comes from GNU time
 * when installed, else from polling the child's VmHWM (its high-water mark) in /proc.
 */
function measure(cmd, args, cwd) {
  return new Promise((done, reject) => {
    const rssFile = join(benchDir, `rss-${process.pid}.txt`);
    const argv = gnuTime ? ['/usr/bin/time', ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
    const t0 = performance.now();
    const child = spawn(argv[0], argv[1], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let stderr = '';
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    let hwm = 0;
    const poll = gnuTime
      ? null
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwm = Math.max(hwm, Number(m[1]));
          } catch {
            /* the child has exited */
          }
        }, 5);
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (poll) clearInterval(poll);
      if (gnuTime) hwm = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      done({ code, seconds, rssMb: hwm / 1024, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Runs each command `runs` times, alternating between them so that load from elsewhere on the
 * machine falls on all of them alike. Returns, per command, the median seconds, the peak RSS
 * over all runs, every run's seconds, and the last run's output.
 */
async function interleaved(commands) {
  const all = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, c] of commands.entries()) {
      say(`${c.label} (run ${i + 1}/${runs})`);
      c.before?.();
      const r = await measure(c.cmd, c.args, c.cwd);
      if (!(c.okCodes ?? [0, 1]).includes(r.code)) fail(`${c.label} failed with exit ${r.code}:\n${r.stderr}`);
      all[k].push(r);
    }
  }
  return all.map((rs) => ({
    seconds: median(rs.map((r) => r.seconds)),
    rssMb: Math.max(...rs.map((r) => r.rssMb)),
    allSeconds: rs.map((r) => Number(r.seconds.toFixed(3))),
    last: rs[rs.length - 1],
    stdouts: rs.map((r) => r.stdout),
  }));
}

/**
 * The front end's figures (scripts/bench/front-end.mjs): the scan's own time in-process, median
 * of the runs, and the floor of a cold scan: that plus the CLI's start-up and exit, which is the
 * median over the CLI scan's runs `w` of its wall time less the time its report says the scan
 * itself took (Node, loading widen's bundle, writing the report).
 */
function frontEndFigures(fe, w) {
  const parsed = fe.stdouts.map((s) => JSON.parse(s));
  const functions = JSON.parse(w.last.stdout).stats.functions;
  if (parsed.some((p) => p.functions !== functions)) fail(`the front end alone analysed ${parsed[0].functions} functions, the scan ${functions}.`);
  const scanSeconds = median(parsed.map((p) => p.ms)) / 1000;
  const startupSeconds = median(w.stdouts.map((out, i) => w.allSeconds[i] - JSON.parse(out).stats.ms / 1000));
  return { scanSeconds, startupSeconds, floorSeconds: scanSeconds + startupSeconds, functions, allScanSeconds: parsed.map((p) => Number((p.ms / 1000).toFixed(3))) };
}

function widenScan(dir) {
  return { cmd: process.execPath, args: [cli, 'scan', '.', '--jobs', '1', '--format', 'json'], cwd: dir };
}

/** The same scan with `--cache-dir cacheDir`. */
function widenScanCached(dir, cacheDir) {
  const s = widenScan(dir);
  return { ...s, args: [...s.args, '--cache-dir', cacheDir] };
}

/**
 * The two `--cache` scans the bench times: the first one, into an empty cache directory (emptied
 * before each run), and one again of the unchanged tree, into a cache filled here first.
 */
async function cachedScans(dir, label) {
  const fresh = join(benchDir, `scan-cache-${label}-first`);
  const warm = join(benchDir, `scan-cache-${label}`);
  rmSync(warm, { recursive: true, force: true });
  say(`widen scan ${label} --cache: filling the cache`);
  const s = widenScanCached(dir, warm);
  const r = await measure(s.cmd, s.args, s.cwd);
  if (r.code !== 0 && r.code !== 1) fail(`widen scan ${label} --cache failed with exit ${r.code}:\n${r.stderr}`);
  return [
    { label: `widen scan ${label}, 1 job, --cache into an empty cache`, ...widenScanCached(dir, fresh), before: () => rmSync(fresh, { recursive: true, force: true }) },
    { label: `widen scan ${label} again, 1 job, --cache`, ...widenScanCached(dir, warm) },
  ];
}

/** Fails the bench unless two scan reports say the same, timing and cache figures aside. */
function expectSameReport(a, b, what) {
  const strip = (r) => JSON.stringify({ ...r, stats: { files: r.stats.files, functions: r.stats.functions } });
  if (strip(JSON.parse(a)) !== strip(JSON.parse(b))) fail(`${what}: the scan with a warm cache reported something else than the scan without one.`);
}

// ---- parts ----------------------------------------------------------------------------------

/** Reports of a scan, each with its verdict (or none yet). */
function judged(report, tree) {
  return report.findings.map((f) => {
    const v = verdicts.find((x) => [x.tree].flat().includes(tree) && x.rule === f.rule && x.path === f.path && x.function === f.function);
    return { rule: f.rule, path: f.path, line: f.line, function: f.function, message: f.message, verdict: v?.verdict ?? null, reason: v?.reason ?? null };
  });
}

async function precision() {
  /** One tree's scan, its reports joined to their verdicts. */
  const part = async (tree, dir, what) => {
    say(`precision: widen scan of ${tree} ${what}`);
    const sc = widenScan(dir);
    const m = await measure(sc.cmd, sc.args, sc.cwd);
    if (m.code !== 0 && m.code !== 1) fail(`widen scan of ${dir} failed with exit ${m.code}:\n${m.stderr}`);
    const r = JSON.parse(m.stdout);
    return {
      tree,
      what,
      dir: relative(root, dir) || dir,
      kernel: kernelVersion(dir),
      files: r.stats.files,
      functionsChecked: r.stats.functions,
      notes: r.notes.length,
      reports: judged(r, tree),
      wording: wordingOf(r.findings),
    };
  };
  return {
    command: 'widen scan . --jobs 1 --format json (run in the tree)',
    trees: [await part('6.12', whole612(), 'whole tree'), await part('6.1', whole61(), 'whole tree'), await part('6.1', mm61(), 'mm/ + arch/*/mm/')],
  };
}

/** The results of {@link runRecall} over several trees, as one. */
function mergeRecall(parts) {
  const rules = new Map();
  for (const x of parts.flatMap((p) => p.rules)) {
    const y = rules.get(x.rule);
    if (!y) {
      rules.set(x.rule, { ...x });
      continue;
    }
    for (const k of ['total', 'found', 'reviewed', 'knownGaps', 'sites']) y[k] += x[k];
    for (const k of ['missed', 'broken', 'noisyControls']) y[k] = [...y[k], ...x[k]];
  }
  const wording = parts.map((p) => p.wording);
  return {
    mutations: parts.flatMap((p) => p.mutations),
    rules: [...rules.values()].sort((a, b) => a.rule.localeCompare(b.rule)),
    wording: { findings: wording.reduce((n, w) => n + w.findings, 0), longest: Math.max(...wording.map((w) => w.longest)), problems: wording.flatMap((w) => w.problems) },
  };
}

function implementedRules() {
  const r = spawnSync(process.execPath, [cli, 'rules'], { encoding: 'utf8' });
  if (r.status !== 0) fail(`'widen rules' failed:\n${r.stderr}`);
  return new Set(r.stdout.split('\n').map((l) => l.split(/\s+/)[0]).filter(Boolean));
}

async function recall() {
  const t0 = performance.now();
  const implementedIds = implementedRules();
  const jobs = Math.min(2, availableParallelism());
  // Most mutations are of 6.12 functions; an API that only 6.1 has (`do_brk_munmap()`) is
  // mutated in the 6.1 extract (`tree: '6.1'`).
  const parts = [await runRecall({ cli, root, tree: whole612(), mutations: mutations.filter((m) => (m.tree ?? '6.12') === '6.12'), implemented: implementedIds, workDir: join(benchDir, 'recall'), jobs, say })];
  const old = mutations.filter((m) => m.tree === '6.1');
  if (old.length > 0) parts.push(await runRecall({ cli, root, tree: mm61(), mutations: old, implemented: implementedIds, workDir: join(benchDir, 'recall-6.1'), jobs, say }));
  const r = mergeRecall(parts);
  const implemented = r.rules.filter((x) => x.implemented);
  // One mutation per check: every message id of every rule must be among those the found
  // mutations of that rule produced where expected.
  const { RULES } = await import(pathToFileURL(join(widenRoot, 'dist', 'rules', 'index.js')).href);
  const exercised = new Set(r.mutations.filter((m) => m.status === 'found').flatMap((m) => (m.checks ?? []).map((id) => `${m.rule}:${id}`)));
  const allChecks = RULES.flatMap((rule) => Object.keys(rule.messages).map((id) => `${rule.id}:${id}`));
  return {
    ...r,
    checks: { total: allChecks.length, exercised: allChecks.filter((c) => exercised.has(c)).length, missing: allChecks.filter((c) => !exercised.has(c)) },
    found: implemented.reduce((n, x) => n + x.found, 0),
    total: implemented.reduce((n, x) => n + x.total, 0),
    pending: r.rules.filter((x) => !x.implemented).reduce((n, x) => n + x.total, 0),
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Every rule's trigger words, read from the build's rule registry: through `allTriggers()`
 * (dist/rules/run.js, the words scan's own prefilter uses) when the build has it, else from
 * each rule's `meta.triggers`.
 */
async function triggerWords() {
  const load = (p) => import(pathToFileURL(join(widenRoot, 'dist', 'rules', p)).href);
  const { RULES } = await load('index.js');
  if (!Array.isArray(RULES)) fail('dist/rules/index.js exports no RULES array; the bench reads the rules\' trigger words from it.');
  const { allTriggers } = await load('run.js').catch(() => ({}));
  const words = typeof allTriggers === 'function' ? allTriggers(RULES) : RULES.flatMap((r) => r.meta?.triggers ?? []);
  if (words.length === 0) fail('the rules declare no trigger words; the whole-tree comparison with grep needs them.');
  return [...new Set(words)].sort();
}

async function speed() {
  const mm = mm612();
  const mmFiles = cFiles(mm);
  const corpus = { dir: relative(root, mm) || mm, files: mmFiles.length, cFiles: mmFiles.filter((f) => f.endsWith('.c')).length, lines: countLines(mm, mmFiles) };
  say(`speed: ${corpus.dir}: ${corpus.files} files (${corpus.cFiles} .c), ${corpus.lines} lines`);

  const havePeer = !opts['no-peer'] && spawnSync('spatch', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!havePeer) say(opts['no-peer'] ? 'peer skipped (--no-peer)' : "spatch not found: install Coccinelle with 'apt-get install coccinelle' for the side-by-side figures");
  if (havePeer && !existsSync(opts.cocci)) fail(`${opts.cocci} is missing: the peer's semantic patch is read from ../shared/bench/ at run time (or pass --cocci PATH).`);
  const mmCommands = [
    { label: 'widen scan mm/ + arch/*/mm/, 1 job', ...widenScan(mm) },
    ...(await cachedScans(mm, 'mm')),
    { label: "widen's front end alone (every rule's check skipped), mm/ + arch/*/mm/, 1 job", cmd: process.execPath, args: [join(root, 'scripts', 'bench', 'front-end.mjs'), widenRoot], cwd: mm, okCodes: [0] },
  ];
  const spatchArgs = ['--sp-file', opts.cocci, '--dir', '.', '-j', '1', '--very-quiet'];
  // Coccinelle's own cache between runs, its parsed ASTs (--cache-prefix), filled here first:
  // the like-for-like peer of widen's --cache.
  const spatchCache = join(benchDir, 'spatch-cache');
  if (havePeer) {
    rmSync(spatchCache, { recursive: true, force: true });
    mkdirSync(spatchCache, { recursive: true });
    say('spatch --cache-prefix: filling the cache');
    const r = await measure('spatch', [...spatchArgs, '--cache-prefix', spatchCache], mm);
    if (r.code !== 0) fail(`spatch --cache-prefix failed with exit ${r.code}:\n${r.stderr}`);
    mmCommands.push(
      { label: `spatch ${relative(root, opts.cocci)}, 1 job`, cmd: 'spatch', args: spatchArgs, cwd: mm, okCodes: [0] },
      { label: `spatch ${relative(root, opts.cocci)} again, 1 job, --cache-prefix`, cmd: 'spatch', args: [...spatchArgs, '--cache-prefix', spatchCache], cwd: mm, okCodes: [0] },
    );
  }
  const [w, wf, wc, fe, sp, spc] = await interleaved(mmCommands);
  expectSameReport(w.last.stdout, wf.last.stdout, 'mm/ + arch/*/mm/, into an empty cache');
  expectSameReport(w.last.stdout, wc.last.stdout, 'mm/ + arch/*/mm/, again');
  const report = JSON.parse(w.last.stdout);
  const out = {
    mm: {
      corpus,
      widen: { seconds: w.seconds, rssMb: w.rssMb, allSeconds: w.allSeconds, linesPerSecond: corpus.lines / w.seconds, findings: report.findings.length, notes: report.notes.length, functionsChecked: report.stats.functions },
      cached: { firstSeconds: wf.seconds, seconds: wc.seconds, rssMb: wc.rssMb, allSeconds: wc.allSeconds, filesFromCache: JSON.parse(wc.last.stdout).stats.cached },
      frontEnd: frontEndFigures(fe, w),
    },
  };
  if (sp) {
    const lines = sp.last.stdout.split('\n').filter((l) => /^R\d+\|/.test(l));
    const byRule = {};
    for (const l of lines) byRule[l.split('|')[0]] = (byRule[l.split('|')[0]] ?? 0) + 1;
    out.mm.spatch = {
      version: spawnSync('spatch', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0],
      cocci: opts.cocci,
      seconds: sp.seconds,
      rssMb: sp.rssMb,
      allSeconds: sp.allSeconds,
      reports: lines.length,
      byRule,
    };
    const cachedReports = spc.last.stdout.split('\n').filter((l) => /^R\d+\|/.test(l)).length;
    if (cachedReports !== lines.length) fail(`spatch with its AST cache reported ${cachedReports} times, without it ${lines.length}.`);
    out.mm.spatchCached = { seconds: spc.seconds, rssMb: spc.rssMb, allSeconds: spc.allSeconds, reports: cachedReports };
    out.mm.ratio = sp.seconds / w.seconds;
    out.mm.cachedRatio = sp.seconds / wc.seconds;
    out.mm.bothCachedRatio = spc.seconds / wc.seconds;
    out.mm.frontEndRatio = sp.seconds / out.mm.frontEnd.floorSeconds;
  }

  const whole = whole612();
  const triggers = await triggerWords();
  const pattern = triggers.join('|');
  const [ww, wwf, wwc, g] = await interleaved([
    { label: 'widen scan of the whole tree, 1 job', ...widenScan(whole) },
    ...(await cachedScans(whole, 'whole-tree')),
    { label: 'grep -rlE of the trigger words over the whole tree', cmd: 'grep', args: ['-rlE', '--include=*.c', '--include=*.h', pattern, '.'], cwd: whole },
  ]);
  expectSameReport(ww.last.stdout, wwf.last.stdout, 'the whole tree, into an empty cache');
  expectSameReport(ww.last.stdout, wwc.last.stdout, 'the whole tree, again');
  const wholeReport = JSON.parse(ww.last.stdout);
  out.whole = {
    dir: relative(root, whole) || whole,
    files: wholeReport.stats.files,
    triggers,
    widen: { seconds: ww.seconds, rssMb: ww.rssMb, allSeconds: ww.allSeconds, findings: wholeReport.findings.length, functionsChecked: wholeReport.stats.functions },
    grep: { seconds: g.seconds, allSeconds: g.allSeconds, filesListed: g.last.stdout.split('\n').filter(Boolean).length, command: `grep -rlE --include=*.c --include=*.h '${pattern}' .` },
    ratio: ww.seconds / g.seconds,
    cached: { firstSeconds: wwf.seconds, seconds: wwc.seconds, rssMb: wwc.rssMb, allSeconds: wwc.allSeconds, filesFromCache: JSON.parse(wwc.last.stdout).stats.cached },
    cachedRatio: wwc.seconds / g.seconds,
  };

  const seedArgs = [cli, 'review', join(widenRoot, 'examples/seed/seed.patch'), '--tree', join(widenRoot, 'examples/seed/tree'), '--format', 'json'];
  const series = bigSeries(mm);
  const [v, rv, bs] = await interleaved([
    { label: 'widen --version (start-up)', cmd: process.execPath, args: [cli, '--version'], cwd: root, okCodes: [0] },
    { label: 'widen review of the seed patch', cmd: process.execPath, args: seedArgs, cwd: root },
    ...(series ? [{ label: 'widen review of the 6.1 -> 6.12 diff of mm/ + arch/*/mm/ against 6.1', cmd: process.execPath, args: [cli, 'review', series.diff, '--tree', series.tree, '--format', 'json'], cwd: root }] : []),
  ]);
  out.startup = { versionSeconds: v.seconds, reviewSeconds: rv.seconds, reviewAnalysisMs: JSON.parse(rv.last.stdout).stats.ms, reviewRssMb: rv.rssMb };
  if (bs) {
    const r = JSON.parse(bs.last.stdout);
    out.series = { ...series.figures, seconds: bs.seconds, rssMb: bs.rssMb, allSeconds: bs.allSeconds, findings: r.findings.length, notes: r.notes.length, filesReviewed: r.stats.files, functionsChecked: r.stats.functions };
  }
  return out;
}

/**
 * A big real diff for `widen review`: 6.1's mm/ + arch/*\/mm/ to 6.12's as one patch
 * (`diff -ruN`, a/ and b/ prefixes), reviewed against the 6.1 extract. This is the review path
 * at the scale of a large series (hundreds of files in a few directories), where per-file costs
 * that a one-file review never shows add up. Null when linux-source-6.1 is not installed.
 */
function bigSeries(mm) {
  let old;
  try {
    old = mm61();
  } catch (e) {
    if (!(e instanceof CorpusError)) throw e;
    say(`review of a large diff skipped: ${e.message}`);
    return null;
  }
  const diff = join(benchDir, 'series-6.1-6.12.diff');
  const links = join(benchDir, 'series-links');
  rmSync(links, { recursive: true, force: true });
  mkdirSync(links, { recursive: true });
  symlinkSync(old, join(links, 'a'));
  symlinkSync(mm, join(links, 'b'));
  // diff exits 1 when the trees differ.
  const r = spawnSync('diff', ['-ruN', '--exclude=.widen-bench-extracted', 'a', 'b'], { cwd: links, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 1) fail(`diff -ruN of the 6.1 and 6.12 extracts failed (exit ${r.status}): ${r.stderr}`);
  const text = r.stdout;
  writeFileSync(diff, text);
  rmSync(links, { recursive: true, force: true });
  const files = (text.match(/^diff -ruN /gm) ?? []).length;
  return { diff, tree: old, figures: { files, megabytes: text.length / 1e6 } };
}

async function health() {
  const whole = whole612();
  const all = cFiles(whole);
  const files = healthEvery === 1 ? all : all.filter((_, i) => i % healthEvery === 0);
  const r = await parseHealth({ widenRoot, tree: whole, files, jobs: Math.min(2, availableParallelism()), say });
  return { ...r, sample: healthEvery === 1 ? 'every .c/.h file' : `a fixed sample, every ${healthEvery}th of the ${all.length} .c/.h files in sorted order`, treeFiles: all.length };
}

/** Compiles scripts/bench/NAME.ts with the test helpers it uses, runs it, reads its JSON. */
function tsBench(name, what) {
  execFileSync(join(widenRoot, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.bench.json'], { cwd: widenRoot, stdio: 'inherit' });
  const r = spawnSync(process.execPath, [join(widenRoot, '.bench', 'build', 'scripts', 'bench', `${name}.js`)], { cwd: widenRoot, encoding: 'utf8' });
  if (r.status !== 0) fail(`the ${what} benchmark failed:\n${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The App's figures (scripts/bench/app.ts). */
function appBench() {
  say('GitHub App: the seed pull request through npm start and the GitHub stand-in (50 ms per request)');
  return tsBench('app', 'App');
}

/** The queue's figures (scripts/bench/queue.ts). */
function queueBench() {
  say('queue: deliveries per second through Redis with 1 and 2 workers (GitHub stand-in, 50 ms per request)');
  return tsBench('queue', 'queue');
}

// ---- main -----------------------------------------------------------------------------------

async function main() {
  const t0 = performance.now();
  if (!existsSync(cli)) fail(`${cli} is missing; run 'npm run build' first.`);
  mkdirSync(benchDir, { recursive: true });
  const parts = selectedParts();
  const results = {
    date: new Date().toISOString(),
    parts,
    runs,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? null, node: process.version },
    widen: { dir: widenRoot, commit: spawnSync('git', ['-C', widenRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || null, version: spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }).stdout.trim() },
    packages: { 'linux-source-6.12': packageVersion('linux-source-6.12'), 'linux-source-6.1': packageVersion('linux-source-6.1'), coccinelle: packageVersion('coccinelle') },
  };
  try {
    // Order: precision first also brings the whole tree into the page cache before anything is timed.
    if (parts.includes('precision')) results.precision = await precision();
    if (parts.includes('recall')) results.recall = await recall();
    if (parts.includes('speed')) results.speed = await speed();
    if (parts.includes('health')) results.health = await health();
    if (parts.includes('app')) results.app = appBench();
    if (parts.includes('queue')) results.queue = queueBench();
  } catch (e) {
    if (e instanceof CorpusError) fail(e.message);
    throw e;
  }
  results.seconds = (performance.now() - t0) / 1000;
  writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else printTable(results);
}

// ---- the table ------------------------------------------------------------------------------

const s2 = (x) => x.toFixed(2);
const pct = (x) => `${(100 * x).toFixed(2)}%`;
const mb = (x) => `${Math.round(x)} MB`;
const ms = (x) => `${Math.round(x * 1000)} ms`;
const goal = (ok, text) => `(goal ${text}: ${ok ? 'met' : 'NOT met'})`;

function precisionRows(p) {
  const rows = [];
  for (const t of p.trees) {
    const real = t.reports.filter((r) => r.verdict === 'real').length;
    const falseReports = t.reports.filter((r) => r.verdict === 'false').length;
    const open = t.reports.length - real - falseReports;
    rows.push([`${t.tree} ${t.what}`, `${t.reports.length} report${t.reports.length === 1 ? '' : 's'} in ${t.files} files (${t.kernel ?? 'version unknown'}): ${real} real, ${falseReports} false, ${open} without a verdict`]);
    if (t.wording) {
      const w = t.wording;
      rows.push(['  their messages', `longest headline ${w.longest} characters ${goal(w.problems.length === 0, 'headlines under 100 characters, every placeholder filled, every label written')}`]);
      for (const x of w.problems) rows.push(['  wording', x]);
    }
    for (const r of t.reports) {
      rows.push([`  ${r.rule}`, `${r.path}:${r.line} ${r.function ?? '(file)'}(): ${r.verdict ? `${r.verdict.toUpperCase()} (docs/precision.md)` : 'NO VERDICT YET: read the code, add it to scripts/bench/verdicts.mjs and docs/precision.md'}`]);
      rows.push(['', r.message]);
    }
  }
  return rows;
}

function recallRows(r) {
  const rows = [[`${mutations.length} mutations, ${Math.round(r.seconds)} s`, `${r.found}/${r.total} found for the rules that exist; ${r.pending} more wait for rules not implemented yet`]];
  if (r.checks) {
    const c = r.checks;
    rows.push(['checks exercised', `${c.exercised}/${c.total} message ids of the rules found where a mutation expects them ${goal(c.missing.length === 0, 'one mutation per check')}${c.missing.length ? `; none for ${c.missing.join(', ')}` : ''}`]);
  }
  if (r.wording) {
    const w = r.wording;
    rows.push(['messages on real code', `${w.findings} findings of the mutations read: longest headline ${w.longest} characters ${goal(w.problems.length === 0, 'headlines under 100 characters, every placeholder filled, every label written')}`]);
    for (const p of w.problems) rows.push(['  wording', p]);
  }
  for (const x of r.rules) {
    if (!x.implemented) {
      rows.push([`  ${x.rule}`, `rule not implemented yet (${x.total} mutation${x.total === 1 ? '' : 's'} at ${x.sites} site${x.sites === 1 ? '' : 's'} ready${x.broken.length ? `; BROKEN: ${x.broken.join(', ')}` : ''})`]);
      continue;
    }
    const notes = [];
    if (x.missed.length) notes.push(`${x.missed.length} missed${x.knownGaps ? ` (${x.knownGaps} a documented gap)` : ''}`);
    if (x.broken.length) notes.push(`${x.broken.length} broken`);
    rows.push([`  ${x.rule}`, `${x.found}/${x.total} at ${x.sites} site${x.sites === 1 ? '' : 's'}; controls ${x.reviewed - x.noisyControls.length}/${x.reviewed} clean${notes.length ? `; ${notes.join(', ')}` : ''}`]);
  }
  for (const m of r.mutations.filter((x) => x.status === 'broken')) rows.push(['  BROKEN', `${m.id}: ${m.error}`]);
  for (const m of r.mutations.filter((x) => x.status === 'missed')) {
    const got = (m.findings ?? []).map((f) => `${f.rule} at ${f.line}`).join(', ') || 'nothing';
    const want = m.expected.map((e) => `${e.rule} at ${e.line.join(' or ')}${e.endLine ? `-${e.endLine.join('|')}` : ''}${e.related.length ? ` (related ${e.related.map((l) => l.join('|')).join(', ')})` : ''}`).join('; ');
    rows.push(['  missed', `${m.id} (${m.file} ${m.function}()): expected ${want}; got ${got}${m.gap ? `. Known gap: ${m.gap}` : ''}`]);
  }
  for (const m of r.mutations.filter((x) => x.control && x.control.status !== 'clean')) {
    const why = [...m.shippedFindings.map((f) => `the function as shipped has ${f.rule} at ${f.line}`), ...(m.control.findings ?? []).map((f) => `the harmless edit gives ${f.rule} at ${f.line}`), ...(m.control.error ? [m.control.error] : [])];
    rows.push(['  control not clean', `${m.id}: ${why.join('; ')}`]);
  }
  for (const m of r.mutations.filter((x) => x.extra?.length)) rows.push(['  also reported', `${m.id}: ${m.extra.map((f) => `${f.rule} at ${f.line}`).join(', ')}`]);
  return rows;
}

function speedRows(s) {
  const rows = [];
  const c = s.mm.corpus;
  rows.push(['corpus', `${c.dir}: ${c.files} files (${c.cFiles} .c), ${c.lines} lines`]);
  rows.push(['widen scan, 1 job', `${s2(s.mm.widen.seconds)} s, ${Math.round(s.mm.widen.linesPerSecond)} lines/s, ${s.mm.widen.findings} finding${s.mm.widen.findings === 1 ? '' : 's'}, peak RSS ${mb(s.mm.widen.rssMb)} ${goal(s.mm.widen.rssMb < 300, '< 300 MB')}`]);
  if (s.mm.spatch) {
    const sp = s.mm.spatch;
    rows.push(['spatch, 1 job', `${s2(sp.seconds)} s, peak RSS ${mb(sp.rssMb)}, ${sp.reports} reports (${Object.entries(sp.byRule).map(([k, n]) => `${k} ${n}`).join(', ')}); ${sp.version.replace(/ compiled.*/, '')}`]);
    rows.push(['speed ratio spatch / widen', `${s2(s.mm.ratio)}x ${goal(s.mm.ratio >= 20, '>= 20x')}`]);
  }
  if (s.mm.frontEnd) {
    const f = s.mm.frontEnd;
    rows.push(["widen's front end alone (no rule's check)", `${s2(f.scanSeconds)} s in-process + ${s2(f.startupSeconds)} s start-up = ${s2(f.floorSeconds)} s for the same ${f.functions} functions: the floor of a cold scan`]);
    if (s.mm.frontEndRatio) rows.push(['  spatch / that floor', `${s2(s.mm.frontEndRatio)}x: the most any rule code could reach cold`]);
  }
  if (s.mm.cached) {
    const c = s.mm.cached;
    rows.push(['widen scan, --cache, empty cache', `${s2(c.firstSeconds)} s, same report`]);
    rows.push(['widen scan again, --cache, unchanged tree', `${s2(c.seconds)} s, peak RSS ${mb(c.rssMb)}, ${c.filesFromCache} files' results from the cache, same report`]);
    if (s.mm.cachedRatio) rows.push(['speed ratio spatch / widen --cache', `${s2(s.mm.cachedRatio)}x ${goal(s.mm.cachedRatio >= 20, '>= 20x')}`]);
  }
  if (s.mm.spatchCached) {
    const sc = s.mm.spatchCached;
    rows.push(['spatch again, --cache-prefix (its ASTs)', `${s2(sc.seconds)} s, peak RSS ${mb(sc.rssMb)}, ${sc.reports} reports`]);
    rows.push(['ratio, both with their caches', `${s2(s.mm.bothCachedRatio)}x ${goal(s.mm.bothCachedRatio >= 20, '>= 20x')}`]);
  }
  const w = s.whole;
  rows.push(['whole 6.12 tree', `${w.files} .c/.h files; ${w.triggers.length} trigger words from the rules (listed in results.json)`]);
  rows.push(['widen scan, 1 job', `${s2(w.widen.seconds)} s, peak RSS ${mb(w.widen.rssMb)}, ${w.widen.findings} finding${w.widen.findings === 1 ? '' : 's'}, ${w.widen.functionsChecked} functions checked`]);
  rows.push(['grep -rlE trigger words', `${s2(w.grep.seconds)} s, ${w.grep.filesListed} files listed`]);
  rows.push(['ratio widen / grep', `${s2(w.ratio)}x ${goal(w.ratio <= 2, '<= 2x')}`]);
  if (w.cached) {
    rows.push(['widen scan, --cache, empty cache', `${s2(w.cached.firstSeconds)} s, same report`]);
    rows.push(['widen scan again, --cache, unchanged tree', `${s2(w.cached.seconds)} s, peak RSS ${mb(w.cached.rssMb)}, ${w.cached.filesFromCache} files' results from the cache, same report`]);
    rows.push(['ratio widen --cache / grep', `${s2(w.cachedRatio)}x ${goal(w.cachedRatio <= 2, '<= 2x')}`]);
  }
  rows.push(['start-up: widen --version', ms(s.startup.versionSeconds)]);
  rows.push(['review of the seed patch', `${ms(s.startup.reviewSeconds)} wall (analysis ${s.startup.reviewAnalysisMs} ms), peak RSS ${mb(s.startup.reviewRssMb)}`]);
  if (s.series) {
    const x = s.series;
    rows.push(['review of a large diff', `6.1 -> 6.12 mm/ + arch/*/mm/ as one patch (${x.files} files, ${x.megabytes.toFixed(1)} MB) against 6.1: ${s2(x.seconds)} s, peak RSS ${mb(x.rssMb)}, ${x.findings} finding${x.findings === 1 ? '' : 's'}, ${x.functionsChecked} functions checked`]);
  }
  return rows;
}

function healthRows(h) {
  const rows = [['whole 6.12 tree', `${h.clean}/${h.functions} functions without an ERROR node (${pct(h.cleanShare)}); ${h.sample}: ${h.files} files, ${h.lines} lines`]];
  if (h.mm) rows.push(['  of which mm/ + arch/*/mm/', `${h.mm.clean}/${h.mm.functions} (${pct(h.mm.cleanShare)})`]);
  if (h.ruleFunctions !== undefined) {
    const list = h.ruleUnclean.map((u) => `${u.path}:${u.line} ${u.function}()`).join(', ');
    rows.push(['  functions that name a rule\'s trigger word', `${h.ruleClean}/${h.ruleFunctions} (${pct(h.ruleShare)})${list ? `; not clean: ${list}` : ''}`]);
  }
  const worstDirs = Object.entries(h.byDir).filter(([, t]) => t.functions >= 100).sort((a, b) => a[1].cleanShare - b[1].cleanShare).slice(0, 3);
  rows.push(['  weakest top-level directories', worstDirs.map(([d, t]) => `${d}/ ${pct(t.cleanShare)}`).join(', ')]);
  rows.push(['  full parse + CFG of every function', `${s2(h.seconds)} s on ${h.jobs} worker threads, ${Math.round(h.linesPerSecond)} lines/s${h.failed.length ? `; front end threw on ${h.failed.length} files` : ''}`]);
  return rows;
}

function appRows(a) {
  return [
    ['API requests for the seed PR', `${a.requests} (${a.latencyMs} ms latency per request on the stand-in)`],
    ['longest request chain to the review', `${a.chain} (goal <= 4): ${a.chainList.join(' -> ')}`],
    ['webhook answered', `${Math.round(a.webhookAnsweredMs)} ms (goal < 1000 ms; the review continues after the answer)`],
    ['webhook to review posted', `${Math.round(a.webhookToReviewMs)} ms; to check run completed ${Math.round(a.webhookToCheckRunMs)} ms (writes are spaced 1 s apart, as GitHub asks)`],
    ['analysis of the seed PR', `${a.analysisMs.toFixed(1)} ms (median of 9, in-process; goal well under 100 ms)`],
    ...(a.series ? [[`a ${a.series.commits}-commit PR, per commit`, `${a.series.perCommit.toFixed(1)} requests per commit (${a.series.requests} in all: ${a.series.commitRequests} for the commits, ${a.series.blobRequests} blob${a.series.blobRequests === 1 ? '' : 's'}); ${Math.round(a.series.msToReview)} ms to the check run`]] : []),
  ];
}

function queueRows(q) {
  return q.runs.map((x) => [`${x.workers} worker${x.workers === 1 ? '' : 's'}`, `${x.perSecond.toFixed(1)} deliveries/s (${x.deliveries} in ${s2(x.seconds)} s; slowest webhook answer ${Math.round(x.answerMsMax)} ms)`]);
}

function printTable(r) {
  const sections = [];
  if (r.precision) sections.push(['Precision: widen scan of unmodified trees', precisionRows(r.precision)]);
  if (r.recall) sections.push(['Recall: mutations of real 6.12 functions (6.1 for its own APIs), widen review --tree', recallRows(r.recall)]);
  if (r.speed) sections.push([`Speed and memory (median of ${r.runs} runs, one job each)`, speedRows(r.speed)]);
  if (r.health) sections.push(['Parse health', healthRows(r.health)]);
  if (r.app) sections.push(['GitHub App', appRows(r.app)]);
  if (r.queue) sections.push([`Queue: the seed pull request per delivery, ${r.queue.latencyMs} ms per request on the stand-in, writes not spaced`, queueRows(r.queue)]);
  const w = Math.max(...sections.flatMap(([, rows]) => rows.map(([k]) => k.length)));
  const kernel = r.packages['linux-source-6.12'] ? `linux-source-6.12 ${r.packages['linux-source-6.12']}, linux-source-6.1 ${r.packages['linux-source-6.1'] ?? 'not installed'}` : 'kernel packages not installed';
  let out = `\nwiden bench: ${r.widen.version} (${r.widen.commit ?? 'no git'}${r.widen.dir === root ? '' : `, build in ${r.widen.dir}`}); ${kernel}; ${r.machine.cpus} cores\n`;
  for (const [title, rows] of sections) {
    out += `\n${title}\n${rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n')}\n`;
  }
  out += `\nbench took ${(r.seconds / 60).toFixed(1)} min; written to .bench/results.json\n`;
  process.stdout.write(out);
}

await main();
