import { createContext, useContext } from 'react';

/**
 * The Content-Security-Policy nonce of the page being rendered (server/http/securityHeaders.ts makes
 * one per request): Remix's inline scripts carry it, or the browser refuses to run them. On the client
 * it is empty: browsers hide nonces from the page, and the scripts have run by then.
 */
export const NonceContext = createContext('');

export function useNonce(): string {
  return useContext(NonceContext);
}
