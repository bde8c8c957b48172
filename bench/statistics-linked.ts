/**
 * Issue 19 on the benchmark's own data: seeds a scratch database with the benchmark seeder (cases registered over the
 * three years before today), computes every release an auditor can read through the service — every table of every
 * year and quarter (the open ones as today's snapshots) and the export of every closed period — and attacks each
 * calendar year's releases and exports together with the linked attacker (told each export's generalisation levels),
 * with each closed quarter's snapshot from its day 60 kept beside its final release. Every pinned entry is checked
 * against the unprotected count in the database; a year's export is checked to be exactly its quarters' rows. Also prints, for comparison, what the attacker pins from the tables alone when
 * each year is protected on its own from the cases (the rule before issue 19).
 *
 * Not a test. Needs the test services' environment (DATABASE_URL, DATABASE_MIGRATION_URL, DATABASE_ADMIN_URL):
 *   set -a; . .local/test/env; set +a; export NODE_ENV=test LINTAS_LOCAL_DIR=.local/test
 *   npx ts-node --transpile-only -P tsconfig.json bench/statistics-linked.ts [cases ...]
 */
import { performance } from 'node:perf_hooks';
import { AuditService } from '../src/audit/audit.service';
import { AppConfig } from '../src/config/app-config';
import { CATALOGUE } from '../src/statistics/catalogue';
import { addExport, LinkedAttack, parsePeriod, Period, TableBuilder } from '../src/statistics/disclosure';
import { protectedFromBody } from '../src/statistics/release';
import { StatisticsExportService } from '../src/statistics/statistics-export.service';
import { StatisticsService } from '../src/statistics/statistics.service';
import { ReadReplica } from '../src/database/read-replica.service';
import { OutboxService } from '../src/outbox/outbox.service';
import { createScratchDatabase } from '../test/support/scratch-db';
import { seed } from './seed';

const SIZES = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);

function started(label: string, now: Date): Period | null {
  try {
    return parsePeriod(label, now);
  } catch {
    return null;
  }
}

async function run(cases: number): Promise<void> {
  const scratch = await createScratchDatabase();
  try {
    const owner = await scratch.owner();
    await owner.runMigrations({ transaction: 'each' });
    process.env.DATABASE_MIGRATION_URL = scratch.migrationUrl;
    const config = AppConfig.fromEnvironment({ ...process.env, DATABASE_URL: scratch.migrationUrl });
    let t0 = performance.now();
    await seed(cases, config);
    console.log(`${cases} cases seeded in ${Math.round(performance.now() - t0)} ms`);
    const stats = new StatisticsService(owner, config, new AuditService(owner), new OutboxService(), new ReadReplica(owner, config));
    const exporter = new StatisticsExportService(owner, config, new AuditService(owner), stats, new ReadReplica(owner, config));
    const actor = { userId: null, organisationId: null, role: 'auditor', correlationId: null } as never;
    const now = new Date();
    const [{ first }] = await owner.query(`SELECT extract(year FROM min(registered_at))::int AS first FROM statistics_case_facts`);
    const k = config.statistics.minimumCellSize;
    let pinnedAfter = 0;
    let pinnedBefore = 0;
    let wrong = 0;
    let yearExportMismatches = 0;
    for (let year = first; year <= now.getUTCFullYear(); year++) {
      const periods = [String(year), ...[1, 2, 3, 4].map((q) => `${year}-Q${q}`)]
        .map((l) => started(l, now))
        .filter((p): p is Period => p !== null);
      const after = new LinkedAttack(k);
      const before = new LinkedAttack(k);
      t0 = performance.now();
      // Each closed quarter was first seen open on its day 60 (a late first request): that snapshot, kept by the
      // auditor, is what its final release is checked against (rule 5).
      const snapshots = new Map<string, { cutoff: Date; tables: Map<string, ReturnType<typeof protectedFromBody>> }>();
      for (const quarter of periods.filter((p) => p.kind === 'quarter' && p.closed)) {
        const at = new Date(quarter.start.getTime() + 60 * 86400_000 + 36000_000);
        const open = parsePeriod(quarter.label, at);
        const tables = new Map<string, ReturnType<typeof protectedFromBody>>();
        for (const def of CATALOGUE.filter((d) => d.family === 'cases')) {
          tables.set(def.id, protectedFromBody((await stats.release(def, open, at)).body, def.spec(open), k));
        }
        snapshots.set(quarter.label, { cutoff: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())), tables });
      }
      for (const period of periods) {
        for (const def of CATALOGUE.filter((d) => d.family === 'cases')) {
          const release = await stats.release(def, period, now);
          const table = protectedFromBody(release.body, def.spec(period), k);
          after.addRelease({ key: `${period.label}/${def.id}`, table, additive: def.additive });
          if (period.kind === 'quarter') before.addRelease({ key: `${period.label}/${def.id}`, table, additive: def.additive });
        }
      }
      const releaseMs = performance.now() - t0;
      // The rule before issue 19: the year protected on its own from the cases (same cutoff as the open quarter).
      const yearPeriod = periods[0];
      const cutoff = yearPeriod.closed ? yearPeriod.end : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
      const own = await stats.computeAll(owner.manager, { period: yearPeriod, start: yearPeriod.start, end: cutoff }, !yearPeriod.closed);
      for (const c of own.filter((x) => x.def.family === 'cases')) {
        before.addRelease({
          key: `${yearPeriod.label}/${c.def.id}`,
          table: protectedFromBody(c.body, c.def.spec(yearPeriod), k),
          additive: c.def.additive,
        });
      }
      const quarters = periods.slice(1).map((p) => p.label);
      for (const def of CATALOGUE.filter((d) => d.family === 'cases')) {
        after.addSum(
          `${year}/${def.id}`,
          quarters.map((q) => `${q}/${def.id}`),
        );
        before.addSum(
          `${year}/${def.id}`,
          quarters.map((q) => `${q}/${def.id}`),
        );
        for (const [label, snapshot] of snapshots) {
          after.addRelease({ key: `${label}~snapshot/${def.id}`, table: snapshot.tables.get(def.id)!, additive: def.additive });
          after.addRevision(`${label}/${def.id}`, `${label}~snapshot/${def.id}`);
        }
      }
      t0 = performance.now();
      let exportRows = 0;
      const quarterLines: string[] = [];
      // Quarters first, so a year's export can be compared with theirs.
      for (const period of [...periods.slice(1), periods[0]].filter((p) => p.closed)) {
        const stream = await exporter.htcds(actor, period.label, now);
        let text = '';
        for await (const chunk of stream) text += chunk as string;
        const [header, ...lines] = text.trimEnd().split('\n');
        const columns = header.split(',');
        const rows = lines.filter((l) => l.length).map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i], v])));
        exportRows += rows.length;
        if (period.kind === 'year') {
          // A year's export is its quarters' rows (rule 6): it must be exactly that multiset, and adds nothing more.
          const same = JSON.stringify([...lines].sort()) === JSON.stringify([...quarterLines].sort());
          if (!same) yearExportMismatches++;
          continue;
        }
        quarterLines.push(...lines.filter((l) => l.length));
        const levels = await exporter.levels(period.label, now);
        addExport(after, period.label, rows, levels);
      }
      const exportMs = performance.now() - t0;
      after.propagate();
      before.propagate();
      const found = after.pinned();
      pinnedAfter += found.length;
      pinnedBefore += before.pinned().length;
      // Check what was pinned against the database (the unprotected count).
      const trueCount = async (release: string, entry: number) => {
        const [key, tableId] = release.split('/');
        const [label, snapshot] = key.split('~');
        const period = parsePeriod(label, now);
        const def = CATALOGUE.find((d) => d.id === tableId)!;
        const builder = new TableBuilder(def.spec(period));
        const end = snapshot ? snapshots.get(label)!.cutoff : period.closed ? period.end : cutoff;
        await def.fill(owner.manager, { period, start: period.start, end }, builder);
        return builder.build().entries[entry].tally.count;
      };
      for (const p of [...found, ...before.pinned()]) {
        const [later, earlier] = p.release.split('−');
        const truth = earlier
          ? (await trueCount(later, p.entry)) - (await trueCount(earlier, p.entry))
          : await trueCount(p.release, p.entry);
        if (truth < p.bounds.lower || truth > p.bounds.upper) wrong++;
      }
      console.log(
        `${cases} cases, ${year}: ${periods.length} periods, releases ${Math.round(releaseMs)} ms, exports ${exportRows} rows in ${Math.round(exportMs)} ms; ` +
          `pinned with every release and export: ${found.length}; tables only, each year protected on its own: ${before.pinned().length}`,
      );
    }
    console.log(
      `${cases} cases: pinned now ${pinnedAfter}, under the old year rule (tables only) ${pinnedBefore}, outside the true value ${wrong}, ` +
        `year exports that are not their quarters' rows ${yearExportMismatches}`,
    );
  } finally {
    await scratch.drop();
  }
}

async function main() {
  for (const cases of SIZES.length ? SIZES : [10_000, 33_000]) await run(cases);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
