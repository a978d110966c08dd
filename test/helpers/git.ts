/**
 * Real patches for tests: a scratch git repository where a test writes files, commits, and
 * asks git for the diff or format-patch mail, so widen is tested on what git really produces.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export class ScratchRepo {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'widen-test-'));
    this.git('init', '-q');
    this.git('config', 'user.name', 'Test Author');
    this.git('config', 'user.email', 'author@example.org');
    this.git('config', 'commit.gpgsign', 'false');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8' });
  }

  write(files: Record<string, string>): void {
    for (const [path, text] of Object.entries(files)) {
      const full = join(this.dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    }
  }

  commit(files: Record<string, string>, message: string): void {
    this.write(files);
    this.git('add', '-A');
    this.git('commit', '-qm', message);
  }

  /** The last `n` commits as one mbox, as `git format-patch --stdout` writes it. */
  formatPatch(n = 1): string {
    return this.git('format-patch', '--thread', `-${n}`, '--stdout');
  }

  /** The tree as it was `back` commits ago, checked out into a fresh directory. */
  snapshot(back: number): string {
    const out = mkdtempSync(join(tmpdir(), 'widen-tree-'));
    execFileSync('sh', ['-c', `git archive HEAD~${back} | tar -x -C "${out}"`], { cwd: this.dir });
    return out;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
