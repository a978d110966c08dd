#!/usr/bin/env node
/**
 * npm's `prepare`: builds dist/ unless it was built from exactly the sources there are now.
 *
 * npm runs `prepare` after `npm ci`, and again whenever `npx widen` or `npm exec widen` is run
 * inside the clone (npm treats the clone as a package to install before running its bin), where
 * an unconditional build made the README's first call take 8-14 s instead of under a second
 * (sweep J). The build's inputs are hashed: the sources, the TypeScript configuration, the
 * bundler script and the package manifest and lock. dist/.build-inputs holds the hash of the
 * inputs of the build that wrote it, so a changed, added or removed source always rebuilds.
 * `npm run build` and `npm test` (its `pretest`) still build unconditionally.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-inputs');
const SINGLE = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/bundle.mjs'];

/** Every file under `dir`, sorted, as paths from the root. */
function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(root, p));
    }
  };
  walk(join(root, dir));
  return out;
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const f of [...SINGLE.filter((f) => existsSync(join(root, f))), ...filesUnder('src')]) {
    // The name too: a file renamed is a different build.
    hash.update(`${f}\0`);
    hash.update(readFileSync(join(root, f)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

const wanted = inputsHash();
const built = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : null;
if (built === wanted && existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  process.stderr.write('widen: dist/ was built from these sources; not building again (npm run build forces it).\n');
  process.exit(0);
}
const run = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (run.error) throw run.error;
if (run.status !== 0) process.exit(run.status ?? 1);
writeFileSync(stamp, `${wanted}\n`);
