/**
 * Business settings the services read, set once at start-up from the configuration (tests override
 * them). Kept apart from `Config` so that services never see secrets or connection details.
 */
export interface BillingSettings {
  /** The origin customers reach us on; Checkout and portal return URLs are built from it. */
  publicUrl: string;
  /** Days a past-due subscription keeps access before dropping to the default plan. */
  gracePeriodDays: number;
  /** Checkout sessions one user may open per minute. */
  checkoutsPerUserPerMinute: number;
}

const defaults: BillingSettings = {
  publicUrl: 'http://127.0.0.1:3000',
  gracePeriodDays: 7,
  checkoutsPerUserPerMinute: 5,
};

let current: BillingSettings = defaults;

export function settings(): BillingSettings {
  return current;
}

/** Overrides some settings; returns a function that restores the previous ones. */
export function useSettings(overrides: Partial<BillingSettings>): () => void {
  const previous = current;
  current = { ...current, ...overrides };
  return () => {
    current = previous;
  };
}
