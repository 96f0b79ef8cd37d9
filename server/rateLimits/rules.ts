/**
 * The request limits the service keeps, each `points` requests per `durationSeconds`, per the key it
 * names. Production defaults below; each can be set from the environment (server/config.ts,
 * .env.example) as `<count>/<duration>`, e.g. `RATE_LIMIT_USER=600/1m`.
 */
export interface RateLimitRule {
  points: number;
  durationSeconds: number;
}

export const RATE_LIMITS = {
  /** Requests to /graphql per API key (partners' servers; generous, per key). */
  apiKey: { variable: 'RATE_LIMIT_API_KEY', fallback: '6000/1m' },
  /** API operations per signed-in user, whether sent to /graphql or made by the web app for a page. */
  user: { variable: 'RATE_LIMIT_USER', fallback: '600/1m' },
  /** Requests per client address that carry no API key: web pages and /graphql. */
  ip: { variable: 'RATE_LIMIT_IP', fallback: '600/1m' },
  /** Sign-in attempts per client address (on top of 10 failures per address in 15 minutes). */
  signIn: { variable: 'RATE_LIMIT_SIGN_IN', fallback: '30/15m' },
  /** Sign-ups per client address. */
  signUp: { variable: 'RATE_LIMIT_SIGN_UP', fallback: '10/1h' },
  /** Password-reset requests per client address (on top of 3 emails per login an hour). */
  passwordReset: { variable: 'RATE_LIMIT_PASSWORD_RESET', fallback: '10/1h' },
  /** Billing-portal sessions opened per user or API key. */
  billingPortal: { variable: 'RATE_LIMIT_BILLING_PORTAL', fallback: '10/1m' },
} as const;

export type RateLimitName = keyof typeof RATE_LIMITS;
export type RateLimitRules = Record<RateLimitName, RateLimitRule>;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/** `600/1m` → 600 per 60 seconds; null when it does not read as a count per duration. */
export function parseRateLimitRule(text: string): RateLimitRule | null {
  const match = /^\s*(\d{1,9})\s*\/\s*(\d{1,6})\s*([smh])\s*$/.exec(text);
  if (!match) return null;
  const points = Number(match[1]);
  const durationSeconds = Number(match[2]) * UNIT_SECONDS[match[3] as keyof typeof UNIT_SECONDS];
  return points >= 1 && durationSeconds >= 1 ? { points, durationSeconds } : null;
}

export const DEFAULT_RATE_LIMIT_RULES = Object.fromEntries(
  Object.entries(RATE_LIMITS).map(([name, { fallback }]) => [name, parseRateLimitRule(fallback)!]),
) as RateLimitRules;
