/**
 * Hand-written statements: SQL text written once in the subset both stores speak, with `?`
 * placeholders (PostgreSQL's `$n` form is derived once), a name, and the number of parameters
 * it takes. On PostgreSQL a statement goes out under its name (pg-runner.ts), prepared once per
 * connection; its text starts with the name as a comment (`/*herald:name*\/`), so PostgreSQL's
 * logs and pg_stat_statements name it too.
 *
 * Rule for authors: never put a literal `?` in the text (no string literals holding one); every
 * `?` is a parameter.
 */
export type Dialect = 'sqlite' | 'postgres';

export class Statement {
  /** How many parameters a call must pass (the `?` in the text). */
  readonly arity: number;
  /** The name PostgreSQL keeps it prepared under per connection; undefined: sent unnamed. */
  readonly postgresName: string | undefined;
  private readonly sqlite: string;
  private readonly postgres: string;

  /**
   * `options.postgres`: another text for PostgreSQL (still with `?`), where the two differ (row
   * locks, `greatest` for SQLite's two-argument `max`). `options.prepared: false` sends the
   * statement unnamed on PostgreSQL: parsed and planned each time, nothing kept per connection.
   */
  constructor(
    readonly name: string,
    text: string,
    options: { postgres?: string; prepared?: boolean } = {},
  ) {
    this.arity = countPlaceholders(text);
    const postgres = options.postgres ?? text;
    if (countPlaceholders(postgres) !== this.arity)
      throw new Error(`${name}: the PostgreSQL text takes other parameters`);
    this.sqlite = text;
    let n = 0;
    const numbered = postgres.replace(/\?/g, () => `$${++n}`);
    this.postgresName = options.prepared === false ? undefined : name;
    this.postgres = options.prepared === false ? numbered : `${PREPARED_PREFIX}${name}*/ ${numbered}`;
  }

  text(dialect: Dialect): string {
    return dialect === 'sqlite' ? this.sqlite : this.postgres;
  }
}

const PREPARED_PREFIX = '/*herald:';

function countPlaceholders(text: string): number {
  let n = 0;
  for (const c of text) if (c === '?') n++;
  return n;
}

/**
 * A select whose rows come back as one JSON text (SQLite) or json value (PostgreSQL): an array
 * of arrays, one per row, values in `columns` order. better-sqlite3 turns each value it reads
 * into a JavaScript value at ~0.4 µs apiece; a page of 101 subscribers took ~270 µs as row
 * objects and ~130 µs as JSON arrays parsed by V8 and keyed in a loop (BENCHMARKS.md). The
 * aggregate promises no order, so rows are sorted here by `order`. `select` must name exactly
 * `columns`, in that order.
 */
export class JsonRowsStatement extends Statement {
  readonly order: { column: string; descending?: boolean } | undefined;
  /** The aggregate select of each dialect, `?` unnumbered, for a JsonRowsPair to embed. */
  readonly aggregate: Readonly<Record<Dialect, string>>;

  constructor(
    name: string,
    readonly columns: readonly string[],
    select: string,
    options: { order?: { column: string; descending?: boolean }; prepared?: boolean } = {},
  ) {
    const values = columnList(columns);
    const aggregate = {
      sqlite: `select json_group_array(json_array(${values})) as rows from (${select})`,
      postgres: `select coalesce(json_agg(json_build_array(${values})), '[]') as rows from (${select}) as t`,
    };
    super(name, aggregate.sqlite, {
      postgres: aggregate.postgres,
      ...(options.prepared !== undefined && { prepared: options.prepared }),
    });
    this.aggregate = aggregate;
    this.order = options.order;
  }

  /** The rows of this statement's result, as objects keyed by column name. */
  decode<R>(value: unknown): R[] {
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
 * Two JsonRowsStatements answered by one statement: one row whose columns `first_rows` and `second_rows`
 * hold each one's JSON rows; the parameters are the first's, then the second's. One round trip
 * instead of a transaction around two (begin, two reads, commit: four on PostgreSQL), and one
 * statement reads one snapshot, so the two agree as they would in that transaction.
 */
export class JsonRowsPair extends Statement {
  constructor(
    name: string,
    readonly first: JsonRowsStatement,
    readonly second: JsonRowsStatement,
  ) {
    const text = (d: Dialect) =>
      `select (${first.aggregate[d]}) as first_rows, (${second.aggregate[d]}) as second_rows`;
    super(name, text('sqlite'), { postgres: text('postgres') });
  }
}

/** Lists up to this long stay prepared on PostgreSQL; longer ones go out unnamed. */
const MAX_PREPARED_LIST = 10;

/**
 * A statement with a list of `?` whose length varies per call (`IN (…)`, multi-row VALUES). The
 * statement for each length is built once, named `<name>.<length>`; lengths are bounded by the
 * callers' batch limits. Only short lists stay prepared on PostgreSQL, so a connection keeps a few
 * dozen statements rather than one per batch size up to 100.
 */
export class ListStatement<S extends Statement = Statement> {
  private readonly byLength = new Map<number, S>();

  /** `build(name, list, prepared)` makes the statement for `list`: `n` copies of `item`, comma separated. */
  constructor(
    private readonly name: string,
    private readonly build: (name: string, list: string, prepared: boolean) => S,
    private readonly item = '?',
  ) {}

  of(n: number): S {
    let statement = this.byLength.get(n);
    if (statement === undefined) {
      const list = Array.from({ length: n }, () => this.item).join(', ');
      statement = this.build(`${this.name}.${n}`, list, n <= MAX_PREPARED_LIST);
      this.byLength.set(n, statement);
    }
    return statement;
  }
}

/** `"a", "b", …`: columns are always named, never `*` (a prepared `select *` breaks once a migration adds one). */
export function columnList(columns: readonly string[]): string {
  return columns.map((c) => `"${c}"`).join(', ');
}

/**
 * An INSERT whose text and parameters come from one column list, so they cannot drift apart:
 * `values(row)` answers the parameters in the order the text names the columns.
 */
export function insertInto<C extends string>(name: string, table: string, columns: readonly C[], tail = '') {
  const placeholders = columns.map(() => '?').join(', ');
  return {
    statement: new Statement(name, `insert into ${table} (${columnList(columns)}) values (${placeholders})${tail}`),
    values: (row: Record<C, unknown>): unknown[] => columns.map((c) => row[c]),
  };
}

/** `columns` without `left` (e.g. the columns an INSERT leaves to their defaults), in order. */
export function except<C extends string, L extends C>(columns: readonly C[], left: readonly L[]): Exclude<C, L>[] {
  return columns.filter((c): c is Exclude<C, L> => !(left as readonly string[]).includes(c));
}

/**
 * The full column list of a table, checked by the compiler against the table's row type: a
 * column missing from the list, or named twice, is a type error.
 */
export function allColumns<Row>() {
  return <const C extends readonly (keyof Row & string)[]>(
    columns: C &
      ([Exclude<keyof Row, C[number]>] extends [never] ? unknown : { missing: Exclude<keyof Row, C[number]> }),
  ): C => {
    if (new Set(columns).size !== columns.length) throw new Error(`a column is named twice in ${columns.join(', ')}`);
    return columns;
  };
}
