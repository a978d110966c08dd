import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** test/fixtures/patch/, made by its generate.sh from real git output. Jest runs from the project root. */
export const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'patch');

/** A fixture as text, exactly as stored (CRs included). */
export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** A fixture as raw bytes. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}
