/**
 * The seed case as a three-commit series, committed with real git in a scratch repository:
 * commit 1 rewords a comment (harmless), commit 2 is the seed patch (the bracket around a loop
 * that reassigns `vma`), commit 3 moves the bracket into the loop (fixing it). Both the App's
 * tests (each commit's hunks and blobs as GitHub lists them) and the CLI's `--git` tests use it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyFilePatch, readPatches } from '../../src/patch/index.js';
import { ScratchRepo } from './git.js';
import { repoRoot } from './root.js';
import { blobSha, hunksOf, SEED_TITLE } from './seed-pull.js';

const root = repoRoot();
const PATH = 'mm/memory.c';

export interface SeriesCommit {
  sha: string;
  subject: string;
  message: string;
  /** The file after the commit, its blob sha, and the commit's hunks as GitHub lists them. */
  text: string;
  blob: string;
  patch: string;
}

export interface SeedSeries {
  repo: ScratchRepo;
  path: string;
  base: { sha: string; text: string };
  commits: SeriesCommit[];
  /** The whole change's hunks (base to the last commit), as a pull request's file list gives them. */
  finalPatch: string;
}

async function applied(text: string, diffPath: string): Promise<string> {
  const [patch] = await readPatches(readFileSync(diffPath, 'utf8'), diffPath);
  return applyFilePatch(text, patch!.files[0]!, patch!).text;
}

export const SERIES_SUBJECTS = ['mm: say that zap_vma_list() owns its gather', SEED_TITLE, 'mm: bracket each VMA when freeing page-tables'] as const;
export const REVERT_SUBJECT = `Revert "${SEED_TITLE}"`;

/**
 * Builds the series in a fresh scratch repository; `remove()` it when done. With `third:
 * 'revert'`, commit 3 reverts commit 2 instead of fixing it, so the final diff shows none of
 * commit 2's lines.
 */
export async function seedSeries(third: 'fix' | 'revert' = 'fix'): Promise<SeedSeries> {
  const base = readFileSync(join(root, 'examples/seed/tree/mm/memory.c'), 'utf8');
  const reworded = base.replace(' * Zap the VMAs of a list that cover [start, end), with a gather of its own.', ' * Zap the VMAs of a list that cover [start, end); the gather is its own.');
  if (reworded === base) throw new Error('examples/seed/tree/mm/memory.c changed: update test/helpers/seed-series.ts');
  const texts = [reworded, await applied(reworded, join(root, 'examples/seed/seed.patch')), third === 'fix' ? await applied(reworded, join(root, 'examples/seed/seed-fixed.patch')) : reworded];
  const subjects = [SERIES_SUBJECTS[0], SERIES_SUBJECTS[1], third === 'fix' ? SERIES_SUBJECTS[2] : REVERT_SUBJECT];
  const repo = new ScratchRepo();
  repo.commit({ [PATH]: base }, 'mm: the tree before the series');
  const baseSha = repo.git('rev-parse', 'HEAD').trim();
  const commits: SeriesCommit[] = [];
  for (const [k, text] of texts.entries()) {
    const message = `${subjects[k]}\n\nStep ${k + 1} of the series.\n\nSigned-off-by: Test Author <author@example.org>\n`;
    repo.commit({ [PATH]: text }, message);
    const sha = repo.git('rev-parse', 'HEAD').trim();
    commits.push({ sha, subject: subjects[k]!, message, text, blob: blobSha(text), patch: hunksOf(repo.git('show', '--format=', sha)) });
  }
  return { repo, path: PATH, base: { sha: baseSha, text: base }, commits, finalPatch: hunksOf(repo.git('diff', baseSha, 'HEAD')) };
}
