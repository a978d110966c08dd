/**
 * Checks the REST requests the App sends against GitHub's own OpenAPI description
 * (`@octokit/openapi`, api.github.com), so a test fails on a body GitHub would reject with 422
 * or on a route GitHub does not have, instead of passing against a mock that accepts anything.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** The operation a request resolved to, as the OpenAPI description names it. */
export interface GitHubOperation {
  method: string;
  /** The path template, e.g. `/repos/{owner}/{repo}/pulls/{pull_number}/reviews`. */
  template: string;
  operationId: string;
  /** Path parameters taken from the request path, percent-decoded. */
  params: Record<string, string>;
}

type Json = Record<string, unknown>;

interface Route {
  method: string;
  template: string;
  operation: Json;
  names: string[];
  literals: number;
  strict: RegExp;
  /** Lets a last `{path}`/`{ref}`-like parameter span slashes (`contents/{path}`), tried only when `strict` fails. */
  loose: RegExp | undefined;
}

interface Spec {
  routes: Route[];
  ajv: Ajv;
}

/** Where the shared component schemas live inside Ajv; body schemas' `#/components/...` refs are re-pointed here. */
const COMPONENTS_ID = 'https://widen.test/api.github.com.json';
const SLASHED_PARAMS = new Set(['path', 'ref', 'file_path', 'branch', 'basehead']);
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

let spec: Spec | undefined;
const validators = new Map<string, ValidateFunction | null>();
const resolved = new Map<string, { route: Route; match: RegExpExecArray } | null>();

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Turns an OpenAPI 3.0 schema into JSON Schema Ajv understands: `nullable` becomes a `null` type
 * (Ajv's own `nullable` support throws when there is no `type`, which GitHub's description has
 * in 140 places), and refs are pointed at the component document. Only schema positions are
 * walked, so a property that happens to be called `nullable` or `$ref` is left alone.
 */
function toJsonSchema(node: unknown, refBase: string): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item, refBase));
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    if (key === '$ref' && typeof value === 'string') {
      out[key] = value.startsWith('#/') ? refBase + value : value;
    } else if (key === 'properties' || key === 'patternProperties') {
      const props: Json = {};
      if (isObject(value)) for (const [name, sub] of Object.entries(value)) props[name] = toJsonSchema(sub, refBase);
      out[key] = props;
    } else if (['items', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf'].includes(key)) {
      out[key] = toJsonSchema(value, refBase);
    } else {
      out[key] = value;
    }
  }
  if (node['nullable'] !== true) return out;
  if (typeof out['type'] === 'string' && out['$ref'] === undefined) {
    out['type'] = [out['type'], 'null'];
    if (Array.isArray(out['enum']) && !out['enum'].includes(null)) out['enum'] = [...out['enum'], null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

/** Loaded on first use: the description is 13 MB and most test files never need it. */
function loadSpec(): Spec {
  if (spec) return spec;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const doc: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isObject(doc) || !isObject(doc['paths']) || !isObject(doc['components'])) {
    throw new Error(`${file} is not an OpenAPI description`);
  }
  const routes: Route[] = [];
  for (const [template, item] of Object.entries(doc['paths'])) {
    if (!isObject(item)) continue;
    const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
    const literals = template.split('/').filter((seg) => seg !== '' && !seg.includes('{')).length;
    const parts = template.split(/\{[^}]+\}/).map(escapeRegExp);
    const build = (last: string): RegExp =>
      new RegExp(
        '^' + parts.map((part, i) => (i === 0 ? part : (i === parts.length - 1 ? last : '([^/]+)') + part)).join('') + '$',
      );
    const strict = build('([^/]+)');
    // Only parameters that are git paths or refs may hold a slash; anything else spanning one
    // (`DELETE /repos/{owner}/{repo}` eating `r/pulls/1/reviews`) would hide a mistyped route.
    const lastName = names[names.length - 1] ?? '';
    const lastIsParam = template.endsWith('}') && SLASHED_PARAMS.has(lastName);
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      routes.push({
        method: method.toUpperCase(),
        template,
        operation,
        names,
        literals,
        strict,
        loose: lastIsParam ? build('(.+)') : undefined,
      });
    }
  }
  // strict: false because GitHub's schemas carry OpenAPI-only keywords (x-github, readOnly,
  // deprecated...); validateSchema: false skips checking 3,000 component schemas against the meta-schema.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, messages: true });
  // Formats GitHub actually enforces on request bodies; the rest (int64, uri-template, repo.nwo) are descriptive.
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)$/i);
  ajv.addFormat('date', /^\d{4}-\d\d-\d\d$/);
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
  ajv.addFormat('uri', { type: 'string', validate: (s: string) => URL.canParse(s) });
  for (const format of ['int64', 'uri-template', 'repo.nwo', 'binary']) ajv.addFormat(format, true);
  const schemas: Json = {};
  const source = doc['components']['schemas'];
  if (isObject(source)) for (const [name, schema] of Object.entries(source)) schemas[name] = toJsonSchema(schema, '');
  ajv.addSchema({ $id: COMPONENTS_ID, components: { schemas } });
  spec = { routes, ajv };
  return spec;
}

/** The path without query, fragment, trailing slash or GHES `/api/v3` prefix. */
function normalisePath(path: string): string {
  let p = path.replace(/[?#].*$/s, '');
  if (/^https?:\/\//.test(p)) p = new URL(p).pathname;
  if (p.startsWith('/api/v3/') || p === '/api/v3') p = p.slice('/api/v3'.length);
  if (!p.startsWith('/')) p = '/' + p;
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

function findRoute(method: string, path: string): { route: Route; match: RegExpExecArray } | null {
  const key = `${method.toUpperCase()} ${path}`;
  const cached = resolved.get(key);
  if (cached !== undefined) return cached;
  const { routes } = loadSpec();
  const candidates = routes.filter((r) => r.method === method.toUpperCase());
  let best: { route: Route; match: RegExpExecArray } | null = null;
  // Prefer the template with the most literal segments: `/repos/{owner}/{repo}/pulls/{pull_number}`
  // beats a catch-all like `/repos/{owner}/{repo}/{archive_format}/{ref}` for the same path.
  for (const mode of ['strict', 'loose'] as const) {
    for (const route of candidates) {
      const re = mode === 'strict' ? route.strict : route.loose;
      const match = re?.exec(path);
      if (match && (!best || route.literals > best.route.literals)) best = { route, match };
    }
    if (best) break;
  }
  resolved.set(key, best);
  return best;
}

/**
 * Which GitHub REST operation `method path` is; throws when GitHub has none, so a mistyped route
 * fails the test that exercises it. `path` is relative to the API root (a leading `/api/v3` and
 * any query string are ignored).
 */
export function resolveGitHubOperation(method: string, path: string): GitHubOperation {
  const p = normalisePath(path);
  const found = findRoute(method, p);
  if (!found) throw new Error(`GitHub's REST API has no operation ${method.toUpperCase()} ${p}`);
  const params: Record<string, string> = {};
  found.route.names.forEach((name, i) => {
    const raw = found.match[i + 1] ?? '';
    try {
      params[name] = decodeURIComponent(raw);
    } catch {
      params[name] = raw;
    }
  });
  const operationId = found.route.operation['operationId'];
  return {
    method: found.route.method,
    template: found.route.template,
    operationId: typeof operationId === 'string' ? operationId : '',
    params,
  };
}

function requestBody(route: Route): { required: boolean; schema: unknown } | undefined {
  const body = route.operation['requestBody'];
  if (!isObject(body) || !isObject(body['content'])) return undefined;
  const json = body['content']['application/json'];
  if (!isObject(json) || json['schema'] === undefined) return undefined;
  return { required: body['required'] === true, schema: json['schema'] };
}

function validatorFor(route: Route): ValidateFunction | null {
  const key = `${route.method} ${route.template}`;
  const cached = validators.get(key);
  if (cached !== undefined) return cached;
  const body = requestBody(route);
  const validate = body ? loadSpec().ajv.compile(toJsonSchema(body.schema, COMPONENTS_ID) as object) : null;
  validators.set(key, validate);
  return validate;
}

function describe(error: ErrorObject): string {
  const where = 'body' + error.instancePath;
  const params: Record<string, unknown> = error.params;
  let detail = '';
  if (error.keyword === 'additionalProperties') detail = ` (${String(params['additionalProperty'])})`;
  if (error.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
    detail = `: ${params['allowedValues'].map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${where} ${error.message ?? error.keyword}${detail}`;
}

/**
 * Validates the JSON body the App sends with `method path` against that operation's
 * requestBody schema in GitHub's OpenAPI description. Returns readable errors, [] when the body
 * is valid or the operation takes no JSON body. Throws when GitHub has no such operation.
 */
export function validateGitHubRequest(method: string, path: string, body: unknown): string[] {
  const p = normalisePath(path);
  const found = findRoute(method, p);
  if (!found) throw new Error(`GitHub's REST API has no operation ${method.toUpperCase()} ${p}`);
  const schema = requestBody(found.route);
  if (!schema) return [];
  if (body === undefined) return schema.required ? ['body is required'] : [];
  const validate = validatorFor(found.route);
  if (!validate || validate(body)) return [];
  return [...new Set((validate.errors ?? []).map(describe))];
}

/**
 * GraphQL has no OpenAPI description; this checks only the envelope GitHub's `/graphql` endpoint
 * insists on, `{ query: string, variables?: object }`. Returns readable errors, [] when valid.
 */
export function validateGraphQL(body: unknown): string[] {
  if (!isObject(body)) return ['body must be a JSON object'];
  const errors: string[] = [];
  if (typeof body['query'] !== 'string' || body['query'].trim() === '') errors.push('body/query must be a non-empty string');
  if (body['variables'] !== undefined && !isObject(body['variables'])) errors.push('body/variables must be an object');
  if (body['operationName'] !== undefined && typeof body['operationName'] !== 'string') {
    errors.push('body/operationName must be a string');
  }
  return errors;
}
