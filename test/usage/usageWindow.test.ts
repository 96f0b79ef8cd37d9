import {
  allowanceWindowAt,
  bucketStart,
  hourWindow,
  nextBucketStart,
  rollupSegments,
} from '../../server/usage/usageWindow';

const at = (iso: string) => new Date(iso);

describe('usage windows', () => {
  it('read a range at hour resolution: an hour belongs to the range it ends in', () => {
    expect(hourWindow({ from: at('2026-03-10T10:23:00Z'), to: at('2026-04-10T10:23:00Z') })).toEqual({
      from: at('2026-03-10T10:00:00Z'),
      to: at('2026-04-10T10:00:00Z'),
    });
  });

  it('read whole days from daily rollups and the edges from hourly ones', () => {
    expect(rollupSegments({ from: at('2026-03-10T10:00:00Z'), to: at('2026-03-13T05:00:00Z') })).toEqual([
      { granularity: 'hour', from: at('2026-03-10T10:00:00Z'), to: at('2026-03-11T00:00:00Z') },
      { granularity: 'day', from: at('2026-03-11T00:00:00Z'), to: at('2026-03-13T00:00:00Z') },
      { granularity: 'hour', from: at('2026-03-13T00:00:00Z'), to: at('2026-03-13T05:00:00Z') },
    ]);
    expect(rollupSegments({ from: at('2026-03-10T00:00:00Z'), to: at('2026-03-12T00:00:00Z') })).toEqual([
      { granularity: 'day', from: at('2026-03-10T00:00:00Z'), to: at('2026-03-12T00:00:00Z') },
    ]);
    expect(rollupSegments({ from: at('2026-03-10T22:00:00Z'), to: at('2026-03-11T03:00:00Z') })).toEqual([
      { granularity: 'hour', from: at('2026-03-10T22:00:00Z'), to: at('2026-03-11T03:00:00Z') },
    ]);
    expect(rollupSegments({ from: at('2026-03-10T03:00:00Z'), to: at('2026-03-10T03:00:00Z') })).toEqual([]);
  });

  it('count usage in the last partial hour of a period against the next period’s allowance', () => {
    const period = { periodStart: at('2026-03-10T10:23:00Z'), periodEnd: at('2026-04-10T10:23:00Z') };
    expect(allowanceWindowAt({ ...period, at: at('2026-04-10T09:59:59Z') })).toEqual({
      from: at('2026-03-10T10:00:00Z'),
      to: at('2026-04-10T10:00:00Z'),
    });
    expect(allowanceWindowAt({ ...period, at: at('2026-04-10T10:05:00Z') }).from).toEqual(
      at('2026-04-10T10:00:00Z'),
    );
    expect(allowanceWindowAt({ ...period, at: at('2026-03-10T10:30:00Z') }).from).toEqual(
      at('2026-03-10T10:00:00Z'),
    );
  });

  it('bucket by UTC hour, day and calendar month', () => {
    const instant = at('2026-01-31T23:59:59Z');
    expect(bucketStart(instant, 'hour')).toEqual(at('2026-01-31T23:00:00Z'));
    expect(bucketStart(instant, 'day')).toEqual(at('2026-01-31T00:00:00Z'));
    expect(bucketStart(instant, 'month')).toEqual(at('2026-01-01T00:00:00Z'));
    expect(nextBucketStart(at('2026-01-01T00:00:00Z'), 'month')).toEqual(at('2026-02-01T00:00:00Z'));
    expect(nextBucketStart(at('2026-12-01T00:00:00Z'), 'month')).toEqual(at('2027-01-01T00:00:00Z'));
  });
});
