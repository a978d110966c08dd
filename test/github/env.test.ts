/** Secrets from files (Docker secrets): WEBHOOK_SECRET_FILE and PRIVATE_KEY_FILE. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { hasPrivateKey, loadSecretFiles } from '../../src/github/env.js';

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
