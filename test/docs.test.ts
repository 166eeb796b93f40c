/**
 * The README's tables against what they describe: the command table against the command
 * declarations (src/wire/registry.ts), the error-code table against the error catalog
 * (src/errors.ts). A command or code added, removed or renamed on one side fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CATALOG } from '../src/errors.ts';
import { COMMANDS } from '../src/wire/registry.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The rows of the table that follows `heading` in the README, as arrays of cell texts. */
function tableAfter(heading: string): string[][] {
  const start = README.indexOf(`\n${heading}\n`);
  assert.notEqual(start, -1, `README has a "${heading}" section`);
  const lines = README.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

const unquote = (cell: string) => /`([^`]+)`/.exec(cell)?.[1] ?? cell;

describe('README tables', () => {
  it('the command table lists exactly the declared commands, service by service', () => {
    const listed = tableAfter('## What is implemented').map(
      ([service = '', command = '']) => `${unquote(service)}/${unquote(command)}`,
    );
    const declared = COMMANDS.map((c) => `${c.service}/${c.name}`);
    assert.deepEqual([...listed].sort(), [...declared].sort());
    assert.equal(new Set(listed).size, listed.length, 'each command is listed once');
  });

  it('the error-code table lists exactly the catalog, with each default ErrorInfo', () => {
    const listed = tableAfter('## Error codes').map(([code = '', info = '']) => [Number(code), info] as const);
    const catalog = Object.values(CATALOG).map((e) => [e.code, e.info] as const);
    const byCode = (a: readonly [number, string], b: readonly [number, string]) => a[0] - b[0];
    assert.deepEqual([...listed].sort(byCode), [...catalog].sort(byCode));
  });

  it("every declared command has a summary, a response schema and, unless Herald's own, Tencent's page", () => {
    for (const command of COMMANDS) {
      assert.ok(command.summary.length > 0, command.key);
      assert.equal(command.response.type, 'object', command.key);
      if (command.service !== 'herald_admin') {
        assert.match(
          command.docs ?? '',
          /^https:\/\/www\.tencentcloud\.com\/document\/product\/1047\/\d+$/,
          command.key,
        );
      }
    }
  });
});
