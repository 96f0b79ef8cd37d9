import { ExpiringCache } from '../server/expiringCache';

/**
 * The per-process cache of the partners' hot path: callers that miss one key at the same moment share a
 * single load, and a change announced while that load runs keeps its answer out of the cache.
 */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => ((resolve = yes), (reject = no)));
  return { promise, resolve, reject };
}

it('loads a key once for every caller that misses it at the same moment', async () => {
  const cache = new ExpiringCache<string>(60_000);
  const load = jest.fn(async () => 'profile');
  const answers = await Promise.all(Array.from({ length: 50 }, () => cache.get('account', load)));
  expect(answers).toEqual(Array(50).fill('profile'));
  expect(load).toHaveBeenCalledTimes(1);
  expect(await cache.get('account', load)).toBe('profile');
  expect(load).toHaveBeenCalledTimes(1);
});

it('does not keep an answer loaded before the key was deleted; the next caller loads afresh', async () => {
  const cache = new ExpiringCache<string>(60_000);
  const stale = deferred<string>();
  const first = cache.get('account', () => stale.promise);
  cache.delete('account');
  const second = cache.get('account', async () => 'fresh');
  stale.resolve('stale');
  expect(await first).toBe('stale');
  expect(await second).toBe('fresh');
  expect(await cache.get('account', async () => 'not asked')).toBe('fresh');
});

it('does not keep an answer loaded before the cache was cleared', async () => {
  const cache = new ExpiringCache<string>(60_000);
  const stale = deferred<string>();
  const first = cache.get('account', () => stale.promise);
  cache.clear();
  stale.resolve('stale');
  expect(await first).toBe('stale');
  expect(await cache.get('account', async () => 'fresh')).toBe('fresh');
});

it('gives a failed load to everyone waiting on it, and tries again on the next call', async () => {
  const cache = new ExpiringCache<string>(60_000);
  const failing = deferred<string>();
  const waiting = [cache.get('account', () => failing.promise), cache.get('account', () => failing.promise)];
  failing.reject(new Error('connection lost'));
  for (const answer of waiting) await expect(answer).rejects.toThrow('connection lost');
  expect(await cache.get('account', async () => 'loaded')).toBe('loaded');
});

it('keeps nothing for a key whose load finds nothing, and loads again after the entry expires', async () => {
  const cache = new ExpiringCache<string>(1);
  expect(await cache.get('missing', async () => undefined)).toBeUndefined();
  expect(await cache.get('missing', async () => 'created since')).toBe('created since');
  await new Promise((resolve) => setTimeout(resolve, 5));
  expect(await cache.get('missing', async () => 'reloaded')).toBe('reloaded');
});

describe('refreshing while serving, for caches whose expiry is only a backstop', () => {
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('answers an expired entry at once while one load refreshes it, then answers the refreshed one', async () => {
    // Lifetimes long enough that a slow machine still asks within the second lifetime.
    const cache = new ExpiringCache<string>(500, { refreshWhileServing: true });
    await cache.get('account', async () => 'first');
    await wait(600);
    const refresh = deferred<string>();
    const load = jest.fn(() => refresh.promise);
    const during = await Promise.all(Array.from({ length: 20 }, () => cache.get('account', load)));
    expect(during).toEqual(Array(20).fill('first'));
    expect(load).toHaveBeenCalledTimes(1);
    refresh.resolve('second');
    await wait(0);
    expect(await cache.get('account', async () => 'not asked')).toBe('second');
  });

  it('refreshes a few entries at a time, however many expired together', async () => {
    const cache = new ExpiringCache<string>(500, { refreshWhileServing: true });
    const keys = Array.from({ length: 12 }, (_, index) => `account-${index}`);
    for (const key of keys) await cache.get(key, async () => 'old');
    await wait(600);
    let running = 0;
    let mostAtOnce = 0;
    const refreshes = keys.map(() => deferred<string>());
    const answers = await Promise.all(
      keys.map((key, index) =>
        cache.get(key, async () => {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          const value = await refreshes[index]!.promise;
          running -= 1;
          return value;
        }),
      ),
    );
    expect(answers).toEqual(Array(12).fill('old'));
    for (const refresh of refreshes) refresh.resolve('new');
    await wait(10);
    expect(mostAtOnce).toBe(4);
    for (const key of keys) expect(await cache.get(key, async () => 'not asked')).toBe('new');
  });

  it('waits for the load once the entry is twice its lifetime old', async () => {
    const cache = new ExpiringCache<string>(20, { refreshWhileServing: true });
    await cache.get('account', async () => 'old');
    await wait(50);
    expect(await cache.get('account', async () => 'fresh')).toBe('fresh');
  });

  it('drops the entry when the refresh finds the row gone, and keeps serving it when the refresh fails', async () => {
    const cache = new ExpiringCache<string>(500, { refreshWhileServing: true });
    await cache.get('gone', async () => 'was there');
    await cache.get('flaky', async () => 'kept');
    await wait(600);
    expect(await cache.get('gone', async () => undefined)).toBe('was there');
    expect(await cache.get('flaky', async () => Promise.reject(new Error('connection lost')))).toBe('kept');
    await wait(10);
    expect(await cache.get('gone', async () => 'created again')).toBe('created again');
    expect(await cache.get('flaky', async () => 'back')).toBe('kept');
  });

  it('never answers an entry deleted by a change, even within its lifetime', async () => {
    const cache = new ExpiringCache<string>(60_000, { refreshWhileServing: true });
    await cache.get('account', async () => 'before the change');
    cache.delete('account');
    expect(await cache.get('account', async () => 'after the change')).toBe('after the change');
  });
});

it('spreads the expiry of entries filled together over the second half of their lifetime', async () => {
  jest.useFakeTimers({ now: new Date('2026-12-04T12:00:00Z') });
  try {
    const cache = new ExpiringCache<string>(400, { spreadExpiry: true });
    const keys = Array.from({ length: 40 }, (_, index) => `account-${index}`);
    for (const key of keys) await cache.get(key, async () => 'filled');
    const expiredAfter = async (ms: number) => {
      jest.setSystemTime(new Date('2026-12-04T12:00:00Z').getTime() + ms);
      const answers = await Promise.all(keys.map((key) => cache.get(key, async () => 'reloaded')));
      return answers.filter((answer) => answer === 'reloaded').length;
    };
    expect(await expiredAfter(199)).toBe(0);
    // Reloaded entries start a new lifetime, so each step counts those left from the fill.
    const byThreeQuarters = await expiredAfter(300);
    expect(byThreeQuarters).toBeGreaterThan(0);
    expect(byThreeQuarters).toBeLessThan(keys.length);
  } finally {
    jest.useRealTimers();
  }
});
