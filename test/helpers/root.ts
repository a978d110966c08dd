/** The repository's top directory, found from this file whether it runs from source or compiled (the bench builds helpers into .bench/build). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function repoRoot(): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'widen') return dir;
  }
  throw new Error(`no widen package.json above ${import.meta.dirname}`);
}
