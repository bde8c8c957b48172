/**
 * The table model: one or two dimensions with fixed category lists, cells that remember which organisation contributed
 * what, optional measures, and totals. Totals are tallied from the records themselves, never by adding up cells, so a
 * record that falls into several categories (a case with two exploitation types) counts once in a total.
 *
 * Entries are numbered in one array: interior cells row-major, then row totals, column totals and the grand total
 * (a 1-D table has its cells and then the total). `tableLines` lists which entries add up to which total.
 */

export interface Dimension {
  /** The field name in the published rows, e.g. `exploitationType`. */
  readonly name: string;
  /** Every category, in publication order, zeros included: the shape of a table must not depend on the data. */
  readonly categories: readonly string[];
}

export interface QuantileMeasureSpec {
  readonly kind: 'quantiles';
  /** The field name in the published rows, e.g. `daysToAcceptance`. */
  readonly name: string;
  /** e.g. `[{ name: 'median', q: 0.5 }, { name: 'p90', q: 0.9 }]`; nearest-rank, so the answer is always an observed value. */
  readonly quantiles: readonly { readonly name: string; readonly q: number }[];
}

export interface MoneyMeasureSpec {
  readonly kind: 'money';
  readonly name: string;
  /** Currencies every row lists (zero where nothing was recorded), so a currency's presence reveals nothing. */
  readonly currencies?: readonly string[];
}

export type MeasureSpec = QuantileMeasureSpec | MoneyMeasureSpec;

export interface TableSpec {
  readonly tableId: string;
  readonly dimensions: readonly [Dimension] | readonly [Dimension, Dimension];
  readonly measures?: readonly MeasureSpec[];
}

/** Integer minor units; bigint because totals over a deployment can outgrow a double's exact range. */
export interface Money {
  readonly currency: string;
  readonly amountMinor: bigint;
}

export interface TableRecord {
  readonly organisationId: string;
  /** One value per dimension; an array where the record belongs to several categories (or none). */
  readonly values: readonly (string | readonly string[])[];
  /** By measure name: a number for a quantile measure, a Money for a money measure; null/absent when it does not apply. */
  readonly measures?: Readonly<Record<string, number | Money | null | undefined>>;
}

export class Tally {
  count = 0;
  /** organisation id → records it contributed. */
  readonly contributors = new Map<string, number>();

  add(organisationId: string, n: number): void {
    this.count += n;
    this.contributors.set(organisationId, (this.contributors.get(organisationId) ?? 0) + n);
  }
}

export class QuantileTally {
  readonly values: number[] = [];
  readonly contributors = new Map<string, number>();

  add(organisationId: string, value: number): void {
    this.values.push(value);
    this.contributors.set(organisationId, (this.contributors.get(organisationId) ?? 0) + 1);
  }
}

export class CurrencyTally {
  amount = 0n;
  records = 0;
  /** organisation id → records and amount it contributed (dominance is judged on both). */
  readonly contributors = new Map<string, { records: number; amount: bigint }>();

  add(organisationId: string, amount: bigint): void {
    this.amount += amount;
    this.records += 1;
    const c = this.contributors.get(organisationId) ?? { records: 0, amount: 0n };
    c.records += 1;
    c.amount += amount;
    this.contributors.set(organisationId, c);
  }
}

export class MoneyTally {
  readonly byCurrency = new Map<string, CurrencyTally>();

  add(organisationId: string, money: Money): void {
    let t = this.byCurrency.get(money.currency);
    if (!t) this.byCurrency.set(money.currency, (t = new CurrencyTally()));
    t.add(organisationId, money.amountMinor);
  }
}

export type MeasureTally = QuantileTally | MoneyTally;

export interface Entry {
  readonly tally: Tally;
  /** Aligned with spec.measures. */
  readonly measures: readonly MeasureTally[];
}

export type EntryKind = 'cell' | 'row_total' | 'column_total' | 'grand_total';

export interface Line {
  /** Entries that add up to `total` (for a table where every record falls into exactly one category). */
  readonly cells: readonly number[];
  readonly total: number;
}

/** A table's shape: how many entries, what each is, and which lines (rows, columns, margins) relate them. */
export interface Layout {
  readonly rows: number;
  /** 1 for a one-dimensional table. */
  readonly columns: number;
  readonly twoDimensional: boolean;
  readonly size: number;
  readonly lines: readonly Line[];
  kind(entry: number): EntryKind;
  /** Category positions of an entry; null where the entry is a total over that dimension. */
  coordinates(entry: number): [number | null, number | null];
}

export function tableLayout(rows: number, columns: number | null): Layout {
  if (columns === null) {
    const cells = range(0, rows);
    return {
      rows,
      columns: 1,
      twoDimensional: false,
      size: rows + 1,
      lines: [{ cells, total: rows }],
      kind: (e) => (e === rows ? 'grand_total' : 'cell'),
      coordinates: (e) => (e === rows ? [null, null] : [e, null]),
    };
  }
  const interior = rows * columns;
  const rowTotal = (r: number) => interior + r;
  const columnTotal = (c: number) => interior + rows + c;
  const grand = interior + rows + columns;
  const lines: Line[] = [];
  for (let r = 0; r < rows; r++) lines.push({ cells: range(0, columns).map((c) => r * columns + c), total: rowTotal(r) });
  for (let c = 0; c < columns; c++) lines.push({ cells: range(0, rows).map((r) => r * columns + c), total: columnTotal(c) });
  lines.push({ cells: range(0, columns).map(columnTotal), total: grand });
  lines.push({ cells: range(0, rows).map(rowTotal), total: grand });
  return {
    rows,
    columns,
    twoDimensional: true,
    size: grand + 1,
    lines,
    kind: (e) => (e < interior ? 'cell' : e < interior + rows ? 'row_total' : e < grand ? 'column_total' : 'grand_total'),
    coordinates: (e) => {
      if (e < interior) return [Math.floor(e / columns), e % columns];
      if (e < interior + rows) return [e - interior, null];
      if (e < grand) return [null, e - interior - rows];
      return [null, null];
    },
  };
}

export interface Table {
  readonly spec: TableSpec;
  readonly layout: Layout;
  readonly entries: readonly Entry[];
}

/** Bad builder input: a bug in the query that feeds the table, never a client's mistake. Messages hold no values. */
export class TableInputError extends Error {
  override name = 'TableInputError';
}

const CURRENCY = /^[A-Z]{3}$/;

/**
 * Accumulates records (or pre-aggregated counts) into a table. Everything is keyed by category position, so the result
 * does not depend on the order in which records arrive.
 */
export class TableBuilder {
  readonly layout: Layout;
  private readonly entries: Entry[];
  private readonly index: ReadonlyMap<string, number>[];

  constructor(readonly spec: TableSpec) {
    const dims = spec.dimensions;
    if (dims.length !== 1 && dims.length !== 2) throw new TableInputError('A table has one or two dimensions');
    this.index = dims.map((d) => {
      const m = new Map<string, number>();
      d.categories.forEach((c, i) => {
        if (m.has(c)) throw new TableInputError(`Dimension ${d.name} lists a category twice`);
        m.set(c, i);
      });
      if (m.size === 0) throw new TableInputError(`Dimension ${d.name} has no categories`);
      return m;
    });
    const names = [...dims.map((d) => d.name), ...(spec.measures ?? []).map((m) => m.name)];
    if (new Set(names).size !== names.length) throw new TableInputError('Dimension and measure names must be distinct');
    for (const m of spec.measures ?? []) {
      if (m.kind === 'quantiles' && m.quantiles.some((q) => !(q.q > 0 && q.q <= 1))) {
        throw new TableInputError(`Measure ${m.name} has a quantile outside (0, 1]`);
      }
      if (m.kind === 'money' && (m.currencies ?? []).some((c) => !CURRENCY.test(c))) {
        throw new TableInputError(`Measure ${m.name} lists a currency that is not ISO 4217`);
      }
    }
    this.layout = tableLayout(dims[0].categories.length, dims.length === 2 ? dims[1].categories.length : null);
    this.entries = Array.from({ length: this.layout.size }, () => ({
      tally: new Tally(),
      measures: (spec.measures ?? []).map((m) => (m.kind === 'quantiles' ? new QuantileTally() : new MoneyTally())),
    }));
  }

  /** One record: it counts once in every cell it belongs to and once in each total that covers any of those cells. */
  addRecord(record: TableRecord): this {
    assertOrganisation(record.organisationId);
    const positions = this.positions(record.values);
    const touched = this.entriesOf(positions);
    const measures = this.spec.measures ?? [];
    const observations = measures.map((m) => this.observation(m, record.measures?.[m.name]));
    for (const e of touched) {
      const entry = this.entries[e];
      entry.tally.add(record.organisationId, 1);
      observations.forEach((o, i) => {
        if (o === null) return;
        const t = entry.measures[i];
        if (t instanceof QuantileTally) t.add(record.organisationId, o as number);
        else t.add(record.organisationId, o as Money);
      });
    }
    return this;
  }

  /**
   * A pre-aggregated count (e.g. a GROUP BY row): `count` records of one organisation in exactly one category per
   * dimension. Adding it to the totals as well is right only because such records sit in one cell.
   */
  addCount(values: readonly string[], organisationId: string, count: number): this {
    assertOrganisation(organisationId);
    if (!Number.isSafeInteger(count) || count < 0) throw new TableInputError('A count must be a non-negative integer');
    if (count === 0) return this;
    const positions = this.positions(values);
    for (const e of this.entriesOf(positions)) this.entries[e].tally.add(organisationId, count);
    return this;
  }

  /**
   * A pre-aggregated count for exactly one entry: a cell (every value given) or a total (null for each dimension it
   * totals over). For records in several categories counted in SQL: the cells from the unnested values, the totals
   * from the records, so a record with two categories still counts once in its total.
   */
  addEntryCount(values: readonly (string | null)[], organisationId: string, count: number): this {
    assertOrganisation(organisationId);
    if (!Number.isSafeInteger(count) || count < 0) throw new TableInputError('A count must be a non-negative integer');
    const dims = this.spec.dimensions;
    if (values.length !== dims.length) throw new TableInputError(`A record needs ${dims.length} dimension value(s)`);
    if (count === 0) return this;
    const p = values.map((v, d) => {
      if (v === null) return null;
      const i = this.index[d].get(v);
      if (i === undefined) throw new TableInputError(`A value is not a category of dimension ${dims[d].name}`);
      return i;
    });
    const L = this.layout;
    let entry: number;
    if (!L.twoDimensional) entry = p[0] === null ? L.size - 1 : p[0];
    else if (p[0] !== null && p[1] !== null) entry = p[0] * L.columns + p[1];
    else if (p[0] !== null) entry = L.rows * L.columns + p[0];
    else if (p[1] !== null) entry = L.rows * L.columns + L.rows + p[1];
    else entry = L.size - 1;
    this.entries[entry].tally.add(organisationId, count);
    return this;
  }

  build(): Table {
    return { spec: this.spec, layout: this.layout, entries: this.entries };
  }

  private positions(values: readonly (string | readonly string[])[]): number[][] {
    const dims = this.spec.dimensions;
    if (values.length !== dims.length) throw new TableInputError(`A record needs ${dims.length} dimension value(s)`);
    return values.map((v, d) => {
      const list = typeof v === 'string' ? [v] : v;
      const out = new Set<number>();
      for (const category of list) {
        const p = this.index[d].get(category);
        if (p === undefined) throw new TableInputError(`A value is not a category of dimension ${dims[d].name}`);
        out.add(p);
      }
      return [...out];
    });
  }

  private entriesOf(positions: number[][]): number[] {
    const L = this.layout;
    const touched: number[] = [];
    if (!L.twoDimensional) {
      touched.push(...positions[0]);
    } else {
      const interior = L.rows * L.columns;
      for (const r of positions[0]) for (const c of positions[1]) touched.push(r * L.columns + c);
      for (const r of positions[0]) touched.push(interior + r);
      for (const c of positions[1]) touched.push(interior + L.rows + c);
    }
    touched.push(L.size - 1);
    return touched;
  }

  private observation(spec: MeasureSpec, value: number | Money | null | undefined): number | Money | null {
    if (value === null || value === undefined) return null;
    if (spec.kind === 'quantiles') {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new TableInputError(`Measure ${spec.name} takes finite numbers`);
      }
      return value;
    }
    if (typeof value !== 'object' || typeof value.amountMinor !== 'bigint' || !CURRENCY.test(value.currency)) {
      throw new TableInputError(`Measure ${spec.name} takes { currency, amountMinor: bigint }`);
    }
    if (value.amountMinor < 0n) throw new TableInputError(`Measure ${spec.name} takes amounts of zero or more`);
    return value;
  }
}

function assertOrganisation(organisationId: string): void {
  if (typeof organisationId !== 'string' || organisationId.length === 0) {
    throw new TableInputError('Every record needs its organisation');
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
