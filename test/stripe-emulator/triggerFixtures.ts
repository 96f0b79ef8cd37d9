import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Stripe from 'stripe';

/**
 * Runs trigger fixtures: JSON files in the format of the Stripe CLI's `stripe trigger` fixtures
 * (`pkg/fixtures/triggers/*.json` in stripe/stripe-cli), each a sequence of API calls whose later
 * steps refer to the responses of earlier ones. The files in `triggers/` are this project's own; their
 * `_meta` carries, besides the CLI's `template_version`, what the contract test checks.
 */

export const TRIGGERS_DIR = path.join(__dirname, 'triggers');

export interface TriggerMeta {
  template_version: 0;
  /** The `stripe trigger <event>` this fixture corresponds to, or null when the CLI has none. */
  cli_trigger: string | null;
  /** How this sequence differs from the CLI's, and why. */
  notes?: string;
  /** Events Stripe documents for this sequence; all must be emitted, in this order. */
  expected_events: string[];
  /**
   * Set when the emulator cannot run the sequence (see docs/stripe-emulator.md): the reason. The
   * contract test then checks that the run is refused rather than half-done.
   */
  not_emulated?: string;
}

export interface FixtureStep {
  name: string;
  path: string;
  method: 'get' | 'post' | 'delete';
  params?: Record<string, unknown> | null;
  /** As in the CLI: the step may fail with this error type (`card_error`, ...) without ending the run. */
  expected_error_type?: string;
}

export interface TriggerFixture {
  _meta: TriggerMeta;
  fixtures: FixtureStep[];
}

export function loadTriggerFixtures(): Array<{ file: string; fixture: TriggerFixture }> {
  return readdirSync(TRIGGERS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      fixture: JSON.parse(readFileSync(path.join(TRIGGERS_DIR, file), 'utf8')) as TriggerFixture,
    }));
}

/** `${name:dot.path|default}`, `${.env:NAME|default}`: the CLI's reference syntax. */
const REFERENCE = /\$\{([^|}]+):([^|}]+)(?:\|([^}]*))?\}/g;

/** Follows a gjson-style dot path (`items.data.0.id`) through a response. */
function lookUp(value: unknown, dotPath: string): unknown {
  let current = value;
  for (const key of dotPath.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function resolveReferences(text: string, responses: Map<string, unknown>): string {
  if (text === '${time-now-RFC3339}') return new Date().toISOString();
  if (text === '${generate-uuid}') return randomUUID();
  return text.replace(REFERENCE, (match, name: string, query: string, fallback?: string) => {
    if (name === '.env') return process.env[query] || (fallback ?? '');
    if (!responses.has(name))
      throw new Error(
        `${match}: no earlier step is named "${name}" (steps so far: ${[...responses.keys()]})`,
      );
    const found = lookUp(responses.get(name), query);
    if (found === undefined || found === null || found === '') return fallback ?? match;
    return typeof found === 'object' ? JSON.stringify(found) : String(found);
  });
}

function resolveParams(value: unknown, responses: Map<string, unknown>): unknown {
  if (typeof value === 'string') return resolveReferences(value, responses);
  if (Array.isArray(value)) return value.map((entry) => resolveParams(entry, responses));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [key, resolveParams(entry, responses)]),
    );
  }
  return value;
}

/** The CLI's form encoding: `a[b]=`, `list[0][key]=`, `list[]=` for lists of plain values. */
function formEncode(params: Record<string, unknown>): URLSearchParams {
  const form = new URLSearchParams();
  const add = (key: string, value: unknown) => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((entry, index) =>
        add(entry !== null && typeof entry === 'object' ? `${key}[${index}]` : `${key}[]`, entry),
      );
    } else if (typeof value === 'object') {
      for (const [inner, entry] of Object.entries(value)) add(`${key}[${inner}]`, entry);
    } else {
      form.append(key, String(value as string | number | boolean));
    }
  };
  for (const [key, value] of Object.entries(params)) add(key, value);
  return form;
}

export class FixtureStepError extends Error {
  constructor(
    readonly step: string,
    readonly errorType: string | undefined,
    message: string,
  ) {
    super(`step "${step}": ${message}`);
  }
}

/**
 * A step whose path is not an API path (`/v1/...`) is a hosted page the payer would use, such as the
 * Checkout page at `${checkout_session:url}`: its params are posted as the page's form, and a redirect
 * means the form was accepted. The CLI reaches the same point through Stripe's private payment-page
 * API, which the emulator does not have.
 */
async function submitHostedForm(step: FixtureStep, url: string, params: Record<string, unknown>) {
  const response = await fetch(url, {
    method: step.method.toUpperCase(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: step.method === 'get' ? undefined : formEncode(params),
    redirect: 'manual',
  });
  if (response.status >= 400)
    throw new FixtureStepError(step.name, 'hosted_page_error', `${url} answered ${response.status}`);
  return { status: response.status, location: response.headers.get('location') };
}

/** Waits for a test clock a step has set advancing, as `stripe trigger` users wait for its `ready` event. */
async function untilClockReady(stripe: Stripe, response: unknown): Promise<unknown> {
  const clock = response as { object?: string; id?: string; status?: string };
  if (clock.object !== 'test_helpers.test_clock' || clock.status !== 'advancing') return response;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const current = await stripe.testHelpers.testClocks.retrieve(clock.id as string);
    if (current.status === 'ready') return current;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`test clock ${clock.id} did not become ready`);
}

/**
 * Runs every step through the SDK's raw request facility (so requests carry the SDK's key, API
 * version and encoding), resolving references as the CLI does. Returns the responses by step name;
 * throws FixtureStepError at the first step that fails without `expected_error_type` saying so.
 */
export async function runTriggerFixture(
  stripe: Stripe,
  fixture: TriggerFixture,
): Promise<Map<string, unknown>> {
  const responses = new Map<string, unknown>();
  for (const step of fixture.fixtures) {
    const stepPath = resolveReferences(step.path, responses);
    const params = resolveParams(step.params ?? {}, responses) as Record<string, unknown>;
    let response: unknown;
    try {
      if (!stepPath.startsWith('/v1/')) {
        response = await submitHostedForm(step, stepPath, params);
      } else if (step.method === 'post') {
        response = await stripe.rawRequest('POST', stepPath, params);
      } else {
        // The SDK sends parameters of GET and DELETE in the query string only.
        const query = formEncode(params).toString();
        response = await stripe.rawRequest(
          step.method.toUpperCase(),
          query ? `${stepPath}?${query}` : stepPath,
        );
      }
      response = await untilClockReady(stripe, response);
    } catch (error) {
      if (error instanceof FixtureStepError) throw error;
      const stripeError = error as { rawType?: string; message?: string };
      if (step.expected_error_type && stripeError.rawType === step.expected_error_type) {
        responses.set(step.name, { error: stripeError });
        continue;
      }
      throw new FixtureStepError(step.name, stripeError.rawType, stripeError.message ?? String(error));
    }
    // As in the CLI, `expected_error_type` allows a failure; it does not require one.
    responses.set(step.name, response);
  }
  return responses;
}
