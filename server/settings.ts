/**
 * Business settings the services read, set once at start-up from the configuration (tests override
 * them). Kept apart from `Config` so that services never see secrets or connection details.
 */
export interface BillingSettings {
  /** The origin customers reach us on; Checkout and portal return URLs are built from it. */
  publicUrl: string;
  /** Days a past-due subscription keeps access before dropping to the default plan. */
  gracePeriodDays: number;
  /** Checkout sessions one user (or an API key's account) may open per window (RATE_LIMIT_CHECKOUT). */
  checkoutRateLimit: { points: number; durationSeconds: number };
  /** Outbound partner webhooks (server/partnerWebhooks/). */
  partnerWebhooks: PartnerWebhookSettings;
  /** Where partners may send customers back to after Checkout and the portal (server/returnUrls.ts). */
  partnerReturnUrls: PartnerReturnUrlSettings;
  /** How notices look and where an operator's own templates are (server/notifications/rendering.ts). */
  notifications: { branding: NoticeBranding; templatesDirectory: string | null };
  /**
   * Accounts may be put on a Stripe test clock (server/testClocks/): with the emulator or a Stripe test
   * key only. With a live key the feature does not exist.
   */
  testClocks: boolean;
}

/** The operator's identity on every notice (BRAND_NAME, BRAND_LOGO_URL, BRAND_COLOR). */
export interface NoticeBranding {
  name: string;
  logoUrl: string | null;
  accentColor: string;
}

export interface PartnerReturnUrlSettings {
  /** Origins (`https://app.example.com`) a partner's return URLs may point at (PARTNER_RETURN_ORIGINS). */
  origins: string[];
  /** Plain http return URLs are accepted too (outside production only). */
  allowHttp: boolean;
}

export interface PartnerWebhookSettings {
  /** Deliver to loopback, private and link-local addresses (PARTNER_WEBHOOKS_ALLOW_PRIVATE). */
  allowPrivateAddresses: boolean;
  /** How long one delivery may take, connection to last byte. */
  timeoutMs: number;
  /** How much of a response is read; the rest is cut off. */
  maxResponseBytes: number;
}

const defaults: BillingSettings = {
  publicUrl: 'http://127.0.0.1:3000',
  gracePeriodDays: 7,
  checkoutRateLimit: { points: 5, durationSeconds: 60 },
  partnerWebhooks: { allowPrivateAddresses: false, timeoutMs: 10_000, maxResponseBytes: 64 * 1024 },
  partnerReturnUrls: { origins: [], allowHttp: false },
  notifications: {
    branding: { name: 'Billing', logoUrl: null, accentColor: '#4f46e5' },
    templatesDirectory: null,
  },
  testClocks: true,
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
