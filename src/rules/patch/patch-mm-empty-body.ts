/**
 * A patch that changes mm code with nothing but a subject and trailers. mm patches are judged
 * by their reasoning (which locks are held, why a path cannot race), and the commit message is
 * where it lives for the next reader of `git blame`.
 */
import { createRequire } from 'node:module';
import type picomatch from 'picomatch';
import { definePatchRule } from './define-patch-rule.js';

/**
 * What counts as mm code: the files of the MAINTAINERS "MEMORY MANAGEMENT" entry, the
 * architectures' mm code, and the headers of the APIs widen's rules check (the gather, the
 * page-table and huge-page helpers). Documentation is not code.
 */
export const MM_PATHS: readonly string[] = [
  'mm/**',
  'arch/*/mm/**',
  'include/linux/mm*.h',
  'include/linux/gfp*.h',
  'include/linux/mem{fd,ory,ory_hotplug,ory-tiers,policy,pool,remap}.h',
  'include/linux/{pagewalk,rmap,huge_mm,pgtable,pagemap,vmalloc,swap}.h',
  'include/linux/hugetlb*.h',
  'include/asm-generic/tlb.h',
  'include/trace/events/ksm.h',
  'tools/mm/**',
  'tools/testing/selftests/mm/**',
];

let mmMatcher: ((path: string) => boolean) | null = null;

/**
 * Whether `path` is mm code. The matcher is built on first use: every command loads the rule
 * catalog, and loading picomatch cost `widen scan`, which runs no patch rule, 20 ms of start-up.
 */
function isMm(path: string): boolean {
  mmMatcher ??= (createRequire(import.meta.url)('picomatch') as typeof picomatch)([...MM_PATHS]);
  return mmMatcher(path);
}

export default definePatchRule<'empty'>({
  id: 'patch-mm-empty-body',
  meta: {
    summary: 'a patch that changes mm code says what and why in its commit message body',
    severity: 'note',
    confidence: 'high',
  },
  messages: {
    empty: {
      headline: 'a patch to mm code (`{{path}}`) has no commit message body',
      explanation:
        'The patch changes {{path}} but says nothing beyond its subject and trailers. mm changes are reviewed, ' +
        'and later bisected and blamed, by their reasoning: what was wrong, why the change is right, which ' +
        'locks and paths it relies on. A subject line cannot carry that.',
      fix: 'Add a body between the subject and the trailers: the problem, how it shows, and why this fixes it.',
    },
  },
  check(commit, ctx) {
    if (commit.body !== '') return;
    const path = commit.paths.find((p) => isMm(p));
    if (path !== undefined) ctx.report({ messageId: 'empty', data: { path } });
  },
});
