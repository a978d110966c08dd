import picomatch from 'picomatch';
import { compileGlob, compileGlobs, GlobError, MAX_ALTERNATIVES, neverMatches } from '../../src/github/glob.js';

/**
 * The path globs of `.github/widen.yml` were picomatch's (with `dot: true`) until a glob could
 * stall the App; the matcher that replaced it must answer as picomatch did on what path globs
 * are written with.
 */
const GLOBS = [
  '**',
  '*',
  '*.c',
  '**/*.c',
  '**/*.[ch]',
  'mm/**',
  'mm/*',
  'mm/**/*.c',
  'arch/*/mm/**',
  'arch/*/mm/*.c',
  'arch/**/fault.c',
  'drivers/**/*.{c,h}',
  '{mm,kernel}/**/*.c',
  'mm/?ap.c',
  'mm/[a-m]*.c',
  'mm/[^a-m]*.c',
  'mm/*_*.c',
  'tools/**',
  '**/test*/**',
  '.github/**',
  '**/.*',
  'a**b',
  'include/linux/mm*.h',
  'Documentation/**/*.rst',
  'mm/\\*.c',
  '!mm/**',
  '**/{fault,memory}.c',
];

const PATHS = [
  'mm/memory.c',
  'mm/mmap.c',
  'mm/map.c',
  'mm/gup.c',
  'mm/vma_internal.h',
  'mm/damon/core.c',
  'mm/kasan/kasan_test.c',
  'mm/*.c',
  'arch/x86/mm/fault.c',
  'arch/arm64/mm/fault.c',
  'arch/s390/mm/pgalloc.h',
  'arch/x86/kernel/fault.c',
  'drivers/gpu/drm/i915/gem/i915_gem_mman.c',
  'drivers/vfio/vfio_iommu_type1.h',
  'kernel/fork.c',
  'kernel/bpf/task_iter.c',
  'include/linux/mm.h',
  'include/linux/mm_types.h',
  'include/linux/mmap_lock.h',
  'tools/testing/selftests/mm/gup_test.c',
  'lib/test_hmm.c',
  'lib/tests/x.c',
  '.github/widen.yml',
  'mm/.hidden.c',
  '.clang-format',
  'Documentation/mm/process_addrs.rst',
  'ab',
  'axxb',
  'a/b',
  'README',
];

describe('path globs match as picomatch did (dot: true)', () => {
  for (const glob of GLOBS) {
    it(glob, () => {
      const ours = compileGlob(glob);
      const theirs = picomatch(glob, { dot: true });
      const differ = PATHS.filter((p) => ours(p) !== theirs(p)).map((p) => `${p}: ours ${ours(p)}, picomatch ${theirs(p)}`);
      expect(differ).toEqual([]);
    });
  }

  it('a list matches when any glob of it does', () => {
    const m = compileGlobs(['mm/**', 'arch/*/mm/**']);
    expect(PATHS.filter((p) => m(p))).toEqual(PATHS.filter((p) => picomatch(['mm/**', 'arch/*/mm/**'], { dot: true })(p)));
    expect(compileGlobs([])('mm/memory.c')).toBe(false);
  });

  it('a negated glob in a list subtracts from what the plain ones select, as in .gitignore (sweep J)', () => {
    const m = compileGlobs(['mm/**', '!mm/kasan/**']);
    expect(['mm/memory.c', 'mm/kasan/init.c', 'drivers/gpu/x.c'].map((p) => m(p))).toEqual([true, false, false]);
    const only = compileGlobs(['!drivers/**']);
    expect(['mm/memory.c', 'drivers/gpu/x.c'].map((p) => only(p))).toEqual([true, false]);
  });

  it('names the globs that can match no repository path, and why', () => {
    expect(['/mm/**', './mm/**', 'mm/', 'mm//x', '!/mm/**'].map((g) => neverMatches(g) !== null)).toEqual([true, true, true, true, true]);
    expect(['mm/**', '**', '*.c', 'mm', '!mm/kasan/**', 'arch/*/mm/**'].map((g) => neverMatches(g))).toEqual([null, null, null, null, null, null]);
    expect(neverMatches('/mm/**')).toBe('paths are relative to the repository\'s root: write "mm/**"');
  });
});

describe('where the matcher differs from picomatch, on purpose', () => {
  it('reads [!...] as the complement of the class, as [^...]', () => {
    const m = compileGlob('mm/[!a-m]*.c');
    expect(['mm/memory.c', 'mm/gup.c', 'mm/vmscan.c', 'mm/page_alloc.c', 'mm/.hidden.c'].filter((p) => m(p))).toEqual(['mm/vmscan.c', 'mm/page_alloc.c', 'mm/.hidden.c']);
    expect(m('mm/x/y.c')).toBe(false);
  });

  it('matches what is under a directory with dir/**, not a file named like the directory', () => {
    expect(compileGlob('mm/**')('mm')).toBe(false);
    expect(compileGlob('mm/**')('mm/x')).toBe(true);
    expect(compileGlob('**/test*/**')('lib/test_hmm.c')).toBe(false);
    expect(compileGlob('**/test*/**')('lib/tests/x.c')).toBe(true);
  });
});

describe('no glob can stall a match', () => {
  it('answers at once on the backtracking case that froze the App', () => {
    // 21 stars and a name of 36 `a`s: picomatch's RegExp took hours on this (sweep D, defect 1).
    const glob = `**/*${'a*'.repeat(20)}z`;
    const path = `mm/${'a'.repeat(36)}.c`;
    expect(compileGlob(glob)(path)).toBe(false);
    expect(compileGlob(glob)(`mm/${'a'.repeat(36)}z`)).toBe(true);
    // The longest glob and name the schema and GitHub allow.
    const long = `${'*a'.repeat(249)}z`;
    expect(compileGlob(long)('a'.repeat(4096))).toBe(false);
  });

  it('refuses braces that expand past the bound, and keeps a lone brace literal', () => {
    const glob = '{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}';
    expect(2 ** 9).toBeGreaterThan(MAX_ALTERNATIVES);
    expect(() => compileGlob(glob)).toThrow(GlobError);
    expect(compileGlob('mm/{memory.c')('mm/{memory.c')).toBe(true);
    expect(compileGlob('mm/[memory.c')('mm/[memory.c')).toBe(true);
  });
});
