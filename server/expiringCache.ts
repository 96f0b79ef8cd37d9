/**
 * A small per-process cache whose entries expire after `ttlMs`. Used for data that changes rarely and
 * is read on every request of the partners' hot path; each user pairs it with a change notification
 * (server/db/changeNotifications.ts) so an entry is dropped as soon as its row changes, and the expiry is
 * only a backstop.
 */
export class ExpiringCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();
  /**
   * Loads under way. Callers that miss the same key at once share one load: when an entry expires
   * under load, one query refreshes it instead of one per waiting request.
   */
  private readonly loading = new Map<string, Promise<T | undefined>>();

  constructor(private readonly ttlMs: number) {}

  /** The cached value, or what `load` returns; nothing is cached when it finds nothing (undefined). */
  async get<Loaded extends T | undefined>(key: string, load: () => Promise<Loaded>): Promise<T | Loaded> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > Date.now()) return entry.value;
    const underWay = this.loading.get(key);
    if (underWay) return underWay as Promise<T | Loaded>;
    const loaded: Promise<Loaded> = load().then(
      (value) => {
        // A delete or clear while it loaded means the row changed: the answer stands for its callers
        // but is not kept.
        if (this.loading.get(key) === loaded) {
          this.loading.delete(key);
          if (value !== undefined)
            this.entries.set(key, { value: value as T, expiresAt: Date.now() + this.ttlMs });
        }
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, loaded);
    return loaded;
  }

  delete(key: string): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.loading.clear();
  }
}
