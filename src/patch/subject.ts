/** The parts of a patch mail's subject line. */
export interface ParsedSubject {
  /** The subject with `Re:` and every leading `[...]` group removed, whitespace runs collapsed. */
  subject: string;
  /** `n/m` from the first leading bracket group that has it (`[PATCH v3 2/7]`), else null. */
  numbering: { index: number; total: number } | null;
  /** The subject starts with `Re:`: a reply in the thread, not a patch of the series. */
  isReply: boolean;
}

const REPLY_PREFIX = /^re\s*:\s*/i;
const BRACKET_GROUP = /^\[([^\]]*)\]\s*/;
const NUMBERING = /(?:^|[\s,])0*(\d+)\/0*(\d+)(?=$|[\s,])/;

/**
 * Splits a decoded, unfolded Subject the way `git mailinfo` cleans it: leading `Re:` and all
 * leading bracket groups (`[PATCH v3 2/7]`, `[RFC PATCH]`, `[PATCH net-next 03/12]`) go.
 */
export function parseSubject(raw: string): ParsedSubject {
  let rest = raw.trim();
  const isReply = REPLY_PREFIX.test(rest);
  let numbering: ParsedSubject['numbering'] = null;
  for (;;) {
    const reply = REPLY_PREFIX.exec(rest);
    if (reply) {
      rest = rest.slice(reply[0].length);
      continue;
    }
    const group = BRACKET_GROUP.exec(rest);
    if (!group) break;
    const counted: RegExpExecArray | null = numbering ? null : NUMBERING.exec(group[1]!);
    if (counted) numbering = { index: Number(counted[1]), total: Number(counted[2]) };
    rest = rest.slice(group[0].length);
  }
  return { subject: rest.replace(/\s+/g, ' ').trim(), numbering, isReply };
}
