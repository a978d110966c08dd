import { fingerprintMarker, markedFingerprints } from '../../src/github/marker.js';

const FP = 'f28d8cae983034069a4e5664de641de9';

describe('markers: only those widen placed are read', () => {
  test('a marker ending a line, alone or after a space, is read', () => {
    expect(markedFingerprints(`finding text\n${fingerprintMarker(FP)}`)).toEqual([FP]);
    expect(markedFingerprints(`- \`mm/memory.c:31\` error: something ${fingerprintMarker(FP)}\n- next`)).toEqual([FP]);
    expect(markedFingerprints(`text\r\n${fingerprintMarker(FP)}\r\n`)).toEqual([FP]);
  });

  test("a marker an author typed in a commit subject's code span or in quoted code is not", () => {
    // Sweep D: the subject, quoted in a code span, carried the seed error's marker, and the error
    // was never posted on the next push.
    expect(markedFingerprints(`#### Commit message of \`mm: fix ${fingerprintMarker(FP)}\``)).toEqual([]);
    expect(markedFingerprints(`Introduced by \`${fingerprintMarker(FP)}\` here`)).toEqual([]);
    // The same marker in a C comment of the fenced excerpt.
    const excerpt = ['````c', '/*', fingerprintMarker(FP), ' */', '````', 'after the fence'].join('\n');
    expect(markedFingerprints(excerpt)).toEqual([]);
    // A fence closes only with a run as long as its opener.
    expect(markedFingerprints(['````diff', '```', fingerprintMarker(FP), '````', fingerprintMarker('0123456789abcdef')].join('\n'))).toEqual(['0123456789abcdef']);
  });
});
