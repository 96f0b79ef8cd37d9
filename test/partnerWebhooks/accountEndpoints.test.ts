import { deliverPartnerWebhooks } from '../../server/partnerWebhooks/delivery';
import { useSettings } from '../../server/settings';
import { createMember, createPartnerKey } from '../factories';
import { useBillingStack } from '../support/billingStack';
import type { Caller } from '../support/testApp';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

/**
 * An account's owners and admins manage the endpoints bound to their account through the API, and
 * nothing beyond: not platform-wide endpoints, not another account's, and not another account's events
 * replayed to their own endpoint.
 */
const stack = useBillingStack();
const LIMITS = { allowPrivateAddresses: true, timeoutMs: 5_000, maxResponseBytes: 64 * 1024 };
let receiver: WebhookReceiver;
let restoreSettings: () => void;
let platform: Caller;

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id accountId } }
}`;
const REPLAY = `mutation($eventId: ID!, $endpointId: ID) {
  replayWebhookEvent(eventId: $eventId, endpointId: $endpointId) { id }
}`;

beforeAll(async () => {
  restoreSettings = useSettings({ partnerWebhooks: LIMITS });
  receiver = await startWebhookReceiver();
  platform = { apiKey: (await createPartnerKey({ scopes: ['webhooks:read', 'webhooks:write'] })).secret };
});

afterAll(async () => {
  await receiver.close();
  restoreSettings();
});

const codes = (result: { errors?: Array<{ extensions: Record<string, unknown> }> }) =>
  result.errors?.map((error) => error.extensions.code);

async function endpointOf(caller: Caller, input: Record<string, unknown>) {
  const created = await stack.app.graphql(CREATE, { input: { url: receiver.url, ...input } }, caller);
  expect(created.errors).toBeUndefined();
  return created.data!.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
}

it('lets an owner create endpoints for their own account only', async () => {
  const { account, cookie } = await createMember({ role: 'owner' });
  const { account: other } = await createMember({ role: 'owner' });
  const own = await endpointOf({ cookie }, { accountId: account.id });
  expect(own.secret).toMatch(/^whsec_/);

  expect(codes(await stack.app.graphql(CREATE, { input: { url: receiver.url } }, { cookie }))).toEqual([
    'FORBIDDEN',
  ]);
  expect(
    codes(await stack.app.graphql(CREATE, { input: { url: receiver.url, accountId: other.id } }, { cookie })),
  ).toEqual(['NOT_FOUND']);

  // The account's list holds its own endpoints, not the platform-wide ones that hear of it too.
  await endpointOf(platform, {});
  const listed = await stack.app.graphql(
    'query($id: ID) { account(id: $id) { webhookEndpoints { id accountId } } }',
    { id: account.id },
    { cookie },
  );
  expect(listed.data!.account.webhookEndpoints).toEqual([{ id: own.endpoint.id, accountId: account.id }]);
});

it('replays to an owner’s endpoint only what it had, never another account’s events', async () => {
  const { account, cookie } = await createMember({ role: 'owner' });
  const { account: other } = await createMember({ role: 'owner' });
  const own = await endpointOf({ cookie }, { accountId: account.id, eventTypes: ['account.created'] });
  const others = await endpointOf(platform, { accountId: other.id, eventTypes: ['account.created'] });
  receiver.secrets.push(own.secret, others.secret);
  await stack
    .knex('partnerEvents')
    .whereIn('accountId', [account.id, other.id])
    .update({ fannedOutAt: null });
  await deliverPartnerWebhooks({ limits: LIMITS });
  const ownEvent = (
    await stack.knex('partnerEvents').where({ accountId: account.id, type: 'account.created' }).first()
  ).id;
  const otherEvent = (
    await stack.knex('partnerEvents').where({ accountId: other.id, type: 'account.created' }).first()
  ).id;
  expect(
    await stack.knex('webhookDeliveries').where({ endpointId: own.endpoint.id, eventId: ownEvent }),
  ).toHaveLength(1);

  const leaked = await stack.app.graphql(
    REPLAY,
    { eventId: otherEvent, endpointId: own.endpoint.id },
    { cookie },
  );
  expect(codes(leaked)).toEqual(['NOT_FOUND']);
  expect(
    await stack.knex('webhookDeliveries').where({ endpointId: own.endpoint.id, eventId: otherEvent }),
  ).toEqual([]);
  expect(codes(await stack.app.graphql(REPLAY, { eventId: ownEvent }, { cookie }))).toEqual(['FORBIDDEN']);

  const replayed = await stack.app.graphql(
    REPLAY,
    { eventId: ownEvent, endpointId: own.endpoint.id },
    { cookie },
  );
  expect(replayed.errors).toBeUndefined();
  await deliverPartnerWebhooks({ limits: LIMITS });
  expect(receiver.accepted.filter((delivery) => delivery.id === ownEvent)).toHaveLength(2);
});

it('refuses members, and admins of another account, every change to the account’s endpoints', async () => {
  const { account, cookie: member } = await createMember({ role: 'member' });
  const { endpoint } = await endpointOf(platform, { accountId: account.id });
  const { cookie: stranger } = await createMember({ role: 'admin' });
  for (const [cookie, code] of [
    [member, 'FORBIDDEN'],
    [stranger, 'NOT_FOUND'],
  ] as const) {
    const rotated = await stack.app.graphql(
      'mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret } }',
      { id: endpoint.id },
      { cookie },
    );
    expect(codes(rotated)).toEqual([code]);
  }
  expect(
    codes(
      await stack.app.graphql(
        CREATE,
        { input: { url: receiver.url, accountId: account.id } },
        { cookie: member },
      ),
    ),
  ).toEqual(['FORBIDDEN']);
});
