/** `widen review [PATCH...]` and `widen review --pr`: the mailing-list and terminal front doors. */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError, errorWords } from '../../errors.js';
import { atLeast, type FailLevel } from '../../findings/severity.js';
import { fileNote, sortNotes, type Report } from '../../pipeline/analyze.js';
import { MAX_INPUT_BYTES, STDIN_SOURCE, inputTooLarge, readCapped, readSeries, type PatchInput } from '../../patch/index.js';
import type { Patch } from '../../patch/types.js';
import { review } from '../../pipeline/review.js';
import { readGitRange } from '../../pipeline/git-range.js';
import { DirectorySource, GitSource, MemorySource } from '../../pipeline/source.js';
import type { CatalogRule } from '../../rules/index.js';
import { REVIEW_USAGE, usageError } from '../messages/index.js';
import { hasUnchecked, parseColor, parseFailOn, parseFormat, parseRules, useColor, type OutputFormat } from './options.js';
import { renderReport } from './output.js';
import { parse } from './parse.js';
import type { CommandIo, CommandResult } from './types.js';

export async function reviewCommand(args: string[], io: CommandIo): Promise<CommandResult> {
  const { values, positionals } = parse(args, {
    tree: { type: 'string' },
    format: { type: 'string' },
    'fail-on': { type: 'string' },
    rules: { type: 'string' },
    pr: { type: 'string' },
    git: { type: 'string' },
    series: { type: 'string' },
    'api-url': { type: 'string' },
    color: { type: 'string' },
    'allow-gaps': { type: 'boolean' },
    'fail-on-unchecked': { type: 'boolean' },
  }, REVIEW_USAGE);
  if (values.help) return { stdout: `${REVIEW_USAGE}\n`, exitCode: 0 };
  const format = parseFormat(values.format, REVIEW_USAGE);
  const failOn = parseFailOn(values['fail-on'], REVIEW_USAGE);
  const rules = values.rules === undefined ? null : parseRules(values.rules, REVIEW_USAGE);
  const color = useColor(parseColor(values.color, REVIEW_USAGE), io.stdoutIsTty ?? false, io.env ?? {});
  const failOnUnchecked = values['fail-on-unchecked'] === true;

  const series = parseSeries(values.series);
  if (values.pr !== undefined && values.git !== undefined) throw usageError('--pr and --git each name the commits to review; give one of them.', REVIEW_USAGE);
  if (series !== undefined && values.pr === undefined && values.git === undefined) throw usageError('--series says how to review the commits of --pr or --git; a patch series given as mails is always reviewed patch by patch.', REVIEW_USAGE);

  if (values.git !== undefined) {
    if (positionals.length > 0 || values.tree !== undefined) throw usageError('--git reviews commits of the repository you are in, reading the tree from git; give no PATCH files and no --tree with it.', REVIEW_USAGE);
    const ran = rules ?? parseRules(undefined, REVIEW_USAGE);
    const { report, repository, patches } = await reviewGitRange(values.git, { rules: ran, squashed: series === 'squashed', io, cwd: process.cwd() });
    return finish(report, { format, color, failOn, failOnUnchecked, rules: ran, srcRoot: repository, patches });
  }

  if (values.pr !== undefined) {
    if (positionals.length > 0 || values.tree !== undefined) throw usageError('--pr reviews a pull request as GitHub has it; give no PATCH files and no --tree with it.', REVIEW_USAGE);
    if (format === 'email') throw usageError('--format email answers patch mails on a mailing list; for a pull request use --format markdown (what the App posts) or text.', REVIEW_USAGE);
    const { reviewPullRequestFromCli } = await import('./review-pr.js');
    const report = await reviewPullRequestFromCli({ pr: values.pr, apiUrl: values['api-url'], token: process.env['GITHUB_TOKEN'], rules, series, io });
    return finish(report, { format, color, failOn, failOnUnchecked, rules: rules ?? parseRules(undefined, REVIEW_USAGE), srcRoot: null, patches: [] });
  }
  if (values['api-url'] !== undefined) throw usageError('--api-url goes with --pr.', REVIEW_USAGE);

  const inputs = positionals.length === 0 ? ['-'] : positionals;
  if (inputs.filter((p) => p === '-').length > 1) throw usageError("stdin ('-') can be given only once.", REVIEW_USAGE);

  const read: PatchInput[] = [];
  for (const input of inputs) {
    const source = input === '-' ? STDIN_SOURCE : input;
    read.push({ input: input === '-' ? await io.readStdin() : await readInputFile(input), source });
  }
  // Several inputs form one series, ordered by the `n/m` of their subjects (or as given).
  const { patches, gaps } = await readSeries(read, { allowGaps: values['allow-gaps'] === true });

  let tree: DirectorySource | null = null;
  if (values.tree !== undefined) {
    const st = await stat(values.tree).catch(() => null);
    if (!st || !st.isDirectory()) {
      throw new InputError('tree-not-found', `--tree ${values.tree === '' ? "'' (an empty name)" : values.tree} is not a directory. Give the top of the source tree the patch applies to (the directory that holds mm/, include/, ...), or leave --tree out to analyse only what the diff carries.`);
    }
    tree = new DirectorySource(values.tree);
  }
  const ran = rules ?? parseRules(undefined, REVIEW_USAGE);
  const report = await review({
    patches,
    tree,
    rules: ran,
    progress: io.progress ? (done, total, path) => io.progress!(`reviewing ${path} (${done + 1}/${total})`) : undefined,
  });
  if (gaps.length > 0) {
    report.notes = sortNotes([...gaps.map((message) => fileNote(patches[0]!.source, 'missing-patch', message)), ...report.notes]);
  }
  return finish(report, { format, color, failOn, failOnUnchecked, rules: ran, srcRoot: values.tree === undefined ? null : resolve(values.tree), patches });
}

/** `--series`: how the commits of `--pr` or `--git` are reviewed; undefined when not given. */
function parseSeries(value: string | undefined): 'per-commit' | 'squashed' | undefined {
  if (value === undefined || value === 'per-commit' || value === 'squashed') return value;
  throw usageError(`--series must be per-commit or squashed, not '${value}'.`, REVIEW_USAGE);
}

/**
 * `--git BASE..HEAD`: the range's commits as a series on the tree of the first one's parent,
 * both read from git's objects (nothing is checked out; the index is not touched).
 */
async function reviewGitRange(range: string, o: { rules: readonly CatalogRule[]; squashed: boolean; io: CommandIo; cwd: string }): Promise<{ report: Report; repository: string; patches: Patch[] }> {
  const read = await readGitRange(o.cwd, range, { squashed: o.squashed });
  // A range that starts at the repository's first commit applies to the empty tree.
  const tree = read.base === '' ? new MemorySource({}) : await GitSource.open(read.repository, read.base);
  try {
    const report = await review({
      patches: read.patches,
      tree,
      rules: o.rules,
      progress: o.io.progress ? (done, total, path) => o.io.progress!(`reviewing ${path} (${done + 1}/${total})`) : undefined,
    });
    report.notes = sortNotes([...read.notes, ...report.notes]);
    return { report, repository: read.repository, patches: read.patches };
  } finally {
    if (tree instanceof GitSource) tree.close();
  }
}

/** Reads one PATCH argument; one beyond {@link MAX_INPUT_BYTES} is refused before it is read. */
async function readInputFile(path: string): Promise<Buffer> {
  try {
    const st = await stat(path);
    if (st.isFile()) {
      if (st.size > MAX_INPUT_BYTES) throw inputTooLarge(path, MAX_INPUT_BYTES + 1);
      return await readFile(path);
    }
    // A pipe (`widen review <(git format-patch ...)`) or a device has no size to check first.
    const stream = createReadStream(path);
    try {
      return await readCapped(stream);
    } finally {
      stream.destroy();
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('patch-unreadable', `cannot read ${path} (${errorWords(e)}). Give the path of a patch file, or '-' to read the patch from stdin.`);
  }
}

interface Finish {
  format: OutputFormat;
  color: boolean;
  failOn: FailLevel;
  failOnUnchecked: boolean;
  rules: readonly CatalogRule[];
  srcRoot: string | null;
  patches: readonly Patch[];
}

function finish(report: Report, opts: Finish): CommandResult {
  const out = renderReport(report, { ...opts, complete: true });
  let stdout = out.stdout;
  if (opts.format === 'text' && report.notes.some((n) => n.kind === 'limited-context')) {
    stdout += 'widen: give --tree DIR (the tree the patch applies to) to check those functions whole.\n';
  }
  const failing = report.findings.some((f) => atLeast(f.severity, opts.failOn));
  const unchecked = opts.failOnUnchecked && hasUnchecked(report.notes);
  return { stdout, ...(out.stderr ? { stderr: out.stderr } : {}), exitCode: failing || unchecked ? 1 : 0 };
}
