/**
 * A real `redis-server` for the queue's tests: Debian's package, started on a free loopback
 * port with persistence off, stopped with the test file. `.ci/run` installs the package.
 */
import { spawn, spawnSync } from 'node:child_process';
import { freePort } from './app-process.js';

export interface RedisProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts redis-server on `port` (a free one by default: a test restarting Redis gives the old one). */
export async function startRedis(port?: number): Promise<RedisProcess> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-server is not installed: apt-get install redis-server (the queue tests run a real one; .ci/run installs it)');
  }
  port ??= await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${out}`)), 10_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}) at start:\n${out}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
