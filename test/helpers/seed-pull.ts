/**
 * The seed example (examples/seed) as a pull request: the base and head text of mm/memory.c,
 * the hunks GitHub's file list would carry, and git's blob SHA of the head file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyFilePatch, readPatches } from '../../src/patch/index.js';
import { repoRoot } from './root.js';

const root = repoRoot();

export interface PullFixtureFile {
  path: string;
  base: string;
  head: string;
  /** The hunks from the first `@@`, as GitHub's list of files gives them. */
  patch: string;
  headSha: string;
}

/** git's object id of a blob with `text`. */
export function blobSha(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** The hunks of the one file of a patch mail or diff, from the first `@@` to the end of the diff. */
export function hunksOf(diff: string): string {
  const lines = diff.split('\n');
  const start = lines.findIndex((l) => l.startsWith('@@'));
  const end = lines.findIndex((l, i) => i > start && (l === '-- ' || l.startsWith('diff --git')));
  return lines.slice(start, end === -1 ? undefined : end).join('\n').replace(/\n+$/, '');
}

/** A file of a pull request made from `base` and a patch (mail or diff) for it. */
export async function pullFile(path: string, base: string, diff: string): Promise<PullFixtureFile> {
  const [patch] = await readPatches(diff, 'fixture');
  const { text: head } = applyFilePatch(base, patch!.files[0]!, patch!);
  return { path, base, head, patch: hunksOf(diff), headSha: blobSha(head) };
}

/**
 * The seed case: `seed.patch` (the bug: an error and an advisory note), `seed-fixed.patch` (a
 * bracket per VMA: only the advisory note that the bracket is for pages, not page tables), or
 * `clean` (a comment reworded in `free_pgtables()`: nothing to report).
 */
export async function seedFile(name: 'seed.patch' | 'seed-fixed.patch' | 'clean' = 'seed.patch'): Promise<PullFixtureFile> {
  const base = readFileSync(join(root, 'examples/seed/tree/mm/memory.c'), 'utf8');
  const diff = name === 'clean' ? join(root, 'test/fixtures/github/seed-comment.diff') : join(root, 'examples/seed', name);
  return pullFile('mm/memory.c', base, readFileSync(diff, 'utf8'));
}

export const SEED_TITLE = 'mm: use correct VMA flags when freeing page-tables';
