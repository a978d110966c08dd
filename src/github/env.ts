/**
 * Secrets from files as well as from the environment, so a container gets them from Docker or
 * Kubernetes secrets (`/run/secrets/...`) and nothing secret sits in an env file or the image:
 * `WEBHOOK_SECRET_FILE` and `PRIVATE_KEY_FILE` name files whose contents become
 * `WEBHOOK_SECRET` and `PRIVATE_KEY` (Probot itself already reads `PRIVATE_KEY_PATH`). A value
 * set directly wins. The contents are never logged; only the variable's name is, on failure.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

const FROM_FILE = ['WEBHOOK_SECRET', 'PRIVATE_KEY'] as const;

/** Fills `env.WEBHOOK_SECRET` and `env.PRIVATE_KEY` from their `_FILE` variables. */
export function loadSecretFiles(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of FROM_FILE) {
    const file = env[`${name}_FILE`];
    if (!file || env[name]) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new InputError('secret-file', `${name}_FILE names ${file}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Mount the secret there or unset ${name}_FILE.`);
    }
    // A secret file written by `echo` ends with a newline that is no part of the secret.
    env[name] = name === 'WEBHOOK_SECRET' ? text.replace(/\r?\n$/, '') : text;
  }
}

/** The private key is given somehow: directly, by path (Probot's PRIVATE_KEY_PATH) or by file. */
export function hasPrivateKey(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!(env['PRIVATE_KEY'] || env['PRIVATE_KEY_PATH']);
}
