type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPlainObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `data.previous_attributes` of an `*.updated` event: the old values of what changed. Nested objects are
 * diffed key by key (a metadata change lists only the changed keys, as Stripe does); arrays and lists
 * are reported whole.
 */
export function previousAttributes(before: unknown, after: unknown): Record<string, Json> {
  const out: Record<string, Json> = {};
  if (!isPlainObject(before) || !isPlainObject(after)) return out;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    const old = before[key];
    const now = after[key];
    if (JSON.stringify(old) === JSON.stringify(now)) continue;
    if (isPlainObject(old) && isPlainObject(now) && old.object !== 'list') {
      out[key] = previousAttributes(old, now);
    } else {
      // A key that did not exist before is reported as null, which is what Stripe sends for new fields.
      out[key] = old === undefined ? null : old;
    }
  }
  return out;
}
