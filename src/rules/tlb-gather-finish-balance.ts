/**
 * Every `tlb_gather_mmu*()` on a `struct mmu_gather` the function owns reaches exactly one
 * `tlb_finish_mmu()` on every feasible path out of the function.
 */
import { displayKey } from '../analysis/ast.js';
import { checkBalance, BracketIndex } from '../analysis/brackets.js';
import { defineRule } from './define-rule.js';
import { MMU_GATHER } from './pairs.js';

export default defineRule({
  id: 'tlb-gather-finish-balance',
  meta: {
    summary: 'tlb_gather_mmu*() must reach tlb_finish_mmu() on every path, exactly once',
    severity: 'error',
    confidence: 'high',
    triggers: ['tlb_gather_mmu', 'tlb_gather_mmu_fullmm', 'tlb_gather_mmu_vma', 'tlb_finish_mmu'],
  },
  messages: {
    missingFinish:
      '`{{gather}}` is gathered on line {{openLine}} ({{opener}}) but not finished on the path that leaves the function at line {{exitLine}}: tlb_finish_mmu() does the final TLB flush, frees the batched pages and page tables and drops the mm\'s pending-flush count, so on that path they leak.',
    finishWithoutGather:
      'tlb_finish_mmu() on line {{closeLine}} can run when `{{gather}}` is not gathered (never started, or already finished on this path): it would flush and free batches that were never set up.',
    gatherTwice:
      '`{{gather}}` is gathered again on line {{secondLine}} while the gather from line {{firstLine}} is still open: finish the first gather with tlb_finish_mmu() before starting another on the same object.',
  },
  check(fn, ctx) {
    const index = new BracketIndex(fn, MMU_GATHER, ctx.summaries);
    const result = checkBalance(fn, index);
    if (!result.complete) {
      ctx.incomplete('tlb_gather_mmu()/tlb_finish_mmu() balance');
      return;
    }
    for (const u of result.unclosed) {
      const exitLine = fn.line(u.exit.start);
      const opener = u.openCall.via ? `${u.openCall.via}(), which gathers for its caller` : `${u.openCall.call.name}()`;
      ctx.report({
        messageId: 'missingFinish',
        data: { gather: displayKey(u.object), openLine: fn.line(u.open.start), opener, exitLine },
        at: u.open,
        until: u.exit,
        related: [{ at: u.exit, message: u.exit.kind === 'return' ? `returns here with \`${displayKey(u.object)}\` still gathered` : `falls off the end here with \`${displayKey(u.object)}\` still gathered` }],
      });
    }
    for (const u of result.unopened) {
      ctx.report({
        messageId: 'finishWithoutGather',
        data: { gather: displayKey(u.object), closeLine: fn.line(u.close.start) },
        at: u.close,
      });
    }
    for (const r of result.reopened) {
      ctx.report({
        messageId: 'gatherTwice',
        data: { gather: displayKey(r.object), firstLine: fn.line(r.first.start), secondLine: fn.line(r.second.start) },
        at: r.second,
        related: [{ at: r.first, message: `first gathered here` }],
      });
    }
  },
});
