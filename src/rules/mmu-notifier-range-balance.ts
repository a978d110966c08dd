/**
 * `mmu_notifier_invalidate_range_start(&range)` is paired with `_end(&range)` on every path; a
 * `_start_nonblock` that failed is not ended, and its result is tested.
 *
 * The catalog also asks for the range to nest inside the gather of the same zap. 6.12 does not
 * keep to that (`unmap_hugepage_range()` starts the range before `tlb_gather_mmu()`,
 * `try_to_unmap_one()` gathers only inside the range's loop), so that part is not checked.
 */
import { balanceCheck } from './balance.js';
import { defineRule } from './define-rule.js';
import { MMU_NOTIFIER_RANGE } from './resources.js';

export default defineRule({
  id: 'mmu-notifier-range-balance',
  meta: {
    summary: 'mmu_notifier_invalidate_range_start() must reach _end() on every path; a failed _nonblock start must not',
    severity: 'error',
    confidence: 'high',
    resources: [MMU_NOTIFIER_RANGE],
  },
  messages: {
    missingEnd: {
      headline: '`{{object}}` is started but not ended on every path',
      explanation:
        'Between `{{open}}` and `mmu_notifier_invalidate_range_end()`, secondary MMUs (KVM, IOMMU drivers, HMM) hold off new mappings of the range. On the path shown the function leaves with `{{object}}` still started, so they keep waiting (or keep stale translations) and the mm\'s invalidation count never drops.{{helper}}',
      fix: 'Call `mmu_notifier_invalidate_range_end(&{{object}})` on this path too, after the page-table changes of the range and {{leaving}}.{{skipped}}',
    },
    endWithoutStart: {
      headline: '`{{closer}}` can run when `{{object}}` is not started',
      explanation:
        'On the path shown this function {{cause}}: ending a range that is not started drops the mm\'s count of active invalidations (`active_invalidate_ranges`, mm/mmu_notifier.c) below the ranges really in flight, so interval notifiers can see a range as finished while it is still being invalidated.{{helper}}',
      fix: 'End only a started range: {{remedy}}',
    },
    startTwice: {
      headline: '`{{object}}` is started again while it is still started',
      explanation: '`{{open}}` starts `{{object}}` a second time before it was ended: the notifiers see two starts and one end, and the mm\'s count of active invalidations (`active_invalidate_ranges`, mm/mmu_notifier.c) never drops back to zero, so interval notifier users such as HMM wait forever in `mmu_interval_read_begin()`.',
      fix: 'Drop the second start if the range is still the same one, or end it with `mmu_notifier_invalidate_range_end()` before starting it again.',
    },
    resultIgnored: {
      headline: 'the result of `{{open}}` is not tested',
      explanation:
        '`mmu_notifier_invalidate_range_start_nonblock()` is `__must_check`: it fails with `-EAGAIN` when a notifier would block, and then the range is not started. Without testing the result the code cannot know whether to end the range.',
      fix: 'Test the result: on failure, skip the zap and do not call `mmu_notifier_invalidate_range_end()`.',
    },
  },
  check: balanceCheck(MMU_NOTIFIER_RANGE, { unclosed: 'missingEnd', unopened: 'endWithoutStart', reopened: 'startTwice', untested: 'resultIgnored' }),
});
