/**
 * Hand-written SQL for the statements every call runs. Kysely's builder assembles and compiles
 * a query on each execution, which cost as much CPU as SQLite itself on a point lookup
 * (BENCHMARKS.md); these statements are written once, in the SQL both stores speak, with `?`
 * placeholders, and PostgreSQL's `$n` form is derived once per text. They still run through
 * Kysely's driver, so transactions, the SQLite connection queue and the statement cache apply.
 *
 * Rule for authors: never put a literal `?` in the text (no string literals with `?` in them);
 * every `?` is a parameter.
 */
import { CompiledQuery, type Kysely, type QueryResult, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

export type SqlDialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database> | Transaction<Database>;

/** PostgreSQL texts of Statements → the name they are prepared under on each connection. */
const preparedNames = new Map<string, string>();

/**
 * The name PostgreSQL should keep `text` prepared under, if it is one of these statements
 * (postgres.ts). Prepared once per connection, they skip parsing and planning on every later
 * call; Kysely-built queries (admin, export, the dispatcher) are sent unnamed as before.
 */
export function preparedName(text: string): string | undefined {
  return preparedNames.get(text);
}

export class Statement {
  private postgresText: string | undefined;
  /** Whether PostgreSQL keeps this text prepared (see ListStatement for when not). */
  private prepared = true;

  /** `postgres`: a different text for PostgreSQL (still with `?` placeholders), when the two differ. */
  constructor(
    readonly text: string,
    private readonly postgres: string = text,
  ) {}

  for(dialect: SqlDialect): string {
    if (dialect === 'sqlite') return this.text;
    if (this.postgresText === undefined) {
      let n = 0;
      this.postgresText = this.postgres.replace(/\?/g, () => `$${++n}`);
      if (this.prepared && !preparedNames.has(this.postgresText))
        preparedNames.set(this.postgresText, `herald_${preparedNames.size + 1}`);
    }
    return this.postgresText;
  }

  /** Sent unnamed on PostgreSQL: parsed and planned each time, nothing kept per connection. */
  unprepared(): this {
    this.prepared = false;
    return this;
  }
}

/**
 * A select whose rows come back as one JSON text (SQLite) or json value (PostgreSQL): an array of
 * arrays, one per row, values in `columns` order. better-sqlite3 turns each value it reads into a
 * JavaScript value at a cost of ~0.4 µs here: a page of 101 subscribers took ~270 µs as row
 * objects, ~210 µs as JSON objects and ~130 µs as JSON arrays parsed by V8 and keyed in a loop
 * (BENCHMARKS.md). The aggregate does not promise an order, so rows are sorted here by `order`.
 * `select` must name exactly `columns`, in that order.
 */
export class JsonRowsStatement extends Statement {
  constructor(
    readonly columns: readonly string[],
    select: string,
    readonly order?: { column: string; descending?: boolean },
  ) {
    const values = columns.map((c) => `"${c}"`).join(', ');
    super(
      `select json_group_array(json_array(${values})) as rows from (${select})`,
      `select coalesce(json_agg(json_build_array(${values})), '[]') as rows from (${select}) as t`,
    );
  }

  /** The rows of this statement's result, as objects keyed by column name. */
  decode<R>(result: QueryResult<{ rows: unknown }>): R[] {
    const value = result.rows[0]?.rows;
    if (value === undefined || value === null) return [];
    const arrays = (typeof value === 'string' ? JSON.parse(value) : value) as unknown[][];
    const { columns } = this;
    const rows = new Array<Record<string, unknown>>(arrays.length);
    for (let r = 0; r < arrays.length; r++) {
      const values = arrays[r] as unknown[];
      const row: Record<string, unknown> = {};
      for (let c = 0; c < columns.length; c++) row[columns[c] as string] = values[c];
      rows[r] = row;
    }
    if (this.order !== undefined) {
      const { column, descending } = this.order;
      const sign = descending ? -1 : 1;
      rows.sort((a, b) => sign * ((a[column] as number) - (b[column] as number)));
    }
    return rows as R[];
  }
}

/**
 * A statement with a list of `?` whose length varies per call (`IN (…)`, multi-row VALUES).
 * The text for each length is built once; lengths are bounded by the callers' batch limits.
 */
const MAX_PREPARED_LIST = 10;

export class ListStatement<S extends Statement = Statement> {
  private readonly byLength = new Map<number, S>();

  /** `build` makes the statement for `list`, the placeholder text of `n` items (`item` each, comma separated). */
  constructor(
    private readonly build: (list: string) => S,
    private readonly item = '?',
  ) {}

  of(n: number): S {
    let statement = this.byLength.get(n);
    if (statement === undefined) {
      statement = this.build(Array.from({ length: n }, () => this.item).join(', '));
      // Every length is its own text: keep only the short, common ones prepared on PostgreSQL,
      // so a connection holds a few dozen of them rather than one per batch size up to 100.
      if (n > MAX_PREPARED_LIST) statement.unprepared();
      if (this.byLength.size < 1000) this.byLength.set(n, statement);
    }
    return statement;
  }
}

export async function execute<R>(
  db: Db,
  dialect: SqlDialect,
  statement: Statement,
  parameters: readonly unknown[],
): Promise<QueryResult<R>> {
  return db.executeQuery<R>(CompiledQuery.raw(statement.for(dialect), parameters as unknown[]));
}

export function affectedRows(result: QueryResult<unknown>): number {
  return Number(result.numAffectedRows ?? 0n);
}
