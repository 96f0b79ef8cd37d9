import { ApiError } from './errors';

const TEST_KEY = /^(sk|rk)_test_[A-Za-z0-9_]+$/;

function redact(key: string): string {
  return key.length > 12
    ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`
    : key;
}

/**
 * Checks the API key like Stripe: `Authorization: Bearer <key>` or HTTP Basic with the key as the user
 * name. Any test-mode secret or restricted key is accepted; live keys never are, since the emulator must
 * never be mistaken for Stripe.
 */
export function authenticate(header: string | undefined): string {
  if (!header) {
    throw ApiError.authentication(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  let key: string | undefined;
  const [scheme, value] = header.split(/\s+/, 2);
  if (/^bearer$/i.test(scheme)) key = value;
  if (/^basic$/i.test(scheme) && value) key = Buffer.from(value, 'base64').toString('utf8').split(':')[0];
  if (!key) throw ApiError.authentication('Invalid authorization header. Use Bearer auth with your API key.');
  if (!TEST_KEY.test(key)) throw ApiError.authentication(`Invalid API Key provided: ${redact(key)}`);
  return key;
}
