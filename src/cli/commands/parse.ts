/** `node:util` parseArgs with its errors turned into usage messages. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from '../messages/index.js';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageError(`${(e as Error).message.replace(/\. To specify a positional.*$/s, '.')}`, usage);
  }
}
