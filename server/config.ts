import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { NoticeBranding } from './settings';
import { RATE_LIMITS, parseRateLimitRule, type RateLimitName, type RateLimitRule } from './rateLimits/rules';

/**
 * Process configuration, read once from the environment and validated before anything starts.
 * A bad value stops the process with a message naming the variable; secrets never appear in it.
 */

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0)
    .max(65535)
    .default(fallback);

const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, context) => {
      const rule = parseRateLimitRule(text);
      if (!rule) {
        context.addIssue({
          code: 'custom',
          message: 'must be a count per duration, such as 600/1m (s, m or h)',
        });
        return z.NEVER;
      }
      return rule;
    });

const rateLimitVariables = Object.fromEntries(
  Object.values(RATE_LIMITS).map(({ variable, fallback }) => [variable, rateLimit(fallback)]),
) as Record<(typeof RATE_LIMITS)[RateLimitName]['variable'], ReturnType<typeof rateLimit>>;

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** HTTP_KEEP_ALIVE_SECONDS unless set: past the 60 s idle timeout of the common load balancers. */
export const DEFAULT_KEEP_ALIVE_SECONDS = 65;

/**
 * TRUST_PROXY: unset or `false` (believe no X-Forwarded-* header), a number of proxy hops, or the
 * proxies' addresses and subnets (`10.0.0.0/8,loopback`). `true` is refused: believing every hop lets
 * any client choose the address its requests are limited by.
 */
const trustProxy = z
  .string()
  .default('false')
  .transform((text, context): false | number | string[] => {
    const value = text.trim();
    if (value === 'false' || value === '0') return false;
    if (/^\d{1,2}$/.test(value)) return Number(value);
    const entries = value.split(',').map((entry) => entry.trim());
    const valid = entries.every(
      (entry) =>
        PROXY_NAMES.has(entry) || (isIP(entry.split('/')[0]!) !== 0 && /^[^/]+(\/\d{1,3})?$/.test(entry)),
    );
    if (value === 'true' || !valid) {
      context.addIssue({
        code: 'custom',
        message:
          'must be false, the number of proxies in front of the service, or their addresses (10.0.0.0/8,loopback); true would trust any client',
      });
      return z.NEVER;
    }
    return entries;
  });

/**
 * PARTNER_RETURN_ORIGINS: the origins partners may send customers back to from Checkout and the portal,
 * comma-separated (`https://app.example.com,https://shop.example.com`). Origins only: a scheme, a host
 * and an optional port, no path.
 */
const returnOrigins = z
  .string()
  .default('')
  .transform((text, context): string[] => {
    const entries = text
      .split(',')
      .map((entry) => entry.trim().replace(/\/+$/, ''))
      .filter(Boolean);
    const invalid = entries.filter((entry) => {
      try {
        const url = new URL(entry);
        return !['http:', 'https:'].includes(url.protocol) || url.origin !== entry.toLowerCase();
      } catch {
        return true;
      }
    });
    if (invalid.length > 0) {
      context.addIssue({
        code: 'custom',
        message: 'must be origins such as https://app.example.com, comma-separated, without paths',
      });
      return z.NEVER;
    }
    return entries.map((entry) => new URL(entry).origin);
  });

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: port(3000),
  PUBLIC_URL: z.url({ error: 'must be an absolute URL such as https://billing.example.com' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string')
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  EMBEDDED_POSTGRES_DIR: z.string().default('.data/postgres'),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_SECRET_PREVIOUS: z
    .string()
    .transform((value) => value.split(',').map((secret) => secret.trim()))
    .refine(
      (secrets) => secrets.every((secret) => secret.length >= 32),
      'must be secrets of at least 32 characters, comma-separated',
    )
    .optional(),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(
      /^(sk|rk)_(test|live)_[A-Za-z0-9]+$/,
      'must be a Stripe secret key (sk_test_..., sk_live_... or rk_...)',
    )
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_\S+$/, 'must start with whsec_')
    .optional(),
  STRIPE_EMULATOR_PORT: port(12111),
  STRIPE_EMULATOR_STATE_FILE: z.string().optional(),
  STRIPE_EMULATOR_URL: z
    .url({ protocol: /^http$/, error: 'must be the http:// address of a running `npm run stripe-emulator`' })
    .optional(),
  SMTP_URL: z.url({ error: 'must be a URL such as smtp://user:pass@mail.example.com:587' }).optional(),
  MAIL_FROM: z.string().default('Billing <billing@localhost>'),
  BRAND_NAME: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(80, 'must be at most 80 characters')
    .default('Billing'),
  BRAND_LOGO_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) address of an image' }).optional(),
  BRAND_COLOR: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #4f46e5')
    .default('#4f46e5'),
  NOTIFICATION_TEMPLATES_DIR: z.string().optional(),
  SALES_CONTACT: z
    .union([z.email(), z.url({ protocol: /^https?$/ })], {
      error: 'must be an email address or an http(s) address such as https://example.com/contact',
    })
    .optional(),
  JOBS_ENABLED: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((value) => value === 'true'),
  WEB_CONCURRENCY: z
    .string()
    .default('1')
    .transform((value, context) => {
      if (value.trim() === 'auto') return availableParallelism();
      const processes = Number(value);
      if (Number.isInteger(processes) && processes >= 1 && processes <= 64) return processes;
      context.addIssue({
        code: 'custom',
        message: 'must be a number of processes from 1 to 64, or auto (one per CPU core)',
      });
      return z.NEVER;
    }),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SHUTDOWN_GRACE_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(0)
    .max(600)
    .default(25),
  HTTP_KEEP_ALIVE_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(1)
    .max(3600)
    .default(DEFAULT_KEEP_ALIVE_SECONDS),
  GRACE_PERIOD_DAYS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0)
    .max(60)
    .default(7),
  TRUST_PROXY: trustProxy,
  PARTNER_WEBHOOKS_ALLOW_PRIVATE: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .transform((value) => (value === undefined ? undefined : value === 'true')),
  PARTNER_RETURN_ORIGINS: returnOrigins,
  ...rateLimitVariables,
  RATE_LIMIT_CHECKOUT: rateLimit('5/1m'),
  SEED_DEMO_DATA: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .transform((value) => (value === undefined ? undefined : value === 'true')),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface Config {
  nodeEnv: Environment['NODE_ENV'];
  isProduction: boolean;
  host: string;
  port: number;
  /** The origin customers reach us on; redirects and return URLs are built from it. */
  publicUrl: string | undefined;
  logLevel: Environment['LOG_LEVEL'];
  /** JSON lines (production, and whenever the output is not a terminal) or readable lines for people. */
  logFormat: 'json' | 'pretty';
  databaseUrl: string | undefined;
  databasePoolMax: number;
  embeddedPostgresDir: string;
  sessionSecret: string | undefined;
  /** Secrets SESSION_SECRET replaced, still accepted on cookies signed before the rotation. */
  sessionSecretPrevious: string[];
  stripeSecretKey: string | undefined;
  stripeWebhookSecret: string | undefined;
  stripeEmulatorPort: number;
  /** A shared emulator (`npm run stripe-emulator`) to use instead of starting one in this process. */
  stripeEmulatorUrl: string | undefined;
  stripeEmulatorStateFile: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** How notices look: the operator's name, logo and colour, and their own templates if any. */
  notifications: { branding: NoticeBranding; templatesDirectory: string | null };
  /** Where "Contact sales" leads: a mailto: or http(s) address. */
  salesContactUrl: string;
  /** Whether this process runs background jobs (trial expiry, renewals of the free plan, email...). */
  jobsEnabled: boolean;
  /** How many server processes `npm start` runs on its port (server/processes.ts); 1 serves in-process. */
  processes: number;
  /** What a scraper of /metrics must present as a bearer token; unset: /metrics is open (development). */
  metricsToken: string | undefined;
  /** How long a stopping process waits for in-flight requests and jobs before cutting them off. */
  shutdownGraceMs: number;
  /**
   * How long an idle keep-alive connection stays open: longer than the idle timeout of the load
   * balancer in front, so that the balancer closes idle connections, never this process under a
   * request the balancer is sending at that moment (which its client would see as a 502).
   */
  keepAliveMs: number;
  /** Days a past-due subscription keeps its access before the account drops to the default plan. */
  gracePeriodDays: number;
  /** Load the demo catalog at start (SEED_DEMO_DATA; on by default in development only). */
  seedDemoData: boolean;
  /**
   * Also create the demo users and the demo partner key. Never in production, whatever SEED_DEMO_DATA
   * says: their passwords are kept in a file beside the service and the key may act on every account.
   */
  seedDemoUsers: boolean;
  /** Which proxies' X-Forwarded-For and X-Forwarded-Proto to believe (Express's `trust proxy`). */
  trustProxy: false | number | string[];
  /** Request limits by name (server/rateLimits/rules.ts). */
  rateLimits: Record<RateLimitName, RateLimitRule>;
  /** Checkout sessions one user (or API key's account) may open per window. */
  checkoutRateLimit: RateLimitRule;
  /** Partner webhooks may go to private and loopback addresses (default: outside production only). */
  partnerWebhooksAllowPrivate: boolean;
  /** Origins partners may send customers back to from Checkout and the portal (https only in production). */
  partnerReturnOrigins: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Outside production, a `.env` file in the working folder fills in what the environment leaves unset.
 * Production reads the environment alone, so a stray file cannot change a deployed service.
 */
export function loadDotEnvOutsideProduction(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV === 'production') return;
  try {
    process.loadEnvFile('.env');
  } catch {
    // No .env file: the environment alone configures the process.
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`PORT=` in a .env file) means "not set", not "set to nothing".
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    // Name the variable and the rule it broke; never echo the value, which may be a secret.
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  const values = parsed.data;
  const isProduction = values.NODE_ENV === 'production';
  const seedDemoData = values.SEED_DEMO_DATA ?? values.NODE_ENV === 'development';
  const problems: string[] = [];
  if (isProduction && !values.SESSION_SECRET)
    problems.push('SESSION_SECRET is required when NODE_ENV=production');
  if (isProduction && !values.PUBLIC_URL) problems.push('PUBLIC_URL is required when NODE_ENV=production');
  if (isProduction && !values.METRICS_TOKEN)
    problems.push('METRICS_TOKEN is required when NODE_ENV=production (it guards /metrics)');
  if (isProduction && !values.STRIPE_SECRET_KEY)
    problems.push(
      'STRIPE_SECRET_KEY is required when NODE_ENV=production (the Stripe emulator moves no money)',
    );
  if (values.STRIPE_EMULATOR_URL && values.STRIPE_SECRET_KEY)
    problems.push(
      'STRIPE_EMULATOR_URL and STRIPE_SECRET_KEY exclude each other: choose the emulator or Stripe',
    );
  if (values.STRIPE_EMULATOR_URL && !values.STRIPE_WEBHOOK_SECRET)
    problems.push(
      'STRIPE_EMULATOR_URL needs STRIPE_WEBHOOK_SECRET, the secret that emulator signs its deliveries with',
    );
  if (values.STRIPE_SECRET_KEY && isProduction && !values.STRIPE_WEBHOOK_SECRET) {
    problems.push('STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set and NODE_ENV=production');
  }
  if (isProduction && values.PARTNER_RETURN_ORIGINS.some((origin) => origin.startsWith('http:')))
    problems.push('PARTNER_RETURN_ORIGINS must be https origins when NODE_ENV=production');
  if (values.NOTIFICATION_TEMPLATES_DIR && !isDirectory(values.NOTIFICATION_TEMPLATES_DIR))
    problems.push(
      `NOTIFICATION_TEMPLATES_DIR must be a folder of templates; ${values.NOTIFICATION_TEMPLATES_DIR} is not one`,
    );
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    nodeEnv: values.NODE_ENV,
    isProduction,
    host: values.HOST,
    port: values.PORT,
    publicUrl: values.PUBLIC_URL?.replace(/\/+$/, ''),
    logLevel: values.LOG_LEVEL,
    logFormat:
      values.LOG_FORMAT ?? (values.NODE_ENV === 'development' && process.stdout.isTTY ? 'pretty' : 'json'),
    databaseUrl: values.DATABASE_URL,
    databasePoolMax: values.DATABASE_POOL_MAX,
    embeddedPostgresDir: values.EMBEDDED_POSTGRES_DIR,
    sessionSecret: values.SESSION_SECRET,
    sessionSecretPrevious: values.SESSION_SECRET_PREVIOUS ?? [],
    stripeSecretKey: values.STRIPE_SECRET_KEY,
    stripeWebhookSecret: values.STRIPE_WEBHOOK_SECRET,
    stripeEmulatorPort: values.STRIPE_EMULATOR_PORT,
    stripeEmulatorUrl: values.STRIPE_EMULATOR_URL,
    stripeEmulatorStateFile:
      values.STRIPE_EMULATOR_STATE_FILE ??
      (values.NODE_ENV === 'development' ? '.data/stripe-emulator.json' : undefined),
    smtpUrl: values.SMTP_URL,
    mailFrom: values.MAIL_FROM,
    notifications: {
      branding: {
        name: values.BRAND_NAME,
        logoUrl: values.BRAND_LOGO_URL ?? null,
        accentColor: values.BRAND_COLOR,
      },
      templatesDirectory: values.NOTIFICATION_TEMPLATES_DIR
        ? resolve(values.NOTIFICATION_TEMPLATES_DIR)
        : null,
    },
    salesContactUrl: salesContactUrlOf(values.SALES_CONTACT, values.MAIL_FROM),
    jobsEnabled: values.JOBS_ENABLED,
    processes: values.WEB_CONCURRENCY,
    shutdownGraceMs: values.SHUTDOWN_GRACE_SECONDS * 1000,
    keepAliveMs: values.HTTP_KEEP_ALIVE_SECONDS * 1000,
    metricsToken: values.METRICS_TOKEN,
    gracePeriodDays: values.GRACE_PERIOD_DAYS,
    seedDemoData,
    seedDemoUsers: seedDemoData && !isProduction,
    trustProxy: values.TRUST_PROXY,
    rateLimits: Object.fromEntries(
      Object.entries(RATE_LIMITS).map(([name, { variable }]) => [name, values[variable]]),
    ) as Record<RateLimitName, RateLimitRule>,
    checkoutRateLimit: values.RATE_LIMIT_CHECKOUT,
    partnerWebhooksAllowPrivate: values.PARTNER_WEBHOOKS_ALLOW_PRIVATE ?? !isProduction,
    partnerReturnOrigins: values.PARTNER_RETURN_ORIGINS,
  };
}

/** SALES_CONTACT as a link; unset, the address the service sends its mail from (MAIL_FROM). */
function salesContactUrlOf(contact: string | undefined, mailFrom: string): string {
  if (contact) return /^https?:/.test(contact) ? contact : `mailto:${contact}`;
  const address = /<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom.trim();
  return `mailto:${address}`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
