/**
 * `tlb_start_vma(tlb, vma)` and `tlb_end_vma(tlb, vma)` pair up on every path of the same
 * function: no path leaves between them, no end runs without a start, no start nests.
 */
import { displayKey } from '../analysis/ast.js';
import { checkBalance, BracketIndex } from '../analysis/brackets.js';
import { defineRule } from './define-rule.js';
import { TLB_VMA } from './pairs.js';

export default defineRule({
  id: 'tlb-vma-bracket-balance',
  meta: {
    summary: 'tlb_start_vma() and tlb_end_vma() must pair up on every path of the same function',
    severity: 'error',
    confidence: 'high',
    triggers: ['tlb_start_vma', 'tlb_end_vma'],
  },
  messages: {
    missingEnd:
      'tlb_start_vma() on line {{startLine}} has no tlb_end_vma() on the path that leaves the function at line {{exitLine}}: the range gathered for this VMA is not flushed with its own flags and merges into whatever the gather collects next.',
    endWithoutStart:
      'tlb_end_vma() on line {{endLine}} can run without a tlb_start_vma() on `{{tlb}}` before it: on that path the flush uses VMA flags recorded for another VMA, or none.',
    nestedStart:
      'tlb_start_vma() on line {{secondLine}} runs while the bracket opened on line {{firstLine}} is still open: the first VMA\'s range is never flushed with its own flags. Call tlb_end_vma() first.',
  },
  check(fn, ctx) {
    const index = new BracketIndex(fn, TLB_VMA, ctx.summaries);
    const result = checkBalance(fn, index);
    if (!result.complete) {
      ctx.incomplete('tlb_start_vma()/tlb_end_vma() balance');
      return;
    }
    for (const u of result.unclosed) {
      ctx.report({
        messageId: 'missingEnd',
        data: { startLine: fn.line(u.open.start), exitLine: fn.line(u.exit.start) },
        at: u.open,
        until: u.exit,
        related: [{ at: u.exit, message: u.exit.kind === 'return' ? 'returns here before tlb_end_vma()' : 'falls off the end here before tlb_end_vma()' }],
      });
    }
    for (const u of result.unopened) {
      ctx.report({ messageId: 'endWithoutStart', data: { endLine: fn.line(u.close.start), tlb: displayKey(u.object) }, at: u.close });
    }
    for (const r of result.reopened) {
      ctx.report({
        messageId: 'nestedStart',
        data: { firstLine: fn.line(r.first.start), secondLine: fn.line(r.second.start) },
        at: r.second,
        related: [{ at: r.first, message: 'bracket opened here' }],
      });
    }
  },
});
