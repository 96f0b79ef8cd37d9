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
