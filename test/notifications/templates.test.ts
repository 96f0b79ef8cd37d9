import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NoticeData, NoticeKind } from '../../server/notifications/notices';
import { renderNotice, shippedLocales, shippedNoticeKinds } from '../../server/notifications/rendering';
import { settings, useSettings } from '../../server/settings';

const at = new Date('2026-12-04T23:30:00Z');

/** One example of every notice's data: typed, so a notice added without an example does not compile. */
const EXAMPLES: { [Kind in NoticeKind]: NoticeData[Kind] } = {
  trial_ending: { planName: 'Pro', trialEnd: at, billingUrl: 'https://billing.test/billing' },
  payment_failed: { planName: 'Pro', accessUntil: at, billingUrl: 'https://billing.test/billing' },
  subscription_canceled: { planName: 'Pro', billingUrl: 'https://billing.test/billing' },
  plan_changed: { planName: 'Pro', billingUrl: 'https://billing.test/billing' },
  plan_change_scheduled: {
    planName: 'Pro',
    changesOn: at,
    amount: 123456,
    currency: 'eur',
    interval: 'month',
    billingUrl: 'https://billing.test/billing',
  },
  duplicate_subscription_canceled: {
    planName: 'Pro',
    refunded: 4900,
    currency: 'usd',
    billingUrl: 'https://billing.test/billing',
  },
  'subscription.cancellation_scheduled': {
    planName: 'Pro',
    endsOn: at,
    billingUrl: 'https://billing.test/billing',
  },
  'subscription.ending_soon': { planName: 'Pro', endsOn: at, billingUrl: 'https://billing.test/billing' },
  'subscription.renewal_reminder': {
    planName: 'Pro',
    renewsOn: at,
    amount: 49000,
    currency: 'usd',
    interval: 'year',
    billingUrl: 'https://billing.test/billing',
  },
  'payment.receipt': {
    description: 'Pro subscription',
    amount: 123456,
    currency: 'eur',
    paidAt: at,
    invoiceNumber: 'INV-0042',
    invoiceUrl: 'https://invoice.test/i/42?a=1&b=2',
    billingUrl: 'https://billing.test/billing/invoices',
  },
  'credits.low_balance': {
    balance: 1500,
    threshold: 100_000,
    creditsUrl: 'https://billing.test/billing/credits',
  },
  'credits.purchased': {
    credits: 250_000,
    amount: 2000,
    currency: 'usd',
    automatic: false,
    creditsUrl: 'https://billing.test/billing/credits',
  },
  'credits.expiring': { credits: 12_500, expiresOn: at, creditsUrl: 'https://billing.test/billing/credits' },
  'credits.auto_top_up_failed': {
    reason: 'card declined',
    creditsUrl: 'https://billing.test/billing/credits',
  },
  'credits.auto_top_up_disabled': {
    reason: 'card declined',
    failures: 3,
    creditsUrl: 'https://billing.test/billing/credits',
  },
  soft_limit_reached: {
    planName: 'Pro',
    feature: 'projects',
    used: 8,
    limit: 10,
    scope: { resourceType: 'workspace', key: 'w-1' },
    billingUrl: 'https://billing.test/billing/plan',
  },
  webhook_endpoint_disabled: { url: 'https://partner.test/hooks', days: 3 },
  'account.invitation': {
    inviterName: 'Ada Owner',
    email: 'new@customer.test',
    accountName: 'Acme',
    role: 'admin',
    link: 'https://billing.test/invitations/abc',
    days: 7,
  },
  'auth.password_reset': { link: 'https://billing.test/reset-password?token=abc' },
  'auth.sign_up_confirmation': {
    email: 'new@customer.test',
    accountName: 'Acme',
    link: 'https://billing.test/signup/confirm?token=abc',
  },
  'auth.sign_up_existing_login': {
    signInUrl: 'https://billing.test/signin',
    resetUrl: 'https://billing.test/reset-password',
  },
  'admin.stripe_events_failing': {
    failures: 6,
    lastEventType: 'invoice.paid',
    lastError: 'connection refused',
    eventsUrl: 'https://billing.test/admin/events',
  },
  'admin.revenue_report': {
    month: new Date('2026-01-01T00:00:00Z'),
    figures: [
      {
        currency: 'usd',
        grossCollected: 3999,
        refunded: 500,
        net: 3499,
        mrrAtMonthEnd: 2999,
        newSubscriptions: 1,
        cancellations: 0,
        failedPayments: 2,
        failedAmount: 5998,
        creditsSold: 250_000,
      },
    ],
    reportUrl: 'https://billing.test/admin/reports/2026-01',
  },
  'admin.revenue_drop': {
    currency: 'USD',
    day: at,
    collected: 80_000,
    previousDay: new Date('2026-12-03T00:00:00Z'),
    previouslyCollected: 100_000,
    dropPercent: 20,
    revenueUrl: 'https://billing.test/admin/revenue',
  },
};

const kinds = Object.keys(EXAMPLES) as NoticeKind[];
let restore: () => void;
afterEach(() => restore?.());

describe('notice templates', () => {
  it('exist in English for every notice the service sends, and only for those', () => {
    expect(shippedNoticeKinds()).toEqual([...kinds].sort());
  });

  it.each(shippedLocales().flatMap((locale) => kinds.map((kind) => [locale, kind] as const)))(
    '%s: %s renders a subject, a text and an HTML document with its data',
    (locale, kind) => {
      const rendered = renderNotice(kind, EXAMPLES[kind], { locale, timeZone: 'UTC' });
      expect(rendered.subject.length).toBeGreaterThan(5);
      expect(rendered.subject).not.toMatch(/\n/);
      for (const part of [rendered.subject, rendered.text, rendered.html]) {
        expect(part).not.toMatch(/\{\{|\}\}|undefined|NaN|\[object /);
      }
      expect(rendered.html).toMatch(/^<!doctype html>/);
      expect(rendered.html).toContain(`<title>${rendered.subject.replace(/&/g, '&amp;')}</title>`);
      expect(rendered.text).toContain(settings().notifications.branding.name);
      // Every address in the data reaches the reader, in the text and as a link in the HTML.
      for (const value of Object.values(EXAMPLES[kind]))
        if (typeof value === 'string' && value.startsWith('https://')) {
          expect(rendered.text).toContain(value);
          expect(rendered.html).toContain(`href="${value.replace(/&/g, '&amp;').replace(/=/g, '&#x3D;')}"`);
        }
    },
  );

  it('formats money, credits and dates in the reader’s language and time zone, exactly', () => {
    const german = renderNotice('payment.receipt', EXAMPLES['payment.receipt'], {
      locale: 'de-DE',
      timeZone: 'Europe/Berlin',
    });
    expect(german.subject).toBe('Beleg für Ihre Zahlung über 1.234,56 €');
    // 23:30 UTC on the 4th is already the 5th in Berlin.
    expect(german.text).toContain('Bezahlt am: 05.12.2026');
    const english = renderNotice('payment.receipt', EXAMPLES['payment.receipt'], {
      timeZone: 'America/New_York',
    });
    expect(english.subject).toBe('Receipt for your payment of €1,234.56');
    expect(english.text).toContain('Paid on: Dec 4, 2026');
    // No float on the way: the largest safe amount keeps every digit; yen have no minor unit, dinars three.
    const huge = renderNotice('credits.purchased', {
      ...EXAMPLES['credits.purchased'],
      amount: Number.MAX_SAFE_INTEGER,
    });
    expect(huge.text).toContain('$90,071,992,547,409.91');
    const yen = renderNotice('credits.purchased', {
      ...EXAMPLES['credits.purchased'],
      amount: 1500,
      currency: 'jpy',
    });
    expect(yen.text).toContain('¥1,500');
    const dinar = renderNotice('credits.purchased', {
      ...EXAMPLES['credits.purchased'],
      amount: 1500,
      currency: 'bhd',
    });
    expect(dinar.text).toMatch(/BHD\s1\.500/);
    expect(renderNotice('credits.low_balance', EXAMPLES['credits.low_balance']).text).toContain(
      'Your balance is 1.5 credits, below 100.',
    );
  });

  it('falls back from a regional language to its language, then to English', () => {
    const austrian = renderNotice('payment_failed', EXAMPLES.payment_failed, { locale: 'de-AT' });
    expect(austrian.subject).toBe('Ihre Zahlung ist fehlgeschlagen');
    const french = renderNotice('payment_failed', EXAMPLES.payment_failed, { locale: 'fr-FR' });
    expect(french.subject).toBe('Your payment failed');
    // The formats still follow the reader's language.
    expect(french.text).toMatch(/5 déc\. 2026|4 déc\. 2026/);
    expect(renderNotice('payment_failed', EXAMPLES.payment_failed, { locale: 'not a locale!' }).subject).toBe(
      'Your payment failed',
    );
  });

  it('escapes data in the HTML and leaves it as written in the text', () => {
    const rendered = renderNotice('plan_changed', {
      planName: '<script>alert(1)</script> & Co',
      billingUrl: 'https://b.test',
    });
    expect(rendered.html).not.toContain('<script>');
    expect(rendered.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(rendered.text).toContain('<script>alert(1)</script> & Co');
  });

  it('carries the operator’s name, logo and colour', () => {
    restore = useSettings({
      notifications: {
        branding: { name: 'Acme Cloud', logoUrl: 'https://acme.test/logo.png', accentColor: '#ff6600' },
        templatesDirectory: null,
      },
    });
    const rendered = renderNotice('trial_ending', EXAMPLES.trial_ending);
    expect(rendered.html).toContain('<img src="https://acme.test/logo.png" alt="Acme Cloud"');
    expect(rendered.html).toContain('#ff6600');
    expect(rendered.text.endsWith('Acme Cloud')).toBe(true);
    expect(renderNotice('auth.password_reset', EXAMPLES['auth.password_reset']).text).toContain(
      'the password of your Acme Cloud login',
    );
  });

  it('uses an operator’s own templates where they have one, and the shipped ones elsewhere', () => {
    const folder = mkdtempSync(join(tmpdir(), 'notice-templates-'));
    mkdirSync(join(folder, 'en'));
    writeFileSync(
      join(folder, 'en', 'payment_failed.hbs'),
      '{{#*inline "subject"}}Payment problem on {{planName}}{{/inline}}{{#*inline "text"}}Call us about {{planName}}.{{/inline}}',
    );
    writeFileSync(
      join(folder, 'layout.html.hbs'),
      '<!doctype html><html><body class="ours">{{{body}}}</body></html>',
    );
    restore = useSettings({
      notifications: { branding: settings().notifications.branding, templatesDirectory: folder },
    });
    const own = renderNotice('payment_failed', EXAMPLES.payment_failed);
    expect(own.subject).toBe('Payment problem on Pro');
    expect(own.text).toMatch(/^Call us about Pro\./);
    expect(own.html).toBe('<!doctype html><html><body class="ours"><p>Call us about Pro.</p></body></html>');
    // Notices the operator did not write keep the shipped wording, in the operator's layout.
    const shipped = renderNotice('plan_changed', EXAMPLES.plan_changed);
    expect(shipped.subject).toBe('Your plan is now Pro');
    expect(shipped.html).toContain('class="ours"');
    // An edit shows at once, without a restart.
    writeFileSync(
      join(folder, 'en', 'payment_failed.hbs'),
      '{{#*inline "subject"}}Changed {{planName}}{{/inline}}{{#*inline "text"}}x{{/inline}}',
    );
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(folder, 'en', 'payment_failed.hbs'), later, later);
    expect(renderNotice('payment_failed', EXAMPLES.payment_failed).subject).toBe('Changed Pro');
  });

  it('refuses to render a notice it has no template for', () => {
    expect(() => renderNotice('no_such_notice', {})).toThrow('No template for the notice no_such_notice');
  });
});
