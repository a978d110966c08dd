/**
 * find-vma-missing-start-check: TODO say in one sentence what must hold, and where the kernel says so.
 */
import { defineRule } from './define-rule.js';

export default defineRule({
  id: 'find-vma-missing-start-check',
  meta: {
    summary: 'the result of find_vma() must be used',
    severity: 'warning',
    confidence: 'medium',
    resources: [],
    calls: ['find_vma'],
  },
  messages: {
    resultIgnored: {
      headline: 'the result of `{{call}}` is thrown away',
      explanation: 'TODO: why this is a bug, in the reviewer\'s words, citing the kernel comment or the historical bug it comes from.',
      fix: 'TODO: what to do instead.',
    },
  },
  check(fn, ctx) {
    for (const node of fn.cfg.nodes) {
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name !== 'find_vma') continue;
        if (node.kind === 'stmt' && node.expr === ev.call) ctx.report({ messageId: 'resultIgnored', data: { call: 'find_vma()' }, at: node });
      }
    }
  },
});
