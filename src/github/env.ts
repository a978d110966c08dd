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

/** Probot's log levels (pino's), the values LOG_LEVEL may take. */
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * What is wrong with the App's environment, one sentence per variable, before Probot reads it:
 * Probot takes a missing WEBHOOK_SECRET as its public default `development` (anyone who can
 * reach the port could forge deliveries), a PORT that is no number as 3000, and a LOG_LEVEL it
 * does not know as a stack trace (sweep J). Without APP_ID the App starts Probot's setup page,
 * which registers the App and needs none of the rest.
 */
export function appEnvProblems(env: Readonly<Record<string, string | undefined>> = process.env, unused: readonly string[] = []): string[] {
  const problems: string[] = [];
  const set = (name: string): boolean => (env[name] ?? '') !== '';
  // A variable the caller does not use (`widen worker` takes no webhook and listens on no port).
  const checks = (name: string): boolean => !unused.includes(name);
  if (set('APP_ID') && !/^\d+$/.test(env['APP_ID']!)) problems.push(`APP_ID is "${env['APP_ID']}", but it is the App's numeric id (on the App's settings page, "App ID").`);
  if (checks('WEBHOOK_SECRET') && set('APP_ID') && !set('WEBHOOK_SECRET')) problems.push("WEBHOOK_SECRET is not set: it is the secret every delivery's signature is checked against, the one given to GitHub when the App was registered (or WEBHOOK_SECRET_FILE, a file holding it). Without it Probot would check against the public default `development`.");
  if (set('PRIVATE_KEY_PATH')) {
    try {
      readFileSync(env['PRIVATE_KEY_PATH']!, 'utf8');
    } catch (e) {
      problems.push(`PRIVATE_KEY_PATH names ${env['PRIVATE_KEY_PATH']}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
  }
  if (checks('PORT') && set('PORT') && !(/^\d+$/.test(env['PORT']!) && Number(env['PORT']) >= 1 && Number(env['PORT']) <= 65535)) problems.push(`PORT is "${env['PORT']}", but it is a TCP port number from 1 to 65535.`);
  if (set('LOG_LEVEL') && !LOG_LEVELS.includes(env['LOG_LEVEL']!)) problems.push(`LOG_LEVEL is "${env['LOG_LEVEL']}", but it is one of ${LOG_LEVELS.join(', ')}.`);
  if (set('GHE_PROTOCOL') && !['http', 'https'].includes(env['GHE_PROTOCOL']!)) problems.push(`GHE_PROTOCOL is "${env['GHE_PROTOCOL']}", but it is http or https.`);
  return problems;
}
