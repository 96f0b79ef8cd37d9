import { createAccount, createMember, createPartnerKey, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import type { Caller } from '../support/testApp';

/**
 * Mutations that take an idempotency key, retried as a client would retry them: the same key and input
 * replay the first answer without acting again, another input under the key is refused, keys belong to
 * the caller who used them, and a call that failed leaves its key free. Told through the API only, so
 * it holds however the saved results are kept.
 */
const stack = useBillingStack();

const REGISTER = `mutation($input: ResourceInput!) { registerResource(input: $input) { created check { used } } }`;
const RELEASE = `mutation($input: ResourceInput!) { releaseResource(input: $input) { used } }`;
const BUY = `mutation($input: StartCreditPackageCheckoutInput!) { startCreditPackageCheckout(input: $input) { url checkoutSession { id } } }`;

/** A free-plan account (three projects allowed) and a partner key that may register its resources. */
async function partnerAccount() {
  const externalId = unique('org');
  const account = await createAccount({ externalId });
  const partner = await newPartner(account.id);
  const resource = (resourceId: string, idempotencyKey?: string) => ({
    input: { externalId, featureKey: 'projects', resourceId, idempotencyKey },
  });
  const registered = async () =>
    (await stack.knex('entitled_resources').where({ accountId: account.id }).orderBy('resourceId')).map(
      (row) => row.resourceId,
    );
  return { account, partner, resource, registered };
}

async function newPartner(accountId: string): Promise<Caller> {
  return { apiKey: (await createPartnerKey({ scopes: ['entitlements:write'], accountId })).secret };
}

describe('retrying a mutation with an idempotency key', () => {
  it('with the same input answers as the first call did, without acting again', async () => {
    const { partner, resource, registered } = await partnerAccount();
    await stack.app.graphql(REGISTER, resource('p1'), partner);
    const first = await stack.app.graphql(RELEASE, resource('p1', 'release-1'), partner);
    expect(first.data!.releaseResource).toEqual({ used: 0 });
    await stack.app.graphql(REGISTER, resource('p1'), partner);

    // A retry that arrives late, after the project came back, must not release it a second time.
    const retry = await stack.app.graphql(RELEASE, resource('p1', 'release-1'), partner);
    expect(retry.errors).toBeUndefined();
    expect(await registered()).toEqual(['p1']);
  });

  it('with another input under the same key is refused as a CONFLICT and changes nothing', async () => {
    const { partner, resource, registered } = await partnerAccount();
    await stack.app.graphql(REGISTER, resource('p1', 'register-1'), partner);
    const reused = await stack.app.graphql(REGISTER, resource('p2', 'register-1'), partner);
    expect(reused.errors?.map((error) => error.extensions.code)).toEqual(['CONFLICT']);
    expect(await registered()).toEqual(['p1']);
  });

  it('acts for each caller: a key another caller used is theirs, not a replay for this one', async () => {
    const { account, partner, resource, registered } = await partnerAccount();
    const otherPartner = await newPartner(account.id);
    await stack.app.graphql(REGISTER, resource('p1', 'shared-key'), partner);
    await stack.app.graphql(RELEASE, resource('p1'), partner);

    const other = await stack.app.graphql(REGISTER, resource('p1', 'shared-key'), otherPartner);
    expect(other.data!.registerResource).toEqual({ created: true, check: { used: 1 } });
    expect(await registered()).toEqual(['p1']);
  });

  it('after a failure runs again: a call that failed saved nothing under its key', async () => {
    const { partner, resource, registered } = await partnerAccount();
    for (const id of ['p1', 'p2', 'p3']) await stack.app.graphql(REGISTER, resource(id), partner);
    const refused = await stack.app.graphql(REGISTER, resource('p4', 'register-4'), partner);
    expect(refused.errors?.map((error) => error.extensions.code)).toEqual(['LIMIT_EXCEEDED']);

    await stack.app.graphql(RELEASE, resource('p1'), partner);
    const retried = await stack.app.graphql(REGISTER, resource('p4', 'register-4'), partner);
    expect(retried.data!.registerResource).toEqual({ created: true, check: { used: 3 } });
    expect(await registered()).toEqual(['p2', 'p3', 'p4']);
  });

  it('sent several times at once acts once: one Checkout, and every answer that succeeds is its own', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const { creditPackages } = (await stack.app.graphql('{ creditPackages { id } }')).data!;
    const input = { accountId: account.id, creditPackageId: creditPackages[0].id, idempotencyKey: 'buy-1' };

    const answers = await Promise.all(
      Array.from({ length: 4 }, () => stack.app.graphql(BUY, { input }, { cookie })),
    );
    const succeeded = answers.filter((answer) => !answer.errors);
    expect(succeeded.length).toBeGreaterThan(0);
    // The others were told the first is still running, and to retry.
    for (const answer of answers.filter((candidate) => candidate.errors))
      expect(answer.errors!.map((error) => error.extensions.code)).toEqual(['CONFLICT']);
    const checkouts = await stack.knex('checkout_sessions').where({ accountId: account.id });
    expect(checkouts).toHaveLength(1);
    for (const answer of succeeded)
      expect(answer.data!.startCreditPackageCheckout.checkoutSession.id).toBe(checkouts[0].id);

    const retry = await stack.app.graphql(BUY, { input }, { cookie });
    expect(retry.data!.startCreditPackageCheckout).toEqual(succeeded[0]!.data!.startCreditPackageCheckout);
    expect(await stack.knex('checkout_sessions').where({ accountId: account.id })).toHaveLength(1);
  });
});
