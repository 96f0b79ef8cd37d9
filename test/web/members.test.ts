import { addMember, createAccount, createUser, sessionCookieFor, unique } from '../factories';
import { deliverOutbox } from '../support/mailbox';
import { html } from './support/html';
import { sessionCookieFrom, useWebApp } from './support/webApp';

/**
 * The members page and an invitation's page over HTTP, as a browser without JavaScript uses them:
 * owners and admins invite, withdraw, change roles and remove (asked first); members see the list and
 * may leave; the invited person accepts signed in or by creating a login; every refusal is shown.
 */
const web = useWebApp({ source: 'vite' });

async function team() {
  const account = await createAccount({ name: unique('Babbage') });
  const owner = await createUser({ name: 'Olive Owner' });
  const member = await createUser({ name: 'Mo Member' });
  await addMember({ accountId: account.id, user: owner, role: 'owner' });
  await addMember({ accountId: account.id, user: member, role: 'member' });
  return {
    account,
    owner,
    member,
    ownerCookie: await sessionCookieFor(owner),
    memberCookie: await sessionCookieFor(member),
  };
}

/** The path of the invitation link emailed to `email`, sent as the notifications job would. */
async function invitationLinkTo(email: string): Promise<string> {
  const mail = (await deliverOutbox()).filter((sent) => sent.to === email).at(-1);
  const link = mail?.text.match(/https?:\/\/\S+(\/invitations\/\S+)/)?.[1];
  if (!link) throw new Error(`no invitation link to ${email}`);
  return link;
}

const rolesOf = async (accountId: string) =>
  (await web.knex('memberships').where({ accountId }).join('users', 'users.id', 'memberships.user_id'))
    .map((row: { email: string; role: string }) => `${row.email}:${row.role}`)
    .sort();

describe('the members page', () => {
  it('tells the only owner to appoint another before leaving, instead of offering to leave', async () => {
    const { ownerCookie } = await team();
    const page = await html(await web.get('/settings/members', { cookie: ownerCookie }));
    expect(page).toContain('You are the only owner: make someone else an owner before you can leave.');
    expect(page).not.toContain('Leave account');
  });

  it('shows members the list only, and lets them leave after asking', async () => {
    const { account, owner, member, memberCookie } = await team();
    const page = await html(await web.get('/settings/members', { cookie: memberCookie }));
    expect(page).toContain('Olive Owner');
    expect(page).not.toContain('Invite someone');
    expect(page).not.toContain('Role of');
    expect(page).toContain('Leave account');

    const asked = await html(
      await web.post('/settings/members', { intent: 'leave' }, { cookie: memberCookie }),
    );
    expect(asked).toContain('Leave this account?');
    expect(await rolesOf(account.id)).toContain(`${member.email}:member`);
    const forbidden = await html(
      await web.post(
        '/settings/members',
        { intent: 'invite', email: 'x@example.com', role: 'MEMBER' },
        { cookie: memberCookie },
      ),
    );
    expect(forbidden).toContain('Your role (member) does not allow account.manage.');

    const left = await web.post(
      '/settings/members',
      { intent: 'leave', confirmed: 'yes' },
      { cookie: memberCookie },
    );
    expect(left.status).toBe(302);
    expect(await rolesOf(account.id)).toEqual([`${owner.email}:owner`]);
  });

  it('lets the owner invite, shows the pending invitation, and withdraws it only when confirmed', async () => {
    const { account, ownerCookie } = await team();
    const email = `${unique('ada')}@example.com`;
    const invited = await html(
      await web.post(
        '/settings/members',
        { intent: 'invite', email, role: 'ADMIN' },
        { cookie: ownerCookie },
      ),
    );
    expect(invited).toContain(`Invitation sent to ${email}.`);
    const page = await html(await web.get('/settings/members', { cookie: ownerCookie }));
    expect(page).toContain('Pending invitations');
    expect(page).toContain(email);
    const [invitation] = await web.knex('account_invitations').where({ accountId: account.id });

    const asked = await html(
      await web.post(
        '/settings/members',
        { intent: 'revoke', id: invitation.id, name: email },
        { cookie: ownerCookie },
      ),
    );
    expect(asked).toContain(`Withdraw the invitation to ${email}?`);
    expect((await web.knex('account_invitations').where({ id: invitation.id }).first()).revokedAt).toBeNull();
    const withdrawn = await html(
      await web.post(
        '/settings/members',
        { intent: 'revoke', id: invitation.id, name: email, confirmed: 'yes' },
        { cookie: ownerCookie },
      ),
    );
    expect(withdrawn).toContain(`The invitation to ${email} was withdrawn.`);
    expect(withdrawn).toContain('No pending invitations.');
  });

  it('shows a bad address next to its field, a member invited again, and the seats all taken', async () => {
    const { member, ownerCookie } = await team();
    const bad = await html(
      await web.post(
        '/settings/members',
        { intent: 'invite', email: 'nobody', role: 'MEMBER' },
        { cookie: ownerCookie },
      ),
    );
    expect(bad).toMatch(/id="field-email-error"[^>]*>is not an email address</);
    const already = await html(
      await web.post(
        '/settings/members',
        { intent: 'invite', email: member.email, role: 'MEMBER' },
        { cookie: ownerCookie },
      ),
    );
    expect(already).toContain('is already a member of');
    // The Free plan has three seats: two members and one invitation take them.
    await web.post(
      '/settings/members',
      { intent: 'invite', email: `${unique('a')}@example.com`, role: 'MEMBER' },
      { cookie: ownerCookie },
    );
    const full = await html(
      await web.post(
        '/settings/members',
        { intent: 'invite', email: `${unique('b')}@example.com`, role: 'MEMBER' },
        { cookie: ownerCookie },
      ),
    );
    expect(full).toContain(
      'The Free plan allows 3 seats and all are taken; upgrade on the billing page or remove a member.',
    );
  });

  it('changes a role and removes a member after asking; the last owner stays', async () => {
    const { account, owner, member, ownerCookie } = await team();
    const page = await html(await web.get('/settings/members', { cookie: ownerCookie }));
    expect(page).toContain('aria-label="Role of Mo Member"');
    expect(page).not.toContain('aria-label="Role of Olive Owner"');

    const changed = await html(
      await web.post(
        '/settings/members',
        { intent: 'role', userId: member.id, name: 'Mo Member', role: 'ADMIN' },
        { cookie: ownerCookie },
      ),
    );
    expect(changed).toContain('Mo Member is now admin.');
    expect(await rolesOf(account.id)).toContain(`${member.email}:admin`);

    const lastOwner = await html(
      await web.post(
        '/settings/members',
        { intent: 'role', userId: owner.id, name: 'Olive', role: 'MEMBER' },
        { cookie: ownerCookie },
      ),
    );
    expect(lastOwner).toContain('The account’s last owner stays an owner; make someone else an owner first.');

    const asked = await html(
      await web.post(
        '/settings/members',
        { intent: 'remove', userId: member.id, name: 'Mo Member' },
        { cookie: ownerCookie },
      ),
    );
    expect(asked).toContain('Remove Mo Member from the account?');
    expect(await rolesOf(account.id)).toHaveLength(2);
    const removed = await html(
      await web.post(
        '/settings/members',
        { intent: 'remove', userId: member.id, name: 'Mo Member', confirmed: 'yes' },
        { cookie: ownerCookie },
      ),
    );
    expect(removed).toContain('Mo Member was removed.');
    expect(await rolesOf(account.id)).toEqual([`${owner.email}:owner`]);
  });

  it('offers admins no owner role, and the API refuses one anyway', async () => {
    const { account, owner } = await team();
    const admin = await createUser({ name: 'Al Admin' });
    await addMember({ accountId: account.id, user: admin, role: 'admin' });
    const cookie = await sessionCookieFor(admin);
    const page = await html(await web.get('/settings/members', { cookie }));
    expect(page).not.toContain('<option value="OWNER"');
    expect(page).not.toContain('aria-label="Role of Olive Owner"');
    const refused = await html(
      await web.post(
        '/settings/members',
        { intent: 'invite', email: `${unique('o')}@example.com`, role: 'OWNER' },
        { cookie },
      ),
    );
    expect(refused).toContain('Only owners can invite, appoint or remove owners.');
    const removeOwner = await html(
      await web.post(
        '/settings/members',
        { intent: 'remove', userId: owner.id, name: 'Olive', confirmed: 'yes' },
        { cookie },
      ),
    );
    expect(removeOwner).toContain('Only owners can invite, appoint or remove owners.');
  });
});

describe('an invitation’s page', () => {
  async function invite(role = 'MEMBER') {
    const context = await team();
    const email = `${unique('newcomer')}@example.com`;
    await web.post('/settings/members', { intent: 'invite', email, role }, { cookie: context.ownerCookie });
    return { ...context, email, link: await invitationLinkTo(email) };
  }

  it('says who invited whom to which account, and creates a login that lands in the account', async () => {
    const { account, email, link } = await invite();
    const page = await html(await web.get(link));
    expect(page).toContain(
      `Olive Owner invited <strong>${email}</strong> to join <strong>${account.name}</strong> as a member.`,
    );
    expect(page).toContain('Create login and join');

    const missing = await html(await web.post(link, { name: '', password: 'short' }));
    expect(missing).toMatch(/id="field-password-error"[^>]*>must be at least 10 characters</);
    expect(await web.knex('users').where({ email })).toHaveLength(0);

    const joined = await web.post(link, { name: 'Nina Newcomer', password: 'a long enough password' });
    expect(joined.status).toBe(302);
    expect(joined.headers.get('location')).toBe('/billing');
    const cookie = [
      sessionCookieFrom(joined),
      ...joined.headers
        .getSetCookie()
        .filter((c) => c.startsWith('billing_account='))
        .map((c) => c.split(';')[0]),
    ].join('; ');
    const members = await html(await web.get('/settings/members', { cookie }));
    expect(members).toContain('Nina Newcomer');
    expect(members).toContain(account.name);

    const reused = await html(await web.get(link));
    expect(reused).toContain('This invitation was already accepted; sign in to reach the account.');
  });

  it('asks a signed-out person with a login to sign in, joins them signed in with one button', async () => {
    const { account, email, link } = await invite('ADMIN');
    const existing = await createUser({ email, name: 'Ed Existing' });
    const page = await html(await web.get(link));
    expect(page).toContain(`Sign in as ${email} to accept`);
    expect(page).toContain(`/signin?redirectTo=${encodeURIComponent(link)}`);
    const cookie = await sessionCookieFor(existing);
    const signedIn = await html(await web.get(link, { cookie }));
    expect(signedIn).toContain(`Accept and join ${account.name}`);
    const accepted = await web.post(link, {}, { cookie });
    expect(accepted.status).toBe(302);
    expect(await rolesOf(account.id)).toContain(`${email}:admin`);
  });

  it('tells a person signed in with another address that the invitation is not theirs', async () => {
    const { account, email, link, memberCookie, member } = await invite();
    const page = await html(await web.get(link, { cookie: memberCookie }));
    expect(page).toContain(`This invitation is for ${email}, and you are signed in as ${member.email}.`);
    const refused = await html(await web.post(link, {}, { cookie: memberCookie }));
    expect(refused).toContain(`This invitation is for ${email}, and you are signed in as ${member.email}`);
    expect(await rolesOf(account.id)).toHaveLength(2);
  });

  it('explains a withdrawn link and an unknown one', async () => {
    const { account, email, link, ownerCookie } = await invite();
    const [invitation] = await web.knex('account_invitations').where({ accountId: account.id, email });
    await web.post(
      '/settings/members',
      { intent: 'revoke', id: invitation.id, confirmed: 'yes' },
      { cookie: ownerCookie },
    );
    expect(await html(await web.get(link))).toContain(
      'This invitation was withdrawn; ask for a new invitation.',
    );
    expect(await html(await web.get('/invitations/nonsense'))).toContain(
      'This invitation link is not valid (a newer one may have been sent); ask for a new invitation.',
    );
  });
});
