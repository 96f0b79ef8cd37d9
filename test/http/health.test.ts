import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
});
afterAll(() => app.close());

describe('health checks', () => {
  it('/healthz answers while the process is alive', async () => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is ready when the database answers and every migration has run', async () => {
    const response = await fetch(`${app.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });

  it('/readyz is unavailable while a migration is pending', async () => {
    const [, rolledBack] = (await db.knex.migrate.down()) as [number, string[]];
    try {
      const response = await fetch(`${app.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        status: 'unavailable',
        reason: 'migrations pending',
        pending: rolledBack,
      });
    } finally {
      await db.knex.migrate.latest();
    }
  });

  it('unknown routes get the catalogue’s JSON error', async () => {
    const response = await fetch(`${app.url}/nowhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such route.' } });
  });
});
