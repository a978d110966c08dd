// Coccinelle rules for the checks widen's first rules make, used only as the peer in
// `npm run bench` (same files, same machine, one run). Written for widen; not kernel code.

// tlb_start_vma()/tlb_end_vma() on one gather with the VMA reassigned in between.
@vma_reassigned@
expression T, V, E;
position p;
@@
tlb_start_vma@p(T, V);
... when != tlb_end_vma(T, V)
V = E;
... when != tlb_start_vma(T, V)
tlb_end_vma(T, V);

@script:python depends on vma_reassigned@
p << vma_reassigned.p;
@@
print("%s:%s: tlb-vma-bracket-vma-reassigned" % (p[0].file, p[0].line))

// A local gather that some path leaves without tlb_finish_mmu().
@gather_unfinished exists@
identifier tlb;
expression M;
position p;
@@
struct mmu_gather tlb;
...
(
tlb_gather_mmu@p(&tlb, M);
|
tlb_gather_mmu_fullmm@p(&tlb, M);
|
tlb_gather_mmu_vma@p(&tlb, M);
)
... when != tlb_finish_mmu(&tlb)
    when forall
return ...;

@script:python depends on gather_unfinished@
p << gather_unfinished.p;
@@
print("%s:%s: tlb-gather-finish-balance" % (p[0].file, p[0].line))

// tlb_start_vma() with a return before tlb_end_vma().
@bracket_unbalanced exists@
expression T, V;
position p;
@@
tlb_start_vma@p(T, V);
... when != tlb_end_vma(T, V)
return ...;

@script:python depends on bracket_unbalanced@
p << bracket_unbalanced.p;
@@
print("%s:%s: tlb-vma-bracket-balance" % (p[0].file, p[0].line))
