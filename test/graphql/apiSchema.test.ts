import { readFileSync } from 'node:fs';
import { buildClientSchema, getIntrospectionQuery, printSchema, type IntrospectionQuery } from 'graphql';
import { buildApiSchema, printApiSchema, printedSchemaPath } from '../../server/graphql/apiSchema';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

/**
 * The schema is written in modules (server/graphql/schema/); schema.graphql is their print, committed for
 * partners and codegen. Both must be the API the server actually serves.
 */
describe('the API schema', () => {
  const db = useTestDatabase();
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ database: db.knex });
  });
  afterAll(async () => {
    await app.close();
  });

  it('is printed in schema.graphql as the modules say (run `npm run schema` after changing one)', () => {
    expect(readFileSync(printedSchemaPath, 'utf8')).toBe(printApiSchema());
  });

  it('is what the server serves: introspection prints exactly schema.graphql', async () => {
    const { data, errors } = await app.graphql<IntrospectionQuery>(
      getIntrospectionQuery({ schemaDescription: true, inputValueDeprecation: true }),
    );
    expect(errors).toBeUndefined();
    expect(printSchema(buildClientSchema(data!))).toBe(printSchema(buildApiSchema()));
  });
});
