/**
 * The kernel trees `npm run bench` measures on, extracted at run time from the Debian
 * packages' tarballs into .bench/ (never committed, never copied into the repository):
 *
 *   .bench/linux-6.12-full/  the whole linux-source-6.12 tree (precision, recall, speed, health)
 *   .bench/linux-6.12/       its mm/ and arch/*\/mm/ (the side-by-side with Coccinelle)
 *   .bench/linux-6.1-full/   the whole linux-source-6.1 tree (precision on the older tree)
 *   .bench/linux-6.1/        its mm/ and arch/*\/mm/ (precision in the issue's scope, recall, the large diff)
 *
 * Each is extracted once and reused; a marker file written after a complete extraction keeps
 * an interrupted one from being taken for a tree.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MARKER = '.widen-bench-extracted';

export class CorpusError extends Error {}

function topDir(tar) {
  return execFileSync('sh', ['-c', 'tar -tJf "$1" | head -1', 'sh', tar], { encoding: 'utf8' }).split('/')[0];
}

function requireTar(tar, pkg) {
  if (!existsSync(tar)) throw new CorpusError(`${tar} is missing. Install the kernel sources with 'apt-get install ${pkg}' (or pass the tarball's path).`);
}

/** The whole tree of `tar` under `out`, extracted on first use. */
export function wholeTree(tar, out, say, pkg = 'linux-source-6.12') {
  if (existsSync(join(out, MARKER))) return out;
  requireTar(tar, pkg);
  say(`extracting the whole of ${tar} into ${out} (once; 1.5 to 1.7 GB) ...`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  execFileSync('tar', ['-xJf', tar, '-C', out, '--strip-components=1']);
  writeFileSync(join(out, MARKER), `${tar}\n`);
  return out;
}

/**
 * mm/ and arch/*\/mm/ under `out`: copied from `whole` when that tree is there (fast), else
 * extracted from `tar`. A directory with mm/ and no marker predates the marker and is kept.
 */
export function mmSubset(tar, out, say, whole = null, pkg = 'linux-source-6.12') {
  if (existsSync(join(out, MARKER)) || existsSync(join(out, 'mm', 'memory.c'))) return out;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  if (whole && existsSync(join(whole, MARKER))) {
    say(`copying mm/ and arch/*/mm/ from ${whole} into ${out} ...`);
    cpSync(join(whole, 'mm'), join(out, 'mm'), { recursive: true });
    for (const arch of readdirSync(join(whole, 'arch'))) {
      const mm = join(whole, 'arch', arch, 'mm');
      if (existsSync(mm)) cpSync(mm, join(out, 'arch', arch, 'mm'), { recursive: true });
    }
  } else {
    requireTar(tar, pkg);
    say(`extracting mm/ and arch/*/mm/ from ${tar} into ${out} ...`);
    const top = topDir(tar);
    execFileSync('tar', ['-xJf', tar, '-C', out, '--strip-components=1', '--wildcards', `${top}/mm/*`, `${top}/arch/*/mm/*`, `${top}/Makefile`]);
  }
  writeFileSync(join(out, MARKER), `${tar}\n`);
  return out;
}

/** "6.12.118" from a tree's top Makefile, or null when the tree has none. */
export function kernelVersion(tree) {
  const mk = join(tree, 'Makefile');
  if (!existsSync(mk)) return null;
  const text = readFileSync(mk, 'utf8');
  const v = (k) => new RegExp(`^${k}[ \\t]*=[ \\t]*(\\S*)`, 'm').exec(text)?.[1] ?? '';
  return `${v('VERSION')}.${v('PATCHLEVEL')}.${v('SUBLEVEL')}${v('EXTRAVERSION')}`;
}

/** The installed Debian package's version ("6.12.118-1~deb12u1"), or null. */
export function packageVersion(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Every .c/.h file under `dir`, sorted, as paths relative to it. Symbolic links are left out:
 * the 20 in 6.12 (tools/testing/selftests) point at files of the tree that are counted anyway.
 */
export function cFiles(dir, rel = '', out = []) {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) cFiles(dir, p, out);
    else if (/\.[ch]$/.test(e.name) && e.isFile()) out.push(p);
  }
  return rel ? out : out.sort();
}

/** mm/ and arch/*\/mm/, the part of a tree the catalog's rules are about. */
export function inMmSubset(path) {
  return path.startsWith('mm/') || /^arch\/[^/]+\/mm\//.test(path);
}
