/**
 * No `Signed-off-by` from the patch's author: the Developer's Certificate of Origin is the
 * author's statement, and checkpatch's NO_AUTHOR_SIGN_OFF / FROM_SIGN_OFF_MISMATCH are the
 * first thing a maintainer's scripts complain about.
 */
import { definePatchRule } from './define-patch-rule.js';
import { parseIdentity, type Identity } from './commit.js';

type Messages = 'missing' | 'notTrailer' | 'notByAuthor' | 'otherAddress';

/** A `Signed-off-by:` line wherever it stands, the key in any case. */
const SIGNOFF_LINE = /^\s*signed-off-by\s*:/i;

function sameAddress(a: Identity, b: Identity): boolean {
  return a.email !== null && b.email !== null && a.email.toLowerCase() === b.email.toLowerCase();
}

function sameName(a: Identity, b: Identity): boolean {
  // Composed and decomposed accents are one name (sweep AH: `Jörg Rödel` in NFD in From:, NFC in the sign-off).
  return a.name !== null && b.name !== null && a.name.normalize('NFC').toLowerCase() === b.name.normalize('NFC').toLowerCase();
}

export default definePatchRule<Messages>({
  id: 'patch-signoff-author',
  meta: {
    summary: 'a patch carries a `Signed-off-by:` from its author (the From: of the mail or commit)',
    severity: 'note',
    confidence: 'high',
  },
  messages: {
    missing: {
      headline: 'the patch has no `Signed-off-by:` trailer',
      explanation:
        'Every kernel patch carries its author\'s `Signed-off-by:`, the Developer\'s Certificate of Origin ' +
        '(Documentation/process/submitting-patches.rst); without one a maintainer cannot apply it, however good the code.',
      fix: 'If you can certify the DCO, add `Signed-off-by: {{author}}` as the last trailer (`git commit --amend -s`).',
    },
    notTrailer: {
      headline: 'the `Signed-off-by:` is not among the trailers that end the message',
      explanation:
        'The message has `{{signoff}}`, but not in its trailer block (the last paragraph, where the `Key: value` ' +
        'trailers go). `git interpret-trailers`, `b4` and the maintainers\' scripts look for the sign-off there, ' +
        'and find none.',
      fix: 'Move the sign-off into the last paragraph, with the other trailers and no prose after it (`git commit --amend -s` adds it there).',
    },
    notByAuthor: {
      headline: 'no `Signed-off-by:` from the author `{{author}}`',
      explanation:
        'The patch is signed off by {{signers}}, but not by its author `{{author}}` (the From: that `git am` records). ' +
        'The first sign-off certifies the author\'s own work; others only certify passing it on.',
      fix:
        'Ask the author to add `Signed-off-by: {{author}}`. If the author is someone else than the mail\'s sender, ' +
        'start the body with an in-body `From: Name <address>` line of the real author (`git format-patch` writes it).',
    },
    otherAddress: {
      headline: 'the author signs off as `{{signoff}}`, not as the From: address',
      explanation:
        'The author `{{author}}` signs off with another address (`{{signoff}}`). `git am` records the From: ' +
        'address as the author, so the sign-off does not visibly come from the author; checkpatch warns ' +
        '(FROM_SIGN_OFF_MISMATCH).',
      fix: 'Send the patch from the address you sign off with, or sign off with the address you send from.',
    },
  },
  check(commit, ctx) {
    const signoffs = commit.trailers.filter((t) => t.key.toLowerCase() === 'signed-off-by').map((t) => parseIdentity(t.value));
    const author = commit.author;
    if (signoffs.length === 0) {
      const stray = commit.lines.find((l) => SIGNOFF_LINE.test(l));
      if (stray !== undefined) ctx.report({ messageId: 'notTrailer', data: { signoff: stray.trim() }, evidence: stray, at: stray });
      // Under the message's last line, where the trailer is missing.
      else ctx.report({ messageId: 'missing', data: { author: author.text }, at: lastLine(commit.lines, (l) => l.trim() !== '') });
      return;
    }
    // Without an address on either side, the name is all there is to go by.
    if (signoffs.some((s) => sameAddress(s, author) || ((s.email === null || author.email === null) && sameName(s, author)))) return;
    const byName = signoffs.find((s) => sameName(s, author));
    if (byName) {
      const line = lastLine(commit.lines, (l) => SIGNOFF_LINE.test(l) && l.includes(byName.text));
      ctx.report({ messageId: 'otherAddress', data: { author: author.text, signoff: byName.text }, evidence: byName.text, at: line });
      return;
    }
    // Under the last sign-off, where the author's would go.
    const last = lastLine(commit.lines, (l) => SIGNOFF_LINE.test(l));
    ctx.report({ messageId: 'notByAuthor', data: { author: author.text, signers: signoffs.map((s) => `\`${s.text}\``).join(', ') }, at: last });
  },
});

/** The last of `lines` that `test` accepts (the ES2022 library has no `findLast`). */
function lastLine(lines: readonly string[], test: (line: string) => boolean): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) if (test(lines[i]!)) return lines[i];
  return undefined;
}
