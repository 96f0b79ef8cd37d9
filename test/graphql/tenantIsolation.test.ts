import { isObjectType } from 'graphql';
import { buildApiSchema } from '../../server/graphql/apiSchema';
import {
  addMember,
  createAccount,
  createMember,
  createPartnerKey,
  createUser,
  sessionCookieFor,
  unique,
} from '../factories';
import { useBillingStack } from '../support/billingStack';
import { ACCOUNT_SCOPED_FIELDS, PUBLIC_FIELDS, type Target } from '../support/tenantIsolation';
import type { Caller, TestApp } from '../support/testApp';
import { PERMISSIONS } from '../../server/auth/authorization';
import { API_SCOPES, type ApiScope } from '../../server/auth/scopes';
import { ACCOUNT_FIELD_PERMISSIONS } from '../../server/graphql/fieldPermissions';

const stack = useBillingStack();
let app: TestApp;
let target: Target;
const controls: Record<'owner' | 'partner key', Caller> = {} as never;
const strangers: Record<string, Caller> = {};

/** A partner key bound to the target account holding exactly these scopes. */
async function boundKey(scopes: ApiScope[]): Promise<Caller> {
  return { apiKey: (await createPartnerKey({ scopes, accountId: target.accountId })).secret };
}

beforeAll(async () => {
  app = stack.app;
  const externalId = unique('target');
  target = { accountId: (await createAccount({ externalId })).id, externalId };
  const owner = await createUser();
  await addMember({ accountId: target.accountId, user: owner, role: 'owner' });
  controls.owner = { cookie: await sessionCookieFor(owner) };
  controls['partner key'] = {
    apiKey: (await createPartnerKey({ scopes: [...API_SCOPES], accountId: target.accountId })).secret,
  };
  // A stranger is as powerful as possible in their own account, and has nothing to do with the target's.
  strangers['owner of another account'] = { cookie: (await createMember({ role: 'owner' })).cookie };
  const otherAccount = await createAccount();
  strangers['API key bound to another account'] = {
    apiKey: (await createPartnerKey({ scopes: [...API_SCOPES], accountId: otherAccount.id })).secret,
  };
});

describe('tenant isolation', () => {
  it('every root field and every Account field is classified as public or account-scoped', () => {
    const schema = buildApiSchema();
    const fields = ['Query', 'Mutation', 'Account'].flatMap((typeName) => {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
      return Object.keys(type.getFields()).map((field) => `${typeName}.${field}`);
    });
    const unclassified = fields.filter(
      (field) => !(field in PUBLIC_FIELDS) && !(field in ACCOUNT_SCOPED_FIELDS),
    );
    expect(unclassified).toEqual([]);
  });

  describe.each(Object.entries(ACCOUNT_SCOPED_FIELDS))('%s', (_field, isolationCase) => {
    // The control: the same operation works for the account's own owner, so a refusal below means something.
    it('answers the account’s owner', async () => {
      const { errors } = await app.graphql(
        isolationCase.operation,
        isolationCase.variables(target),
        controls[isolationCase.control ?? 'owner'],
      );
      if (isolationCase.ownerOutcome)
        expect(errors?.map((error) => error.extensions.code)).toEqual([isolationCase.ownerOutcome]);
      else expect(errors).toBeUndefined();
    });

    it.each(['owner of another account', 'API key bound to another account'])(
      'is refused to the %s',
      async (stranger) => {
        const { data, errors } = await app.graphql(
          isolationCase.operation,
          isolationCase.variables(target),
          strangers[stranger],
        );
        expect(errors?.map((error) => error.extensions.code)).toEqual([
          expect.stringMatching(/^(FORBIDDEN|NOT_FOUND)$/),
        ]);
        expect(JSON.stringify(data ?? null)).not.toContain(target.accountId);
      },
    );
  });

  describe.each(Object.entries(ACCOUNT_SCOPED_FIELDS))('%s, for a partner key', (field, isolationCase) => {
    const { scope } = isolationCase;
    // Reaching an account's fields through `account` takes accounts:read on top of the field's own scope.
    const reach: ApiScope[] = isolationCase.operation.includes('account(') ? ['accounts:read'] : [];
    const needed = scope === null ? [] : [...new Set([...reach, scope])];

    it(`is refused to a key holding every scope but ${scope ?? 'none (no key may)'}`, async () => {
      const refused = await app.graphql(
        isolationCase.operation,
        isolationCase.variables(target),
        await boundKey(API_SCOPES.filter((held) => held !== scope)),
      );
      expect(refused.errors?.map((error) => error.extensions.code)).toEqual(['FORBIDDEN']);
    });

    if (scope === null) return;
    it(`answers a key holding only ${needed.join(' and ')} as it answers the owner`, async () => {
      const { errors } = await app.graphql(
        isolationCase.operation,
        isolationCase.variables(target),
        await boundKey(needed),
      );
      if (isolationCase.ownerOutcome)
        expect(errors?.map((error) => error.extensions.code)).toEqual([isolationCase.ownerOutcome]);
      else expect(errors).toBeUndefined();
    });

    if (field.startsWith('Account.')) {
      it('agrees with the permission the server enforces for the field', () => {
        const enforced =
          ACCOUNT_FIELD_PERMISSIONS[field.slice('Account.'.length) as keyof typeof ACCOUNT_FIELD_PERMISSIONS];
        expect(
          enforced === 'reached'
            ? 'accounts:read'
            : enforced === 'platform admin'
              ? null
              : PERMISSIONS[enforced].scope,
        ).toBe(scope);
      });
    }
  });

  it('an API key of another account cannot revoke this account’s keys', async () => {
    const { apiKey } = await createPartnerKey({ scopes: ['usage:write'], accountId: target.accountId });
    const { errors } = await app.graphql(
      'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
      { id: apiKey.id },
      strangers['owner of another account'],
    );
    expect(errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect((await stack.knex('api_keys').where({ id: apiKey.id }).first()).revokedAt).toBeNull();
  });
});
