import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig } from '../server/config';
import { DEFAULT_RATE_LIMIT_RULES } from '../server/rateLimits/rules';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration from the environment', () => {
  it('starts with embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: undefined,
      stripeSecretKey: undefined,
      seedDemoData: true,
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT /],
    [{ PORT: '70000' }, /^PORT /],
    [{ DATABASE_URL: 'mysql://localhost/db' }, /^DATABASE_URL must be a postgres:\/\//],
    [{ SESSION_SECRET: 'too-short' }, /^SESSION_SECRET must be at least 32 characters/],
    [{ SESSION_SECRET_PREVIOUS: `${'x'.repeat(32)},short` }, /^SESSION_SECRET_PREVIOUS must be secrets/],
    [{ STRIPE_SECRET_KEY: 'pk_test_publishable' }, /^STRIPE_SECRET_KEY must be a Stripe secret key/],
    [{ STRIPE_WEBHOOK_SECRET: 'secret' }, /^STRIPE_WEBHOOK_SECRET must start with whsec_/],
    [{ NODE_ENV: 'staging' }, /^NODE_ENV /],
    [{ PUBLIC_URL: 'billing.example.com' }, /^PUBLIC_URL must be an absolute URL/],
    [{ SMTP_URL: 'not a url' }, /^SMTP_URL /],
    [{ METRICS_TOKEN: 'short' }, /^METRICS_TOKEN must be at least 16 characters/],
  ])('names the bad variable in %p', (env, expected) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it('never echoes a value, which may be a secret', () => {
    const problems = problemsOf({
      STRIPE_SECRET_KEY: 'pk_live_THISISSECRET',
      SESSION_SECRET: 'shortsecretvalue',
    });
    expect(problems.join('\n')).not.toMatch(/THISISSECRET|shortsecretvalue/);
  });

  it('requires the secrets production cannot run without', () => {
    expect(problemsOf({ NODE_ENV: 'production', STRIPE_SECRET_KEY: 'sk_live_abc' })).toEqual([
      'SESSION_SECRET is required when NODE_ENV=production',
      'PUBLIC_URL is required when NODE_ENV=production',
      'METRICS_TOKEN is required when NODE_ENV=production (it guards /metrics)',
      'STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set and NODE_ENV=production',
    ]);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        SESSION_SECRET: 'x'.repeat(32),
        PUBLIC_URL: 'https://billing.example.com',
        METRICS_TOKEN: 'metrics-token-0123456789',
      }),
    ).toEqual([
      'STRIPE_SECRET_KEY is required when NODE_ENV=production (the Stripe emulator moves no money)',
    ]);
  });

  it('reads the origins partners may return customers to, refusing paths and http in production', () => {
    expect(loadConfig({}).partnerReturnOrigins).toEqual([]);
    expect(
      loadConfig({ PARTNER_RETURN_ORIGINS: 'https://app.example.com/, http://localhost:4000' })
        .partnerReturnOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:4000']);
    expect(problemsOf({ PARTNER_RETURN_ORIGINS: 'https://app.example.com/welcome' })).toEqual([
      'PARTNER_RETURN_ORIGINS must be origins such as https://app.example.com, comma-separated, without paths',
    ]);
    expect(problemsOf({ PARTNER_RETURN_ORIGINS: 'ftp://files.example.com' })).toHaveLength(1);
    const production = {
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(32),
      PUBLIC_URL: 'https://billing.example.com',
      STRIPE_SECRET_KEY: 'sk_live_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
      METRICS_TOKEN: 'metrics-token-0123456789',
    };
    expect(problemsOf({ ...production, PARTNER_RETURN_ORIGINS: 'http://app.example.com' })).toEqual([
      'PARTNER_RETURN_ORIGINS must be https origins when NODE_ENV=production',
    ]);
  });

  it('points at a shared Stripe emulator only with the secret it signs with, and never beside a key', () => {
    expect(
      loadConfig({ STRIPE_EMULATOR_URL: 'http://127.0.0.1:12111', STRIPE_WEBHOOK_SECRET: 'whsec_shared' })
        .stripeEmulatorUrl,
    ).toBe('http://127.0.0.1:12111');
    expect(problemsOf({ STRIPE_EMULATOR_URL: 'http://127.0.0.1:12111' })).toEqual([
      'STRIPE_EMULATOR_URL needs STRIPE_WEBHOOK_SECRET, the secret that emulator signs its deliveries with',
    ]);
    expect(
      problemsOf({
        STRIPE_EMULATOR_URL: 'http://127.0.0.1:12111',
        STRIPE_WEBHOOK_SECRET: 'whsec_shared',
        STRIPE_SECRET_KEY: 'sk_test_abc',
      }),
    ).toEqual([
      'STRIPE_EMULATOR_URL and STRIPE_SECRET_KEY exclude each other: choose the emulator or Stripe',
    ]);
    for (const value of ['127.0.0.1:12111', 'https://stripe.example.com'])
      expect(problemsOf({ STRIPE_EMULATOR_URL: value, STRIPE_WEBHOOK_SECRET: 'whsec_shared' })).toEqual([
        expect.stringMatching(/^STRIPE_EMULATOR_URL must be/),
      ]);
  });

  it('leads "Contact sales" to SALES_CONTACT, or else to the address mail is sent from', () => {
    expect(loadConfig({}).salesContactUrl).toBe('mailto:billing@localhost');
    expect(loadConfig({ MAIL_FROM: 'Acme Billing <billing@acme.example>' }).salesContactUrl).toBe(
      'mailto:billing@acme.example',
    );
    expect(loadConfig({ SALES_CONTACT: 'sales@acme.example' }).salesContactUrl).toBe(
      'mailto:sales@acme.example',
    );
    expect(loadConfig({ SALES_CONTACT: 'https://acme.example/contact' }).salesContactUrl).toBe(
      'https://acme.example/contact',
    );
    for (const value of ['acme sales', 'javascript:alert(1)', 'ftp://acme.example'])
      expect(problemsOf({ SALES_CONTACT: value })).toEqual([
        expect.stringMatching(/^SALES_CONTACT must be an email/),
      ]);
  });

  it('reads the session secrets a rotation replaced, comma-separated', () => {
    expect(loadConfig({}).sessionSecretPrevious).toEqual([]);
    const [first, second] = ['a'.repeat(32), 'b'.repeat(40)];
    expect(loadConfig({ SESSION_SECRET_PREVIOUS: `${first}, ${second}` }).sessionSecretPrevious).toEqual([
      first,
      second,
    ]);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: ' ' })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  it.each([
    [undefined, false],
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.0/8', ['10.0.0.0/8']],
    ['loopback, 192.168.1.10', ['loopback', '192.168.1.10']],
    ['fd00::/8,uniquelocal', ['fd00::/8', 'uniquelocal']],
  ])('reads TRUST_PROXY=%p as %p', (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it('runs one process unless WEB_CONCURRENCY asks for more, or for one per core', () => {
    expect(loadConfig({}).processes).toBe(1);
    expect(loadConfig({ WEB_CONCURRENCY: '4' }).processes).toBe(4);
    expect(loadConfig({ WEB_CONCURRENCY: 'auto' }).processes).toBe(availableParallelism());
  });

  it("keeps idle connections open past a load balancer's idle minute unless told otherwise", () => {
    expect(loadConfig({}).keepAliveMs).toBe(65_000);
    expect(loadConfig({ HTTP_KEEP_ALIVE_SECONDS: '620' }).keepAliveMs).toBe(620_000);
    for (const value of ['0', '3601', '1.5', 'long']) {
      const problems = problemsOf({ HTTP_KEEP_ALIVE_SECONDS: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^HTTP_KEEP_ALIVE_SECONDS /);
    }
  });

  it.each(['0', '65', '1.5', 'all'])('refuses WEB_CONCURRENCY=%p', (value) => {
    const problems = problemsOf({ WEB_CONCURRENCY: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^WEB_CONCURRENCY must be a number of processes from 1 to 64, or auto/);
  });

  it.each(['true', 'yes', '10.0.0.0/8,somewhere', '300.1.1.1'])('refuses TRUST_PROXY=%p', (value) => {
    const problems = problemsOf({ TRUST_PROXY: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^TRUST_PROXY must be false, the number of proxies/);
  });

  it('limits requests by the production defaults unless told otherwise, each as a count per duration', () => {
    const config = loadConfig({
      RATE_LIMIT_USER: '120/30s',
      RATE_LIMIT_SIGN_IN: '5/1h',
      RATE_LIMIT_CHECKOUT: '3/2m',
    });
    expect(config.rateLimits).toEqual({
      ...DEFAULT_RATE_LIMIT_RULES,
      user: { points: 120, durationSeconds: 30 },
      signIn: { points: 5, durationSeconds: 3600 },
    });
    expect(config.checkoutRateLimit).toEqual({ points: 3, durationSeconds: 120 });
    expect(loadConfig({}).rateLimits).toEqual(DEFAULT_RATE_LIMIT_RULES);
    expect(DEFAULT_RATE_LIMIT_RULES.apiKey).toEqual({ points: 6000, durationSeconds: 60 });
  });

  it.each(['600', '600/minute', '0/1m', '10/0s', '-1/1m'])('refuses RATE_LIMIT_IP=%p', (value) => {
    expect(problemsOf({ RATE_LIMIT_IP: value })).toEqual([
      'RATE_LIMIT_IP must be a count per duration, such as 600/1m (s, m or h)',
    ]);
  });
});
