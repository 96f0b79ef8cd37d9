import {
  addMember,
  createAccount,
  createMember,
  createUser,
  sessionCookieFor,
  TEST_PASSWORD,
} from '../factories';
import { html, textOf } from './support/html';
import { deliverOutbox, linkIn, tokenOf } from '../support/mailbox';
import { sessionCookieFrom, signUpThroughEmail, useWebApp } from './support/webApp';

/**
 * The web app's loaders and actions over HTTP, as a browser without JavaScript would use them: who may
 * see what, errors shown next to their field, redirects that stay on our site, forged forms refused.
 */
const web = useWebApp({ source: 'vite' });

const validSignUp = (email: string) => ({
  name: 'Ada Lovelace',
  accountName: 'Analytical Engines',
  email,
  password: 'a long enough password',
});

describe('public pages', () => {
  it('shows the landing page and the pricing page with plans from the catalog', async () => {
    expect((await web.get('/')).status).toBe(200);
    const pricing = await web.get('/pricing');
    expect(pricing.status).toBe(200);
    const page = await html(pricing);
    expect(page).toContain('Pro');
    expect(page).toContain('$29.99');
    expect(page).toContain('Contact sales');
    // The operator's sales contact (SALES_CONTACT; the harness sets one), with the plan as the subject.
    expect(page).toContain('href="mailto:sales@billing.test?subject=Enterprise%20plan"');
    expect(page).toContain('14-day free trial');
  });

  it('names the plan once in each button, as a screen reader reads it out of its card', async () => {
    const page = await html(await web.get('/pricing'));
    expect(page).toMatch(/Start 14-day trial<span class="visually-hidden"> of Pro<\/span>/);
    const names = [...page.matchAll(/Choose ([^<]+)<span class="visually-hidden">([^<]*)<\/span>/g)];
    expect(names.length).toBeGreaterThan(0);
    for (const [, , hidden] of names) expect(hidden).toBe('');
  });

  it('shows the yearly saving when the yearly toggle is on', async () => {
    const page = await html(await web.get('/pricing?interval=year'));
    expect(page).toContain('$288.00');
    expect(page).toMatch(/Save \$71\.88 a year \(20%\)/);
  });
});

describe('content security', () => {
  it('gives every inline script of a page the nonce its Content-Security-Policy allows', async () => {
    const response = await web.get('/pricing');
    const policy = response.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toBeDefined();
    expect(policy).toContain("frame-ancestors 'none'");
    const scripts = (await response.text()).match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(script).toContain(`nonce="${nonce}"`);
  });
});

describe('signed-out visitors', () => {
  it.each([
    '/billing',
    '/billing/usage',
    '/billing/credits',
    '/billing/invoices',
    '/settings/members',
    '/settings/webhooks',
    '/admin',
    '/admin/accounts',
    '/admin/revenue',
    '/admin/notifications',
    '/admin/flags',
    '/admin/health',
    '/admin/webhooks',
  ])('are sent from %s to sign in, and back afterwards', async (path) => {
    const response = await web.get(path);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`/signin?redirectTo=${encodeURIComponent(path)}`);
  });

  it('cannot download the usage CSV', async () => {
    expect((await web.get('/billing/usage.csv')).status).toBe(302);
  });
});

describe('sign up', () => {
  it('shows what is wrong next to each field and creates nothing', async () => {
    const response = await web.post('/signup', { ...validSignUp('not-an-email'), password: 'short' });
    expect(response.status).toBe(200);
    const page = await html(response);
    expect(textOf(page, 'field-email-error')).toBe('is not an email address');
    expect(textOf(page, 'field-password-error')).toBe('must be at least 10 characters');
    expect(page).toMatch(
      /id="field-password"[^>]*aria-invalid="true"[^>]*aria-describedby="field-password-hint field-password-error"/,
    );
    expect(await web.knex('users').where({ email: 'not-an-email' }).first()).toBeUndefined();
  });

  it('sends a link that creates the login and its account on the free plan, signs in and lands on billing', async () => {
    const email = `ada-${Date.now()}@example.com`;
    const asked = await web.post('/signup', validSignUp(email));
    expect(asked.status).toBe(200);
    expect(await html(asked)).toContain(`We sent a message to ${email} with what to do next.`);
    expect(asked.headers.getSetCookie()).toEqual([]);
    expect(await web.knex('users').where({ email }).first()).toBeUndefined();

    const link = linkIn(
      (await deliverOutbox()).find((sent) => sent.to === email),
      '/signup/confirm',
    );
    // Opening the link (as a mail scanner would) creates nothing; its button does.
    expect(await html(await web.get(link))).toContain('Create my account');
    expect(await web.knex('users').where({ email }).first()).toBeUndefined();
    const response = await web.post(link, { token: tokenOf(link) });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/billing');
    const cookie = sessionCookieFrom(response);
    expect(response.headers.getSetCookie().join()).toMatch(/HttpOnly; SameSite=Lax/);

    const billing = await web.get('/billing', { cookie });
    expect(billing.status).toBe(200);
    const page = await html(billing);
    expect(page).toContain('Analytical Engines');
    expect(page).toMatch(/Free.*Active/s);
    expect(page).toContain('None: the Free plan costs nothing.');

    const again = await html(await web.post(link, { token: tokenOf(link) }));
    expect(again).toContain('This link has expired or was already used; sign up again.');
  });

  it('answers an email that already has a login exactly as a new one, and emails its owner instead', async () => {
    const user = await createUser();
    const fresh = `fresh-${Date.now()}@example.com`;
    const pageFor = async (email: string) =>
      (await html(await web.post('/signup', validSignUp(email))))
        .replaceAll(email, '<address>')
        .replace(/nonce="[^"]*"/g, 'nonce');
    expect(await pageFor(user.email.toUpperCase())).toBe(await pageFor(fresh));
    const sent = await deliverOutbox();
    expect(sent.find((email) => email.to === user.email)?.subject).toBe('You already have a Billing login');
    expect(sent.find((email) => email.to === fresh)?.subject).toBe('Finish creating your Billing login');
  });
});

describe('sign in', () => {
  it('says so next to the form when the password is wrong', async () => {
    const user = await createUser();
    const response = await web.post('/signin', {
      email: user.email,
      password: 'wrong password',
      redirectTo: '/billing',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('The email or password is incorrect.');
  });

  it('shows a missing field next to it without asking the API', async () => {
    const page = await html(await web.post('/signin', { email: '', password: '' }));
    expect(textOf(page, 'field-email-error')).toBe('Enter your email.');
    expect(textOf(page, 'field-password-error')).toBe('Enter your password.');
  });

  it('returns to the page that asked for it', async () => {
    const user = await createUser();
    const response = await web.post('/signin', {
      email: user.email,
      password: TEST_PASSWORD,
      redirectTo: '/billing/invoices?after=x',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/billing/invoices?after=x');
    sessionCookieFrom(response);
  });

  it.each([
    'https://evil.example/phish',
    '//evil.example/phish',
    '/\\evil.example',
    'javascript:alert(1)',
    'https:evil.example',
    '/.//evil.example',
    '/..//evil.example',
    '/%2e//evil.example',
    '/billing/..//evil.example',
  ])('ignores an off-site redirectTo (%s) and goes to billing', async (redirectTo) => {
    const user = await createUser();
    const response = await web.post('/signin', { email: user.email, password: TEST_PASSWORD, redirectTo });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/billing');
  });
});

describe('redirects that dot segments would turn off-site', () => {
  const targets = [
    '/.//evil.example',
    '/..//evil.example',
    '/%2e//evil.example',
    '/billing/..//evil.example',
  ];

  it.each(targets)('keep a signed-in visitor of /signin and /signup on this site (%s)', async (target) => {
    const cookie = await sessionCookieFor(await createUser());
    for (const page of ['/signin', '/signup']) {
      const response = await web.get(`${page}?redirectTo=${encodeURIComponent(target)}`, { cookie });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe('/billing');
    }
  });

  it.each(targets)('keep the account switcher on this site (%s)', async (redirectTo) => {
    const { account, user } = await createMember({ role: 'owner' });
    const response = await web.post(
      '/account',
      { accountId: account.id, redirectTo },
      { cookie: await sessionCookieFor(user) },
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/billing');
  });
});

describe('sessions', () => {
  it('renew the browser’s cookie when a page renews the session', async () => {
    const user = await createUser();
    const cookie = await sessionCookieFor(user);
    // Last used 11 minutes ago: the next request renews it (at most every ten minutes).
    await web
      .knex('sessions')
      .where({ userId: user.id })
      .update({
        lastSeenAt: new Date(Date.now() - 11 * 60_000),
        expiresAt: new Date(Date.now() + 86_400_000),
      });

    const response = await web.get('/pricing', { cookie });
    expect(response.status).toBe(200);
    // The page's loaders authenticate in parallel; one of them renews the session and sends the cookie.
    const [renewed, ...others] = response.headers.getSetCookie();
    expect(others).toEqual([]);
    expect(renewed!.split(';')[0]).toBe(cookie);
    const { expiresAt } = await web.knex('sessions').where({ userId: user.id }).first('expiresAt');
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(renewed).toContain(`Expires=${expiresAt.toUTCString()}`);

    const again = await web.get('/pricing', { cookie });
    expect(again.headers.getSetCookie()).toEqual([]);
  });
});

describe('a login in several accounts', () => {
  const selected = (page: string, accountId: string) =>
    new RegExp(`<option value="${accountId}" selected="">`).test(page);
  /** The cookie as the switcher sets it (Remix's unsigned format): a forged one is just as easy to write. */
  const choiceCookie = (accountId: string) =>
    `billing_account=${encodeURIComponent(Buffer.from(JSON.stringify(accountId)).toString('base64'))}`;

  it('starts on its first account and switches with the header form, staying on the page', async () => {
    const { account: first, user } = await createMember({ role: 'owner' });
    const second = await createAccount({ name: 'Second Org' });
    await addMember({ accountId: second.id, user, role: 'admin' });
    const session = await sessionCookieFor(user);

    const before = await html(await web.get('/billing', { cookie: session }));
    expect(selected(before, first.id)).toBe(true);
    expect(before).toContain('Second Org');

    const switched = await web.post(
      '/account',
      { accountId: second.id, redirectTo: '/billing/invoices' },
      { cookie: session },
    );
    expect(switched.status).toBe(302);
    expect(switched.headers.get('location')).toBe('/billing/invoices');
    const choice = switched.headers.getSetCookie().find((cookie) => cookie.startsWith('billing_account='))!;
    expect(choice).toMatch(/HttpOnly; SameSite=Lax/);
    expect(choice.split(';')[0]).toBe(choiceCookie(second.id));

    const after = await html(await web.get('/billing', { cookie: `${session}; ${choice.split(';')[0]}` }));
    expect(selected(after, second.id)).toBe(true);
  });

  it('refuses to switch to an account the login is not in, and ignores a cookie that names one', async () => {
    const { account: own, user } = await createMember({ role: 'owner' });
    await addMember({ accountId: (await createAccount()).id, user, role: 'member' });
    const foreign = await createAccount({ name: 'Not Yours Inc' });
    const session = await sessionCookieFor(user);

    const refused = await web.post(
      '/account',
      { accountId: foreign.id, redirectTo: '/billing' },
      { cookie: session },
    );
    expect(refused.status).toBe(404);
    expect(refused.headers.getSetCookie()).toEqual([]);

    const page = await html(await web.get('/billing', { cookie: `${session}; ${choiceCookie(foreign.id)}` }));
    expect(selected(page, own.id)).toBe(true);
    expect(page).not.toContain('Not Yours Inc');
  });
});

describe('a login that belongs to no account', () => {
  it('is told so, with a way out, instead of bouncing between billing and sign-up', async () => {
    const session = await sessionCookieFor(await createUser());
    const billing = await web.get('/billing', { cookie: session });
    expect(billing.status).toBe(302);
    expect(billing.headers.get('location')).toBe('/no-account');
    const page = await html(await web.get('/no-account', { cookie: session }));
    expect(page).toContain('You are not a member of any account');
    expect(page).toContain('action="/signout"');
  });

  it('is sent on to billing from that page once it belongs to one again', async () => {
    const { user } = await createMember({ role: 'member' });
    const page = await web.get('/no-account', { cookie: await sessionCookieFor(user) });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/billing');
  });
});

describe('cross-site requests', () => {
  it('refuses a form posted from another site', async () => {
    const user = await createUser();
    const response = await web.post(
      '/signin',
      { email: user.email, password: TEST_PASSWORD },
      { origin: 'https://evil.example' },
    );
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a form that names no origin at all', async () => {
    const cookie = await sessionCookieFor(await createUser());
    const response = await web.post('/signout', {}, { cookie, origin: null });
    expect(response.status).toBe(403);
    expect(await html(await web.get('/pricing', { cookie }))).toContain('Sign out');
  });

  it('accepts our own origin through the Referer when Origin is absent', async () => {
    const cookie = await sessionCookieFor(await createUser());
    const response = await fetch(`${web.url}/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, referer: `${web.url}/billing` },
    });
    expect(response.status).toBe(302);
    expect(response.headers.getSetCookie().join()).toMatch(/billing_session=;/);
  });
});

describe('password reset', () => {
  it('answers the same for an unknown email and queues nothing', async () => {
    const page = await html(await web.post('/reset-password', { email: 'nobody-here@example.com' }));
    expect(page).toContain('If nobody-here@example.com has a login here');
    expect(
      await web.knex('notifications').where({ recipient: 'nobody-here@example.com' }).first(),
    ).toBeUndefined();
  });

  it('emails a link that sets a new password once and signs the user out everywhere', async () => {
    const user = await createUser();
    const oldSession = await sessionCookieFor(user);
    await web.post('/reset-password', { email: user.email });
    const token = tokenOf(
      linkIn(
        (await deliverOutbox()).find((sent) => sent.to === user.email),
        '/reset-password',
      ),
    );

    // The form posts back to the link it came from, token in the address.
    const resetPage = `/reset-password?token=${token}`;
    const mismatch = await html(
      await web.post(resetPage, { token, password: 'a brand new password', confirm: 'something else' }),
    );
    expect(textOf(mismatch, 'field-confirm-error')).toBe('The two passwords differ.');

    const reset = await web.post(resetPage, {
      token,
      password: 'a brand new password',
      confirm: 'a brand new password',
    });
    expect(reset.headers.get('location')).toBe('/signin?reset=1');
    expect((await web.get('/billing', { cookie: oldSession })).status).toBe(302);
    const signIn = await web.post('/signin', { email: user.email, password: 'a brand new password' });
    expect(signIn.status).toBe(302);

    const again = await html(
      await web.post(resetPage, { token, password: 'yet another password', confirm: 'yet another password' }),
    );
    expect(again).toContain('expired or was already used');
  });
});

describe('the admin console', () => {
  it('is refused to customers', async () => {
    const cookie = await sessionCookieFor(await createUser());
    expect((await web.get('/admin/accounts', { cookie })).status).toBe(403);
  });

  it('lists accounts for platform admins and asks for a reason next to the field when adjusting credits', async () => {
    const signUp = await signUpThroughEmail(web, validSignUp(`grace-${Date.now()}@example.com`));
    const customer = await web
      .knex('memberships')
      .join('users', 'users.id', 'memberships.user_id')
      .orderBy('memberships.created_at', 'desc')
      .first('account_id');
    expect(signUp.status).toBe(302);
    const admin = await sessionCookieFor(await createUser({ isPlatformAdmin: true }));

    const list = await (await web.get('/admin/accounts?q=Analytical', { cookie: admin })).text();
    expect(list).toContain('Analytical Engines');

    const refused = await web.post(
      `/admin/accounts/${customer.accountId}`,
      { intent: 'adjust', amount: '25', reason: '', idempotencyKey: 'k-1' },
      { cookie: admin },
    );
    expect(textOf(await refused.text(), 'field-reason-error')).toBe(
      'A reason is required; it is kept in the ledger and the audit log.',
    );
    const adjusted = await web.post(
      `/admin/accounts/${customer.accountId}`,
      { intent: 'adjust', amount: '25.5', reason: 'Goodwill', idempotencyKey: 'k-2' },
      { cookie: admin },
    );
    expect(adjusted.headers.get('location')).toBe(`/admin/accounts/${customer.accountId}?done=adjusted`);
    const balance = await web.knex('credit_balances').where({ account_id: customer.accountId }).first();
    expect(balance.balance).toBe(25_500);
  });
});
