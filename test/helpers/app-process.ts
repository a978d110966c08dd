/**
 * Starts the App the way a user does, `npm start` with the environment PRODUCT.md names, in its
 * own process group, and stops it with SIGTERM. Used by the end-to-end test and the benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { repoRoot } from './root.js';

const root = repoRoot();

export interface AppProcess {
  /** Where GitHub would send webhooks. */
  webhookUrl: string;
  baseUrl: string;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** SIGTERM to the process group; resolves with npm's exit code once everything has exited. */
  stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * A loopback port that refuses connections for the whole test: 1, privileged (no test binds
 * it) and unassigned. A port from {@link freePort} is free only until the next call takes it:
 * CI failed once when the App's own HTTP server got the "unreachable" Redis port, and the
 * Redis client read "Protocol error, got "H" as reply type byte" instead of ECONNREFUSED.
 */
export const REFUSED_PORT = 1;

export async function startApp(env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  let out = '';
  const child: ChildProcess = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', PORT: String(port), HOST: '127.0.0.1', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // 'close', not 'exit': npm may exit before the node process under it has flushed its last lines
  // into the shared pipes, and the SIGTERM test reads those lines.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the App exited at start:\n${out}`);
    const ok = await fetch(`${baseUrl}/ping`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`the App did not answer /ping within 20 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    webhookUrl: `${baseUrl}/api/github/webhooks`,
    baseUrl,
    output: () => out,
    async stop() {
      // npm runs node in a shell: signal the node process group-wide, as `docker stop` reaches PID 1's children.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return exited;
      }
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
