import type { Browser, Page } from 'playwright-core';
import { addMember, createAccount, createUser, TEST_PASSWORD, unique } from '../factories';
import { deliverOutbox } from '../support/mailbox';
import { useWebApp } from '../web/support/webApp';
import { capture, collectPageErrors, DESKTOP, launchBrowser, shows } from './support/browser';

/**
 * An invitation's round trip in real browsers: the owner invites a colleague from the members page, the
 * emailed link (sent as the notifications job would) is opened in the colleague's own browser, where
 * they create a login and land in the account as a member; the owner makes them an admin, then removes
 * them after confirming.
 */
const web = useWebApp({ source: 'build' });

let browser: Browser;
let owner: Page;
let colleague: Page;
let ownerErrors: string[];
let colleagueErrors: string[];

beforeAll(async () => {
  browser = await launchBrowser();
  owner = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  colleague = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  ownerErrors = await collectPageErrors(owner, () => web.url);
  colleagueErrors = await collectPageErrors(colleague, () => web.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

it('invites a colleague, who joins with a new login; the owner makes them an admin, then removes them', async () => {
  const account = await createAccount({ name: unique('Lovelace Labs') });
  const ownerUser = await createUser({ name: 'Ada Lovelace' });
  await addMember({ accountId: account.id, user: ownerUser, role: 'owner' });
  const email = `${unique('charles')}@example.com`;

  await owner.goto(`${web.url}/signin`);
  await owner.getByLabel('Email').fill(ownerUser.email);
  await owner.getByLabel('Password').fill(TEST_PASSWORD);
  await owner.getByRole('button', { name: 'Sign in' }).click();
  await owner.waitForURL(`${web.url}/billing`);
  await owner.goto(`${web.url}/settings/members`);
  await owner.getByLabel('Email').fill(email);
  await owner.getByLabel('Role', { exact: true }).selectOption('MEMBER');
  await owner.getByRole('button', { name: 'Send invitation' }).click();
  await shows(owner.getByRole('status'), `Invitation sent to ${email}.`);
  await shows(owner.getByRole('table', { name: 'Pending invitations' }), email);
  await capture(owner, 'members-invited');

  const mail = (await deliverOutbox()).find((sent) => sent.to === email);
  expect(mail?.subject).toBe(`Join ${account.name} on Billing`);
  const link = mail!.text.match(/https?:\/\/\S+(\/invitations\/\S+)/)![1]!;

  await colleague.goto(`${web.url}${link}`);
  await shows(colleague.getByRole('heading', { name: `Join ${account.name}` }));
  await shows(colleague.locator('p'), `Ada Lovelace invited ${email}`);
  await capture(colleague, 'invitation');
  await colleague.getByLabel('Your name').fill('Charles Babbage');
  await colleague.getByLabel('Password').fill('a long enough password');
  await colleague.getByRole('button', { name: 'Create login and join' }).click();
  await colleague.waitForURL(`${web.url}/billing`);
  await colleague.goto(`${web.url}/settings/members`);
  await shows(colleague.getByRole('table', { name: `Members of ${account.name}` }), 'Charles Babbage');
  await expect(colleague.getByRole('button', { name: 'Send invitation' }).count()).resolves.toBe(0);

  await owner.goto(`${web.url}/settings/members`);
  await owner.getByLabel('Role of Charles Babbage').selectOption('ADMIN');
  await owner.getByRole('button', { name: 'Change the role of Charles Babbage' }).click();
  await shows(owner.getByRole('status'), 'Charles Babbage is now admin.');
  const roleOf = async () =>
    (
      await web
        .knex('memberships')
        .join('users', 'users.id', 'memberships.user_id')
        .where({ 'users.email': email, 'memberships.account_id': account.id })
        .first('memberships.role')
    )?.role as string | undefined;
  expect(await roleOf()).toBe('admin');

  await owner.getByRole('button', { name: 'Remove Charles Babbage' }).click();
  await shows(owner.getByRole('alert'), 'Remove Charles Babbage from the account?');
  await owner.getByRole('button', { name: 'Yes, remove them' }).click();
  await shows(owner.getByRole('status'), 'Charles Babbage was removed.');
  expect(await roleOf()).toBeUndefined();

  await colleague.goto(`${web.url}/settings/members`);
  await colleague.waitForURL(`${web.url}/no-account`);
  expect([...ownerErrors, ...colleagueErrors]).toEqual([]);
});
