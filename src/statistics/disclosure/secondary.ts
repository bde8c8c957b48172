/**
 * Secondary suppression: after the primary rules have hidden the sensitive entries, hide enough further entries that
 * nothing hidden can be worked back out of what is published.
 *
 * The model. Every line (a row, a column, a margin, or the single line of a 1-D table) says
 * `sum(cells) − total = 0`. Published entries are constants; suppressed entries are unknowns ≥ 0. Each entry sits in at
 * most two lines, so after multiplying some line equations by −1 every unknown appears once with +1 and once with −1:
 * the system is a flow network whose vertices are the lines (plus a "ground" vertex for entries and slacks that sit in
 * one line only). Raising one unknown by t must be balanced by a flow of t through the other unknowns, so
 *   - an unknown is determined exactly when it is a bridge of that network (no cycle to move along), and
 *   - its exact upper bound is its value plus the maximum flow from its head back to its tail, where another unknown
 *     can be raised without limit and lowered by at most its value.
 * Those two facts are the whole audit: exact, fast (a few hundred vertices), and independent of the attacker's method.
 *
 * The procedure, deterministic throughout (lines, entries and candidates are visited in index order):
 *   1. line rules, until stable: no line may have exactly one suppressed entry, and where the line's total is
 *      published the suppressed cells must together hold 0 or at least k records (else "these two cells hold 7" is as
 *      telling as a published 7). The extra entry is the smallest non-zero published cell of the line (ties: first by
 *      position); when there is none, the line's total; zeros only as a last resort.
 *   2. audit, entry by entry: no suppressed entry may be exactly determined, and no sensitive entry (a value in 1..k−1)
 *      may have an upper bound below k. On the first failure suppress one more entry chosen on the minimum cut of that
 *      flow (the smallest non-zero published cell that opens a new path, so the bound grows), then go back to 1.
 * Hiding more only widens every bound, so an entry that passed stays passed and the loop ends (at worst with
 * everything hidden).
 *
 * Lines whose cells do not add up to their total (records in several categories, or in none) get a slack unknown that
 * the attacker cannot see; the line rules still treat them as if they added up, which only hides more.
 */
import { Bounds, Network, ProtectionProblem } from './secondary-network';

export type { Bounds, ProtectionProblem } from './secondary-network';

/** Returns the final suppression flags (a new array). */
export function secondarySuppression(problem: ProtectionProblem): boolean[] {
  const net = new Network(problem);
  net.protect();
  return net.suppressed;
}

/**
 * What an attacker with unlimited computing can learn about each suppressed entry from everything published, given the
 * flags: exact lower and upper bounds (the polytope of non-negative tables consistent with the published entries).
 * Entries that are published map to null.
 */
export function exactBounds(problem: ProtectionProblem, suppressed: readonly boolean[]): (Bounds | null)[] {
  const net = new Network(problem, suppressed);
  net.rebuild();
  return problem.values.map((value, e) => {
    if (!net.suppressed[e]) return null;
    const up = net.maxFlow(net.head[e], net.tail[e], e, Infinity);
    const down = Math.min(value, net.maxFlow(net.tail[e], net.head[e], e, value));
    return { lower: value - down, upper: value + up };
  });
}
