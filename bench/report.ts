/**
 * How `npm run bench` writes BENCHMARKS.md. Runs go newest first, right below RUNS_MARKER; the
 * summary table of the REST benchmark's targets sits between SUMMARY_START and SUMMARY_END and is
 * rewritten from each full run. The other rows of the summary (fan-out, soak, moving data) are
 * outside the markers and left alone. Pure functions on the document's text
 * (test/bench-report.test.ts).
 */

export const RUNS_MARKER = '<!-- runs: newest first; npm run bench inserts new runs below this line -->';
export const SUMMARY_START = '<!-- summary:rest:start -->';
export const SUMMARY_END = '<!-- summary:rest:end -->';
export const SUMMARY_HEADER = ['| target | SQLite | PostgreSQL | met | run |', '|---|---|---|---|---|'];
/** The per-workload table of the latest full run, right above the targets' summary. */
export const WORKLOADS_START = '<!-- summary:workloads:start -->';
export const WORKLOADS_END = '<!-- summary:workloads:end -->';
/** Heading text of the section that explains the targets' verdicts (the newest one is linked). */
export const WHY_HEADING = 'Where the targets stand, and why';

/** One target checked on one store, as bench/run.ts reports it. */
export interface TargetResult {
  target: string;
  server: string;
  value: string;
  pass: boolean | null;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
export function anchor(heading: string): string {
  return heading
    .replace(/^#+\s*/, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchor of the first heading whose text starts with `prefix` (runs are newest first), or null. */
export function firstHeadingAnchor(markdown: string, prefix: string): string | null {
  for (const line of markdown.split('\n')) {
    const text = /^#{1,6} (.*)$/.exec(line)?.[1];
    if (text?.startsWith(prefix)) return anchor(text);
  }
  return null;
}

/**
 * A value as the summary shows it, without the method or the lists of per-pair or per-start
 * figures that the run's own table gives: "median 618 ms (629, 618, 612)" → "median 618 ms".
 */
export function shortValue(value: string): string {
  return value.replace(/^alternating \d+ s slices: /, '').replace(/ \((?:pairs |rounds )?[\d.,\s]+\)/g, '');
}

const STORES: Record<string, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/**
 * The summary's rows for the REST benchmark: one per target, SQLite and PostgreSQL side by side,
 * "met" as yes / no / one store only, a link to `why` where a store misses, and the run it comes from.
 */
export function summaryRows(
  checks: readonly TargetResult[],
  run: { label: string; anchor: string },
  why: string | null,
): string[] {
  const targets = [...new Set(checks.map((c) => c.target))];
  return targets.map((target) => {
    const of = (server: string) => checks.find((c) => c.target === target && c.server === server);
    const measured = Object.keys(STORES).map(of);
    const present = measured.filter((c): c is TargetResult => c !== undefined);
    let met: string;
    if (present.some((c) => c.pass === null)) met = 'reported';
    else if (present.every((c) => c.pass)) met = 'yes';
    else if (present.some((c) => c.pass)) met = `${STORES[present.find((c) => c.pass)?.server ?? ''] ?? ''} only`;
    else met = 'no';
    if (met !== 'yes' && met !== 'reported' && why) met += ` — [why](#${why})`;
    const cells = measured.map((c) => (c ? shortValue(c.value) : '–'));
    return `| ${target} | ${cells.join(' | ')} | ${met} | [${run.label}](#${run.anchor}) |`;
  });
}

function replaceSummary(markdown: string, rows: readonly string[]): string {
  const block = [SUMMARY_START, '', ...SUMMARY_HEADER, ...rows, '', SUMMARY_END].join('\n');
  const start = markdown.indexOf(SUMMARY_START);
  const end = markdown.indexOf(SUMMARY_END);
  if (start === -1 && end === -1) {
    // No summary yet: it goes right above the runs.
    const runs = markdown.indexOf(RUNS_MARKER);
    return `${markdown.slice(0, runs)}${block}\n\n${markdown.slice(runs)}`;
  }
  if (start === -1 || end < start) throw new Error(`BENCHMARKS.md: ${SUMMARY_START} and ${SUMMARY_END} do not pair`);
  return markdown.slice(0, start) + block + markdown.slice(end + SUMMARY_END.length);
}

/** The lines between the workload markers replaced by `lines` (the block goes right above the targets' summary when missing). */
function replaceWorkloads(markdown: string, lines: readonly string[]): string {
  const block = [WORKLOADS_START, '', ...lines, '', WORKLOADS_END].join('\n');
  const start = markdown.indexOf(WORKLOADS_START);
  const end = markdown.indexOf(WORKLOADS_END);
  if (start === -1 && end === -1) {
    const at = markdown.indexOf(SUMMARY_START);
    if (at === -1) throw new Error(`BENCHMARKS.md: no ${SUMMARY_START} to put the workload table above`);
    return `${markdown.slice(0, at)}${block}\n\n${markdown.slice(at)}`;
  }
  if (start === -1 || end < start)
    throw new Error(`BENCHMARKS.md: ${WORKLOADS_START} and ${WORKLOADS_END} do not pair`);
  return markdown.slice(0, start) + block + markdown.slice(end + WORKLOADS_END.length);
}

/**
 * The document with `section` as its newest run (right below RUNS_MARKER, which is added at the
 * end if missing); when `summaryRows` is given, the REST summary table replaced by those rows, and
 * when `workloadLines` is given, the per-workload table above it replaced by those lines.
 */
export function insertRun(
  markdown: string,
  section: string,
  summaryRows?: readonly string[],
  workloadLines?: readonly string[],
): string {
  let doc = markdown.includes(RUNS_MARKER) ? markdown : `${markdown.trimEnd()}\n\n${RUNS_MARKER}\n`;
  if (summaryRows) doc = replaceSummary(doc, summaryRows);
  if (workloadLines) doc = replaceWorkloads(doc, workloadLines);
  const at = doc.indexOf(RUNS_MARKER) + RUNS_MARKER.length;
  const older = doc.slice(at).replace(/^\s+/, '');
  return `${doc.slice(0, at)}\n\n${section.trim()}\n${older ? `\n${older}` : ''}`;
}

/** A new BENCHMARKS.md: the introduction, an empty summary, the workloads and the runs marker. */
export function emptyReport(intro: string, workloadRows: readonly string[]): string {
  return [
    intro.trim(),
    '',
    '## Summary',
    '',
    [SUMMARY_START, '', ...SUMMARY_HEADER, '', SUMMARY_END].join('\n'),
    '',
    '## Workloads',
    '',
    '| workload | kind | request |',
    '|---|---|---|',
    ...workloadRows,
    '',
    RUNS_MARKER,
    '',
  ].join('\n');
}
