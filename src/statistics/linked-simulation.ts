/**
 * Every release an auditor sees, computed in memory from generated case facts (no database): the `cases` tables of
 * every year and quarter (the open ones as today's snapshots), and the record-level export of every closed period.
 * Two ways of protecting them: `per_table` (each release on its own, as before issue 19) and `linked` (a year is the sum
 * of its quarter releases, and exports do not refine the tables: linked.ts, export-audit.ts). The linked attacker then
 * plays each calendar year's releases together. Used by the unit spec and by `bench/statistics-linked.ts`.
 *
 * The generated facts follow bench/seed.ts: cases registered uniformly over the three years before `now`, 2,000 per
 * organisation (in blocks), gender uniform over the vocabulary, 70% with an age of 12–41, citizenship weighted to
 * MM/LA/KH, five countries of exploitation, one or two exploitation types. Counts only; nothing personal.
 */
import {
  ctdcAgeBand,
  EXPLOITATION_TYPES,
  GENDERS,
  MEANS_OF_CONTROL,
  RECRUITMENT_METHODS,
  TRAFFICKING_STATUSES,
} from '../common/vocabulary';
import { CATALOGUE, CatalogueTable, NOT_RECORDED } from './catalogue';
import {
  addExport,
  applyPlan,
  CTDC_HIERARCHIES,
  DEFAULT_K,
  disclosureRules,
  ExportRow,
  exportFloor,
  LinkedAttack,
  parsePeriod,
  Period,
  Pinned,
  planKAnonymity,
  ProtectedTable,
  protectTable,
  sumOfReleases,
  Table,
  TableBuilder,
  tableShape,
} from './disclosure';
import { ExportFact, HTCDS_COLUMNS, htcdsLine, quasiIdentifiers } from './htcds-export';
import { entryCounts, harmoniseGrandTotals, protectFinalFamily, Snapshot, snapshotMayReplace, startOfUtcDay } from './release';

export interface SimFact {
  readonly registeredAt: number;
  readonly organisation: string;
  readonly gender: string | null;
  readonly age: number | null;
  readonly minor: boolean | null;
  readonly citizenship: readonly string[];
  readonly countryOfExploitation: string | null;
  readonly traffickingStatus: string | null;
  readonly exploitationTypes: readonly string[];
  readonly meansOfControl: readonly string[];
  readonly recruitmentMethods: readonly string[];
}

const CITIZENSHIPS = ['MM', 'MM', 'MM', 'LA', 'LA', 'KH', 'KH', 'VN', 'TH', 'CN'];
const EXPLOITATION_COUNTRIES = ['TH', 'KH', 'MM', 'LA', 'MY'];
const CASES_PER_ORGANISATION = 2000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Facts like the benchmark's seeder: `cases` registered over the `years` × 365 days before `now`. */
export function seededFacts(cases: number, now: Date, years = 3, seed = cases): SimFact[] {
  const random = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const some = <T>(xs: readonly T[], max: number): T[] => [
    ...new Set(Array.from({ length: 1 + Math.floor(random() * max) }, () => pick(xs))),
  ];
  const span = years * 365 * 86400_000;
  const out: SimFact[] = [];
  for (let i = 0; i < cases; i++) {
    const registeredAt = now.getTime() - Math.floor(random() * span);
    const hasDob = random() < 0.8;
    const age = random() < 0.7 ? 12 + Math.floor(random() * 30) : null;
    const status = random() < 0.8 ? pick(TRAFFICKING_STATUSES) : null;
    out.push({
      registeredAt,
      organisation: `org-${Math.floor(i / CASES_PER_ORGANISATION)}`,
      gender: pick(GENDERS),
      age,
      minor: hasDob ? random() < 0.15 : age === null ? null : age < 18,
      citizenship: [pick(CITIZENSHIPS)],
      countryOfExploitation: pick(EXPLOITATION_COUNTRIES),
      traffickingStatus: status,
      exploitationTypes: some(EXPLOITATION_TYPES, 2),
      meansOfControl: some(MEANS_OF_CONTROL, 4),
      recruitmentMethods: some(RECRUITMENT_METHODS, 2),
    });
  }
  return out;
}

/** The tables of the `cases` family, filled in memory the way their SQL fills them. */
export function caseTables(): readonly CatalogueTable[] {
  return CATALOGUE.filter((t) => t.family === 'cases');
}

function quarterLabel(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

function valuesOf(tableId: string, f: SimFact): (string | readonly string[])[] {
  switch (tableId) {
    case 'cases-by-exploitation-type':
      return [f.exploitationTypes];
    case 'cases-by-gender-and-age-band':
      return [f.gender ?? 'not_specified', ctdcAgeBand(f.age) ?? NOT_RECORDED];
    case 'cases-by-citizenship':
      return [f.citizenship.length ? f.citizenship : [NOT_RECORDED]];
    case 'cases-by-country-of-exploitation':
      return [f.countryOfExploitation ?? NOT_RECORDED];
    case 'cases-by-trafficking-status':
      return [f.traffickingStatus ?? NOT_RECORDED];
    case 'registrations-by-quarter':
      return [quarterLabel(f.registeredAt)];
    default:
      throw new Error(`No in-memory fill for ${tableId}`);
  }
}

export function buildTable(def: CatalogueTable, period: Period, facts: readonly SimFact[]): Table {
  const builder = new TableBuilder(def.spec(period));
  for (const f of facts) builder.addRecord({ organisationId: f.organisation, values: valuesOf(def.id, f) });
  return builder.build();
}

export type Protection = 'per_table' | 'linked';

export interface SimulatedExport {
  readonly period: string;
  readonly rows: ExportRow[];
  /** For a year built from its quarters' exports: empty (each row keeps its quarter's levels). */
  readonly levels: Record<string, number>;
  /** A year's export made of its quarters' rows (the linked protection): it adds nothing to them. */
  readonly fromQuarters: boolean;
}

export interface SimulatedReleases {
  /**
   * By period label, then table id. A closed quarter's last snapshot (published while it was open) is under
   * `${quarter}~snapshot`.
   */
  readonly tables: Map<string, Map<string, ProtectedTable>>;
  /** The unprotected tables, for checking what the attacker found. */
  readonly truth: Map<string, Map<string, Table>>;
  readonly exports: SimulatedExport[];
  /** Calendar years, each with its periods (the year first). */
  readonly years: { year: number; periods: string[] }[];
}

const toExportFact = (f: SimFact): ExportFact => ({
  year: new Date(f.registeredAt).getUTCFullYear(),
  gender: f.gender,
  ageBand: ctdcAgeBand(f.age),
  minor: f.minor,
  citizenship: f.citizenship[0] ?? null,
  countryOfExploitation: f.countryOfExploitation,
  exploitationTypes: [...f.exploitationTypes],
  meansOfControl: [...f.meansOfControl],
  recruitmentMethods: [...f.recruitmentMethods],
});

/**
 * When the open quarter's snapshots are computed: the first on day `firstDay` of the quarter (the worker was down, or
 * the deployment started then), then every `everyDays`, each replacing the published one only under the family's
 * snapshot rule (release.ts). The service tries every day; fewer tries keep the simulation quick (the rule rarely
 * lets a snapshot move, so the last one is nearly always the first).
 */
export interface SnapshotSchedule {
  readonly firstDay: number;
  readonly everyDays: number;
}

const DAY = 86400_000;

/** Every release of every year that has facts, as the service would publish them on `now`, under one protection. */
export function simulateReleases(
  facts: readonly SimFact[],
  now: Date,
  protection: Protection,
  schedule: SnapshotSchedule = { firstDay: 40, everyDays: 14 },
): SimulatedReleases {
  const rules = disclosureRules();
  const cutoff = startOfUtcDay(now).getTime();
  const first = new Date(Math.min(...facts.map((f) => f.registeredAt))).getUTCFullYear();
  const tables = new Map<string, Map<string, ProtectedTable>>();
  const truth = new Map<string, Map<string, Table>>();
  const exports: SimulatedExport[] = [];
  const years: { year: number; periods: string[] }[] = [];

  const window = (period: Period) => {
    const end = period.closed ? period.end.getTime() : cutoff;
    return facts.filter((f) => f.registeredAt >= period.start.getTime() && f.registeredAt < end);
  };
  const inRange = (start: number, end: number) => facts.filter((f) => f.registeredAt >= start && f.registeredAt < end);
  const protectFamily = (period: Period, inWindow: readonly SimFact[]) => {
    const built = caseTables().map((def) => {
      const raw = buildTable(def, period, inWindow);
      return { def, raw, protected: protectTable(raw, rules) };
    });
    return { built, published: harmoniseGrandTotals(built) };
  };
  const record = (label: string, built: readonly { def: CatalogueTable; raw: Table }[], published: readonly ProtectedTable[]) => {
    truth.set(label, new Map(built.map((b) => [b.def.id, b.raw])));
    tables.set(label, new Map(built.map((b, i) => [b.def.id, published[i]])));
  };
  /** The snapshot published last while a quarter was open, up to the cutoff `end` (a chain under the rule), or null. */
  const lastSnapshot = (period: Period, end: number) => {
    let last: (ReturnType<typeof protectFamily> & { cutoff: number }) | null = null;
    const first = period.start.getTime() + schedule.firstDay * DAY;
    const cutoffs: number[] = [];
    for (let t = first; t < end; t += schedule.everyDays * DAY) cutoffs.push(t);
    if (first <= end) cutoffs.push(end);
    for (const t of cutoffs) {
      const next = { ...protectFamily(period, inRange(period.start.getTime(), t)), cutoff: t };
      const replaces =
        last === null ||
        next.built.every((b, i) =>
          snapshotMayReplace(
            { counts: entryCounts(last!.built[i].raw), suppressed: last!.published[i].entries.map((e) => e.suppressed) },
            { counts: entryCounts(b.raw), suppressed: next.published[i].entries.map((e) => e.suppressed) },
            b.raw.layout.rows,
            b.raw.layout.twoDimensional ? b.raw.layout.columns : null,
            rules.minimumCellSize,
          ),
        );
      if (replaces) last = next;
    }
    return last;
  };
  let openCutoff = cutoff;
  const protectPeriod = (period: Period) => {
    if (period.kind === 'year') {
      // Before issue 19 the open year had its own snapshot, computed the same days as its open quarter's.
      const { built, published } = protectFamily(period, period.closed ? window(period) : inRange(period.start.getTime(), openCutoff));
      record(period.label, built, published);
      return;
    }
    const snapshot = lastSnapshot(period, period.closed ? period.end.getTime() - DAY : cutoff);
    if (!period.closed) {
      if (snapshot) openCutoff = snapshot.cutoff;
      const { built, published } = snapshot ?? protectFamily(period, window(period));
      record(period.label, built, published);
      return;
    }
    if (snapshot) record(`${period.label}~snapshot`, snapshot.built, snapshot.published);
    const built = caseTables().map((def) => {
      const raw = buildTable(def, period, window(period));
      return { def, raw, protected: protectTable(raw, rules) };
    });
    const previous = (i: number): Snapshot | null =>
      snapshot ? { counts: entryCounts(snapshot.built[i].raw), suppressed: snapshot.published[i].entries.map((e) => e.suppressed) } : null;
    const published =
      protection === 'linked' && snapshot
        ? protectFinalFamily(
            built.map((b, i) => ({ raw: b.raw, additive: b.def.additive, previous: previous(i) })),
            rules,
          )
        : harmoniseGrandTotals(built);
    record(period.label, built, published);
  };

  for (let year = first; year <= now.getUTCFullYear(); year++) {
    const yearPeriod = parsePeriod(String(year), now);
    const quarters = [1, 2, 3, 4]
      .map((q) => `${year}-Q${q}`)
      .filter((label) => {
        try {
          parsePeriod(label, now);
          return true;
        } catch {
          return false; // not started
        }
      });
    for (const label of quarters) protectPeriod(parsePeriod(label, now));
    if (protection === 'per_table') {
      protectPeriod(yearPeriod);
    } else {
      // The year is the sum of its quarter releases (linked.ts); the raw year is kept only to check the attacker.
      const raw = caseTables().map((def) => buildTable(def, yearPeriod, window(yearPeriod)));
      truth.set(yearPeriod.label, new Map(caseTables().map((def, i) => [def.id, raw[i]])));
      tables.set(
        yearPeriod.label,
        new Map(
          caseTables().map((def) => {
            const spec = def.spec(yearPeriod);
            const parts = quarters.map((q) => tables.get(q)!.get(def.id)!);
            return [def.id, sumOfReleases(tableShape(spec, rules.minimumCellSize), parts, spec)];
          }),
        ),
      );
    }
    for (const label of quarters) {
      const period = parsePeriod(label, now);
      if (period.closed) exports.push(simulateExport(period, window(period), tables.get(label)!, protection));
    }
    if (yearPeriod.closed) {
      if (protection === 'linked') {
        // The service's buildYear: the quarters' rows together (their order does not matter to the attacker).
        const rows = exports.filter((e) => quarters.includes(e.period)).flatMap((e) => e.rows);
        exports.push({ period: yearPeriod.label, rows, levels: {}, fromQuarters: true });
      } else {
        exports.push(simulateExport(yearPeriod, window(yearPeriod), tables.get(yearPeriod.label)!, protection));
      }
    }
    years.push({ year, periods: [String(year), ...quarters] });
  }
  return { tables, truth, exports, years };
}

function simulateExport(
  period: Period,
  facts: readonly SimFact[],
  tables: ReadonlyMap<string, ProtectedTable>,
  protection: Protection,
): SimulatedExport {
  const floor = protection === 'linked' ? exportFloor(tables) : { minimumLevels: {}, blankColumns: new Set<string>(), refused: false };
  const exportFacts = facts.map(toExportFact);
  const plan = planKAnonymity(exportFacts.map(quasiIdentifiers), CTDC_HIERARCHIES, { k: DEFAULT_K, minimumLevels: floor.minimumLevels });
  const levels: Record<string, number> = {};
  CTDC_HIERARCHIES.forEach((h, i) => (levels[h.name] = plan.levels[i]));
  const rows: ExportRow[] = [];
  if (!floor.refused) {
    for (const f of exportFacts) {
      const quasi = applyPlan(plan, CTDC_HIERARCHIES, quasiIdentifiers(f));
      if (!quasi) continue;
      const cells = htcdsLine(quasi, f, floor.blankColumns).split(',');
      rows.push(Object.fromEntries(HTCDS_COLUMNS.map((c, i) => [c, cells[i]])));
    }
  }
  return { period: period.label, rows, levels, fromQuarters: false };
}

export interface AttackFinding extends Pinned {
  readonly truth: number;
}

/** The linked attacker on each calendar year's releases and exports together; every pinned entry with its true value. */
export function attackAllYears(sim: SimulatedReleases, options: { exports?: boolean } = {}): AttackFinding[] {
  const findings: AttackFinding[] = [];
  for (const { year, periods } of sim.years) {
    const attack = new LinkedAttack(DEFAULT_K);
    for (const label of periods) {
      for (const def of caseTables()) {
        const table = sim.tables.get(label)?.get(def.id);
        if (table) attack.addRelease({ key: `${label}/${def.id}`, table, additive: def.additive });
      }
    }
    const quarters = periods.filter((p) => p !== String(year));
    for (const def of caseTables())
      attack.addSum(
        `${year}/${def.id}`,
        quarters.map((q) => `${q}/${def.id}`),
      );
    // A closed quarter's last snapshot, kept by the auditor, against its final release.
    for (const q of quarters) {
      const snapshot = sim.tables.get(`${q}~snapshot`);
      if (!snapshot) continue;
      for (const def of caseTables()) {
        attack.addRelease({ key: `${q}~snapshot/${def.id}`, table: snapshot.get(def.id)!, additive: def.additive });
        attack.addRevision(`${q}/${def.id}`, `${q}~snapshot/${def.id}`);
      }
    }
    if (options.exports ?? true) {
      // A year made of its quarters' rows is a sum of what they give: nothing to add (the spec checks it is).
      for (const e of sim.exports) if (periods.includes(e.period) && !e.fromQuarters) addExport(attack, e.period, e.rows, e.levels);
    }
    attack.propagate();
    const trueCount = (release: string, entry: number) => {
      const [period, tableId] = release.split('/');
      return sim.truth.get(period)!.get(tableId)!.entries[entry].tally.count;
    };
    for (const p of attack.pinned()) {
      const [later, earlier] = p.release.split('−');
      const truth = earlier ? trueCount(later, p.entry) - trueCount(earlier, p.entry) : trueCount(p.release, p.entry);
      findings.push({ ...p, truth });
    }
  }
  return findings;
}
