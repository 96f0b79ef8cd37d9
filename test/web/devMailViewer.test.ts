import { createUser } from '../factories';
import { html } from './support/html';
import { useWebApp } from './support/webApp';

/**
 * Development without SMTP: what the service sends is shown at /dev/mail, so a person can follow a
 * password reset (or a sign-up, or an invitation) on their own machine.
 */
const web = useWebApp({ source: 'vite', devMailbox: true });

async function waitForMessage(subject: string): Promise<string> {
  for (let attempt = 0; attempt < 80; attempt += 1) {
    const page = await html(await web.get('/dev/mail'));
    if (page.includes(subject)) return page;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no message "${subject}" reached the mail viewer`);
}

describe('the development mail viewer', () => {
  it('says so while nothing was sent', async () => {
    const page = await html(await web.get('/dev/mail'));
    expect(page).toContain('Nothing has been sent yet');
  });

  it('shows a password reset with a link that works, as text and as HTML', async () => {
    const user = await createUser();
    await web.post('/reset-password', { email: user.email });
    const page = await waitForMessage('Reset your password');
    expect(page).toContain(`to ${user.email}`);

    const link = new RegExp(`href="(${web.url.replace(/[.]/g, '\\.')}/reset-password\\?token=[^"]+)"`).exec(
      page,
    )?.[1];
    expect(link).toBeDefined();
    const resetPage = await web.get(new URL(link!).pathname + new URL(link!).search);
    expect(resetPage.status).toBe(200);
    const token = new URL(link!).searchParams.get('token')!;
    const reset = await web.post(`/reset-password?token=${token}`, {
      token,
      password: 'chosen from the mail viewer',
      confirm: 'chosen from the mail viewer',
    });
    expect(reset.headers.get('location')).toBe('/signin?reset=1');

    const id = /href="\/dev\/mail\/([0-9a-f-]+)\.html"/.exec(page)?.[1];
    expect(id).toBeDefined();
    const asHtml = await web.get(`/dev/mail/${id}.html`);
    expect(asHtml.status).toBe(200);
    expect(asHtml.headers.get('content-security-policy')).toContain("default-src 'none'");
    const document = await asHtml.text();
    expect(document).toMatch(/^<!doctype html>/);
    expect(document).toContain(`href="${link!.replace(/&amp;/g, '&')}"`);
    expect(document).toContain('Choose a new password');
  });

  it('answers 404 for a message it does not have', async () => {
    expect((await web.get('/dev/mail/00000000-0000-0000-0000-000000000000.html')).status).toBe(404);
    // An unknown id shows the newest message rather than failing.
    expect((await web.get('/dev/mail?id=nope')).status).toBe(200);
  });
});
