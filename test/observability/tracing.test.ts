import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Database } from '../../server/db/knex';
import { withDatabase } from '../support/connectionStrings';
import { startServiceProcess, stopServiceProcesses, type ServiceProcess } from '../support/serviceProcess';

/**
 * The service with OTEL_EXPORTER_OTLP_ENDPOINT set, sending to a collector the test runs: one API call
 * becomes one trace, from the incoming request through the GraphQL operation to its SQL queries.
 */
interface ExportedSpan {
  traceId: string;
  name: string;
}

const maintenanceUrl = process.env.TEST_DATABASE_URL!;
const spans: ExportedSpan[] = [];
let collector: Server;
let admin: Database;
let directory: string;
let databaseName: string;
let service: ServiceProcess;

beforeAll(async () => {
  collector = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const exported = JSON.parse(body) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }>;
        };
        for (const resource of exported.resourceSpans)
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const address = collector.address() as { port: number };

  admin = createDatabase({ connectionString: maintenanceUrl, poolMax: 1 });
  directory = await mkdtemp(join(tmpdir(), 'billing-tracing-'));
  databaseName = `billing_tracing_${randomBytes(4).toString('hex')}`;
  await admin.raw(`create database ${databaseName}`);
  service = await startServiceProcess({
    databaseUrl: withDatabase(maintenanceUrl, databaseName),
    directory,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${address.port}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
}, 120_000);

afterAll(async () => {
  await stopServiceProcesses();
  await new Promise((resolve) => collector?.close(resolve));
  await admin.raw(`drop database if exists ${databaseName} with (force)`);
  await admin.destroy();
  await rm(directory, { recursive: true, force: true });
});

it('traces an API call from the HTTP request through the operation to its SQL', async () => {
  const response = await fetch(`${service.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'query TracedCatalog { plans { key } }' }),
  });
  expect(response.status).toBe(200);

  let trace: ExportedSpan[] = [];
  for (let attempt = 0; attempt < 100 && trace.length === 0; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const operation = spans.find((span) => span.name.includes('TracedCatalog'));
    const members = operation ? spans.filter((span) => span.traceId === operation.traceId) : [];
    if (members.some((span) => span.name.startsWith('pg.query'))) trace = members;
  }
  const names = trace.map((span) => span.name);
  expect(names).toEqual(expect.arrayContaining([expect.stringMatching(/^POST/)]));
  expect(names).toEqual(expect.arrayContaining([expect.stringMatching(/^query TracedCatalog/)]));
  expect(names).toEqual(expect.arrayContaining([expect.stringMatching(/^pg\.query/)]));
  expect(service.output()).toContain('"tracing":true');
}, 30_000);
