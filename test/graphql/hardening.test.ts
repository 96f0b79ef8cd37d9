import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;
let production: TestApp;

beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
  production = await startTestApp({ database: db.knex, production: true });
});
afterAll(async () => {
  await app.close();
  await production.close();
});

describe('GraphQL hardening', () => {
  it('refuses batched requests', async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ meters { id } }' }, { query: '{ meters { id } }' }]),
    });
    expect(response.status).toBe(400);
  });

  it('turns introspection and field suggestions off in production', async () => {
    expect((await app.graphql('{ __schema { queryType { name } } }')).data).toEqual({
      __schema: { queryType: { name: 'Query' } },
    });
    const introspection = await production.graphql('{ __schema { queryType { name } } }');
    expect(introspection.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const typo = await production.graphql('{ plan { id } }');
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });

  it('reports malformed queries and variables as BAD_USER_INPUT', async () => {
    expect((await app.graphql('{ plans { ')).errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect((await app.graphql('{ nothingHere }')).errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const badVariable = await app.graphql('query($id: ID) { account(id: $id) { id } }', {
      id: { nested: true },
    });
    expect(badVariable.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('masks unexpected failures as INTERNAL without leaking their details', async () => {
    await db.knex.raw('alter table meters rename to meters_unavailable');
    try {
      const { errors } = await app.graphql('{ meters { id } }');
      expect(errors).toEqual([
        expect.objectContaining({ message: 'Internal server error.', extensions: { code: 'INTERNAL' } }),
      ]);
      expect(JSON.stringify(errors)).not.toMatch(/relation|does not exist|select /i);
    } finally {
      await db.knex.raw('alter table meters_unavailable rename to meters');
    }
  });
});
