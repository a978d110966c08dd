/**
 * `npm run new-rule` writes a rule the catalog test accepts as it is: run in a scratch copy of
 * the repository (its sources, docs, fixtures and tests, with node_modules linked), then the
 * catalog test run there for the new id.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/root.js';

const root = repoRoot();
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'widen-new-rule-'));
  for (const p of ['src', 'docs', 'test', 'scripts', 'package.json', 'tsconfig.json', 'jest.config.js']) cpSync(join(root, p), join(scratch, p), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test('the scaffold writes the four pieces and the catalog test accepts them', () => {
  const made = spawnSync(process.execPath, ['scripts/new-rule.mjs', 'zz-example-check', '--severity', 'note', '--call', 'example_get'], { cwd: scratch, encoding: 'utf8' });
  expect(made.stderr).toBe('');
  expect(made.status).toBe(0);
  for (const p of ['src/rules/zz-example-check.ts', 'docs/rules/zz-example-check.md', 'test/fixtures/rules/zz-example-check/example.c']) expect(existsSync(join(scratch, p))).toBe(true);
  const index = readFileSync(join(scratch, 'src/rules/index.ts'), 'utf8');
  // Sorted by id, `zz-` lands last among the imports and in the list.
  expect(index).toMatch(/import zzExampleCheck from '\.\/zz-example-check\.js';\n\nexport const RULES/);
  expect(index).toMatch(/ {2}[a-zA-Z]+,\n {2}zzExampleCheck,\n\];/);

  const again = spawnSync(process.execPath, ['scripts/new-rule.mjs', 'zz-example-check'], { cwd: scratch, encoding: 'utf8' });
  expect([again.status, again.stderr]).toEqual([2, expect.stringMatching(/already exists/)]);

  const jest = spawnSync(process.execPath, [join(root, 'node_modules/jest/bin/jest.js'), 'test/rules/catalog.test.ts', 'test/rules/fixtures.test.ts', '-t', 'zz-example-check'], {
    cwd: scratch,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' },
  });
  expect([jest.status, jest.stderr.match(/Tests: .*/)?.[0]]).toEqual([0, expect.stringMatching(/^Tests: +\d+ skipped, 7 passed/)]);
}, 120_000);
