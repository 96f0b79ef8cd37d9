/**
 * A small per-process cache whose entries expire after `ttlMs`. Used for data that changes rarely and
 * is read on every request of the partners' hot path; each user pairs it with a change notification
 * (server/db/changeNotifications.ts) so an entry is dropped as soon as its row changes, and the expiry is
 * only a backstop.
 *
 * Callers that miss the same key at once share one load. With `refreshWhileServing`, for caches whose
 * expiry is only that backstop, an expired entry is still answered while a load refreshes it in the
 * background, until it is twice its lifetime old. Background refreshes of every cache take turns, a few
 * at a time (`REFRESHES_AT_ONCE`): entries filled together expire together, and refreshing hundreds of
 * them at once filled the connection pool's queue ahead of every request (docs/benchmarks.md, the
 * open-loop stall).
 */
const REFRESHES_AT_ONCE = 4;
let refreshesRunning = 0;
const refreshesWaiting: Array<() => void> = [];

async function takingTurns<T>(work: () => Promise<T>): Promise<T> {
  if (refreshesRunning >= REFRESHES_AT_ONCE) await new Promise<void>((turn) => refreshesWaiting.push(turn));
  else refreshesRunning += 1;
  try {
    return await work();
  } finally {
    const next = refreshesWaiting.shift();
    // The finished refresh hands its place to the next one waiting, or gives it up.
    if (next) next();
    else refreshesRunning -= 1;
  }
}

export class ExpiringCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();
  /** Loads under way, shared by every caller of the key. */
  private readonly loading = new Map<string, Promise<T | undefined>>();

  constructor(
    private readonly ttlMs: number,
    private readonly options: { refreshWhileServing?: boolean; spreadExpiry?: boolean } = {},
  ) {}

  /** The cached value, or what `load` returns; nothing is cached when it finds nothing (undefined). */
  async get<Loaded extends T | undefined>(key: string, load: () => Promise<Loaded>): Promise<T | Loaded> {
    const entry = this.entries.get(key);
    const time = Date.now();
    if (entry && entry.expiresAt > time) return entry.value;
    const underWay = this.loading.get(key) as Promise<T | Loaded> | undefined;
    if (entry && this.options.refreshWhileServing && entry.expiresAt + this.ttlMs > time) {
      if (!underWay) this.load(key, () => takingTurns(load)).catch(() => undefined);
      return entry.value;
    }
    return underWay ?? this.load(key, load);
  }

  delete(key: string): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.loading.clear();
  }

  /**
   * With `spreadExpiry`, between half the lifetime and all of it, at random: entries filled together
   * (every account a partner asks about in one second) then expire spread out instead of together.
   */
  private lifetimeMs(): number {
    return this.options.spreadExpiry ? this.ttlMs * (0.5 + Math.random() / 2) : this.ttlMs;
  }

  private load<Loaded extends T | undefined>(key: string, load: () => Promise<Loaded>): Promise<Loaded> {
    const loaded: Promise<Loaded> = load().then(
      (value) => {
        // A delete or clear while it loaded means the row changed: the answer stands for its callers
        // but is not kept.
        if (this.loading.get(key) === loaded) {
          this.loading.delete(key);
          if (value === undefined) this.entries.delete(key);
          else this.entries.set(key, { value: value as T, expiresAt: Date.now() + this.lifetimeMs() });
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
}
