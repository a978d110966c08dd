/**
 * Files that ship with the package beside dist/ (package.json, docs/rules/), found from wherever
 * the running module sits: dist/ in the compiled tree, dist/bundle/ in the command line's bundle
 * (scripts/bundle.mjs), src/ under the tests. The nearest directory up that holds a package.json
 * is the package's root.
 */
import { existsSync } from 'node:fs';

let root: URL | null = null;

export function packageFile(path: string): URL {
  if (root === null) {
    let dir = new URL('./', import.meta.url);
    while (!existsSync(new URL('package.json', dir))) {
      const up = new URL('../', dir);
      if (up.href === dir.href) throw new Error(`widen's package.json was not found above ${import.meta.url}`);
      dir = up;
    }
    root = dir;
  }
  return new URL(path, root);
}
