import { Writable } from 'node:stream';
import { createLogger } from '../../server/logger';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

/**
 * Every API call is a POST to /graphql, so the request log names the GraphQL operation: the one the
 * request names, else the first operation's own name, else "anonymous"; never the query text.
 */
const db = useTestDatabase();
const lines: Array<Record<string, unknown>> = [];
let app: TestApp;

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  app = await startTestApp({ database: db.knex, logger: createLogger({ level: 'info', destination }) });
});
afterAll(() => app.close());

async function loggedRequest(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const requestId = `log-${Math.random().toString(36).slice(2)}`;
  await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify(body),
  });
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const line = lines.find((entry) => entry.requestId === requestId && entry.msg === 'request');
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no request log line');
}

it.each([
  [
    'the operation the request names',
    { query: 'query A { plans { key } } query B { plans { key } }', operationName: 'B' },
    'B',
  ],
  ['the operation’s own name', { query: '  query CatalogForLogs { plans { key } }' }, 'CatalogForLogs'],
  ['"anonymous" for an unnamed operation', { query: '{ plans { key } }' }, 'anonymous'],
  [
    '"anonymous" for a name that is not a GraphQL name',
    { query: '{ plans { key } }', operationName: 'a b' },
    'anonymous',
  ],
])('logs %s', async (_case, body, operation) => {
  const line = await loggedRequest(body);
  expect(line).toMatchObject({ method: 'POST', path: '/graphql', operation });
  expect(JSON.stringify(line)).not.toContain('plans');
});

it('names no operation for requests other than the API', async () => {
  await fetch(`${app.url}/healthz`);
  const response = await fetch(`${app.url}/no-such-route`, { headers: { 'x-request-id': 'log-404' } });
  expect(response.status).toBe(404);
  const line = lines.find((entry) => entry.requestId === 'log-404');
  expect(line).toMatchObject({ path: '/no-such-route', status: 404 });
  expect(line).not.toHaveProperty('operation');
});
