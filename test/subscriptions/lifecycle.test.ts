import { ManualClock, useClock } from '../../server/clock';
import { assertTransition, canTransition, TRANSITIONS } from '../../server/subscriptions/lifecycle';
import { rollLocalPeriods } from '../../server/subscriptions/lifecycleJobs';
import { SUBSCRIPTION_STATUSES } from '../../server/subscriptions/Subscription';
import { createAccount } from '../factories';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

describe('the lifecycle table', () => {
  it('lets nothing leave the terminal statuses', () => {
    for (const to of SUBSCRIPTION_STATUSES.filter((status) => status !== 'canceled'))
      expect(canTransition('canceled', to)).toBe(false);
    for (const to of SUBSCRIPTION_STATUSES.filter((status) => status !== 'expired'))
      expect(canTransition('expired', to)).toBe(false);
  });

  it('allows exactly the listed transitions', () => {
    expect(TRANSITIONS.trialing).toEqual(['active', 'past_due', 'paused', 'canceled', 'expired']);
    expect(canTransition('past_due', 'active')).toBe(true);
    expect(canTransition('active', 'trialing')).toBe(false);
    expect(canTransition('active', 'incomplete')).toBe(false);
    expect(() => assertTransition('canceled', 'active')).toThrow(
      expect.objectContaining({ code: 'CONFLICT', message: 'A canceled subscription cannot become active.' }),
    );
    for (const status of SUBSCRIPTION_STATUSES) expect(canTransition(status, status)).toBe(true);
  });
});

describe('periods of the free plan', () => {
  it('roll forward from their anchor the way Stripe counts months', async () => {
    const clock = new ManualClock(new Date(Date.UTC(2026, 0, 31, 9)));
    const restore = useClock(clock);
    try {
      const account = await createAccount();
      const subscription = () =>
        db.knex('subscriptions').where({ accountId: account.id, status: 'active' }).first();
      expect(await subscription()).toMatchObject({
        currentPeriodStart: new Date(Date.UTC(2026, 0, 31, 9)),
        currentPeriodEnd: new Date(Date.UTC(2026, 1, 28, 9)),
      });

      clock.set(new Date(Date.UTC(2026, 1, 28, 9)));
      await rollLocalPeriods();
      expect(await subscription()).toMatchObject({
        currentPeriodStart: new Date(Date.UTC(2026, 1, 28, 9)),
        currentPeriodEnd: new Date(Date.UTC(2026, 2, 31, 9)),
      });

      // A process that was down for months catches up in one run, still on the anchor.
      clock.set(new Date(Date.UTC(2026, 6, 1)));
      await rollLocalPeriods();
      await rollLocalPeriods();
      expect(await subscription()).toMatchObject({
        currentPeriodStart: new Date(Date.UTC(2026, 5, 30, 9)),
        currentPeriodEnd: new Date(Date.UTC(2026, 6, 31, 9)),
      });
    } finally {
      restore();
    }
  });
});
