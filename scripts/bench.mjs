#!/usr/bin/env node
/**
 * `npm run bench`: widen's speed, memory and parse health on real kernel code, side by side
 * with Coccinelle (spatch) in the same run, reported as ratios.
 *
 * Corpus: mm/ and arch/*\/mm/ of the Debian package linux-source-6.12, extracted at run time
 * into .bench/ (never committed). Install it with `apt-get install linux-source-6.12`.
 *
 * The GitHub App's figures come from scripts/bench/app.ts: the seed pull request reviewed by
 * `npm start` against the GitHub stand-in with 50 ms of latency per request.
 *
 * Usage: npm run bench -- [--runs N] [--dir DIR] [--tar PATH] [--no-peer] [--app-only] [--json]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const benchDir = join(root, '.bench');

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    dir: { type: 'string' },
    tar: { type: 'string', default: '/usr/src/linux-source-6.12.tar.xz' },
    'no-peer': { type: 'boolean', default: false },
    'app-only': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const runs = Math.max(1, Number(opts.runs) || 3);

function say(msg) {
  process.stderr.write(`bench: ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

/** The corpus directory: --dir, or mm/ and arch/*\/mm/ extracted from the kernel tarball once. */
function corpus() {
  if (opts.dir) {
    if (!existsSync(opts.dir)) fail(`--dir ${opts.dir} does not exist.`);
    return opts.dir;
  }
  const out = join(benchDir, 'linux-6.12');
  if (existsSync(join(out, 'mm'))) return out;
  if (!existsSync(opts.tar)) {
    fail(`${opts.tar} is missing. Install the kernel sources with 'apt-get install linux-source-6.12' (or pass --dir DIR with a tree's mm/ and arch/*/mm/, or --tar PATH).`);
  }
  say(`extracting mm/ and arch/*/mm/ from ${opts.tar} into ${relative(root, out)} ...`);
  mkdirSync(out, { recursive: true });
  const top = execFileSync('sh', ['-c', `tar -tJf "${opts.tar}" | head -1`], { encoding: 'utf8' }).split('/')[0];
  execFileSync('tar', ['-xJf', opts.tar, '-C', out, '--strip-components=1', '--wildcards', `${top}/mm/*`, `${top}/arch/*/mm/*`]);
  return out;
}

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.[ch]$/.test(e.name)) out.push(p);
  }
  return out;
}

function hasGnuTime() {
  return existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;
}

/**
 * Runs a command once; returns wall seconds and peak RSS in MB. Peak RSS comes from GNU time
 * when installed, else from polling the child's VmHWM (its high-water mark) in /proc.
 */
function measure(cmd, args, cwd) {
  return new Promise((resolve, reject) => {
    const gnu = hasGnuTime();
    const rssFile = join(benchDir, `rss-${process.pid}.txt`);
    const argv = gnu ? ['/usr/bin/time', ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
    const t0 = performance.now();
    const child = spawn(argv[0], argv[1], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let hwm = 0;
    const poll = gnu
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
      if (gnu) hwm = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      resolve({ code, seconds, rssMb: hwm / 1024, stdout, stderr });
    });
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function repeat(label, cmd, args, cwd, okCodes = [0, 1]) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    say(`${label} (run ${i + 1}/${runs})`);
    const r = await measure(cmd, args, cwd);
    if (!okCodes.includes(r.code)) fail(`${label} failed with exit ${r.code}:\n${r.stderr}`);
    results.push(r);
  }
  return { seconds: median(results.map((r) => r.seconds)), rssMb: Math.max(...results.map((r) => r.rssMb)), last: results[results.length - 1] };
}

/** Parses every function of every file in-process: the share that parses without an ERROR node. */
async function parseHealth(files) {
  const { CParser } = await import(join(root, 'dist/analysis/parser.js'));
  const { AnalyzedFile } = await import(join(root, 'dist/analysis/file.js'));
  const parser = await CParser.create();
  let functions = 0;
  let clean = 0;
  let lines = 0;
  const t0 = performance.now();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    lines += text.split('\n').length - 1;
    const file = new AnalyzedFile(f, text, parser);
    for (const span of file.functions) {
      const before = file.notes.length;
      functions++;
      if (file.analyze(span) && file.notes.length === before) clean++;
    }
  }
  return { functions, clean, lines, seconds: (performance.now() - t0) / 1000 };
}

/** The App's figures: compiles scripts/bench/app.ts with the test helpers it uses, runs it, reads its JSON. */
function appBench() {
  say('GitHub App: the seed pull request through npm start and the GitHub stand-in (50 ms per request)');
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.bench.json'], { cwd: root, stdio: 'inherit' });
  const r = spawnSync(process.execPath, [join(benchDir, 'build', 'scripts', 'bench', 'app.js')], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) fail(`the App benchmark failed:\n${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function main() {
  if (!existsSync(cli)) fail(`${relative(root, cli)} is missing; run 'npm run build' first.`);
  mkdirSync(benchDir, { recursive: true });
  if (opts['app-only']) {
    const results = { runs: 1, app: appBench() };
    writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else printTable(results);
    return;
  }
  const dir = corpus();
  const files = walk(dir).sort();
  const cFiles = files.filter((f) => f.endsWith('.c'));
  const lines = files.reduce((n, f) => n + readFileSync(f, 'utf8').split('\n').length - 1, 0);
  const cLines = cFiles.reduce((n, f) => n + readFileSync(f, 'utf8').split('\n').length - 1, 0);
  say(`corpus: ${relative(root, dir) || dir}: ${files.length} files (${cFiles.length} .c), ${lines} lines`);

  const results = { corpus: { dir: relative(root, dir), files: files.length, cFiles: cFiles.length, lines, cLines }, runs };

  const scan1 = await repeat('widen scan --jobs 1', process.execPath, [cli, 'scan', dir, '--jobs', '1', '--format', 'json'], root);
  const scan2 = await repeat('widen scan --jobs 2', process.execPath, [cli, 'scan', dir, '--jobs', '2', '--format', 'json'], root);
  const report = JSON.parse(scan1.last.stdout);
  results.widen = {
    jobs1: { seconds: scan1.seconds, rssMb: scan1.rssMb, linesPerSecond: lines / scan1.seconds },
    jobs2: { seconds: scan2.seconds, rssMb: scan2.rssMb, linesPerSecond: lines / scan2.seconds },
    findings: report.findings.length,
    notes: report.notes.length,
    functionsChecked: report.stats.functions,
  };

  say('parse health: every function of every file');
  const health = await parseHealth(files);
  results.parse = { ...health, cleanShare: health.clean / health.functions, linesPerSecond: health.lines / health.seconds };

  const seedArgs = [cli, 'review', join(root, 'examples/seed/seed.patch'), '--tree', join(root, 'examples/seed/tree'), '--format', 'json'];
  const review = await repeat('widen review (seed)', process.execPath, seedArgs, root);
  const startup = await repeat('widen --version (start-up)', process.execPath, [cli, '--version'], root);
  results.review = { seconds: review.seconds, analysisMs: JSON.parse(review.last.stdout).stats.ms, startupSeconds: startup.seconds };

  results.app = appBench();

  const havePeer = !opts['no-peer'] && spawnSync('spatch', ['--version'], { encoding: 'utf8' }).status === 0;
  if (havePeer) {
    const cocci = join(root, 'scripts/bench/peer.cocci');
    const sp1 = await repeat('spatch -j 1', 'spatch', ['--sp-file', cocci, '--dir', dir, '-j', '1', '--very-quiet'], root, [0]);
    const sp2 = await repeat('spatch -j 2', 'spatch', ['--sp-file', cocci, '--dir', dir, '-j', '2', '--very-quiet'], root, [0]);
    results.spatch = {
      version: spawnSync('spatch', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0],
      jobs1: { seconds: sp1.seconds, rssMb: sp1.rssMb },
      jobs2: { seconds: sp2.seconds, rssMb: sp2.rssMb },
      findings: sp1.last.stdout.split('\n').filter(Boolean).length,
    };
  } else {
    say(opts['no-peer'] ? 'peer skipped (--no-peer)' : "spatch not found: install Coccinelle with 'apt-get install coccinelle' for the side-by-side figures");
  }

  writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  printTable(results);
}

function appRows(a) {
  return [
    ['App: API requests for the seed PR', `${a.requests} (${a.latencyMs} ms latency per request on the stand-in)`],
    ['App: longest request chain to the review', `${a.chain} (goal <= 4): ${a.chainList.join(' -> ')}`],
    ['App: webhook answered', `${Math.round(a.webhookAnsweredMs)} ms (goal < 1000 ms; the review continues after the answer)`],
    ['App: webhook to review posted', `${Math.round(a.webhookToReviewMs)} ms; to check run completed ${Math.round(a.webhookToCheckRunMs)} ms (writes are spaced 1 s apart, as GitHub asks)`],
    ['App: analysis of the seed PR', `${a.analysisMs.toFixed(1)} ms (median of 9, in-process; goal well under 100 ms)`],
  ];
}

function printTable(r) {
  const f1 = (x) => x.toFixed(2);
  if (!r.widen) {
    const rows = appRows(r.app);
    const w = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(`\nwiden bench (App only)\n\n${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n\nwritten to .bench/results.json\n`);
    return;
  }
  const rows = [
    ['corpus', `${r.corpus.dir}: ${r.corpus.files} files (${r.corpus.cFiles} .c), ${r.corpus.lines} lines`],
    ['widen scan, 1 job', `${f1(r.widen.jobs1.seconds)} s, ${Math.round(r.widen.jobs1.linesPerSecond)} lines/s, peak RSS ${Math.round(r.widen.jobs1.rssMb)} MB`],
    ['widen scan, 2 jobs', `${f1(r.widen.jobs2.seconds)} s, ${Math.round(r.widen.jobs2.linesPerSecond)} lines/s, peak RSS ${Math.round(r.widen.jobs2.rssMb)} MB`],
    ['widen findings / notes', `${r.widen.findings} findings, ${r.widen.notes} notes, ${r.widen.functionsChecked} functions checked after the prefilter`],
    ['parse health', `${r.parse.clean}/${r.parse.functions} functions without an ERROR node (${(100 * r.parse.cleanShare).toFixed(2)}%)`],
    ['full parse + CFG of every function', `${f1(r.parse.seconds)} s, ${Math.round(r.parse.linesPerSecond)} lines/s (in-process)`],
    ['review of the seed patch', `${Math.round(r.review.seconds * 1000)} ms wall, of which start-up ${Math.round(r.review.startupSeconds * 1000)} ms; analysis ${r.review.analysisMs} ms`],
    ...appRows(r.app),
  ];
  if (r.spatch) {
    rows.push(
      ['spatch, 1 job', `${f1(r.spatch.jobs1.seconds)} s, peak RSS ${Math.round(r.spatch.jobs1.rssMb)} MB, ${r.spatch.findings} reports (${r.spatch.version})`],
      ['spatch, 2 jobs', `${f1(r.spatch.jobs2.seconds)} s, peak RSS ${Math.round(r.spatch.jobs2.rssMb)} MB`],
      ['speed ratio (spatch / widen), 1 job', `${f1(r.spatch.jobs1.seconds / r.widen.jobs1.seconds)}x`],
      ['speed ratio (spatch / widen), 2 jobs', `${f1(r.spatch.jobs2.seconds / r.widen.jobs2.seconds)}x`],
      ['memory ratio (widen / spatch), 1 job', `${f1(r.widen.jobs1.rssMb / r.spatch.jobs1.rssMb)}x`],
    );
  }
  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\nwiden bench (median of ${r.runs} runs)\n\n${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n\nwritten to .bench/results.json\n`);
}

await main();

