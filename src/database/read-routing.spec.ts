import { chooseReader, isReplicaFailure, LsnSample, parseLsn, replicaLag, ReplicaState, statusOf } from './read-routing';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const sample = (secondsAgo: number, lsn: string): LsnSample => ({ at: T0 - secondsAgo * 1000, lsn: parseLsn(lsn) });

describe('parseLsn', () => {
  it('orders WAL positions across the high word', () => {
    expect(parseLsn('0/FFFFFFFF') < parseLsn('1/0')).toBe(true);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
  });
  it('refuses what is not a WAL position', () => {
    expect(() => parseLsn('nonsense')).toThrow();
    expect(() => parseLsn('1/2/3')).toThrow();
  });
});

describe('replicaLag', () => {
  it('is 0 when the replica replayed up to where the primary stood, however old its last transaction (idle primary)', () => {
    expect(
      replicaLag({ now: T0, primary: sample(0, '0/3000100'), replayLsn: parseLsn('0/3000100'), sinceLastReplaySeconds: 3600, history: [] }),
    ).toBe(0);
  });

  it('is the time since the last replayed transaction when behind and nothing better is known', () => {
    expect(
      replicaLag({ now: T0, primary: sample(0, '0/3000200'), replayLsn: parseLsn('0/3000100'), sinceLastReplaySeconds: 12.5, history: [] }),
    ).toBe(12.5);
  });

  it('one write after a long idle spell is not minutes of lag: bounded by when the primary last stood where the replica is', () => {
    const history = [sample(5, '0/3000000'), sample(1, '0/3000100')];
    const lag = replicaLag({
      now: T0,
      primary: sample(0, '0/3000200'),
      replayLsn: parseLsn('0/3000100'),
      sinceLastReplaySeconds: 600,
      history,
    });
    expect(lag).toBe(1);
  });

  it('grows while replay is paused and the primary writes', () => {
    const history = [sample(10, '0/3000100'), sample(8, '0/3000300'), sample(4, '0/3000500')];
    const lag = replicaLag({
      now: T0,
      primary: sample(0, '0/3000900'),
      replayLsn: parseLsn('0/3000100'),
      sinceLastReplaySeconds: 9,
      history,
    });
    expect(lag).toBe(9);
  });

  it('cannot be told on a server that is not replaying, or with no bound at all', () => {
    expect(replicaLag({ now: T0, primary: sample(0, '0/1'), replayLsn: null, sinceLastReplaySeconds: 1, history: [] })).toBeNull();
    expect(
      replicaLag({ now: T0, primary: sample(0, '0/9'), replayLsn: parseLsn('0/1'), sinceLastReplaySeconds: null, history: [] }),
    ).toBeNull();
  });
});

describe('statusOf', () => {
  it.each([
    [0, true, 30, 'streaming'],
    [30, true, 30, 'streaming'],
    [30.5, true, 30, 'lagging'],
    [null, true, 30, 'lagging'],
    [0, false, 30, 'down'],
  ] as const)('lag %p reachable %p max %p: %s', (lag, reachable, max, status) => {
    expect(statusOf(lag, reachable, max)).toBe(status);
  });
});

describe('chooseReader', () => {
  const state = (status: ReplicaState['status'], lagSeconds: number | null): ReplicaState => ({ status, lagSeconds, measuredAt: T0 });

  it('sends lag-tolerant reads to a streaming replica only', () => {
    expect(chooseReader(state('streaming', 0.2))).toBe('replica');
    expect(chooseReader(state('lagging', 45))).toBe('primary');
    expect(chooseReader(state('down', null))).toBe('primary');
    expect(chooseReader(state('off', null))).toBe('primary');
  });

  it('keeps a read on the primary when the replica may not hold data up to the moment it needs', () => {
    expect(chooseReader(state('streaming', 2), new Date(T0 - 1000))).toBe('primary');
    expect(chooseReader(state('streaming', 2), new Date(T0 - 3000))).toBe('replica');
  });
});

describe('isReplicaFailure', () => {
  it('runs again on the primary when the replica went away or replay cancelled the read', () => {
    expect(isReplicaFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isReplicaFailure({ message: 'query failed', driverError: { code: '57P01' } })).toBe(true);
    expect(isReplicaFailure({ message: 'query failed', driverError: { code: '40001' } })).toBe(true);
    expect(isReplicaFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isReplicaFailure({ code: '08006' })).toBe(true);
  });

  it('does not retry an error of the read itself', () => {
    expect(isReplicaFailure({ message: 'query failed', driverError: { code: '42P01' } })).toBe(false);
    expect(isReplicaFailure(new Error('statistics release missing after compute'))).toBe(false);
    expect(isReplicaFailure(null)).toBe(false);
  });
});
