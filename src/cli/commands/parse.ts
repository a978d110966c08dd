/** `node:util` parseArgs with its errors turned into usage messages. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from '../messages/index.js';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageError(wordParseError(e as Error & { code?: string }), usage);
  }
}

/**
 * parseArgs' messages, reworded where they mislead: `--jobs -1` is "ambiguous" to parseArgs
 * (the value looks like an option), while the user gave a value widen should judge.
 */
function wordParseError(e: Error & { code?: string }): string {
  const ambiguous = /^Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument is ambiguous/.exec(e.message);
  if (ambiguous) {
    return `${ambiguous[1]} needs a value, and what follows it starts with '-', so widen takes it for an option. ` +
      `Give the value as ${ambiguous[1]}=VALUE if it really starts with '-'.`;
  }
  const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(e.message);
  if (missing) return `${missing[1]} needs a value (${missing[1]} VALUE or ${missing[1]}=VALUE).`;
  return e.message.replace(/\. To specify a positional.*$/s, '.');
}
