/**
 * CFG dumps for debugging and for golden tests: Graphviz DOT (`widen debug cfg FILE FN | dot
 * -Tsvg`) and a compact text form, one node per line with its successors.
 *
 * A node is labelled with its line and source text: `if?` before a branch's condition (each
 * atom of a split `&&`/`||`/`?:` condition is a branch of its own), `switch` before a switch's
 * value, `loop` before an iterator macro. An operand split out of a statement is shown by its
 * own text, before the statement's node.
 */
import type { Cfg, CfgNode } from './cfg.js';
import type { SourceFile } from './source.js';

function nodeLabel(n: CfgNode, src: SourceFile): string {
  const line = src.position(n.start).line;
  switch (n.kind) {
    case 'entry':
      return 'entry';
    case 'exit':
      return 'exit';
    case 'label':
      return `L${line} ${n.label}:`;
    case 'case':
      return `L${line} ${src.text.slice(n.start, n.end).replace(/\s+/g, ' ').trim()}`;
    case 'join':
      return `L${line} do`;
    default: {
      if (n.preproc) return `L${line} ${n.preproc}`;
      const text = src.text.slice(n.start, n.end).replace(/\s+/g, ' ').trim();
      const short = text.length > 48 ? `${text.slice(0, 45)}...` : text;
      const prefix = n.kind === 'branch' ? (n.succ.some((e) => e.kind === 'case') ? 'switch ' : 'if? ') : n.kind === 'loop' ? 'loop ' : '';
      return `L${line} ${prefix}${short}`;
    }
  }
}

/** One line per node: `id: label -> succ(kind), ...`. Stable, for golden files. */
export function cfgToText(cfg: Cfg, src: SourceFile): string {
  const lines = cfg.nodes.map((n) => {
    const succ = n.succ.map((e) => `${e.to}${e.kind === 'next' ? '' : `(${e.kind}${e.back && e.kind !== 'back' ? ', back' : ''})`}`).join(', ');
    const flags = n.noreturn ? ' [noreturn]' : '';
    return `${n.id}: ${nodeLabel(n, src)}${flags}${succ ? ` -> ${succ}` : ''}`;
  });
  return `${lines.join('\n')}\n`;
}

function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function cfgToDot(cfg: Cfg, src: SourceFile): string {
  const out = [`digraph ${dotString(cfg.fn.name)} {`, '  node [shape=box, fontname="monospace"];'];
  for (const n of cfg.nodes) {
    const shape = n.kind === 'branch' || n.kind === 'loop' ? ', shape=diamond' : n.kind === 'entry' || n.kind === 'exit' ? ', shape=oval' : '';
    out.push(`  n${n.id} [label=${dotString(nodeLabel(n, src))}${shape}];`);
  }
  for (const n of cfg.nodes) {
    for (const e of n.succ) {
      const style = e.back ? ', style=dashed' : e.kind === 'goto' ? ', color=blue' : '';
      out.push(`  n${n.id} -> n${e.to}${e.kind === 'next' ? '' : ` [label=${dotString(e.kind)}${style}]`};`);
    }
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
