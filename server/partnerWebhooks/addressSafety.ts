import ipaddr from 'ipaddr.js';
import { ValidationError } from '../errors';

/**
 * Where a partner webhook may go. Only absolute http(s) URLs without credentials; and unless private
 * addresses are allowed (PARTNER_WEBHOOKS_ALLOW_PRIVATE, on outside production), only public unicast
 * addresses: never loopback, link-local (cloud metadata), private, unique-local, carrier-grade NAT,
 * multicast or reserved ones. The URL is checked when it is saved (an address written in it, or
 * `localhost`), and every address its name resolves to is checked again when a delivery connects
 * (sending.ts), so a name that later resolves inward (DNS rebinding) is refused then.
 */
export function checkEndpointUrl({
  url,
  allowPrivateAddresses,
  field = 'url',
}: {
  url: string;
  allowPrivateAddresses: boolean;
  field?: string;
}): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw ValidationError.forField(field, 'must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw ValidationError.forField(field, 'must be an absolute http(s) URL');
  if (url.length > 2048) throw ValidationError.forField(field, 'must be at most 2048 characters');
  if (parsed.username || parsed.password)
    throw ValidationError.forField(field, 'must not carry a user name or password');
  if (!allowPrivateAddresses) {
    const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost') || !isPublicAddressOrName(host))
      throw ValidationError.forField(field, 'must not point to a private, loopback or link-local address');
  }
  return parsed;
}

/** A name (checked when it resolves), or an address that is public unicast. */
function isPublicAddressOrName(host: string): boolean {
  if (!ipaddr.isValid(host)) return !/^[0-9.]+$/.test(host); // 0x7f.1 and friends are not names
  return isPublicAddress(host);
}

/** Whether an address is public unicast; IPv4 written as IPv6 (::ffff:10.0.0.1) is judged as IPv4. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}
