/**
 * The documented tables against what they describe: the README's command table against the
 * command declarations (src/wire/registry.ts), docs/error-codes.md against the error catalog
 * (src/errors.ts). A command or code added, removed or renamed on one side fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CATALOG } from '../src/errors.ts';
import { COMMANDS } from '../src/wire/registry.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const ERROR_CODES = readFileSync(new URL('../docs/error-codes.md', import.meta.url), 'utf8');

/** The rows of the table that follows `heading` in a document, as arrays of cell texts. */
function tableAfter(heading: string, document = README): string[][] {
  const start = `\n${document}`.indexOf(`\n${heading}\n`);
  assert.notEqual(start, -1, `the document has a "${heading}" section`);
  const lines = document.slice(start).split('\n');
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
    const listed = tableAfter('# Error codes', ERROR_CODES).map(
      ([code = '', info = '']) => [Number(code), info] as const,
    );
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
