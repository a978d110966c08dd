#!/usr/bin/env node
/**
 * `npm run new-rule -- <rule-id> [--severity error|warning|note] [--call NAME]`: the four files a
 * rule needs, in the shape the catalog test checks (test/rules/catalog.test.ts), so a new rule
 * starts green and every later edit is a visible change:
 *
 * - src/rules/<id>.ts        the rule: reports each call of NAME whose result is thrown away
 *                            (a working example of the API to rewrite);
 * - docs/rules/<id>.md       the page with every required section and a Bad/Good example the
 *                            rule agrees with;
 * - test/fixtures/rules/<id>/example.c  annotated fixtures (a `ruleid` and an `ok` case);
 * - the entry in src/rules/index.ts, in sorted order.
 *
 * The catalog test accepts the result as it is. Then write the real check, fixtures and page,
 * and run `UPDATE_GOLDEN=1 npm test` to rewrite the page's API list and write the rule's
 * rendered snapshot; review what it writes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function fail(msg) {
  process.stderr.write(`new-rule: ${msg}\n`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { severity: { type: 'string', default: 'warning' }, call: { type: 'string', default: 'example_get' }, root: { type: 'string' } },
});
const base = values.root ?? root;
const id = positionals[0];
if (!id || !/^[a-z][a-z0-9]*(-[a-z0-9]+)+$/.test(id)) fail('give the rule id in kebab-case, e.g. npm run new-rule -- vma-lookup-null-check');
if (!['error', 'warning', 'note'].includes(values.severity)) fail('--severity must be error, warning or note');
if (!/^[A-Za-z_]\w*$/.test(values.call)) fail('--call must be a C function name');
const call = values.call;
const camel = id.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const files = {
  [`src/rules/${id}.ts`]: `/**
 * ${id}: TODO say in one sentence what must hold, and where the kernel says so.
 */
import { defineRule } from './define-rule.js';

export default defineRule({
  id: '${id}',
  meta: {
    summary: 'the result of ${call}() must be used',
    severity: '${values.severity}',
    confidence: 'medium',
    resources: [],
    calls: ['${call}'],
  },
  messages: {
    resultIgnored: {
      headline: 'the result of \`{{call}}\` is thrown away',
      explanation: 'TODO: why this is a bug, in the reviewer\\'s words, citing the kernel comment or the historical bug it comes from.',
      fix: 'TODO: what to do instead.',
    },
  },
  check(fn, ctx) {
    for (const node of fn.cfg.nodes) {
      for (const ev of node.events) {
        if (ev.k !== 'call' || ev.name !== '${call}') continue;
        if (node.kind === 'stmt' && node.expr === ev.call) ctx.report({ messageId: 'resultIgnored', data: { call: '${call}()' }, at: node });
      }
    }
  },
});
`,
  [`docs/rules/${id}.md`]: `# ${id}

**Severity:** ${values.severity} · **Confidence:** medium · **Applies to:** every kernel version

<!-- api:start -->
**Functions it looks at:** \`${call}()\`.
<!-- api:end -->

TODO: one paragraph on what the rule checks.

## What it checks

- **\`resultIgnored\`**: a call of \`${call}()\` whose result is thrown away.

## Why it matters

TODO: the kernel comment or historical bug this comes from, with file and line.

## Example

Bad: the result is thrown away.

\`\`\`c
void example_bad(struct mm_struct *mm)
{
	${call}(mm);
}
\`\`\`

Good: the result is used.

\`\`\`c
int example_good(struct mm_struct *mm)
{
	return ${call}(mm);
}
\`\`\`

## How to fix

TODO.

## Known limitations

- TODO.
`,
  [`test/fixtures/rules/${id}/example.c`]: `// SPDX-License-Identifier: GPL-2.0
/* Fixtures for ${id}, written for widen. */
#include <linux/mm.h>

void example_bad(struct mm_struct *mm)
{
	// ruleid: ${id} resultIgnored
	${call}(mm);
}

int example_good(struct mm_struct *mm)
{
	// ok: ${id}
	return ${call}(mm);
}
`,
};

for (const path of Object.keys(files)) if (existsSync(join(base, path))) fail(`${path} already exists; pick another id or remove it first`);
const indexPath = join(base, 'src/rules/index.ts');
const index = readFileSync(indexPath, 'utf8');
const imports = [...index.matchAll(/^import (\w+) from '\.\/([a-z0-9-]+)\.js';$/gm)].map((m) => ({ name: m[1], id: m[2] }));
if (imports.length === 0) fail('src/rules/index.ts has no rule imports to add to');
const all = [...imports, { name: camel, id }].sort((a, b) => (a.id < b.id ? -1 : 1));
let out = index.replace(/^import \w+ from '\.\/[a-z0-9-]+\.js';\n/gm, '');
out = out.replace(/^(import type \{ Rule \} from '\.\/define-rule\.js';\n)/m, `$1${all.map((r) => `import ${r.name} from './${r.id}.js';\n`).join('')}`);
out = out.replace(/export const RULES: readonly Rule\[\] = \[\n[\s\S]*?\n\];/, `export const RULES: readonly Rule[] = [\n${all.map((r) => `  ${r.name},`).join('\n')}\n];`);
for (const [path, text] of Object.entries(files)) {
  mkdirSync(dirname(join(base, path)), { recursive: true });
  writeFileSync(join(base, path), text);
}
writeFileSync(indexPath, out);
process.stdout.write(`new-rule: wrote ${Object.keys(files).join(', ')} and registered ${id} in src/rules/index.ts.\nNext: write the real check, fixtures and page, then UPDATE_GOLDEN=1 npm test (the page's API list and the rule's rendered snapshot) and review what it writes.\n`);
