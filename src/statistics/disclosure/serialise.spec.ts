import { protectTable } from './protect';
import { releaseJson, serialiseTable } from './serialise';
import { TableBuilder, TableSpec } from './table';

const organisations = ['a', 'b', 'c', 'd'];
function fill(builder: TableBuilder, values: string[], n: number) {
  for (let i = 0; i < n; i++) builder.addCount(values, organisations[i % 4], 1);
}

describe('serialised tables', () => {
  it('have the shape of DESIGN.md for one dimension, with the total last', () => {
    const builder = new TableBuilder({
      tableId: 'cases-by-exploitation-type',
      dimensions: [{ name: 'exploitationType', categories: ['forced_labour', 'forced_criminality', 'forced_begging', 'other'] }],
    });
    fill(builder, ['forced_labour'], 40);
    fill(builder, ['forced_criminality'], 4);
    fill(builder, ['other'], 25);
    expect(serialiseTable(protectTable(builder.build()), '2026')).toEqual({
      tableId: 'cases-by-exploitation-type',
      period: '2026',
      minimumCellSize: 11,
      rows: [
        { exploitationType: 'forced_labour', count: 40, suppressed: false },
        { exploitationType: 'forced_criminality', count: null, suppressed: true },
        { exploitationType: 'forced_begging', count: 0, suppressed: false },
        { exploitationType: 'other', count: null, suppressed: true },
        { exploitationType: null, count: 69, suppressed: false, total: true },
      ],
    });
  });

  it('carry both dimension values in 2-D rows, then row totals, column totals and the grand total', () => {
    const builder = new TableBuilder({
      tableId: 'cases-by-gender-and-age-band',
      dimensions: [
        { name: 'gender', categories: ['feminine', 'masculine'] },
        { name: 'ageBand', categories: ['9-17', '18-20'] },
      ],
    });
    fill(builder, ['feminine', '9-17'], 20);
    fill(builder, ['feminine', '18-20'], 30);
    fill(builder, ['masculine', '9-17'], 40);
    fill(builder, ['masculine', '18-20'], 50);
    expect(serialiseTable(protectTable(builder.build()), '2026-Q3').rows).toEqual([
      { gender: 'feminine', ageBand: '9-17', count: 20, suppressed: false },
      { gender: 'feminine', ageBand: '18-20', count: 30, suppressed: false },
      { gender: 'masculine', ageBand: '9-17', count: 40, suppressed: false },
      { gender: 'masculine', ageBand: '18-20', count: 50, suppressed: false },
      { gender: 'feminine', ageBand: null, count: 50, suppressed: false, total: true },
      { gender: 'masculine', ageBand: null, count: 90, suppressed: false, total: true },
      { gender: null, ageBand: '9-17', count: 60, suppressed: false, total: true },
      { gender: null, ageBand: '18-20', count: 80, suppressed: false, total: true },
      { gender: null, ageBand: null, count: 140, suppressed: false, total: true },
    ]);
  });

  it('write measures beside the count: quantiles as an object, money as a list per currency', () => {
    const spec: TableSpec = {
      tableId: 'restitution-by-route',
      dimensions: [{ name: 'route', categories: ['civil_claim'] }],
      measures: [
        {
          kind: 'quantiles',
          name: 'daysToAward',
          quantiles: [
            { name: 'median', q: 0.5 },
            { name: 'p90', q: 0.9 },
          ],
        },
        { kind: 'money', name: 'awarded', currencies: ['THB', 'USD'] },
      ],
    };
    const builder = new TableBuilder(spec);
    for (let i = 0; i < 12; i++) {
      builder.addRecord({
        organisationId: organisations[i % 4],
        values: ['civil_claim'],
        measures: { daysToAward: 10 * (i + 1), awarded: { currency: 'THB', amountMinor: 9_000_000_000_000_000n } },
      });
    }
    const [cell, total] = serialiseTable(protectTable(builder.build()), '2026').rows;
    expect(cell).toEqual({
      route: 'civil_claim',
      count: 12,
      suppressed: false,
      daysToAward: { median: 60, p90: 110, suppressed: false },
      // Above 2^53 a JSON number would round: the amount becomes a string of digits.
      awarded: [
        { currency: 'THB', amountMinor: '108000000000000000', suppressed: false },
        { currency: 'USD', amountMinor: 0, suppressed: false },
      ],
    });
    expect(total).toMatchObject({ route: null, total: true, count: 12 });
  });

  it('serialise to the same bytes every time', () => {
    const make = () => {
      const builder = new TableBuilder({ tableId: 't', dimensions: [{ name: 'x', categories: ['p', 'q', 'r'] }] });
      fill(builder, ['p'], 3);
      fill(builder, ['q'], 30);
      fill(builder, ['r'], 31);
      return releaseJson(protectTable(builder.build()), '2025');
    };
    expect(make()).toBe(make());
    expect(make()).toBe(
      '{"tableId":"t","period":"2025","minimumCellSize":11,"rows":[{"x":"p","count":null,"suppressed":true},' +
        '{"x":"q","count":null,"suppressed":true},{"x":"r","count":31,"suppressed":false},' +
        '{"x":null,"count":64,"suppressed":false,"total":true}]}',
    );
  });
});
