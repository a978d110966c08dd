/**
 * `tlb_start_vma(tlb, vma)` and `tlb_end_vma(tlb, vma)` pair up on every path of the same
 * function: no path leaves between them, no end runs without a start, no start nests.
 */
import { balanceCheck } from './balance.js';
import { defineRule } from './define-rule.js';
import { TLB_VMA } from './resources.js';

export default defineRule({
  id: 'tlb-vma-bracket-balance',
  meta: {
    summary: 'tlb_start_vma() and tlb_end_vma() must pair up on every path of the same function',
    severity: 'error',
    confidence: 'high',
    resources: [TLB_VMA],
  },
  messages: {
    missingEnd: {
      headline: '`{{open}}` is not followed by `tlb_end_vma()` on every path',
      explanation:
        '`tlb_end_vma()` flushes the TLB for the range gathered under this VMA, with the flags `tlb_start_vma()` recorded. On the path shown the function leaves without it, so the range merges into whatever the gather collects next and is flushed with another VMA\'s flags.{{helper}}',
      fix: 'Call `tlb_end_vma()` on this path {{leaving}}, or leave the bracket through a label that ends it.{{skipped}}',
    },
    endWithoutStart: {
      headline: '`{{closer}}` can run on `{{object}}` without a `tlb_start_vma()`',
      explanation:
        'On the path shown this function {{cause}}, so {{thisClose}} flushes with the VMA flags recorded for another VMA, or with none at all.{{helper}}',
      fix: 'Pair each `tlb_end_vma()` with a `tlb_start_vma()` on the same gather and VMA: {{remedy}}',
    },
    nestedStart: {
      headline: '`tlb_start_vma()` runs again while a VMA bracket is still open',
      explanation:
        'A second `tlb_start_vma()` on `{{object}}` starts before the first bracket ended: the range gathered under the first start is never flushed with its own VMA\'s flags.',
      fix: 'Drop the second `tlb_start_vma()` if it brackets the same VMA, or call `tlb_end_vma()` before starting the next bracket.',
    },
  },
  check: balanceCheck(TLB_VMA, { unclosed: 'missingEnd', unopened: 'endWithoutStart', reopened: 'nestedStart' }),
});
