/**
 * Queue workers as separate processes, so a test can kill one the way a machine dies: either
 * the real `widen worker` command (dist/cli/main.js) or worker-child.mjs (the same worker code
 * without GitHub's one-write-a-second spacing, for many reviews in little time).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './root.js';

const root = repoRoot();

export interface WorkerProcess {
  output(): string;
  /** Job ids the worker logged as started and as done (JSON logs). */
  started(): string[];
  done(): string[];
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startWorker(env: Record<string, string>, opts: { cli?: boolean } = {}): Promise<WorkerProcess> {
  const args = opts.cli ? [join(root, 'dist/cli/main.js'), 'worker'] : [join(root, 'test/helpers/worker-child.mjs')];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // 'close' comes after the last output has been read; 'exit' can come before it.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  const readyLine = opts.cli ? /widen worker: waiting for reviews/ : /^ready$/m;
  while (!readyLine.test(out)) {
    if (child.exitCode !== null) throw new Error(`the worker exited at start:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the worker was not ready within 20 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const logged = (msg: string): string[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; jobId?: string })
      .filter((l) => l.msg === msg && l.jobId !== undefined)
      .map((l) => l.jobId!);
  return {
    output: () => out,
    started: () => logged('review started'),
    done: () => logged('review done'),
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
