/** Secrets from files (Docker secrets): WEBHOOK_SECRET_FILE and PRIVATE_KEY_FILE. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { appEnvProblems, hasPrivateKey, loadSecretFiles } from '../../src/github/env.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'widen-env-'));
  writeFileSync(join(dir, 'secret'), 'hook-secret\n');
  writeFileSync(join(dir, 'key.pem'), '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the _FILE variables fill WEBHOOK_SECRET (without the final newline) and PRIVATE_KEY (as is)', () => {
  const env: NodeJS.ProcessEnv = { WEBHOOK_SECRET_FILE: join(dir, 'secret'), PRIVATE_KEY_FILE: join(dir, 'key.pem') };
  loadSecretFiles(env);
  expect(env['WEBHOOK_SECRET']).toBe('hook-secret');
  expect(env['PRIVATE_KEY']).toBe('-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n');
  expect(hasPrivateKey(env)).toBe(true);
});

test('a value set directly wins over its file', () => {
  const env: NodeJS.ProcessEnv = { WEBHOOK_SECRET: 'direct', WEBHOOK_SECRET_FILE: join(dir, 'secret') };
  loadSecretFiles(env);
  expect(env['WEBHOOK_SECRET']).toBe('direct');
});

test('an unreadable file is an input error that names the variable and the file, not its contents', () => {
  const env: NodeJS.ProcessEnv = { WEBHOOK_SECRET_FILE: join(dir, 'missing') };
  expect(() => loadSecretFiles(env)).toThrow(InputError);
  expect(() => loadSecretFiles(env)).toThrow(`WEBHOOK_SECRET_FILE names ${join(dir, 'missing')}, which cannot be read (ENOENT). Mount the secret there or unset WEBHOOK_SECRET_FILE.`);
});

test('PRIVATE_KEY_PATH (read by Probot) counts as a key; nothing does not', () => {
  expect(hasPrivateKey({ PRIVATE_KEY_PATH: '/run/secrets/key' })).toBe(true);
  expect(hasPrivateKey({})).toBe(false);
});

describe('the App refuses an environment Probot would misread (sweep J)', () => {
  const base = { APP_ID: '12345', WEBHOOK_SECRET: 'hook-secret', PRIVATE_KEY: 'pem' };

  test('a complete environment, and the setup mode without APP_ID, pass', () => {
    expect(appEnvProblems(base)).toEqual([]);
    expect(appEnvProblems({ PORT: '3000' })).toEqual([]);
  });

  test('each wrong value is named with what it should be', () => {
    const problems = appEnvProblems({ APP_ID: 'abc', PRIVATE_KEY_PATH: join(dir, 'missing.pem'), PORT: 'abc', LOG_LEVEL: 'verbose', GHE_PROTOCOL: 'ftp' } as Record<string, string>);
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['APP_ID', 'WEBHOOK_SECRET', 'PRIVATE_KEY_PATH', 'PORT', 'LOG_LEVEL', 'GHE_PROTOCOL']);
    expect(problems[1]).toContain('Probot would check against the public default `development`');
    expect(problems[2]).toContain('ENOENT');
    expect(problems[3]).toBe('PORT is "abc", but it is a TCP port number from 1 to 65535.');
  });

  test('npm start exits 2 without WEBHOOK_SECRET, and says why', () => {
    const run = spawnSync(process.execPath, ['dist/github/server.js'], { env: { PATH: process.env['PATH'], APP_ID: '12345', PRIVATE_KEY: 'pem', PORT: '0' }, encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('widen: WEBHOOK_SECRET is not set');
    expect(run.stdout).toBe('');
  });
});
