/**
 * bench/report.ts, the writer of BENCHMARKS.md: a new run goes right below the runs marker (newest
 * first), the REST summary between its markers is replaced, never duplicated, and the rows say
 * which store meets what. Pure text in, text out: no server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RUNS_MARKER,
  SUMMARY_END,
  SUMMARY_START,
  WORKLOADS_END,
  WORKLOADS_START,
  anchor,
  emptyReport,
  firstHeadingAnchor,
  insertRun,
  shortValue,
  summaryRows,
} from '../bench/report.ts';

const DOC = `# Benchmarks

Intro.

## Summary

${SUMMARY_START}

| target | SQLite | PostgreSQL | met | run |
|---|---|---|---|---|
| old row | 1 | 2 | yes | old |

${SUMMARY_END}

| fan-out target | hand-written | – | yes | x |

${RUNS_MARKER}

## REST API — 2026-01-01 00:00 UTC — abc

Old run.

### Where the targets stand, and why (00:00 run)

Because.
`;

const count = (text: string, part: string) => text.split(part).length - 1;

describe('insertRun', () => {
  it('puts the new run right below the runs marker, above the older runs', () => {
    const out = insertRun(DOC, '\n## REST API — 2026-02-02 10:00 UTC — def\n\nNew run.\n');
    const marker = out.indexOf(RUNS_MARKER);
    const added = out.indexOf('## REST API — 2026-02-02 10:00 UTC — def');
    const older = out.indexOf('## REST API — 2026-01-01 00:00 UTC — abc');
    assert.ok(marker !== -1 && marker < added && added < older, 'marker, new run, older run in that order');
    assert.equal(out.slice(marker + RUNS_MARKER.length, added), '\n\n', 'one blank line after the marker');
    assert.match(out, /New run\.\n\n## REST API — 2026-01-01/);
    assert.equal(out.slice(0, marker), DOC.slice(0, DOC.indexOf(RUNS_MARKER)), 'nothing above the runs changes');
    assert.ok(out.endsWith('Because.\n'));
  });

  it('puts the workload table above the targets’ summary, then replaces it in place', () => {
    const first = insertRun(
      DOC,
      '## Run 1\n',
      ['| t | 1 | 2 | yes | r1 |'],
      ['| workload | x |', '|---|---|', '| a | 1 |'],
    );
    assert.equal(count(first, WORKLOADS_START), 1);
    assert.ok(first.indexOf(WORKLOADS_END) < first.indexOf(SUMMARY_START), 'the workload table comes first');
    assert.match(first, /\| a \| 1 \|/);
    const second = insertRun(
      first,
      '## Run 2\n',
      ['| t | 3 | 4 | yes | r2 |'],
      ['| workload | x |', '|---|---|', '| b | 2 |'],
    );
    assert.equal(count(second, WORKLOADS_START), 1);
    assert.doesNotMatch(second, /\| a \| 1 \|/);
    assert.match(second, /\| b \| 2 \|/);
    const partial = insertRun(second, '## Run 3\n');
    assert.match(partial, /\| b \| 2 \|/, 'a partial run leaves the table alone');
    assert.throws(
      () => insertRun(`${WORKLOADS_END}\n${WORKLOADS_START}\n${DOC}`, 'x', undefined, ['y']),
      /do not pair/,
    );
  });

  it('replaces the rows between the summary markers and leaves the rows outside alone', () => {
    const out = insertRun(DOC, '## Run two\n\nText.', ['| reads | 0.5 | 0.1 | no | two |']);
    const summary = out.slice(out.indexOf(SUMMARY_START), out.indexOf(SUMMARY_END) + SUMMARY_END.length);
    assert.equal(
      summary,
      [
        SUMMARY_START,
        '',
        '| target | SQLite | PostgreSQL | met | run |',
        '|---|---|---|---|---|',
        '| reads | 0.5 | 0.1 | no | two |',
        '',
        SUMMARY_END,
      ].join('\n'),
    );
    assert.equal(count(out, 'old row'), 0);
    assert.equal(count(out, '| fan-out target | hand-written | – | yes | x |'), 1);
  });

  it('run twice: both runs newest first, one summary holding the second run’s rows', () => {
    const once = insertRun(DOC, '## Run A\n\nA.', ['| reads | A | A | no | a |']);
    const twice = insertRun(once, '## Run B\n\nB.', ['| reads | B | B | yes | b |']);
    assert.equal(count(twice, SUMMARY_START), 1);
    assert.equal(count(twice, SUMMARY_END), 1);
    assert.equal(count(twice, '| target | SQLite | PostgreSQL | met | run |'), 1);
    assert.equal(count(twice, RUNS_MARKER), 1);
    assert.ok(twice.includes('| reads | B | B | yes | b |') && !twice.includes('| reads | A |'));
    const order = ['## Run B', '## Run A', '## REST API — 2026-01-01'].map((h) => twice.indexOf(h));
    assert.deepEqual(
      [...order].sort((x, y) => x - y),
      order,
    );
    assert.ok(order[0]! > twice.indexOf(RUNS_MARKER));
  });

  it('without summary rows keeps the summary as it was', () => {
    const out = insertRun(DOC, '## Partial run');
    assert.equal(count(out, '| old row | 1 | 2 | yes | old |'), 1);
  });

  it('adds the runs marker and the summary to a document that has neither', () => {
    const out = insertRun('# Benchmarks\n\nIntro.\n', '## Run', ['| reads | 1 | 2 | yes | r |']);
    assert.ok(out.indexOf('Intro.') < out.indexOf(SUMMARY_START));
    assert.ok(out.indexOf(SUMMARY_END) < out.indexOf(RUNS_MARKER));
    assert.ok(out.indexOf(RUNS_MARKER) < out.indexOf('## Run'));
  });

  it('refuses summary markers that do not pair', () => {
    assert.throws(() => insertRun(DOC.replace(SUMMARY_START, ''), '## Run', ['| r |']), /do not pair/);
  });

  it('a new report takes runs and a summary like the real one', () => {
    const fresh = emptyReport('# Benchmarks\n\nIntro.', ['| info_1 | read | one ID |']);
    const out = insertRun(fresh, '## Run', ['| reads | 1 | 2 | yes | r |']);
    assert.ok(out.indexOf('| info_1 | read | one ID |') < out.indexOf(RUNS_MARKER));
    assert.equal(count(out, SUMMARY_START), 1);
    assert.ok(out.trimEnd().endsWith('## Run'));
  });
});

describe('summary rows', () => {
  it('show both stores, the verdict, a link to the explanation where a store misses, and the run', () => {
    const why = firstHeadingAnchor(DOC, 'Where the targets stand, and why');
    assert.equal(why, 'where-the-targets-stand-and-why-0000-run');
    const run = { label: '2026-02-02 10:00 UTC', anchor: anchor('## REST API — 2026-02-02 10:00 UTC — def') };
    assert.equal(run.anchor, 'rest-api--2026-02-02-1000-utc--def');
    const rows = summaryRows(
      [
        { target: 'start-up < 1 s', server: 'sqlite', value: 'median 618 ms (629, 618, 612)', pass: true },
        { target: 'start-up < 1 s', server: 'postgres', value: 'median 853 ms (1,217, 770, 853)', pass: true },
        { target: 'reads ≥ 0.6 ×', server: 'sqlite', value: 'worst info_50 0.24; 1/5 meet it', pass: false },
        { target: 'reads ≥ 0.6 ×', server: 'postgres', value: 'worst info_50 0.03; 0/5 meet it', pass: false },
        { target: 'p99 ≤ 10 ms', server: 'sqlite', value: 'worst info_1 8.71 ms; 1/1 meet it', pass: true },
        { target: 'p99 ≤ 10 ms', server: 'postgres', value: 'worst info_1 23.8 ms; 0/1 meet it', pass: false },
      ],
      run,
      why,
    );
    const link = '[2026-02-02 10:00 UTC](#rest-api--2026-02-02-1000-utc--def)';
    assert.deepEqual(rows, [
      `| start-up < 1 s | median 618 ms | median 853 ms | yes | ${link} |`,
      `| reads ≥ 0.6 × | worst info_50 0.24; 1/5 meet it | worst info_50 0.03; 0/5 meet it | no — [why](#${why}) | ${link} |`,
      `| p99 ≤ 10 ms | worst info_1 8.71 ms; 1/1 meet it | worst info_1 23.8 ms; 0/1 meet it | SQLite only — [why](#${why}) | ${link} |`,
    ]);
  });

  it('a store that did not run shows a dash', () => {
    const rows = summaryRows(
      [{ target: 't', server: 'sqlite', value: 'v', pass: true }],
      { label: 'l', anchor: 'a' },
      null,
    );
    assert.deepEqual(rows, ['| t | v | – | yes | [l](#a) |']);
  });

  it('shortValue drops the method and the per-pair figures, keeps the rest', () => {
    assert.equal(
      shortValue(
        'alternating 2 s slices: median p50 ratio 0.98 (pairs 0.96, 0.99, 0.97, 1.01, 1.03, 0.98); req/s 4,119 / 3,926',
      ),
      'median p50 ratio 0.98; req/s 4,119 / 3,926',
    );
    assert.equal(shortValue('156 MiB after the run (peak 166, idle 91)'), '156 MiB after the run (peak 166, idle 91)');
  });
});
