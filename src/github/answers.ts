/**
 * What widen reads of GitHub's answers, checked before it is used: a server that is not the
 * GitHub REST API (a wrong `--api-url`, a proxy's login page, a half-broken Enterprise
 * instance) answers HTML or JSON of another shape, and reading `head.sha` of that would be a
 * TypeError deep in a review. An {@link UnexpectedAnswer} names the request and the field.
 */
export class UnexpectedAnswer extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'UnexpectedAnswer';
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A one-word picture of what came instead (`a string`, `null`, `an array`). */
function kind(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'nothing';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return /^\s*</.test(x) ? 'an HTML page' : 'text';
  return `${typeof x === 'object' ? 'an object' : `a ${typeof x}`}`;
}

/**
 * Checks `data`, the answer to `request`, against `fields`: each a dotted path (`head.sha`)
 * and the type its value must have (`?` after the type: may also be missing or null).
 */
export function expectFields(request: string, data: unknown, fields: Readonly<Record<string, string>>): void {
  if (!isObject(data)) throw new UnexpectedAnswer(`${request} gave ${kind(data)}, not a JSON object`);
  for (const [path, type] of Object.entries(fields)) {
    let value: unknown = data;
    for (const key of path.split('.')) value = isObject(value) ? value[key] : undefined;
    const optional = type.endsWith('?');
    const want = optional ? type.slice(0, -1) : type;
    if (optional && (value === undefined || value === null)) continue;
    const ok = want === 'array' ? Array.isArray(value) : typeof value === want;
    if (!ok) throw new UnexpectedAnswer(`${request} gave ${kind(value)} for \`${path}\`, not ${want === 'array' ? 'an array' : `a ${want}`}`);
  }
}

/** Checks that `data`, the answer to `request`, is a list, and each item against `fields`. */
export function expectList(request: string, data: unknown, fields: Readonly<Record<string, string>>): void {
  if (!Array.isArray(data)) throw new UnexpectedAnswer(`${request} gave ${kind(data)}, not a JSON list`);
  for (const item of data) expectFields(`an item of ${request}`, item, fields);
}
