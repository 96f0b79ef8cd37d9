import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';

/**
 * The Python example (clients/python/README.md) is documentation, not run; its GraphQL documents are
 * checked against the schema so that a change to the API cannot leave them quietly wrong.
 */
describe('the Python example', () => {
  const root = join(__dirname, '../..');
  const schema = buildSchema(readFileSync(join(root, 'schema.graphql'), 'utf8'));
  const readme = readFileSync(join(root, 'clients/python/README.md'), 'utf8');
  const documents = [...readme.matchAll(/"""((?:query|mutation)[\s\S]*?)"""/g)].map((match) => match[1]!);

  it('has the documents of a partner path', () => {
    expect(documents.map((document) => /\{\s*(\w+)/.exec(document)?.[1])).toEqual([
      'upsertAccount',
      'startSubscriptionCheckout',
      'recordUsage',
      'entitlement',
      'consumeCredits',
      'account',
    ]);
  });

  it.each(documents.map((document) => [document.replace(/\s+/g, ' ').slice(0, 60), document]))(
    '%s… is valid against schema.graphql',
    (_name, document) => {
      expect(validate(schema, parse(document)).map(String)).toEqual([]);
    },
  );
});
