interface BuiltInFlag {
  description: string;
  defaultEnabled: boolean;
}

/**
 * Flags the service itself reads. They exist without a row (their default applies until an admin
 * changes them) and cannot be deleted.
 */
export const BUILT_IN_FEATURE_FLAGS: ReadonlyMap<string, BuiltInFlag> = new Map([
  [
    'self_serve_billing',
    {
      description:
        'Customers can subscribe, start trials, change plans and seats and buy credits themselves. Off: the web app shows a link to sales instead, and those actions are refused; partners and admins are unaffected.',
      defaultEnabled: true,
    },
  ],
]);

export function isBuiltInFlag(key: string): boolean {
  return BUILT_IN_FEATURE_FLAGS.has(key);
}
