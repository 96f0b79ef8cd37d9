/**
 * A small per-process cache whose entries expire after `ttlMs`. Used for data that changes rarely and
 * is read on every request of the partners' hot path; each user pairs it with a change notification
 * (server/db/changeNotifications.ts) so an entry is dropped as soon as its row changes, and the expiry is
 * only a backstop.
 */
export class ExpiringCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();

  constructor(private readonly ttlMs: number) {}

  /** The cached value, or what `load` returns; nothing is cached when it finds nothing (undefined). */
  async get<Loaded extends T | undefined>(key: string, load: () => Promise<Loaded>): Promise<T | Loaded> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > Date.now()) return entry.value;
    const value = await load();
    if (value !== undefined) this.entries.set(key, { value: value as T, expiresAt: Date.now() + this.ttlMs });
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
