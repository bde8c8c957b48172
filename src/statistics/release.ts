/**
 * How a set of protected tables becomes a release (pure: no Nest, no database).
 *
 * 1. Shared totals. Every table of the `cases` family has the same grand total: the number of cases registered in the
 *    period. If one table had to hide it (secondary suppression) while another publishes it, the published one would
 *    undo the hiding. A table that hides a grand total its family publishes elsewhere is therefore published "blank":
 *    every non-zero entry hidden, the grand total shown. Whatever the attacker knows then, each hidden entry lies
 *    between 0 and the grand total.
 * 2. The open period. Its tables are published as a snapshot per UTC day (data registered before midnight), and a new
 *    day's snapshot replaces the previous one only when the difference between them is itself publishable: the same
 *    entries hidden, and every entry, and every line's hidden part, changed by 0 or by at least k. Otherwise the
 *    previous snapshot stays. Two requests therefore either return the same bytes, or differ only by changes of k or
 *    more records — never by the one case that was registered yesterday.
 */
import { createHash } from 'node:crypto';
import {
  DisclosureRules,
  LinkedAttack,
  Period,
  ProtectedTable,
  protectTable,
  PublishedEntry,
  PublishedMeasure,
  serialiseTable,
  Table,
  tableLayout,
  TableSpec,
  tableShape,
} from './disclosure';

/** A protected table with every non-zero entry hidden except the grand total. */
export function blankExceptGrandTotal(table: ProtectedTable, grandTotal: number): ProtectedTable {
  const last = table.entries.length - 1;
  return {
    ...table,
    entries: table.entries.map((e, i): PublishedEntry => {
      if (i === last) return { ...e, count: grandTotal, suppressed: false };
      if (!e.suppressed && e.count === 0) return e;
      return { ...e, count: null, suppressed: true };
    }),
  };
}

export interface FamilyMember {
  readonly raw: Table;
  readonly protected: ProtectedTable;
}

/**
 * Makes the grand total agree across a family of tables (same records, same total): hidden everywhere when the
 * primary rules hide it (protectTable already did), else published everywhere, blanking any table that hid it.
 */
export function harmoniseGrandTotals(members: readonly FamilyMember[]): ProtectedTable[] {
  const grand = (t: ProtectedTable) => t.entries[t.entries.length - 1];
  const publishedIn = members.filter((m) => !grand(m.protected).suppressed);
  if (publishedIn.length === 0 || publishedIn.length === members.length) return members.map((m) => m.protected);
  const n = grand(publishedIn[0].protected).count!;
  return members.map((m) => (grand(m.protected).suppressed ? blankExceptGrandTotal(m.protected, n) : m.protected));
}

export interface ReleaseMeta {
  readonly provisional: boolean;
  /** Records registered before this instant are counted. */
  readonly dataCutoff: Date;
  /** Adds fields computed from the published rows only (a rate from two published counts). */
  readonly derive?: (row: Record<string, unknown>, rows: readonly Record<string, unknown>[]) => void;
}

/** The bytes a release stores and serves: the DESIGN.md shape plus whether it is provisional and its cutoff. */
export function releaseBody(table: ProtectedTable, period: Period, meta: ReleaseMeta): Buffer {
  const s = serialiseTable(table, period.label);
  if (meta.derive) for (const row of s.rows) meta.derive(row, s.rows);
  return Buffer.from(
    JSON.stringify({
      tableId: s.tableId,
      period: s.period,
      provisional: meta.provisional,
      dataCutoff: meta.dataCutoff.toISOString(),
      minimumCellSize: s.minimumCellSize,
      rows: s.rows,
    }),
    'utf8',
  );
}

export const sha256Hex = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

/** The true count of each entry, in entry order (stored beside a provisional snapshot, never served). */
export const entryCounts = (table: Table): number[] => table.entries.map((e) => e.tally.count);

export interface Snapshot {
  readonly counts: readonly number[];
  readonly suppressed: readonly boolean[];
  /** What was published, measures included (money sums, medians); absent where only counts are compared. */
  readonly published?: ProtectedTable | null;
}

const measureValue = (m: PublishedMeasure): string =>
  m.kind === 'money'
    ? JSON.stringify(m.amounts.map((a) => [a.currency, a.suppressed ? null : String(a.amountMinor)]))
    : JSON.stringify(m.suppressed ? null : m.values.map((v) => v.value));

/**
 * Measures (money sums, medians) shown in both releases whose value changed while their entry's count moved by less
 * than k (0 included: a payment recorded later changes a sum without changing a count). Such a change is one person's
 * amount, or a handful's. Returns [entry, measure] pairs; none when either release lacks its published measures.
 */
export function measureRisks(
  previous: ProtectedTable | null | undefined,
  next: ProtectedTable,
  counts: readonly number[],
  before: readonly number[],
  k: number,
): [number, number][] {
  if (!previous || previous.entries.length !== next.entries.length) return [];
  const out: [number, number][] = [];
  next.entries.forEach((entry, e) => {
    if (Math.abs(counts[e] - before[e]) >= k) return;
    entry.measures.forEach((m, i) => {
      const old = previous.entries[e].measures[i];
      if (!old || old.kind !== m.kind) return;
      const shownBefore = old.kind === 'money' ? old.amounts.some((a) => !a.suppressed) : !old.suppressed;
      const shownNow = m.kind === 'money' ? m.amounts.some((a) => !a.suppressed) : !m.suppressed;
      if (shownBefore && shownNow && measureValue(old) !== measureValue(m)) out.push([e, i]);
    });
  });
  return out;
}

/**
 * Hides the measures measureRisks names: a money measure in every entry of the table (its sums add up along the
 * table's lines, so one hidden sum could be worked back), a median or percentile in its entry only (they do not add).
 */
export function hideMeasures(table: ProtectedTable, risks: readonly [number, number][]): ProtectedTable {
  if (risks.length === 0) return table;
  const everywhere = new Set(risks.filter(([e, i]) => table.entries[e].measures[i].kind === 'money').map(([, i]) => i));
  const here = new Set(risks.map(([e, i]) => `${e}:${i}`));
  return {
    ...table,
    entries: table.entries.map((entry, e) => ({
      ...entry,
      measures: entry.measures.map((m, i): PublishedMeasure => {
        if (m.kind === 'money') {
          return everywhere.has(i) ? { ...m, amounts: m.amounts.map((a) => ({ ...a, amountMinor: null, suppressed: true })) } : m;
        }
        return here.has(`${e}:${i}`) ? { ...m, values: m.values.map((v) => ({ ...v, value: null })), suppressed: true } : m;
      }),
    })),
  };
}

/**
 * May `next` replace `previous` as the open period's published snapshot? Only if differencing the two shows nothing
 * smaller than k: the same entries hidden; every entry changed by 0 or at least k; and on every line, the hidden
 * entries' combined change (what an attacker gets from published totals minus published cells) is 0 or at least k.
 */
export function snapshotMayReplace(previous: Snapshot, next: Snapshot, rows: number, columns: number | null, k: number): boolean {
  if (previous.counts.length !== next.counts.length || previous.suppressed.length !== next.counts.length) return false;
  if (next.suppressed.some((s, i) => s !== previous.suppressed[i])) return false;
  const delta = next.counts.map((c, i) => c - previous.counts[i]);
  const safe = (d: number) => d === 0 || Math.abs(d) >= k;
  if (!delta.every(safe)) return false;
  for (const line of tableLayout(rows, columns).lines) {
    const hiddenCells = line.cells.filter((c) => next.suppressed[c]).reduce((s, c) => s + delta[c], 0);
    const hiddenPart = next.suppressed[line.total] ? hiddenCells - delta[line.total] : hiddenCells;
    if (!safe(hiddenPart)) return false;
  }
  return true;
}

/**
 * The final release of a period against the last snapshot published while it was open. An auditor may have kept that
 * snapshot, so the final may differ from it only the way one snapshot may replace another: every entry published in
 * both changed by 0 or by at least k, and on every line the combined change of the entries hidden in either release
 * (which the line gives away: its published entries' changes are known) is 0 or at least k. Otherwise a count going
 * from 15 to 16 says that one case of that category was registered in the period's last days. Unlike a snapshot, the
 * final cannot be refused: it hides more instead. Returns the entries of `next` to hide as well (none when it is
 * safe as it stands); each is published in `next`, so hiding them always makes progress.
 */
export function revisionRisks(previous: Snapshot, next: Snapshot, rows: number, columns: number | null, k: number): number[] {
  const n = next.counts.length;
  // A table whose shape changed between the two (a new catalogue version) has no entry-by-entry relation to check.
  if (previous.counts.length !== n || previous.suppressed.length !== n) return [];
  const delta = next.counts.map((c, i) => c - previous.counts[i]);
  const safe = (d: number) => d === 0 || Math.abs(d) >= k;
  const shownInBoth = (e: number) => !previous.suppressed[e] && !next.suppressed[e];
  const direct = delta.map((d, e) => (shownInBoth(e) && !safe(d) ? e : -1)).filter((e) => e >= 0);
  if (direct.length) return direct; // lines are checked again once these are hidden
  const out = new Set<number>();
  for (const line of tableLayout(rows, columns).lines) {
    const members = [...line.cells.map((e) => ({ e, sign: 1 })), { e: line.total, sign: -1 }];
    const change = members.filter((m) => !shownInBoth(m.e)).reduce((s, m) => s + m.sign * delta[m.e], 0);
    if (safe(change)) continue;
    // One more entry of the line: one whose change makes the line's safe if there is one, else the largest change;
    // cells before the total, smaller counts first.
    const candidates = members.filter((m) => shownInBoth(m.e));
    const fixes = candidates.filter((m) => safe(change + m.sign * delta[m.e]));
    const pool = fixes.length ? fixes : [...candidates].sort((a, b) => Math.abs(delta[b.e]) - Math.abs(delta[a.e])).slice(0, 1);
    const pick = [...pool].sort((a, b) => b.sign - a.sign || next.counts[a.e] - next.counts[b.e] || a.e - b.e)[0];
    if (pick) out.add(pick.e);
  }
  return [...out];
}

/**
 * The attacker of the tests on one table's last snapshot and final release together (LinkedAttack: both tables' lines
 * and final = snapshot + late records, entry by entry). Returns entries of `next` to hide so that nothing it pins
 * stays pinned: the pinned entry itself where the final publishes it, else the smallest published entry of one of its
 * lines. Run after revisionRisks, which catches the common cases without it.
 */
export function revisionAudit(previous: Snapshot, next: ProtectedTable, counts: readonly number[], additive: boolean, k: number): number[] {
  if (previous.counts.length !== next.entries.length) return [];
  const earlier: ProtectedTable = {
    ...next,
    entries: next.entries.map((e, i) => ({
      ...e,
      count: previous.suppressed[i] ? null : previous.counts[i],
      suppressed: previous.suppressed[i],
    })),
  };
  const attack = new LinkedAttack(k);
  attack.addRelease({ key: 'earlier', table: earlier, additive });
  attack.addRelease({ key: 'later', table: next, additive });
  attack.addRevision(
    'later',
    'earlier',
    counts.every((c, i) => c >= previous.counts[i]),
  );
  attack.propagate();
  const shown = (e: number) => !next.entries[e].suppressed;
  const lines = tableLayout(next.rows, next.columns).lines;
  const out = new Set<number>();
  for (const p of attack.pinned()) {
    if (shown(p.entry)) {
      out.add(p.entry);
      continue;
    }
    const options = lines
      .filter((l) => l.total === p.entry || l.cells.includes(p.entry))
      .flatMap((l) => [...l.cells, l.total])
      .filter(shown)
      .sort((a, b) => Number(next.entries[a].kind !== 'cell') - Number(next.entries[b].kind !== 'cell') || counts[a] - counts[b] || a - b);
    if (options.length) out.add(options[0]);
  }
  // Pinned with nothing left to hide on its lines: hide every published entry (the rounds end with a blank table).
  if (out.size === 0 && attack.pinned().length) next.entries.forEach((e, i) => e.count !== 0 && shown(i) && out.add(i));
  return [...out];
}

export interface FinalMember {
  readonly raw: Table;
  /** false where a record can sit in several categories. */
  readonly additive: boolean;
  /** The last snapshot published while the period was open, if any. */
  readonly previous: Snapshot | null;
}

/**
 * A family's final release (one closed period, the tables that share a grand total): each table protected on its own,
 * grand totals made consistent, then hidden further until no table differs from its last snapshot by less than k
 * anywhere (revisionRisks) and the attacker learns nothing from the two together (revisionAudit). A grand total that must be hidden is hidden in every table of the family, since they
 * publish the same number. Ends: every round hides at least one more entry.
 */
export function protectFinalFamily(members: readonly FinalMember[], rules: DisclosureRules): ProtectedTable[] {
  const forced = members.map((m) => m.raw.entries.map(() => false));
  for (;;) {
    const tables = harmoniseGrandTotals(members.map((m, i) => ({ raw: m.raw, protected: protectTable(m.raw, rules, forced[i]) })));
    let more = false;
    members.forEach((m, i) => {
      if (!m.previous) return;
      const next = { counts: entryCounts(m.raw), suppressed: tables[i].entries.map((e) => e.suppressed) };
      const grand = m.raw.entries.length - 1;
      const k = rules.minimumCellSize;
      let risks = revisionRisks(m.previous, next, tables[i].rows, tables[i].columns, k);
      if (risks.length === 0) risks = revisionAudit(m.previous, tables[i], next.counts, m.additive, k);
      for (const e of risks) {
        more = true;
        if (e === grand) forced.forEach((f) => (f[f.length - 1] = true));
        else forced[i][e] = true;
      }
    });
    if (!more) {
      // Counts settled; then measures that would give away a late amount are hidden.
      return tables.map((t, i) => {
        const prev = members[i].previous;
        return prev ? hideMeasures(t, measureRisks(prev.published, t, entryCounts(members[i].raw), prev.counts, rules.minimumCellSize)) : t;
      });
    }
  }
}

/** The suppression pattern of a stored body (rows are in entry order). */
export function suppressedOf(body: Buffer): boolean[] {
  const parsed = JSON.parse(body.toString('utf8')) as { rows: { suppressed: boolean }[] };
  return parsed.rows.map((r) => r.suppressed);
}

/** Midnight UTC of the day `now` falls in: the open period's snapshot cutoff. */
export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/**
 * A stored release read back as the protected table it was serialised from (rows are in entry order). A year is
 * computed from its quarters' stored releases this way: from exactly what was published, nothing else.
 */
export function protectedFromBody(body: Buffer, spec: TableSpec, minimumCellSize: number): ProtectedTable {
  const parsed = JSON.parse(body.toString('utf8')) as { rows: Record<string, unknown>[] };
  const shape = tableShape(spec, minimumCellSize);
  if (parsed.rows.length !== shape.entries.length) throw new Error(`stored release of ${spec.tableId} does not match its shape`);
  return {
    ...shape,
    entries: shape.entries.map((entry, e): PublishedEntry => {
      const row = parsed.rows[e];
      const measures = (spec.measures ?? []).map((m): PublishedMeasure => {
        if (m.kind === 'quantiles') {
          const q = row[m.name] as Record<string, number | null | boolean>;
          return {
            kind: 'quantiles',
            name: m.name,
            values: m.quantiles.map((x) => ({ name: x.name, value: q[x.name] as number | null })),
            suppressed: q.suppressed as boolean,
          };
        }
        const amounts = row[m.name] as { currency: string; amountMinor: number | string | null; suppressed: boolean }[];
        return {
          kind: 'money',
          name: m.name,
          amounts: amounts.map((a) => ({
            currency: a.currency,
            amountMinor: a.amountMinor === null ? null : BigInt(a.amountMinor),
            suppressed: a.suppressed,
          })),
        };
      });
      return { ...entry, count: row.count as number | null, suppressed: row.suppressed as boolean, measures };
    }),
  };
}
