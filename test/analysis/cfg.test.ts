/**
 * Golden CFG fixtures: each function of test/fixtures/cfg/*.c (one file per construct, one
 * function per variant) is dumped in the text form of cfg-dump.ts and compared with the `.cfg`
 * file next to it. A missing golden fails; run with UPDATE_GOLDEN=1 to write the golden files
 * after an intended change, then read the diff.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loopHeadAround, nearestAfter, type Cfg, type CfgNode } from '../../src/analysis/cfg.js';
import { cfgToDot, cfgToText } from '../../src/analysis/cfg-dump.js';
import { analyzeSource, functionOf } from '../helpers/analyze.js';
import { expectGolden } from '../helpers/golden.js';

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
    expectGolden(join(dir, name.replace(/\.c$/, '.cfg')), dumps.join('\n'));
  });
});

test('every construct the golden fixtures promise has its file', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.c')).sort();
  expect(files).toEqual(['backward-goto.c', 'conditional.c', 'constructs.c', 'do-while-macro.c', 'do-while-zero.c', 'goto-macro.c', 'short-circuit.c', 'statement-expressions.c', 'switch-in-loop.c', 'switch-no-default.c']);
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
    const backs = loops.cfg.nodes.flatMap((n) => n.succ.filter((e) => e.back === true));
    expect(backs).toHaveLength(1);
    const early = await functionOf(text, 'early_return');
    const bug = early.cfg.nodes.find((n) => n.noreturn)!;
    expect([bug.noreturn, bug.succ]).toEqual([true, []]);
  });

  test('an iterator macro ending a do-while steps its cursor at the bottom, after the first pass', async () => {
    const fn = await functionOf(readFileSync(join(dir, 'do-while-macro.c'), 'utf8'), 'rollup');
    const step = fn.cfg.nodes.find((n) => n.kind === 'loop')!;
    expect(step.macro!.name).toBe('for_each_vma');
    expect(step.events.filter((e) => e.k === 'def').map((e) => e.k === 'def' && [e.key, e.how])).toEqual([['vma@param', 'iter']]);
    const top = fn.cfg.nodes.find((n) => n.kind === 'join' && n.succ.some((e) => fn.cfg.nodes[e.to]!.kind !== 'exit'))!;
    expect(step.succ.map((e) => [e.to, e.kind, e.back ?? false])).toEqual([[top.id, 'true', true], [step.id + 1, 'false', false]]);
  });

  test('iterator macros become loops that define their cursor at the head', async () => {
    const fn = await functionOf(text, 'iterator_macros');
    const heads = fn.cfg.nodes.filter((n) => n.kind === 'loop');
    expect(heads.map((h) => h.macro!.name)).toEqual(['for_each_vma', 'list_for_each_entry_safe', 'scoped_guard']);
    const defs = heads.map((h) => h.events.filter((e) => e.k === 'def' && e.how === 'iter').map((e) => (e.k === 'def' ? e.key.replace(/@.*/, '') : '')));
    expect(defs).toEqual([['vma'], ['page', 'tmp'], []]);
    // A scope guard runs its body exactly once: no back edge to it.
    const guard = heads[2]!;
    expect(fn.cfg.nodes.some((n) => n.succ.some((e) => e.to === guard.id && e.back === true))).toBe(false);
  });

  test('the DOT dump names every node and edge', async () => {
    const fn = await functionOf(text, 'goto_chain');
    const dot = cfgToDot(fn.cfg, fn.file.source);
    expect(dot.startsWith('digraph "goto_chain" {')).toBe(true);
    expect(dot.match(/ -> /g)).toHaveLength(fn.cfg.nodes.reduce((n, x) => n + x.succ.length, 0));
  });
});

/** The node of `fn` whose source text is `text` (the first one). */
function nodeOf(cfg: Cfg, src: string, text: string): CfgNode {
  const n = cfg.nodes.find((x) => src.slice(x.start, x.end) === text);
  if (!n) throw new Error(`no node '${text}'`);
  return n;
}

describe('CFG shape of each construct', () => {
  const fixture = async (file: string, name: string) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const fn = await functionOf(text, name);
    return { cfg: fn.cfg, node: (t: string) => nodeOf(fn.cfg, text, t) };
  };
  const succ = (cfg: Cfg, n: CfgNode) => n.succ.map((e) => [cfg.nodes[e.to]!.kind, e.kind]);

  test('a backward goto closes a loop through its label', async () => {
    const { cfg, node } = await fixture('backward-goto.c', 'grab_slot');
    const label = cfg.nodes.find((n) => n.kind === 'label')!;
    const gotos = cfg.nodes.filter((n) => n.kind === 'goto');
    expect(gotos.map((g) => g.succ)).toEqual([[{ to: label.id, kind: 'goto' }], [{ to: label.id, kind: 'goto' }]]);
    expect(gotos.every((g) => g.id > label.id)).toBe(true);
    expect(node('return slot;').pred.map((e) => e.kind)).toEqual(['false']);
  });

  test('a goto to a macro goes to every label the file defines it as', async () => {
    const { cfg, node } = await fixture('goto-macro.c', 'pick_slot');
    const jump = cfg.nodes.find((n) => n.kind === 'goto')!;
    expect(jump.succ).toEqual([
      { to: node('no_slot:').id, kind: 'goto' },
      { to: node('small_slot:').id, kind: 'goto' },
    ]);
    expect(cfg.unresolvedGotos).toEqual([]);
  });

  test('a goto to a macro that names no label of the function is unresolved, and a note says so', async () => {
    const src = '#define TARGET elsewhere\nint f(int a)\n{\n\tif (a)\n\t\tgoto TARGET;\n\treturn 0;\nout:\n\treturn 1;\n}\n';
    const file = await analyzeSource(src);
    const fn = file.analyze(file.functions[0]!)!;
    expect(fn.cfg.unresolvedGotos.map((g) => g.label)).toEqual(['TARGET']);
    expect(file.notes.map((n) => [n.kind, n.line])).toEqual([['unresolved-goto', 5]]);
  });

  test('a switch without default skips its body for a value no case names', async () => {
    const { cfg, node } = await fixture('switch-no-default.c', 'classify_fault');
    const head = cfg.nodes.find((n) => n.succ.some((e) => e.kind === 'case'))!;
    expect(head.succ.filter((e) => e.to === node('return ret;').id)).toEqual([{ to: node('return ret;').id, kind: 'case' }]);
  });

  test('continue in a switch in a loop goes to the loop; break leaves only the switch', async () => {
    const { cfg, node } = await fixture('switch-in-loop.c', 'scan_entries');
    expect(succ(cfg, cfg.nodes.find((n) => n.kind === 'continue')!)).toEqual([['stmt', 'next']]);
    expect(cfg.nodes.find((n) => n.kind === 'continue')!.succ[0]!.to).toBe(node('i++').id);
    expect(cfg.nodes.find((n) => n.kind === 'break')!.succ[0]!.to).toBe(node('seen++;').id);
    const pump = await fixture('switch-in-loop.c', 'pump_events');
    const head = pump.node('ev = next_event(ring)');
    expect(pump.cfg.nodes.find((n) => n.kind === 'continue')!.succ).toEqual([{ to: head.id, kind: 'back', back: true }]);
    expect(pump.cfg.nodes.filter((n) => n.kind === 'break').map((b) => b.succ[0]!.to)).toEqual([pump.node('release_event(ev);').id, pump.node('release_event(ev);').id]);
  });

  test('a call on the right of && or || runs only on the edge that evaluates it', async () => {
    const { node } = await fixture('short-circuit.c', 'and_or');
    expect(node('page_ready(page)').pred).toEqual([{ to: node('page').id, kind: 'true' }]);
    expect(node('page_locked(page)').pred).toEqual([{ to: node('!page').id, kind: 'false' }]);
  });

  test('each arm of ?: runs on its own edge', async () => {
    const { node } = await fixture('conditional.c', 'pick');
    const test_ = node('file');
    expect([node('file_size(file)').pred, node('default_size()').pred]).toEqual([[{ to: test_.id, kind: 'true' }], [{ to: test_.id, kind: 'false' }]]);
  });

  test('do { } while (0) runs once: no back edge; break and continue leave it', async () => {
    const { cfg, node } = await fixture('do-while-zero.c', 'early_out');
    expect(cfg.nodes.flatMap((n) => n.succ).some((e) => e.back === true)).toBe(false);
    const test_ = node('0');
    expect(cfg.nodes.find((n) => n.kind === 'continue')!.succ[0]!.to).toBe(test_.id);
    expect(cfg.nodes.find((n) => n.kind === 'break')!.succ[0]!.to).toBe(node('return err;').id);
  });

  test("a loop whose condition holds a statement expression runs the statement expression's body each time", async () => {
    const { cfg, node } = await fixture('statement-expressions.c', 'in_loop');
    const body = node('int more = has_more(inode);');
    expect(cfg.nodes.flatMap((n) => n.succ.filter((e) => e.back === true)).map((e) => e.to)).toEqual([body.id]);
  });
});

describe('assertions', () => {
  it('BUG_ON(c) is a branch whose true side stops: the path goes on only where c is false', async () => {
    const text = 'int f(struct vm_area_struct *vma)\n{\n\tBUG_ON(!vma);\n\treturn vma->vm_flags;\n}\n';
    const fn = await functionOf(text, 'f');
    const branch = fn.cfg.nodes.find((n) => n.kind === 'branch')!;
    const stop = fn.cfg.nodes.find((n) => n.noreturn)!;
    expect(branch.succ.map((e) => [fn.cfg.nodes[e.to]!.kind, e.kind])).toEqual([['stmt', 'true'], ['return', 'false']]);
    expect([stop.succ, stop.events]).toEqual([[], []]);
  });
});

test('nearestAfter() goes by source position, not by node id: a for loop\'s update is built after its body', async () => {
  const text = 'void f(int n)\n{\n\tint i;\n\n\tfor (i = 0; i < n; i = step(i))\n\t\tbody(i);\n\tafter();\n}\n';
  const fn = await functionOf(text, 'f');
  const calls = (name: string): CfgNode[] => fn.cfg.nodes.filter((n) => n.events.some((e) => e.k === 'call' && e.name === name));
  const [step] = calls('step');
  const [body] = calls('body');
  // The builder made the update after the body, though it comes first in the source.
  expect(step!.id).toBeGreaterThan(body!.id);
  const cond = fn.cfg.nodes.find((n) => fn.text(n) === 'i < n')!;
  expect(nearestAfter([...calls('body'), ...calls('step'), ...calls('after')], cond.start)).toBe(step);
  expect(nearestAfter([...calls('body'), ...calls('after')], body!.start)?.id).toBe(calls('after')[0]!.id);
  expect(nearestAfter(calls('body'), body!.start)).toBeNull();
});

test('loopHeadAround() finds the innermost loop that holds a node, not a loop nested beside it', async () => {
  const text = 'void f(int n)\n{\n\tint i, j;\n\n\tbefore();\n\twhile (more()) {\n\t\tfor (j = 0; j < n; j++)\n\t\t\tinner(j);\n\t\tuse();\n\t}\n\tafter();\n}\n';
  const fn = await functionOf(text, 'f');
  const call = (name: string): CfgNode => fn.cfg.nodes.find((n) => n.events.some((e) => e.k === 'call' && e.name === name))!;
  const head = (name: string): string | undefined => {
    const h = loopHeadAround(fn.cfg, call(name));
    return h ? fn.text(h) : undefined;
  };
  // use() follows the inner loop in the outer loop's body: the outer head holds it.
  expect(head('use')).toBe('more()');
  expect(head('inner')).toBe('j < n');
  expect(head('before')).toBeUndefined();
  expect(head('after')).toBeUndefined();
});
