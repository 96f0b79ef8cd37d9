import { createMember, createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';

/**
 * An account's audit log as a platform admin reads it: who did what and why, newest first, in pages;
 * written in the same transaction as the change, so a change that was refused leaves no entry.
 */
const stack = useBillingStack();

const AUDIT_LOG = `query($id: ID, $after: String) {
  account(id: $id) {
    auditLog(first: 2, after: $after) {
      edges { node { action actorType actorId actorName targetType targetId reason detailsJson } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
const CREATE_KEY = `mutation($id: ID) { createApiKey(input: { name: "CI", scopes: [BILLING_READ], accountId: $id }) { apiKey { id prefix } } }`;
const REVOKE_KEY = `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`;
const ADJUST = `mutation($input: AdjustCreditsInput!) { adjustCredits(input: $input) { ledgerEntry { id } } }`;

describe('the audit log', () => {
  it('tells who did what to an account and why, newest first, page by page', async () => {
    const { account, user: owner, cookie } = await createMember({ role: 'owner' });
    const platformAdmin = await createUser({ isPlatformAdmin: true });
    const admin = { cookie: await sessionCookieFor(platformAdmin) };

    const created = await stack.app.graphql(CREATE_KEY, { id: account.id }, { cookie });
    const { id: keyId, prefix } = created.data!.createApiKey.apiKey;
    await stack.app.graphql(REVOKE_KEY, { id: keyId }, { cookie });
    const adjust = (amountMilliCredits: number, idempotencyKey: string) =>
      stack.app.graphql(
        ADJUST,
        {
          input: {
            accountId: account.id,
            amountMilliCredits,
            reason: 'Goodwill after an outage',
            idempotencyKey,
          },
        },
        admin,
      );
    expect((await adjust(5000, 'goodwill')).errors).toBeUndefined();
    // Refused (more than the balance): nothing happened, so nothing is recorded.
    expect((await adjust(-9000, 'too-much')).errors?.[0]?.extensions.code).toBe('INSUFFICIENT_CREDITS');

    const first = await stack.app.graphql(AUDIT_LOG, { id: account.id }, admin);
    const firstPage = first.data!.account.auditLog;
    expect(firstPage.edges.map(({ node }: { node: { action: string } }) => node.action)).toEqual([
      'credits.adjusted',
      'api_key.revoked',
    ]);
    expect(firstPage.edges[0].node).toMatchObject({
      actorType: 'user',
      actorId: platformAdmin.id,
      // Who, as a person reads it: their name, or their email when they gave none.
      actorName: platformAdmin.name ?? platformAdmin.email,
      reason: 'Goodwill after an outage',
    });
    expect(JSON.parse(firstPage.edges[0].node.detailsJson)).toMatchObject({ amountMilliCredits: 5000 });
    expect(firstPage.pageInfo.hasNextPage).toBe(true);

    const second = await stack.app.graphql(
      AUDIT_LOG,
      { id: account.id, after: firstPage.pageInfo.endCursor },
      admin,
    );
    expect(second.data!.account.auditLog).toEqual({
      edges: [
        {
          node: {
            action: 'api_key.created',
            actorType: 'user',
            actorId: owner.id,
            actorName: owner.name ?? owner.email,
            targetType: 'api_key',
            targetId: keyId,
            reason: null,
            detailsJson: JSON.stringify({ prefix, scopes: ['billing:read'] }),
          },
        },
        {
          node: expect.objectContaining({
            action: 'account.created',
            actorType: 'system',
            targetType: 'account',
            targetId: account.id,
          }),
        },
      ],
      pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
    });
  });
});
