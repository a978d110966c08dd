#!/usr/bin/env node
/**
 * Bundles the command line after `tsc` has compiled dist/: one ES module per entry (the `widen`
 * command and its scan worker threads) and one chunk per command loaded on demand, in
 * dist/bundle/. Loading about 90 compiled modules one by one was a third of a short command's
 * time (`widen --version`, a review of one patch, a scan with a warm cache); a handful of
 * bundled files load in a fraction of it.
 *
 * dist/cli/main.js (the package's `bin`, the path the image links and the Action runs) becomes
 * a one-line module that imports the bundle. npm packages stay outside the bundle and load from
 * node_modules as before: web-tree-sitter finds its .wasm beside its own module, and a package
 * only review uses (postal-mime, parse-diff) is imported only by the chunk that needs it.
 * The rest of dist/ (the GitHub App, the Action, the library modules) stays as tsc wrote it.
 */
import { build } from 'esbuild';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bundle');
rmSync(out, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', 'scan-worker': 'src/pipeline/scan-worker.ts' },
  outdir: out,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  // Dynamic imports (one per command) become chunks loaded only when that command runs.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
const bin = join(root, 'dist', 'cli', 'main.js');
writeFileSync(bin, "#!/usr/bin/env node\n// The `widen` command, bundled by scripts/bundle.mjs from src/cli/main.ts.\nimport '../bundle/main.js';\n");
rmSync(`${bin}.map`, { force: true });
chmodSync(bin, 0o755);
