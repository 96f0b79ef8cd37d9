/**
 * A second step for actions that cannot be undone (canceling a subscription now, revoking a key,
 * replaying a Stripe event): the first post only asks, the second, carrying `confirmed=yes` and every
 * field of the first, acts. Server-side, so it works without JavaScript, and a double click on the first
 * button does nothing.
 */
export interface ConfirmationRequest {
  confirm: {
    question: string;
    consequence: string;
    /** The label of the button that acts. */
    action: string;
    /** The first post's fields, sent again with the confirmation. */
    fields: Record<string, string>;
  };
}

/** What the action returns to ask first; null once the post carries the confirmation. */
export function confirmationNeeded(
  form: FormData,
  prompt: Omit<ConfirmationRequest['confirm'], 'fields'>,
): ConfirmationRequest | null {
  if (form.get('confirmed') === 'yes') return null;
  const fields: Record<string, string> = {};
  for (const [name, value] of form.entries()) if (typeof value === 'string') fields[name] = value;
  return { confirm: { ...prompt, fields } };
}

export function asksConfirmation(result: unknown): result is ConfirmationRequest {
  return typeof result === 'object' && result !== null && 'confirm' in result;
}
