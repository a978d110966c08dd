/**
 * Every `tlb_gather_mmu*()` on a `struct mmu_gather` the function owns reaches exactly one
 * `tlb_finish_mmu()` on every feasible path out of the function.
 */
import { balanceCheck } from './balance.js';
import { defineRule } from './define-rule.js';
import { MMU_GATHER } from './resources.js';

export default defineRule({
  id: 'tlb-gather-finish-balance',
  meta: {
    summary: 'tlb_gather_mmu*() must reach tlb_finish_mmu() on every path, exactly once',
    severity: 'error',
    confidence: 'high',
    resources: [MMU_GATHER],
  },
  messages: {
    missingFinish: {
      headline: '`{{object}}` is gathered but not finished on every path',
      explanation:
        '`{{open}}` starts a gather that only `tlb_finish_mmu()` ends: it does the final TLB flush, frees the batched pages and page tables, and drops the mm\'s pending-flush count. On the path shown the function leaves with `{{object}}` still gathered: the batched pages and page tables are never freed, the TLB is not flushed for what was unmapped, and `mm_tlb_flush_pending()` stays true for as long as the mm lives.{{helper}}',
      fix: 'Finish the gather on this path too: call `tlb_finish_mmu()` {{leaving}}, or leave through the label that does.{{skipped}}',
    },
    finishWithoutGather: {
      headline: '`{{closer}}` can run when `{{object}}` is not gathered',
      explanation:
        'On the path shown this function {{cause}}: `tlb_finish_mmu()` would flush and free batches that are not set up, and drop a pending-flush count that was not raised.{{helper}}',
      fix: 'Finish only what was gathered: {{remedy}}',
    },
    gatherTwice: {
      headline: '`{{object}}` is gathered again while its gather is still open',
      explanation:
        '`{{open}}` starts a new gather on `{{object}}` before the previous one was finished: the batches and the pending-flush count of the first gather are overwritten and never released.',
      fix: 'Finish the first gather with `tlb_finish_mmu()` before starting another on the same object.',
    },
  },
  check: balanceCheck(MMU_GATHER, { unclosed: 'missingFinish', unopened: 'finishWithoutGather', reopened: 'gatherTwice' }),
});
