import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  concatAST,
  Kind,
  Lexer,
  parse,
  print,
  Source,
  TokenKind,
  validate,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
} from 'graphql';
import { buildApiSchema } from '../../server/graphql/apiSchema';
import { QUERY_LIMITS, queryLimitRules } from '../../server/graphql/validationRules';
import { createAccount, createUser, sessionCookieFor } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;
let platformAdmin: { cookie: string };

beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
  platformAdmin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});
afterAll(() => app.close());

const repeat = (count: number, text: (index: number) => string) =>
  Array.from({ length: count }, (_, index) => text(index)).join(' ');

/** `__type` is not skipped as introspection is, and its `ofType` nests as deep as one likes. */
const nestedTo = (depth: number) =>
  `{ __type(name: "Query") { fields { type { ${'ofType { '.repeat(depth - 4)}name${' }'.repeat(depth - 4)} } } } }`;

/** Every fragment spreads the next one twice: 2^levels copies of the last one, in well under 1 KB. */
const fanOut = (levels: number) =>
  `# ${Math.random()}\n{ ...F0 } ${repeat(levels, (level) => `fragment F${level} on Query { ...F${level + 1} ...F${level + 1} }`)} fragment F${levels} on Query { meters { id key name } }`;

async function expectRefused(query: string, limit: string, maximum: number) {
  const { status, data, errors } = await app.graphql(query);
  expect(status).toBe(400);
  expect(data).toBeUndefined();
  expect(errors).toEqual([
    expect.objectContaining({
      message: expect.stringContaining(`${limit} limit of ${maximum}`),
      extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX', limit, maximum }),
    }),
  ]);
}

async function expectAnswered(query: string) {
  const { status, errors } = await app.graphql(query, {}, platformAdmin);
  expect(errors).toBeUndefined();
  expect(status).toBe(200);
}

describe('query limits', () => {
  it(`refuse fields nested deeper than ${QUERY_LIMITS.maxDepth} levels`, async () => {
    await expectAnswered(nestedTo(QUERY_LIMITS.maxDepth));
    await expectRefused(nestedTo(QUERY_LIMITS.maxDepth + 1), 'depth', QUERY_LIMITS.maxDepth);
  });

  it(`refuse more than ${QUERY_LIMITS.maxAliases} aliases`, async () => {
    await expectAnswered(`{ ${repeat(QUERY_LIMITS.maxAliases, (index) => `m${index}: meters { id }`)} }`);
    await expectRefused(
      `{ ${repeat(QUERY_LIMITS.maxAliases + 1, (index) => `m${index}: meters { id }`)} }`,
      'aliases',
      QUERY_LIMITS.maxAliases,
    );
  });

  it(`refuse more than ${QUERY_LIMITS.maxDirectives} directives`, async () => {
    const withDirectives = (count: number) =>
      `{ meters { id ${repeat(count, () => 'key @include(if: true)')} } }`;
    await expectAnswered(withDirectives(QUERY_LIMITS.maxDirectives));
    await expectRefused(
      withDirectives(QUERY_LIMITS.maxDirectives + 1),
      'directives',
      QUERY_LIMITS.maxDirectives,
    );
  });

  it(`refuse more than ${QUERY_LIMITS.maxFragments} fragments`, async () => {
    const withFragments = (count: number) =>
      `{ ${repeat(count, (index) => `...F${index}`)} } ${repeat(count, (index) => `fragment F${index} on Query { __typename }`)}`;
    await expectAnswered(withFragments(QUERY_LIMITS.maxFragments));
    await expectRefused(withFragments(QUERY_LIMITS.maxFragments + 1), 'fragments', QUERY_LIMITS.maxFragments);
  });

  it(`refuse documents of more than ${QUERY_LIMITS.maxTokens} tokens, whatever they ask`, async () => {
    const { id } = await createAccount();
    const filter = (entryTypes: number) =>
      `{ account(id: "${id}") { creditLedger(entryTypes: [${repeat(entryTypes, () => 'GRANT')}]) { edges { node { id } } } } }`;
    const entryTypesAtLimit = QUERY_LIMITS.maxTokens - tokenCount(filter(0));
    await expectAnswered(filter(entryTypesAtLimit));
    await expectRefused(filter(entryTypesAtLimit + 1), 'tokens', QUERY_LIMITS.maxTokens);
  });

  it(`refuse a query costing more than ${QUERY_LIMITS.maxCost}: pages are counted at their size`, async () => {
    const events = (pages: number, size: number) =>
      `{ ${repeat(pages, (index) => `e${index}: stripeEvents(first: ${size}) { edges { cursor node { id type status attempts lastError accountId createdAt receivedAt processedAt } } }`)} }`;
    // A page of 100 events costs (2 + edges 2 + cursor 1 + node 2 + 9 fields) x 100 = 1,600: three fit.
    await expectAnswered(events(3, 100));
    await expectRefused(events(4, 100), 'cost', QUERY_LIMITS.maxCost);
  });

  it('refuse a document whose fragments fan out exponentially about as fast as a trivial query', async () => {
    const fanOutDocument = fanOut(21);
    expect(Buffer.byteLength(fanOutDocument)).toBeLessThan(1024);
    // Medians of interleaved runs, compared with each other rather than with a clock: on any machine a
    // refusal computed in time linear in the document stays within a small multiple of a trivial query.
    const trivial: number[] = [];
    const hostile: number[] = [];
    for (let run = -1; run < 7; run += 1) {
      trivial.push(await timed(() => app.graphql(`# ${Math.random()}\n{ __typename }`)));
      hostile.push(
        await timed(async () => {
          const { status, errors } = await app.graphql(fanOut(21));
          expect(status).toBe(400);
          expect(errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
        }),
      );
    }
    // The first run of each warmed up the code it took.
    trivial.shift();
    hostile.shift();
    expect(median(hostile)).toBeLessThan(10 * median(trivial));
  });
});

describe('the web app’s own operations', () => {
  it('stay within every query limit', () => {
    const schema = buildApiSchema();
    const directory = join(__dirname, '../../web/app/graphql');
    const documents = concatAST(
      readdirSync(directory)
        .filter((file) => file.endsWith('.graphql'))
        .map((file) => parse(readFileSync(join(directory, file), 'utf8'))),
    );
    const operations = documents.definitions.filter(
      (definition) => definition.kind === Kind.OPERATION_DEFINITION,
    );
    expect(operations.length).toBeGreaterThan(20);
    for (const operation of operations) {
      // The operation with the fragments it uses, as the web app sends it.
      const sent = parse(print(withFragmentsUsedBy(operation, documents.definitions)), {
        maxLexicalTokens: QUERY_LIMITS.maxTokens,
      });
      const problems = validate(schema, sent, queryLimitRules()).filter((error) => error.originalError);
      expect({ operation: operation.name?.value, problems: problems.map((error) => error.message) }).toEqual({
        operation: operation.name?.value,
        problems: [],
      });
    }
  });
});

function withFragmentsUsedBy(
  operation: DefinitionNode,
  definitions: readonly DefinitionNode[],
): DocumentNode {
  const fragments = new Map(
    definitions
      .filter(
        (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION,
      )
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const used = new Map<string, FragmentDefinitionNode>();
  const pending: DefinitionNode[] = [operation];
  for (let definition = pending.pop(); definition; definition = pending.pop()) {
    visit(definition, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !used.has(spread.name.value)) {
          used.set(spread.name.value, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return { kind: Kind.DOCUMENT, definitions: [operation, ...used.values()] };
}

function tokenCount(document: string): number {
  const lexer = new Lexer(new Source(document));
  let tokens = 0;
  while (lexer.advance().kind !== TokenKind.EOF) tokens += 1;
  return tokens;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
