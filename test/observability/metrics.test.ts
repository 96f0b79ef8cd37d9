import { createAccount, createMeter, createPartnerKey, grantTestCredits, unique } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

/**
 * /metrics as Prometheus scrapes it: the text format parsed sample by sample, and the counters moving
 * by exactly what the traffic between two scrapes did.
 */
const db = useTestDatabase();
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
});
afterAll(() => app.close());

type Samples = Map<string, number>;

/** Prometheus's text format: `name{label="value",...} number` per line, comments skipped. */
function parseExposition(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    samples.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]));
  }
  return samples;
}

async function scrape(headers: Record<string, string> = {}): Promise<Samples> {
  const response = await fetch(`${app.url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
  return parseExposition(await response.text());
}

const valueOf = (samples: Samples, key: string) => samples.get(key) ?? 0;

it('exposes process, pool and queue figures in a format Prometheus parses', async () => {
  const samples = await scrape();
  expect(samples.get('process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
  expect(samples.get('billing_db_pool_connections{state="used"}')).toBeGreaterThanOrEqual(0);
  expect(samples.get('billing_job_queue_ready')).toBeGreaterThanOrEqual(0);
  expect(samples.get('billing_partner_webhook_deliveries_pending')).toBe(0);
});

it('counts GraphQL operations by name and outcome, and HTTP requests by route class', async () => {
  const OK = 'billing_graphql_operations_total{operation="CatalogForMetrics",type="query",outcome="ok"}';
  const INVALID = 'billing_graphql_operations_total{operation="unresolved",type="unknown",outcome="invalid"}';
  const HTTP = 'billing_http_requests_total{route="graphql",method="POST",status="200"}';
  const before = await scrape();
  for (let call = 0; call < 3; call += 1)
    expect((await app.graphql('query CatalogForMetrics { plans { key } }')).errors).toBeUndefined();
  expect((await app.graphql('{ noSuchField }')).errors).toBeDefined();
  const after = await scrape();
  expect(valueOf(after, OK) - valueOf(before, OK)).toBe(3);
  expect(valueOf(after, INVALID) - valueOf(before, INVALID)).toBe(1);
  expect(valueOf(after, HTTP) - valueOf(before, HTTP)).toBeGreaterThanOrEqual(3);
  expect(
    valueOf(
      after,
      'billing_graphql_operation_duration_seconds_count{operation="CatalogForMetrics",type="query"}',
    ),
  ).toBeGreaterThanOrEqual(3);
});

it('counts usage events stored and milli-credits consumed, not duplicates or replays', async () => {
  const account = await createAccount();
  const meter = await createMeter();
  await grantTestCredits({ accountId: account.id, amount: 10_000 });
  const caller = {
    apiKey: (await createPartnerKey({ scopes: ['usage:write', 'credits:write'], accountId: account.id }))
      .secret,
  };
  const before = await scrape();

  const event = (idempotencyKey: string) => ({
    accountId: account.id,
    meterKey: meter.key,
    quantity: 5,
    occurredAt: new Date().toISOString(),
    idempotencyKey,
  });
  const repeated = unique('usage');
  const recorded = await app.graphql(
    'mutation($input: RecordUsageInput!) { recordUsage(input: $input) { accepted duplicates } }',
    { input: { events: [event(repeated), event(repeated), event(unique('usage'))] } },
    caller,
  );
  expect(recorded.data!.recordUsage).toEqual({ accepted: 2, duplicates: 1 });

  const spend = unique('spend');
  for (const key of [spend, spend, unique('spend')]) {
    const spent = await app.graphql(
      'mutation($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { balanceAfterMilliCredits } }',
      { input: { accountId: account.id, amountMilliCredits: 1_500, idempotencyKey: key } },
      caller,
    );
    expect(spent.errors).toBeUndefined();
  }

  const after = await scrape();
  const moved = (key: string) => valueOf(after, key) - valueOf(before, key);
  expect(moved('billing_usage_events_ingested_total')).toBe(2);
  expect(moved('billing_credits_consumed_millicredits_total')).toBe(3_000);
  expect(moved('billing_consumption_batch_size_count')).toBe(3);
});

it('answers only a scraper with the token when METRICS_TOKEN is set', async () => {
  const token = 'metrics-token-0123456789';
  const guarded = await startTestApp({ database: db.knex, metricsToken: token });
  try {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', token]) {
      const response = await fetch(`${guarded.url}/metrics`, {
        headers: authorization ? { authorization } : {},
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await response.text()).not.toContain('billing_http_requests_total');
    }
    const answered = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain('billing_http_requests_total');
  } finally {
    await guarded.close();
  }
});
