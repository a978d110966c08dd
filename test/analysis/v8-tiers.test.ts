/**
 * The V8 settings a command's entry point makes: which V8 gets which flag, and that the V8
 * running the tests takes it without complaint (a flag V8 does not know is an error line on
 * stderr, in every `widen scan`).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hotCodeOnlyFlag } from '../../src/analysis/v8-tiers.js';
import { repoRoot } from '../helpers/root.js';

describe('hotCodeOnlyFlag', () => {
  it('raises the interrupt budget six times in the V8 of Node 20', () => {
    expect(hotCodeOnlyFlag('11.3.244.8-node.33')).toBe('--interrupt-budget=405504');
  });

  it('leaves the V8s without the flag alone (Node 22, Node 24)', () => {
    expect(hotCodeOnlyFlag('12.4.254.21-node.33')).toBeNull();
    expect(hotCodeOnlyFlag('13.6.233.10-node.27')).toBeNull();
    expect(hotCodeOnlyFlag('')).toBeNull();
  });
});

describe('optimiseHotCodeOnly', () => {
  it('is taken by the running V8 without a word on stderr', () => {
    const module = pathToFileURL(join(repoRoot(), 'dist', 'analysis', 'v8-tiers.js')).href;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `(await import(${JSON.stringify(module)})).optimiseHotCodeOnly(); console.log('done');`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('done\n');
    expect(r.status).toBe(0);
  });
});
