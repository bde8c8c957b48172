/**
 * The flow network behind secondary suppression and its exact audit (secondary.ts explains the model): one vertex per
 * line plus ground, one arc per entry; bridges are determined entries, max flow gives exact bounds.
 */
import type { Line } from './table';

export interface ProtectionProblem {
  /** True values, integers ≥ 0. */
  readonly values: readonly number[];
  /** Entries the primary rules suppress. */
  readonly primary: readonly boolean[];
  readonly lines: readonly Line[];
  /** k for counts: a suppressed value in 1..k−1 must keep an upper bound of at least k. 0 turns this off. */
  readonly upperProtection: number;
  /** k for counts: suppressed cells of a line with a published total must hold 0 or at least this. 0 turns this off. */
  readonly minimumSuppressedSum: number;
}

export interface Bounds {
  readonly lower: number;
  /** Infinity when nothing published limits the entry. */
  readonly upper: number;
}

/** The protection engine; also holds the network for the audit. Used only by secondary.ts's two functions. */
export class Network {
  readonly suppressed: boolean[];
  readonly n: number;
  /** Vertices: one per line, then ground. */
  private readonly vertices: number;
  private readonly ground: number;
  /** Per entry (then per slack): the arc's ends after the line equations have been oriented. */
  readonly head: number[] = [];
  readonly tail: number[] = [];
  private readonly value: number[] = [];
  /** Which lines' totals each entry is, and whose cells it is in (for choosing complements). */
  private readonly isTotal: boolean[];
  /** Unknown arcs (suppressed entries and slacks) by vertex; rebuilt when the suppression changes. */
  private adjacency: number[][] = [];
  private hasZeroUnknown = false;
  /** Net flow along each arc (tail → head) during one max-flow computation, and the arcs it touched. */
  private flow: Float64Array;
  private touched: number[] = [];
  /** Scratch marks for shortPath, invalidated by bumping the stamp instead of clearing. */
  private readonly firstMark: Int32Array;
  private readonly lastMark: Int32Array;
  private stamp = 0;

  constructor(
    private readonly problem: ProtectionProblem,
    initial: readonly boolean[] = problem.primary,
  ) {
    const { values, lines } = problem;
    this.n = values.length;
    if (problem.primary.length !== this.n || initial.length !== this.n) throw new Error('One flag per entry');
    values.forEach((v) => {
      if (!Number.isFinite(v) || v < 0) throw new Error('Values are finite and ≥ 0');
    });
    this.suppressed = [...initial];
    this.isTotal = new Array<boolean>(this.n).fill(false);
    const incidences: { line: number; coef: number }[][] = Array.from({ length: this.n }, () => []);
    lines.forEach((line, l) => {
      for (const c of line.cells) incidences[c].push({ line: l, coef: 1 });
      incidences[line.total].push({ line: l, coef: -1 });
      this.isTotal[line.total] = true;
    });
    this.ground = lines.length;
    this.vertices = lines.length + 1;

    // Orient the line equations (multiply some by −1) so that every two-line entry is +1 in one and −1 in the other.
    const sign = new Array<number>(lines.length).fill(0);
    const neighbours: { other: number; factor: number }[][] = Array.from({ length: lines.length }, () => []);
    for (const inc of incidences) {
      if (inc.length === 0 || inc.length > 2) throw new Error('Every entry sits in one or two lines');
      if (inc.length === 2) {
        const factor = -inc[0].coef * inc[1].coef;
        neighbours[inc[0].line].push({ other: inc[1].line, factor });
        neighbours[inc[1].line].push({ other: inc[0].line, factor });
      }
    }
    for (let start = 0; start < lines.length; start++) {
      if (sign[start] !== 0) continue;
      sign[start] = 1;
      const queue = [start];
      while (queue.length) {
        const l = queue.pop()!;
        for (const { other, factor } of neighbours[l]) {
          const want = sign[l] * factor;
          if (sign[other] === 0) {
            sign[other] = want;
            queue.push(other);
          } else if (sign[other] !== want) {
            throw new Error('The lines of this table cannot be oriented as a network');
          }
        }
      }
    }
    const arc = (inc: { line: number; coef: number }[]): [number, number] => {
      if (inc.length === 1) {
        const c = sign[inc[0].line] * inc[0].coef;
        return c > 0 ? [inc[0].line, this.ground] : [this.ground, inc[0].line];
      }
      const a = sign[inc[0].line] * inc[0].coef;
      return a > 0 ? [inc[0].line, inc[1].line] : [inc[1].line, inc[0].line];
    };
    incidences.forEach((inc, e) => {
      const [h, t] = arc(inc);
      this.head.push(h);
      this.tail.push(t);
      this.value.push(values[e]);
    });
    // Slack of a line whose cells do not add up to its total: sum(cells) − total − d = 0, with d's sign known.
    lines.forEach((line, l) => {
      const d = line.cells.reduce((s, c) => s + values[c], 0) - values[line.total];
      if (d === 0) return;
      const [h, t] = arc([{ line: l, coef: d > 0 ? -1 : 1 }]);
      this.head.push(h);
      this.tail.push(t);
      this.value.push(Math.abs(d));
    });
    this.flow = new Float64Array(this.head.length);
    this.firstMark = new Int32Array(this.vertices);
    this.lastMark = new Int32Array(this.vertices);
  }

  protect(): void {
    const certified = new Array<boolean>(this.n).fill(false);
    const k = this.problem.upperProtection;
    for (;;) {
      this.applyLineRules();
      this.rebuild();
      const bridges = this.bridges();
      let failed = -1;
      for (let e = 0; e < this.n && failed < 0; e++) {
        if (!this.suppressed[e] || certified[e]) continue;
        const v = this.value[e];
        const exact =
          bridges[e] ||
          (this.hasZeroUnknown &&
            this.maxFlow(this.head[e], this.tail[e], e, 1) < 1 &&
            (v === 0 || this.maxFlow(this.tail[e], this.head[e], e, 1) < 1));
        const exposed = !exact && v >= 1 && v < k && this.maxFlow(this.head[e], this.tail[e], e, k - v) < k - v;
        if (exact || exposed) failed = e;
        else certified[e] = true;
      }
      if (failed < 0) return;
      if (!this.widen(failed)) return;
    }
  }

  /** Line rules until no line changes. */
  private applyLineRules(): void {
    const { lines, minimumSuppressedSum } = this.problem;
    let changed = true;
    while (changed) {
      changed = false;
      for (const line of lines) {
        for (;;) {
          let count = this.suppressed[line.total] ? 1 : 0;
          let sum = 0;
          for (const c of line.cells) {
            if (this.suppressed[c]) {
              count++;
              sum += this.value[c];
            }
          }
          const needsMore =
            count === 1 || (minimumSuppressedSum > 0 && !this.suppressed[line.total] && sum > 0 && sum < minimumSuppressedSum);
          if (!needsMore) break;
          const pick = this.complement(line);
          if (pick < 0) break;
          this.suppressed[pick] = true;
          changed = true;
        }
      }
    }
  }

  /** The smallest non-zero published cell (first by position on ties); else the total; else a zero cell. */
  private complement(line: Line): number {
    let best = -1;
    for (const c of line.cells) {
      if (this.suppressed[c] || this.value[c] === 0) continue;
      if (best < 0 || this.value[c] < this.value[best]) best = c;
    }
    if (best >= 0) return best;
    if (!this.suppressed[line.total]) return line.total;
    for (const c of line.cells) if (!this.suppressed[c]) return c;
    return -1;
  }

  /**
   * Entry e failed the audit: suppress one published entry on the minimum cut of e's upward flow, so that a new path
   * (and so a wider bound) opens. Returns false when nothing is left to suppress.
   */
  private widen(e: number): boolean {
    this.maxFlow(this.head[e], this.tail[e], e, Infinity);
    const reach = this.residualReach(this.head[e], e, false);
    const toTail = this.residualReach(this.tail[e], e, true);
    this.resetFlow();
    // Zeros last (a published zero stays published wherever possible), then totals, then the smallest value, then position.
    const key = (f: number): [number, number, number, number] => [this.value[f] === 0 ? 1 : 0, this.isTotal[f] ? 1 : 0, this.value[f], f];
    const choose = (accept: (f: number) => boolean): number => {
      let best = -1;
      for (let f = 0; f < this.n; f++) {
        if (this.suppressed[f] || !accept(f)) continue;
        if (best < 0 || lexLess(key(f), key(best))) best = f;
      }
      return best;
    };
    const t = (f: number) => this.tail[f];
    const h = (f: number) => this.head[f];
    // A published zero stays published: zeros are never chosen while any non-zero entry (a total, if need be) is left,
    // even one off the cut — the loop then audits again and widens further, and with every total hidden nothing is pinned.
    const nonZero = (f: number) => this.value[f] > 0;
    let pick = choose((f) => nonZero(f) && ((reach[t(f)] && toTail[h(f)]) || (reach[h(f)] && toTail[t(f)])));
    if (pick < 0) pick = choose((f) => nonZero(f) && reach[t(f)] !== reach[h(f)]);
    if (pick < 0) pick = choose((f) => nonZero(f) && toTail[t(f)] !== toTail[h(f)]);
    if (pick < 0) pick = choose(nonZero);
    if (pick < 0) pick = choose(() => true);
    if (pick < 0) return false;
    this.suppressed[pick] = true;
    return true;
  }

  /** Index the unknown arcs (suppressed entries and slacks) by vertex. */
  rebuild(): void {
    this.adjacency = Array.from({ length: this.vertices }, () => []);
    this.hasZeroUnknown = false;
    for (let a = 0; a < this.head.length; a++) {
      if (a < this.n && !this.suppressed[a]) continue;
      this.adjacency[this.head[a]].push(a);
      this.adjacency[this.tail[a]].push(a);
      if (this.value[a] === 0) this.hasZeroUnknown = true;
    }
    this.flow.fill(0);
    this.touched = [];
  }

  /**
   * Maximum flow from s to t through the unknown arcs other than `skip`, stopping once `limit` is reached. An arc can
   * carry any amount tail → head (its unknown rises) and at most its value head → tail (its unknown falls to zero).
   * The flow is left in place for residualReach; callers reset it.
   */
  maxFlow(s: number, t: number, skip: number, limit: number): number {
    this.resetFlow();
    // Most checks are settled by one short path that carries the whole amount; only the rest need a full max-flow.
    if (limit !== Infinity && this.shortPath(s, t, skip, limit)) return limit;
    let total = 0;
    const parentArc = new Int32Array(this.vertices);
    const seen = new Uint8Array(this.vertices);
    const queue = new Int32Array(this.vertices);
    while (total < limit) {
      seen.fill(0);
      seen[s] = 1;
      let qh = 0;
      let qt = 0;
      queue[qt++] = s;
      while (qh < qt && !seen[t]) {
        const v = queue[qh++];
        for (const a of this.adjacency[v]) {
          if (a === skip) continue;
          let w: number;
          if (this.tail[a] === v) w = this.head[a];
          else if (this.value[a] + this.flow[a] > 0) w = this.tail[a];
          else continue;
          if (seen[w]) continue;
          seen[w] = 1;
          parentArc[w] = a;
          queue[qt++] = w;
          if (w === t) break;
        }
      }
      if (!seen[t]) break;
      let bottleneck = Infinity;
      for (let v = t; v !== s;) {
        const a = parentArc[v];
        if (this.head[a] === v && this.tail[a] !== v) {
          v = this.tail[a];
        } else {
          bottleneck = Math.min(bottleneck, this.value[a] + this.flow[a]);
          v = this.head[a];
        }
      }
      if (bottleneck === Infinity) return Infinity;
      const push = Math.min(bottleneck, limit - total);
      for (let v = t; v !== s;) {
        const a = parentArc[v];
        if (this.flow[a] === 0) this.touched.push(a);
        if (this.head[a] === v && this.tail[a] !== v) {
          this.flow[a] += push;
          v = this.tail[a];
        } else {
          this.flow[a] -= push;
          v = this.head[a];
        }
      }
      total += push;
    }
    return total;
  }

  /**
   * Is there a path of at most three arcs from s to t that can carry `need` on its own? In a 2-D table that is the
   * usual rectangle: another hidden cell in the row, one in the column, and the hidden cell where they cross.
   */
  private shortPath(s: number, t: number, skip: number, need: number): boolean {
    const stamp = ++this.stamp;
    const first: number[] = [];
    for (const a of this.adjacency[s]) {
      if (a === skip) continue;
      const w = this.tail[a] === s ? this.head[a] : this.value[a] >= need ? this.tail[a] : -1;
      if (w < 0) continue;
      if (w === t) return true;
      if (this.firstMark[w] !== stamp) {
        this.firstMark[w] = stamp;
        first.push(w);
      }
    }
    for (const a of this.adjacency[t]) {
      if (a === skip) continue;
      // Arcs into t: tail → head (t is the head), or head → tail while it can fall by `need` (t is the tail).
      const u = this.head[a] === t ? this.tail[a] : this.value[a] >= need ? this.head[a] : -1;
      if (u < 0) continue;
      if (this.firstMark[u] === stamp) return true;
      this.lastMark[u] = stamp;
    }
    for (const u of first) {
      for (const a of this.adjacency[u]) {
        if (a === skip) continue;
        const w = this.tail[a] === u ? this.head[a] : this.value[a] >= need ? this.tail[a] : -1;
        if (w >= 0 && this.lastMark[w] === stamp) return true;
      }
    }
    return false;
  }

  private resetFlow(): void {
    for (const a of this.touched) this.flow[a] = 0;
    this.touched = [];
  }

  /** Vertices reachable from `from` (or, reversed, that can reach it) along arcs with residual capacity. */
  private residualReach(from: number, skip: number, reversed: boolean): boolean[] {
    const seen = new Array<boolean>(this.vertices).fill(false);
    seen[from] = true;
    const stack = [from];
    while (stack.length) {
      const v = stack.pop()!;
      for (const a of this.adjacency[v]) {
        if (a === skip) continue;
        // Forward along an arc: tail → head always; head → tail while the arc can still fall.
        const canFall = this.value[a] + this.flow[a] > 0;
        let w = -1;
        if (!reversed) {
          if (this.tail[a] === v) w = this.head[a];
          else if (canFall) w = this.tail[a];
        } else {
          if (this.head[a] === v) w = this.tail[a];
          else if (canFall) w = this.head[a];
        }
        if (w >= 0 && !seen[w]) {
          seen[w] = true;
          stack.push(w);
        }
      }
    }
    return seen;
  }

  /** Bridges of the undirected multigraph of unknown arcs: entries that no cycle runs through. */
  private bridges(): boolean[] {
    const isBridge = new Array<boolean>(this.n).fill(false);
    const order = new Int32Array(this.vertices).fill(-1);
    const low = new Int32Array(this.vertices);
    let counter = 0;
    const other = (a: number, v: number) => (this.head[a] === v ? this.tail[a] : this.head[a]);
    for (let root = 0; root < this.vertices; root++) {
      if (order[root] >= 0) continue;
      // Iterative DFS; the arc we came in by is skipped by id, so parallel arcs count as a cycle.
      const stack: { v: number; via: number; i: number }[] = [{ v: root, via: -1, i: 0 }];
      order[root] = low[root] = counter++;
      while (stack.length) {
        const top = stack[stack.length - 1];
        const adj = this.adjacency[top.v];
        if (top.i < adj.length) {
          const a = adj[top.i++];
          if (a === top.via) continue;
          const w = other(a, top.v);
          if (order[w] < 0) {
            order[w] = low[w] = counter++;
            stack.push({ v: w, via: a, i: 0 });
          } else {
            low[top.v] = Math.min(low[top.v], order[w]);
          }
        } else {
          stack.pop();
          if (stack.length) {
            const parent = stack[stack.length - 1].v;
            low[parent] = Math.min(low[parent], low[top.v]);
            if (low[top.v] > order[parent] && top.via < this.n) isBridge[top.via] = true;
          }
        }
      }
    }
    return isBridge;
  }
}

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}
