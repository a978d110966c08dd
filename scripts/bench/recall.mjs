/**
 * The recall half of `npm run bench`: every entry of mutations.mjs is applied at run time to a
 * real function of the kernel tree, turned into a git-style diff, and reviewed with
 * `widen review DIFF --tree TREE --format json`. A mutation is found when the rule it names
 * reports at the lines it expects. Each mutation has two controls in the same function: the
 * function as shipped must have no finding in `widen scan`, and a harmless edit (a comment
 * line, or the entry's own `control` edits) reviewed the same way must give nothing.
 *
 * Entries for rules that `widen rules` does not list are still applied (so a broken anchor
 * shows up before the rule lands) but not reviewed; they count as "not implemented yet".
 *
 * Format of an entry, anchors and edits: see the header of mutations.mjs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The comment line a control inserts after the function's opening brace. */
const CONTROL_LINE = '/* widen bench: control edit, behaviour unchanged */';

class MutationError extends Error {}

/** Line indexes (0-based) of the definition of `name`: first signature line, opening brace, closing brace. */
export function locateFunction(lines, name, nth = null) {
  const call = new RegExp(`(^|[^A-Za-z0-9_])${name}\\s*\\(`);
  const defs = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l || /^[\s#/*]/.test(l) || !call.test(l)) continue;
    // Kernel style: the body's braces sit in column 0; a prototype ends in ';' before any brace.
    let open = -1;
    for (let j = i; j < lines.length && j < i + 16; j++) {
      if (lines[j].startsWith('{')) {
        open = j;
        break;
      }
      if (/;\s*$/.test(lines[j]) || (j > i && /^\S/.test(lines[j]) && !lines[j].startsWith('{'))) break;
    }
    if (open < 0) continue;
    let close = open + 1;
    while (close < lines.length && !lines[close].startsWith('}')) close++;
    defs.push({ start: i, open, end: close });
  }
  if (defs.length === 0) throw new MutationError(`no definition of ${name}() found`);
  if (nth === null && defs.length > 1) throw new MutationError(`${name}() is defined ${defs.length} times in the file; give functionNth`);
  if (defs.length < (nth ?? 1)) throw new MutationError(`${name}() is defined ${defs.length} times, wanted definition ${nth}`);
  return defs[(nth ?? 1) - 1];
}

function anchorSpec(anchor) {
  if (typeof anchor === 'string') return { at: anchor, nth: 0, offset: 0 };
  if (anchor && typeof anchor.at === 'string') return { at: anchor.at, nth: anchor.nth ?? 0, offset: anchor.offset ?? 0 };
  throw new MutationError(`bad anchor ${JSON.stringify(anchor)}: a string, or { at, nth?, offset? }`);
}

/** The 0-based line an anchor names inside the function `fn` (a range from locateFunction). */
function findAnchor(lines, fn, anchor, fnName) {
  const { at, nth, offset } = anchorSpec(anchor);
  const hits = [];
  for (let i = fn.start; i <= fn.end; i++) if (lines[i].includes(at)) hits.push(i);
  let line;
  if (nth > 0) {
    if (hits.length < nth) throw new MutationError(`anchor ${JSON.stringify(at)} occurs ${hits.length} times in ${fnName}(), wanted occurrence ${nth}`);
    line = hits[nth - 1];
  } else {
    if (hits.length !== 1) throw new MutationError(`anchor ${JSON.stringify(at)} occurs ${hits.length} times in ${fnName}(); make it unique or give nth`);
    line = hits[0];
  }
  return line + offset;
}

function indentOf(line) {
  return /^\s*/.exec(line)[0];
}

/** New lines take the indentation of the line they are placed against; extra leading tabs add to it. */
function indented(text, base) {
  return text.map((t) => (t === '' ? '' : base + t));
}

function applyEdit(lines, m, edit) {
  const fn = locateFunction(lines, m.function, m.functionNth ?? null);
  const at = (a) => findAnchor(lines, fn, a, m.function);
  if ('delete' in edit) {
    lines.splice(at(edit.delete), edit.lines ?? 1);
  } else if ('replace' in edit) {
    const i = at(edit.replace);
    lines.splice(i, edit.lines ?? 1, ...indented(edit.with, indentOf(lines[i])));
  } else if ('insertAfter' in edit || 'insertBefore' in edit) {
    const after = 'insertAfter' in edit;
    const i = edit[after ? 'insertAfter' : 'insertBefore'] === '{' ? fn.open : at(edit[after ? 'insertAfter' : 'insertBefore']);
    const base = edit.indent ?? (lines[i] === '{' ? '\t' : indentOf(lines[i]));
    lines.splice(after ? i + 1 : i, 0, ...indented(edit.text, base));
  } else if ('insertAboveFunction' in edit) {
    // A helper the mutation adds to the file, just above the function (a line-for-line refactor
    // that moves a store into a helper, sweep AC's R23).
    lines.splice(fn.start, 0, ...edit.insertAboveFunction);
  } else if ('move' in edit) {
    const i = at(edit.move);
    const cut = lines.splice(i, edit.lines ?? 1);
    const f2 = locateFunction(lines, m.function, m.functionNth ?? null);
    const target = 'after' in edit ? findAnchor(lines, f2, edit.after, m.function) + 1 : findAnchor(lines, f2, edit.before, m.function);
    lines.splice(target, 0, ...cut);
  } else {
    throw new MutationError(`unknown edit ${JSON.stringify(edit)}: use delete, replace, insertAfter, insertBefore, insertAboveFunction or move`);
  }
}

/** Applies `edits` to the file text; returns the new text and the mutated function's range. */
export function mutate(text, m, edits) {
  const lines = text.split('\n');
  for (const e of edits) applyEdit(lines, m, e);
  return { text: lines.join('\n'), lines, fn: locateFunction(lines, m.function, m.functionNth ?? null) };
}

/** 1-based candidate lines of an expectation reference, resolved in the mutated file. */
function resolveRef(lines, fn, ref, fnName) {
  if (Array.isArray(ref)) return ref.flatMap((r) => resolveRef(lines, fn, r, fnName));
  return [findAnchor(lines, fn, ref, fnName) + 1];
}

export function resolveExpectations(m, lines, fn) {
  return m.expect.map((e) => {
    // A finding in a caller of the mutated function has its anchors in the caller.
    const where = e.in ? locateFunction(lines, e.in, e.inNth ?? null) : fn;
    const name = e.in ?? m.function;
    return {
      rule: e.rule ?? m.rule,
      line: resolveRef(lines, where, e.line, name),
      endLine: e.endLine === undefined ? null : resolveRef(lines, where, e.endLine, name),
      related: (e.related ?? []).map((r) => resolveRef(lines, where, r, name)),
    };
  });
}

function matches(exp, f) {
  if (f.rule !== exp.rule || !exp.line.includes(f.line)) return false;
  if (exp.endLine && !exp.endLine.includes(f.endLine)) return false;
  const rel = new Set((f.related ?? []).map((r) => r.line));
  return exp.related.every((cands) => cands.some((l) => rel.has(l)));
}

/** A unified diff with git-style a/ b/ paths, from `diff -u`. */
function makeDiff(path, originalFile, mutatedFile) {
  const r = spawnSync('diff', ['-u', '-p', '--label', `a/${path}`, '--label', `b/${path}`, originalFile, mutatedFile], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status === 0) throw new MutationError('the edits leave the file unchanged');
  if (r.status !== 1) throw new MutationError(`diff failed: ${r.stderr}`);
  return `diff --git a/${path} b/${path}\n${r.stdout}`;
}

function runNode(args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function pool(items, width, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

function brief(f) {
  return { rule: f.rule, messageId: f.messageId, line: f.line, endLine: f.endLine, function: f.function, message: f.message, related: (f.related ?? []).map((r) => r.line) };
}

/**
 * Runs the mutation corpus. `tree` is the whole kernel tree the entries' paths are relative to;
 * `implemented` the rule ids `widen rules` lists. Diffs and mutated files are left in `workDir`
 * so a miss can be replayed by hand.
 */
export async function runRecall({ cli, root, tree, mutations, implemented, workDir, jobs = 2, say = () => {} }) {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const ids = new Set();
  const prepared = mutations.map((m) => {
    const entry = { id: m.id, rule: m.rule, file: m.file, function: m.function, what: m.what, gap: m.gap ?? null, implemented: implemented.has(m.rule) };
    try {
      if (ids.has(m.id)) throw new MutationError(`duplicate id ${m.id}`);
      ids.add(m.id);
      for (const e of m.expect) {
        if ((e.rule ?? m.rule) !== m.rule && !implemented.has(e.rule)) entry.implemented = false;
      }
      const original = readFileSync(join(tree, m.file), 'utf8');
      const mutated = mutate(original, m, m.edits);
      const expected = resolveExpectations(m, mutated.lines, mutated.fn);
      const control = mutate(original, m, m.control ?? [{ insertAfter: '{', text: [CONTROL_LINE] }]);
      const base = join(workDir, m.id);
      const originalFile = join(tree, m.file);
      writeFileSync(`${base}.mutated`, mutated.text);
      writeFileSync(`${base}.control`, control.text);
      writeFileSync(`${base}.diff`, makeDiff(m.file, originalFile, `${base}.mutated`));
      writeFileSync(`${base}.control.diff`, makeDiff(m.file, originalFile, `${base}.control`));
      return { m, entry, expected, diff: `${base}.diff`, controlDiff: `${base}.control.diff` };
    } catch (e) {
      if (!(e instanceof MutationError)) throw e;
      return { m, entry: { ...entry, status: 'broken', error: e.message } };
    }
  });

  // Control 1: the functions as shipped, one scan over every file the corpus touches.
  const files = [...new Set(prepared.filter((p) => !p.entry.status).map((p) => p.m.file))].sort();
  say(`recall: scanning the ${files.length} unmodified files the mutations touch`);
  // Every mutation broken (a run of chosen ids): nothing to scan, and the entries say why.
  const scanRun = files.length === 0 ? { code: 0, stdout: '{"findings":[]}', stderr: '' } : await runNode([cli, 'scan', ...files, '--format', 'json'], tree);
  if (scanRun.code !== 0 && scanRun.code !== 1) throw new Error(`widen scan of the mutation files failed (exit ${scanRun.code}):\n${scanRun.stderr}`);
  const shipped = JSON.parse(scanRun.stdout).findings;

  const runnable = prepared.filter((p) => !p.entry.status && p.entry.implemented);
  let done = 0;
  say(`recall: reviewing ${runnable.length} mutations and their controls (${prepared.length - runnable.length} not run: rule not implemented yet or broken)`);
  await pool(runnable, jobs, async (p) => {
    const review = async (diff) => {
      const r = await runNode([cli, 'review', diff, '--tree', tree, '--format', 'json'], root);
      if (r.code !== 0 && r.code !== 1) return { error: `widen review exited ${r.code}: ${r.stderr.trim()}` };
      return { findings: JSON.parse(r.stdout).findings.filter((f) => f.path === p.m.file) };
    };
    const [mut, ctl] = [await review(p.diff), await review(p.controlDiff)];
    done++;
    if (done % 5 === 0 || done === runnable.length) say(`recall: ${done}/${runnable.length} mutations reviewed`);
    p.result = { mut, ctl };
  });

  const results = prepared.map((p) => {
    const e = p.entry;
    if (e.status) return e;
    const out = { ...e, expected: p.expected.map((x) => ({ rule: x.rule, line: x.line, endLine: x.endLine, related: x.related })) };
    const before = shipped.filter((f) => f.function === p.m.function && f.path.endsWith(p.m.file));
    out.shippedFindings = before.map(brief);
    if (!e.implemented) return { ...out, status: 'not-implemented' };
    const { mut, ctl } = p.result;
    if (mut.error) return { ...out, status: 'broken', error: mut.error };
    out.findings = mut.findings.map(brief);
    // The checks this mutation exercises: the message ids of its rule's findings that meet an expectation.
    out.checks = [...new Set(mut.findings.filter((f) => f.rule === p.m.rule && p.expected.some((x) => matches(x, f))).map((f) => f.messageId))];
    const unmet = p.expected.filter((x) => !mut.findings.some((f) => matches(x, f)));
    out.status = unmet.length === 0 ? 'found' : 'missed';
    out.extra = mut.findings.filter((f) => !p.expected.some((x) => matches(x, f))).map(brief);
    // Clean means both controls are silent: the function as shipped (scan) and the harmless edit (review).
    out.control = ctl.error
      ? { status: 'broken', error: ctl.error }
      : { status: ctl.findings.length === 0 && before.length === 0 ? 'clean' : 'noisy', findings: ctl.findings.map(brief) };
    return out;
  });

  const rules = [...new Set(mutations.map((m) => m.rule))].sort();
  const byRule = rules.map((rule) => {
    const rs = results.filter((r) => r.rule === rule);
    const ran = rs.filter((r) => r.status === 'found' || r.status === 'missed');
    return {
      rule,
      implemented: implemented.has(rule),
      total: rs.length,
      found: rs.filter((r) => r.status === 'found').length,
      reviewed: ran.length,
      missed: rs.filter((r) => r.status === 'missed').map((r) => r.id),
      knownGaps: rs.filter((r) => r.status === 'missed' && r.gap).length,
      broken: rs.filter((r) => r.status === 'broken').map((r) => r.id),
      noisyControls: ran.filter((r) => r.control?.status !== 'clean').map((r) => r.id),
      sites: new Set(rs.map((r) => `${r.file}:${r.function}`)).size,
    };
  });
  const reviewed = runnable.flatMap((p) => p.result.mut.findings ?? []);
  return { mutations: results, rules: byRule, wording: wordingOf(reviewed) };
}

/** A headline reviewers read in a list is shorter than this (the catalog's rule for rule messages). */
const HEADLINE_LIMIT = 100;

/**
 * What the findings of the corpus say, read as a maintainer would on real code (the rule tests
 * read them on fixtures, where names are short): every headline under {@link HEADLINE_LIMIT}
 * characters and without a line number, no `{{placeholder}}` left unfilled, an explanation and a
 * fix on every finding, a label on every related line.
 */
export function wordingOf(findings) {
  const problems = [];
  for (const f of findings) {
    const at = `${f.rule}/${f.messageId} at ${f.path}:${f.line}`;
    if (f.message.length >= HEADLINE_LIMIT) problems.push(`${at}: headline of ${f.message.length} characters: ${f.message}`);
    if (/\bline \d/.test(f.message)) problems.push(`${at}: headline names a line: ${f.message}`);
    for (const [what, text] of [['headline', f.message], ['explanation', f.explanation], ['fix', f.fix], ...(f.related ?? []).map((r) => [`label at ${r.line}`, r.message])]) {
      if (/\{\{|\}\}/.test(text)) problems.push(`${at}: unfilled placeholder in the ${what}: ${text}`);
      if (!text || !text.trim()) problems.push(`${at}: empty ${what}`);
    }
  }
  return { findings: findings.length, longest: Math.max(0, ...findings.map((f) => f.message.length)), problems };
}
