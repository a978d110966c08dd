/**
 * The floor under a cold `widen scan` for `npm run bench`: the same scan of the current
 * directory, one job, with every rule's check skipped. Everything before a rule's own logic
 * still runs: listing, reading and prefiltering the files, normalising the kept ones, choosing
 * each rule's functions (with the summaries that takes), parsing them with tree-sitter,
 * converting them and building their CFGs and reaching definitions. Prints the time of the scan
 * itself, in this process (module loading aside), and what it analysed, as JSON.
 *
 * Usage: node scripts/bench/front-end.mjs WIDEN_ROOT   (in the tree to scan)
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const widenRoot = process.argv[2];
const load = (rel) => import(pathToFileURL(join(widenRoot, 'dist', rel)).href);
// The V8 setting `widen scan` makes (src/analysis/v8-tiers.ts), for a build that has it: the
// floor is the same scan's.
const tiers = await load('analysis/v8-tiers.js').catch(() => ({}));
tiers.optimiseHotCodeOnly?.();
const { RULES } = await load('rules/index.js');
const { scan } = await load('pipeline/scan.js');
const rules = RULES.map((r) => ({ ...r, check: () => {} }));
const t0 = performance.now();
const result = await scan({ paths: ['.'], rules, jobs: 1 });
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ms, functions: result.stats.functions, findings: result.findings.length })}\n`);
