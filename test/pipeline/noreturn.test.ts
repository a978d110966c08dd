/**
 * A scan reads `__noreturn` on the prototypes of the headers it scans: a path into such a call
 * ends there, as it does for the kernel's well-known ones.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scan } from '../../src/pipeline/scan.js';
import { findRule } from '../../src/rules/index.js';

// The unlock at `oom:` runs after the lock was released at `bad:` only by falling through
// `arch_terminate()`, which never returns.
const fault = `void arch_do_fault(struct mm_struct *mm, unsigned long address, int code)
{
	struct vm_area_struct *vma;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, address);
	if (!vma)
		goto bad;
	if (handle_arch_fault(vma, address) == -ENOMEM)
		goto oom;
	mmap_read_unlock(mm);
	return;
bad:
	mmap_read_unlock(mm);
	if (user_mode_fault(code))
		return;
	arch_terminate("bad area", code);
oom:
	mmap_read_unlock(mm);
	out_of_memory_kill();
}
`;

const header = `#ifndef _ASM_ARCH_TRAPS_H
#define _ASM_ARCH_TRAPS_H
void arch_terminate(const char *msg, int code) __noreturn __cold;
#endif
`;

function tree(withHeader: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'widen-noreturn-'));
  mkdirSync(join(root, 'arch/foo/mm'), { recursive: true });
  writeFileSync(join(root, 'arch/foo/mm/fault.c'), fault);
  if (withHeader) {
    mkdirSync(join(root, 'arch/foo/include/asm'), { recursive: true });
    writeFileSync(join(root, 'arch/foo/include/asm/traps.h'), header);
  }
  return root;
}

const rules = [findRule('mmap-lock-balance')!];

describe('scan: __noreturn from the headers it reads', () => {
  it('ends the path at a function a scanned header declares __noreturn', async () => {
    const report = await scan({ paths: [tree(true)], rules, jobs: 1 });
    expect(report.findings).toEqual([]);
  });

  it('without the header, follows the path through the call and reports the second unlock', async () => {
    const report = await scan({ paths: [tree(false)], rules, jobs: 1 });
    expect(report.findings.map((f) => [f.rule, f.messageId, f.line])).toEqual([['mmap-lock-balance', 'unlockNotHeld', 19]]);
  });
});
