/**
 * How long disclosure control takes on a large 2-D table (200 × 50 cells plus margins), with counts shaped like real
 * statistics: many zeros and small cells, a long tail of large ones, a few organisations per cell.
 * Run: npx ts-node --transpile-only -P tsconfig.json bench/statistics-disclosure.ts
 */
import { performance } from 'node:perf_hooks';
import { protectTable, TableBuilder } from '../src/statistics/disclosure';

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Shape {
  zeros: number;
  small: number;
  /** Organisations per cell: from this many … */
  minOrganisations: number;
  maxOrganisations: number;
}

const SHAPES: Record<string, Shape> = {
  // Many empty and small cells, often one or two organisations: primary suppression does most of the work.
  sparse: { zeros: 0.3, small: 0.3, minOrganisations: 1, maxOrganisations: 6 },
  // Mostly large cells with a few small ones: secondary suppression has to find complements.
  dense: { zeros: 0.05, small: 0.1, minOrganisations: 3, maxOrganisations: 8 },
};

function table(rows: number, columns: number, seed: number, shape: Shape) {
  const random = mulberry32(seed);
  const builder = new TableBuilder({
    tableId: 'bench',
    dimensions: [
      { name: 'a', categories: Array.from({ length: rows }, (_, i) => `a${i}`) },
      { name: 'b', categories: Array.from({ length: columns }, (_, i) => `b${i}`) },
    ],
  });
  let small = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const u = random();
      const count =
        u < shape.zeros ? 0 : u < shape.zeros + shape.small ? 1 + Math.floor(random() * 10) : 11 + Math.floor(random() ** 3 * 2000);
      if (count > 0 && count < 11) small++;
      const organisations = shape.minOrganisations + Math.floor(random() * (shape.maxOrganisations - shape.minOrganisations + 1));
      let left = count;
      for (let o = 0; o < organisations && left > 0; o++) {
        const n = o === organisations - 1 ? left : Math.ceil(left * random());
        builder.addCount([`a${r}`, `b${c}`], `org${o}`, n);
        left -= n;
      }
    }
  }
  return { table: builder.build(), small };
}

for (const [name, shape] of Object.entries(SHAPES)) {
  const runs: number[] = [];
  let summary = '';
  for (let seed = 1; seed <= 30; seed++) {
    const { table: t, small } = table(200, 50, seed, shape);
    const started = performance.now();
    const protectedTable = protectTable(t);
    const ms = performance.now() - started;
    if (seed > 5) runs.push(ms); // the first runs warm up the JIT
    const suppressed = protectedTable.entries.filter((e) => e.suppressed).length;
    if (seed === 30) summary = `${small} small cells, ${suppressed} of ${t.entries.length} entries suppressed`;
  }
  runs.sort((a, b) => a - b);
  const at = (q: number) => runs[Math.min(runs.length - 1, Math.floor(q * runs.length))].toFixed(1);
  console.log(`${name} 200×50: median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms over ${runs.length} tables (last: ${summary})`);
}
