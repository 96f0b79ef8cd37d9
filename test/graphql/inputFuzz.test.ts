import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { API_SCOPES } from '../../server/auth/scopes';
import { ERROR_CODES, type ErrorCode } from '../../server/errors';
import { buildApiSchema } from '../../server/graphql/apiSchema';
import { createAccount, createPartnerKey, createPayment, createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';
import type { Caller, GraphQLResult } from '../support/testApp';

/**
 * From the schema itself: for every argument and input field of every query, mutation and Account
 * field, a request whose other values are sound and whose one value is malformed for its type (a NUL,
 * a lone surrogate, an id that is not one, an impossible date, a cursor we never gave, a number out of
 * range, a wrong type, a missing required value). Whoever calls (a platform admin, a partner key with
 * every scope), the answer is a typed error from the catalogue, never INTERNAL nor a 5xx, and the
 * database is exactly as it was.
 */
const RUNS_PER_VALUE_AND_CALLER = 2;
const FIELD_TIMEOUT_MS = 90_000;

const stack = useBillingStack();
const schema = buildApiSchema();
const callers: Record<string, Caller> = {};
const known: Record<string, string> = {};

beforeAll(async () => {
  const account = await createAccount({ externalId: 'org_fuzz' });
  known.accountId = account.id;
  known.planId = (await stack.knex('plans').where({ key: 'pro_monthly', active: true }).first()).id;
  known.creditPackageId = (await stack.knex('creditPackages').first()).id;
  known.paymentId = (await createPayment({ accountId: account.id })).id;
  const admin = await createUser({ isPlatformAdmin: true });
  callers['platform admin'] = { cookie: await sessionCookieFor(admin) };
  const partnerKey = await createPartnerKey({ scopes: [...API_SCOPES] });
  known.apiKeyId = partnerKey.apiKey.id;
  callers['partner key'] = { apiKey: partnerKey.secret };
  // Both have been seen once, so neither's "last used" bookkeeping differs from here on.
  for (const caller of Object.values(callers)) await stack.app.graphql('{ meters { id } }', {}, caller);
  await stack.settle();
});

describe.each(fuzzedFields())('$coordinate', ({ coordinate, field, operation }) => {
  it.each(valuePaths(field))(
    'refuses a malformed $path with a typed error and changes nothing',
    async ({ path }) => {
      const before = await databaseChecksum();
      for (const [caller, credentials] of Object.entries(callers)) {
        await fc.assert(
          fc.asyncProperty(malformedRequest(coordinate, field, path), async (variables) => {
            const result = await stack.app.graphql(operation, variables, credentials);
            expect({ caller, variables, problem: problemWith(result) }).toEqual({
              caller,
              variables,
              problem: null,
            });
          }),
          { numRuns: RUNS_PER_VALUE_AND_CALLER, endOnFailure: true },
        );
      }
      expect(await databaseChecksum()).toEqual(before);
    },
    FIELD_TIMEOUT_MS,
  );
});

/** What is wrong with the answer to a malformed request, if anything. */
function problemWith({ status, errors }: GraphQLResult): string | null {
  if (!errors || errors.length === 0) return 'it was answered without an error';
  if (status >= 500) return `HTTP ${status}`;
  const untyped = errors
    .map((error) => error.extensions.code)
    .filter((code) => code === 'INTERNAL' || !ERROR_CODES.includes(code as ErrorCode));
  return untyped.length > 0 ? `error codes ${untyped.join(', ')}` : null;
}

interface FuzzedField {
  coordinate: string;
  field: GraphQLField<unknown, unknown>;
  operation: string;
}

/** Every field that takes arguments: the roots, and Account's (reached through the test's account). */
function fuzzedFields(): FuzzedField[] {
  return (['Query', 'Mutation', 'Account'] as const).flatMap((typeName) => {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
    return Object.values(type.getFields())
      .filter((field) => field.args.length > 0)
      .map((field) => ({
        coordinate: `${typeName}.${field.name}`,
        field,
        operation: operationFor(typeName, field),
      }));
  });
}

/** Every value a caller can give the field: each argument, and each field of its input objects. */
function valuePaths(field: GraphQLField<unknown, unknown>): Array<{ path: string }> {
  const paths: string[] = [];
  const walk = (path: string, type: GraphQLInputType) => {
    paths.push(path);
    const named = getNamedType(type);
    const element = isListType(isNonNullType(type) ? type.ofType : type) ? '.0' : '';
    if (isInputObjectType(named))
      for (const inner of Object.values(named.getFields()))
        walk(`${path}${element}.${inner.name}`, inner.type);
  };
  for (const argument of field.args) walk(argument.name, argument.type);
  return paths.map((path) => ({ path }));
}

/** `mutation($input: X!) { field(input: $input) { __typename } }`, under `account` for its fields. */
function operationFor(
  typeName: 'Query' | 'Mutation' | 'Account',
  field: GraphQLField<unknown, unknown>,
): string {
  const declarations = field.args.map((argument) => `$${argument.name}: ${String(argument.type)}`);
  const call = `${field.name}(${field.args.map((argument) => `${argument.name}: $${argument.name}`).join(', ')})`;
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  if (typeName === 'Account')
    return `query($fuzzAccount: ID, ${declarations.join(', ')}) { account(id: $fuzzAccount) { ${call}${selection} } }`;
  return `${typeName === 'Mutation' ? 'mutation' : 'query'}(${declarations.join(', ')}) { ${call}${selection} }`;
}

/** Sound values for every required argument, with the one at `path` replaced by a malformed value. */
function malformedRequest(
  coordinate: string,
  field: GraphQLField<unknown, unknown>,
  path: string,
): fc.Arbitrary<Record<string, unknown>> {
  const [argumentName, ...inner] = path.split('.');
  const argument = field.args.find((candidate) => candidate.name === argumentName)!;
  const type = typeAt(argument.type, inner);
  const cursor = inner.length === 0 && argumentName === 'after';
  return malformed({ coordinate: `${coordinate}(${argumentName}:)`, type, cursor }).map((bad) => {
    const variables: Record<string, unknown> = { fuzzAccount: known.accountId };
    for (const other of field.args)
      if (isNonNullType(other.type) || other === argument) variables[other.name] = sound(other, coordinate);
    variables[argumentName!] = replaceAt(variables[argumentName!], inner, bad);
    return variables;
  });
}

function typeAt(type: GraphQLInputType, path: string[]): GraphQLInputType {
  let current = type;
  for (const step of path) {
    const unwrapped = isNonNullType(current) ? current.ofType : current;
    const named = getNamedType(current);
    if (step === '0' && isListType(unwrapped)) current = unwrapped.ofType;
    else if (isInputObjectType(named)) current = named.getFields()[step]!.type;
    else throw new Error(`No ${step} in ${String(current)}`);
  }
  return current;
}

function replaceAt(value: unknown, path: string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [step, ...rest] = path;
  if (Array.isArray(value))
    return value.map((item, index) => (String(index) === step ? replaceAt(item, rest, replacement) : item));
  const object = (value ?? {}) as Record<string, unknown>;
  return { ...object, [step!]: replaceAt(object[step!], rest, replacement) };
}

function sound(argument: GraphQLArgument, coordinate: string): unknown {
  return soundValue(argument.type, argument.name, coordinate);
}

function soundValue(type: GraphQLInputType, name: string, coordinate: string): unknown {
  if (isNonNullType(type)) return soundValue(type.ofType, name, coordinate);
  if (isListType(type)) return [soundValue(type.ofType, name, coordinate)];
  if (isInputObjectType(type))
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((field) => isNonNullType(field.type))
        .map((field) => [field.name, soundValue(field.type, field.name, coordinate)]),
    );
  if (isEnumType(type)) return type.getValues()[0]!.name;
  switch (type.name) {
    case 'ID':
      return soundId(name, coordinate);
    case 'Int':
    case 'SafeInt':
      return 1;
    case 'Boolean':
      return true;
    case 'DateTime':
      return new Date().toISOString();
    case 'UsageProperties':
      return { user_id: 'u_1' };
    default:
      return SOUND_TEXT[name] ?? 'fuzz';
  }
}

function soundId(name: string, coordinate: string): string {
  if (coordinate === 'Mutation.revokeApiKey') return known.apiKeyId!;
  if (coordinate === 'Mutation.replayStripeEvent') return 'evt_fuzz';
  if (coordinate === 'Account.checkoutSession') return randomUUID();
  return known[name] ?? known.accountId!;
}

const SOUND_TEXT: Record<string, string> = {
  externalId: 'org_fuzz',
  email: 'fuzz@example.com',
  currency: 'usd',
  meterKey: 'api_calls',
  featureKey: 'projects',
  key: 'self_serve_billing',
  returnPath: '/billing',
  password: 'a long enough password',
};

// ---------------------------------------------------------------------------------------------------
// Malformed values, by type
// ---------------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const base64url = (text: string) => Buffer.from(text).toString('base64url');

const withInserted = (inserted: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.string({ maxLength: 20 }), inserted, fc.string({ maxLength: 20 }))
    .map(([before, middle, after]) => `${before}${middle}${after}`);
const nulText = withInserted(fc.constant('\u0000'));
const loneSurrogate = fc.oneof(
  fc.integer({ min: 0xd800, max: 0xdbff }).map((code) => `${String.fromCharCode(code)}x`),
  fc.integer({ min: 0xdc00, max: 0xdfff }).map((code) => String.fromCharCode(code)),
);
const surrogateText = withInserted(loneSurrogate);
const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { minKeys: 1, maxKeys: 2 }),
);
const badText = fc.oneof(nulText, surrogateText, notAString);

const notAnId = fc.oneof(
  fc.string().filter((text) => !UUID.test(text)),
  fc.integer(),
  fc.uuid().map((uuid) => `${uuid}x`),
  fc.uuid().map((uuid) => uuid.slice(1)),
  nulText,
  surrogateText,
);
const notAStripeEventId = notAnId.filter((value) => !/^evt_[A-Za-z0-9_]+$/.test(String(value)));

const impossibleDateTime = fc
  .oneof(
    fc.record({ month: fc.constantFrom(2, 4, 6, 9, 11), day: fc.constant(31) }),
    fc.record({ month: fc.constant(2), day: fc.constant(30) }),
    fc.record({ month: fc.integer({ min: 13, max: 99 }), day: fc.integer({ min: 1, max: 28 }) }),
    fc.record({ month: fc.constant(0), day: fc.integer({ min: 1, max: 28 }) }),
    fc.record({ month: fc.integer({ min: 1, max: 12 }), day: fc.constant(0) }),
  )
  .chain(({ month, day }) =>
    fc
      .oneof(
        fc.constant({ month, day, time: '12:00:00' }),
        fc
          .integer({ min: 1, max: 12 })
          .chain((validMonth) =>
            fc
              .constantFrom('24:00:00', '12:60:00', '12:00:60', '99:99:99')
              .map((time) => ({ month: validMonth, day: 15, time })),
          ),
      )
      .map(
        ({ month: m, day: d, time }) =>
          `2026-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T${time}Z`,
      ),
  );
const badDateTime = fc.oneof(
  impossibleDateTime,
  fc.string().filter((text) => !/^\d{4}-\d{2}-\d{2}T/.test(text)),
  fc.constantFrom('2026-01-01', '2026-01-01T00:00:00', '2026-1-1T00:00:00Z', '0000-01-01T00:00:00Z', 'now'),
  fc.integer(),
);

const badInt = fc.oneof(
  fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -(2 ** 31) - 1 }),
  fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }),
  fc.string(),
  fc.boolean(),
);
const badSafeInt = fc.oneof(
  fc.constantFrom(2 ** 53, -(2 ** 53), 1e300),
  fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }),
  fc.string(),
  fc.boolean(),
);
const badBoolean = fc.oneof(fc.string(), fc.integer(), fc.constant([true]));

/** Cursors we never handed out, including ones in the cursors' own alphabet that decode to nonsense. */
const badCursor = fc.oneof(
  fc.string().filter((text) => !/^[A-Za-z0-9_-]{1,200}$/.test(text)),
  fc.tuple(fc.string(), fc.string()).map((parts) => base64url(JSON.stringify(parts))),
  fc
    .tuple(fc.date({ noInvalidDate: true }), fc.string())
    .map(([date, id]) => base64url(JSON.stringify([date.toISOString(), id]))),
  fc.tuple(fc.string(), fc.uuid()).map((parts) => base64url(JSON.stringify(parts))),
  fc.bigInt({ min: 10n ** 18n, max: 10n ** 30n }).map(String),
  fc.bigInt({ min: 10n ** 15n, max: 10n ** 30n }).map((id) => base64url(`ledger:${id}`)),
  badText,
);

function malformed({
  coordinate,
  type,
  cursor,
}: {
  coordinate: string;
  type: GraphQLInputType;
  cursor: boolean;
}): fc.Arbitrary<unknown> {
  const missing = isNonNullType(type) ? [fc.constant(null)] : [];
  const nullable = isNonNullType(type) ? type.ofType : type;
  if (isListType(nullable))
    return fc.oneof(
      ...missing,
      malformed({ coordinate, type: nullable.ofType, cursor }).map((item) => [item]),
    );
  if (isInputObjectType(nullable))
    return fc.oneof(
      ...missing,
      notAString.filter((value) => typeof value !== 'object' || Array.isArray(value)),
      fc.constant({ notAField: 1 }),
    );
  if (isEnumType(nullable)) {
    const names = nullable.getValues().map((value) => value.name);
    return fc.oneof(
      ...missing,
      fc.string().filter((text) => !names.includes(text)),
      fc.integer(),
    );
  }
  const byScalar: Record<string, fc.Arbitrary<unknown>> = {
    ID: ['Mutation.replayStripeEvent(id:)', 'Query.stripeEvent(id:)'].includes(coordinate)
      ? notAStripeEventId
      : notAnId,
    String: cursor ? badCursor : badText,
    Int: badInt,
    SafeInt: badSafeInt,
    Boolean: badBoolean,
    DateTime: badDateTime,
    UsageProperties: fc.oneof(
      fc.string(),
      fc.integer(),
      fc.array(fc.string()),
      fc.record({ user_id: badText.filter((value) => typeof value === 'string') }),
      nulText.map((key) => ({ [key]: 'value' })),
    ),
  };
  return fc.oneof(...missing, byScalar[nullable.name]!);
}

// ---------------------------------------------------------------------------------------------------
// The database, summed up
// ---------------------------------------------------------------------------------------------------

/** Every table's rows, hashed; when a key or a session was last used is bookkeeping, not a change. */
async function databaseChecksum(): Promise<Record<string, string>> {
  const tables: Array<{ tablename: string }> = await stack
    .knex('pg_tables')
    .select('tablename')
    .where({ schemaname: 'public' })
    // The rate limiter counts every request, refused or not: that is its job, not a change by the request.
    .whereNot({ tablename: 'rate_limit_counters' })
    .orderBy('tablename');
  const sums = await stack.knex.raw(
    tables
      .map(
        ({ tablename }) =>
          `select '${tablename}' as name, count(*) || ':' || coalesce(md5(string_agg(line, ',' order by line)), '') as sum
           from (select (to_jsonb(t) - 'last_used_at' - 'last_seen_at')::text as line from "${tablename}" t) lines`,
      )
      .join(' union all '),
  );
  return Object.fromEntries(
    (sums.rows as Array<{ name: string; sum: string }>).map((row) => [row.name, row.sum]),
  );
}
