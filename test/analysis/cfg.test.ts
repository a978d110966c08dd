/**
 * Golden CFG fixtures: each function of test/fixtures/cfg/*.c is dumped in the text form of
 * cfg-dump.ts and compared with the `.cfg` file next to it. Run with UPDATE_GOLDEN=1 to
 * rewrite the golden files after an intended change, then read the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cfgToDot, cfgToText } from '../../src/analysis/cfg-dump.js';
import { analyzeSource, functionOf } from '../helpers/analyze.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'cfg');

describe.each(readdirSync(dir).filter((f) => f.endsWith('.c')))('%s', (name) => {
  test('matches its golden CFG', async () => {
    const text = readFileSync(join(dir, name), 'utf8');
    const file = await analyzeSource(text, name);
    const dumps = file.functions.map((span) => {
      const fn = file.analyze(span);
      return `== ${span.name}\n${fn ? cfgToText(fn.cfg, file.source) : '(no body)\n'}`;
    });
    expect(file.notes).toEqual([]);
    const actual = dumps.join('\n');
    const golden = join(dir, name.replace(/\.c$/, '.cfg'));
    if (process.env['UPDATE_GOLDEN'] || !existsSync(golden)) writeFileSync(golden, actual);
    expect(actual).toBe(readFileSync(golden, 'utf8'));
  });
});

describe('CFG shape', () => {
  const text = readFileSync(join(dir, 'constructs.c'), 'utf8');

  test('goto edges reach their labels and every exit reaches the exit node', async () => {
    const fn = await functionOf(text, 'goto_chain');
    const gotos = fn.cfg.nodes.filter((n) => n.kind === 'goto');
    expect(gotos.map((g) => g.label)).toEqual(['out', 'out_a']);
    for (const g of gotos) {
      const target = fn.cfg.nodes[g.succ[0]!.to]!;
      expect([target.kind, target.label, g.succ[0]!.kind]).toEqual(['label', g.label, 'goto']);
    }
    expect(fn.cfg.nodes[fn.cfg.exit]!.pred.map((p) => p.kind)).toEqual(['return']);
  });

  test('a do { } while (0) has no back edge; BUG() ends its path', async () => {
    const loops = await functionOf(text, 'do_while_loops');
    const backs = loops.cfg.nodes.flatMap((n) => n.succ.filter((e) => e.kind === 'back'));
    expect(backs).toHaveLength(1);
    const early = await functionOf(text, 'early_return');
    const bug = early.cfg.nodes.find((n) => n.noreturn)!;
    expect([bug.noreturn, bug.succ]).toEqual([true, []]);
  });

  test('iterator macros become loops that define their cursor at the head', async () => {
    const fn = await functionOf(text, 'iterator_macros');
    const heads = fn.cfg.nodes.filter((n) => n.kind === 'loop');
    expect(heads.map((h) => h.macro!.name)).toEqual(['for_each_vma', 'list_for_each_entry_safe', 'scoped_guard']);
    const defs = heads.map((h) => h.events.filter((e) => e.k === 'def' && e.how === 'iter').map((e) => (e.k === 'def' ? e.key.replace(/@.*/, '') : '')));
    expect(defs).toEqual([['vma'], ['page', 'tmp'], []]);
    // A scope guard runs its body exactly once: no back edge to it.
    const guard = heads[2]!;
    expect(fn.cfg.nodes.some((n) => n.succ.some((e) => e.to === guard.id && e.kind === 'back'))).toBe(false);
  });

  test('the DOT dump names every node and edge', async () => {
    const fn = await functionOf(text, 'goto_chain');
    const dot = cfgToDot(fn.cfg, fn.file.source);
    expect(dot.startsWith('digraph "goto_chain" {')).toBe(true);
    expect(dot.match(/ -> /g)).toHaveLength(fn.cfg.nodes.reduce((n, x) => n + x.succ.length, 0));
  });
});
