/** A rollout typed in the admin console: a whole percentage, or null for anything else. */
export function parseRolloutPercent(text: string): number | null {
  if (!/^\d{1,3}$/.test(text)) return null;
  const percent = Number(text);
  return percent <= 100 ? percent : null;
}

export const ROLLOUT_PROBLEM = 'Enter a whole percentage from 0 to 100.';

/** "On for 30% of accounts", "On for everyone", "Off". */
export function describeFlagState(flag: { enabled: boolean; rolloutPercent: number }): string {
  if (!flag.enabled) return 'Off';
  return flag.rolloutPercent >= 100 ? 'On for everyone' : `On for ${flag.rolloutPercent}% of accounts`;
}
