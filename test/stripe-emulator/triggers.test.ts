import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Stripe from 'stripe';
import { startHarness, type Harness } from './support';
import {
  FixtureStepError,
  loadTriggerFixtures,
  resolveReferences,
  runTriggerFixture,
  type TriggerFixture,
} from './triggerFixtures';

/**
 * Contract tests in the shape of `stripe trigger`: each fixture in triggers/ is a sequence of API
 * calls after the CLI's fixture of the same name; running it against the emulator must complete and
 * emit the events Stripe documents for it (in any order: Stripe promises none).
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const fixtures = loadTriggerFixtures();

async function allEventIds(stripe: Stripe): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const event of stripe.events.list({ limit: 100 })) ids.add(event.id);
  return ids;
}

/** Runs a fixture and returns the types of the events it caused, read back through the API. */
async function eventTypesOfRun(fixture: TriggerFixture): Promise<{ types: string[]; error?: unknown }> {
  const before = await allEventIds(h.stripe);
  let error: unknown;
  await runTriggerFixture(h.stripe, fixture).catch((caught: unknown) => (error = caught));
  const types: string[] = [];
  for await (const event of h.stripe.events.list({ limit: 100 }))
    if (!before.has(event.id)) types.push(event.type);
  return { types: types.reverse(), error };
}

/** The event types the product's webhook handlers act on (server/webhooks/handlers/index.ts). */
function eventTypesTheProductHandles(): string[] {
  // Read as text: importing the handlers would load the product's database layer into this test.
  const source = readFileSync(path.join(__dirname, '../../server/webhooks/handlers/index.ts'), 'utf8');
  const table = source.slice(source.indexOf('STRIPE_EVENT_HANDLERS'));
  return [...table.matchAll(/^\s+'([a-z_.]+)':/gm)].map((match) => match[1]);
}

describe.each(fixtures.filter(({ fixture }) => !fixture._meta.not_emulated))(
  'trigger fixture $file',
  ({ fixture }) => {
    test('completes and emits the events Stripe documents for it', async () => {
      const { types, error } = await eventTypesOfRun(fixture);
      expect(error).toBeUndefined();
      expect(types).toEqual(expect.arrayContaining(fixture._meta.expected_events));
    });
  },
);

describe.each(fixtures.filter(({ fixture }) => fixture._meta.not_emulated))(
  'trigger fixture $file (not emulated)',
  ({ fixture }) => {
    test('is refused at a step with an API error, before any of its events', async () => {
      const { types, error } = await eventTypesOfRun(fixture);
      expect(error).toBeInstanceOf(FixtureStepError);
      expect((error as FixtureStepError).errorType).toBe('invalid_request_error');
      const triggered = fixture._meta.cli_trigger as string;
      expect(types).not.toContain(triggered);
    });
  },
);

describe('the trigger fixtures', () => {
  test('cover every event type the product handles', () => {
    const expected = new Set(fixtures.flatMap(({ fixture }) => fixture._meta.expected_events));
    const missing = eventTypesTheProductHandles().filter((type) => !expected.has(type));
    expect(eventTypesTheProductHandles().length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  test.each(fixtures)('$file is in the CLI format and names the trigger it follows', ({ file, fixture }) => {
    expect(fixture._meta.template_version).toBe(0);
    const event = file.replace(/\.json$/, '');
    if (fixture._meta.cli_trigger === null) expect(fixture._meta.notes).toEqual(expect.any(String));
    else expect(fixture._meta.cli_trigger).toBe(event);
    expect(fixture._meta.expected_events).toContain(event);
    const seen = new Set<string>();
    for (const step of fixture.fixtures) {
      expect(['get', 'post', 'delete']).toContain(step.method);
      // Every reference names an earlier step, as the CLI requires.
      const references = JSON.stringify([step.path, step.params ?? {}]).matchAll(/\$\{([^.:|}][^:|}]*):/g);
      for (const [, name] of references) expect(seen).toContain(name);
      expect(seen).not.toContain(step.name);
      seen.add(step.name);
    }
  });
});

describe('reference resolution', () => {
  const responses = new Map<string, unknown>([
    ['subscription', { id: 'sub_1', items: { data: [{ id: 'si_1' }] }, latest_invoice: null }],
  ]);

  test('follows dot paths through objects and lists, with defaults', () => {
    expect(resolveReferences('/v1/subscriptions/${subscription:id}', responses)).toBe(
      '/v1/subscriptions/sub_1',
    );
    expect(resolveReferences('${subscription:items.data.0.id}', responses)).toBe('si_1');
    expect(resolveReferences('${subscription:latest_invoice|none}', responses)).toBe('none');
  });

  test('reads the environment, falling back to the default', () => {
    process.env.TRIGGER_FIXTURE_TEST_VALUE = 'from-env';
    expect(resolveReferences('${.env:TRIGGER_FIXTURE_TEST_VALUE}', responses)).toBe('from-env');
    expect(resolveReferences('${.env:TRIGGER_FIXTURE_UNSET|fallback}', responses)).toBe('fallback');
    delete process.env.TRIGGER_FIXTURE_TEST_VALUE;
  });

  test('refuses a reference to a step that has not run', () => {
    expect(() => resolveReferences('${customer:id}', responses)).toThrow(
      /no earlier step is named "customer"/,
    );
  });
});
