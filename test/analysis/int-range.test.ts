/** The integer ranges behind related value tests, against a brute-force reading of the same atoms. */
import fc from 'fast-check';
import { holds, IntRange, type IntOp } from '../../src/analysis/int-range.js';

const OPS: IntOp[] = ['<', '<=', '>', '>=', '==', '!='];
const atom = fc.record({ op: fc.constantFrom(...OPS), c: fc.integer({ min: -4, max: 4 }).map(BigInt), truth: fc.boolean() });

/** The values in -20..20 that satisfy every atom: the constants stay in -4..4, so the ends stand for infinity. */
function brute(atoms: Array<{ op: IntOp; c: bigint; truth: boolean }>): bigint[] {
  const out: bigint[] = [];
  for (let v = -20n; v <= 20n; v++) if (atoms.every((a) => holds(v, a.op, a.c) === a.truth)) out.push(v);
  return out;
}

test('a conjunction of atoms is empty exactly when no integer satisfies it', () => {
  fc.assert(
    fc.property(fc.array(atom, { maxLength: 6 }), (atoms) => {
      let range: IntRange | null = IntRange.ANY;
      for (const a of atoms) range = range === null ? null : range.and(a.op, a.c, a.truth);
      expect(range === null).toBe(brute(atoms).length === 0);
    }),
    { numRuns: 2000 },
  );
});

test('a range decides an atom exactly when every value left agrees on it', () => {
  fc.assert(
    fc.property(fc.array(atom, { maxLength: 5 }), atom, (atoms, q) => {
      let range: IntRange | null = IntRange.ANY;
      for (const a of atoms) range = range === null ? null : range.and(a.op, a.c, a.truth);
      fc.pre(range !== null);
      const values = brute(atoms);
      const truths = new Set(values.map((v) => holds(v, q.op, q.c)));
      expect(range!.decides(q.op, q.c)).toBe(truths.size === 1 ? [...truths][0] : undefined);
    }),
    { numRuns: 2000 },
  );
});

test('the literal forms a condition compares with', async () => {
  const { intLiteral } = await import('../../src/analysis/int-range.js');
  const lit = (text: string) => intLiteral({ k: 'lit', text, start: 0, end: text.length } as never);
  expect([lit('0'), lit('1UL'), lit('0x10'), lit('-12'), lit('NULL'), lit('true'), lit('07x')]).toEqual([0n, 1n, 16n, -12n, 0n, 1n, null]);
});

test('error numbers every architecture shares are values; the others stay names', async () => {
  const { intLiteral } = await import('../../src/analysis/int-range.js');
  const ident = (name: string) => ({ k: 'ident', name, start: 0, end: name.length }) as never;
  const neg = (name: string) => intLiteral({ k: 'unary', op: '-', arg: ident(name), start: 0, end: name.length + 1 } as never);
  expect([neg('EINTR'), neg('ENOSPC'), neg('EAGAIN'), neg('EWOULDBLOCK'), neg('ERANGE'), neg('ERESTARTSYS'), neg('ENOTSUPP')]).toEqual([-4n, -28n, -11n, -11n, -34n, -512n, -524n]);
  // errno.h proper (35 on) differs between architectures: ETIMEDOUT is 110, or 145 on mips.
  expect([neg('ETIMEDOUT'), neg('EOPNOTSUPP'), intLiteral(ident('ret'))]).toEqual([null, null, null]);
});
