import type { WebLoadContext } from './loadContext';

declare module '@remix-run/node' {
  // Loaders and actions receive the in-process GraphQL API (server/web/webHandler.ts builds it).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends WebLoadContext {}

  interface Future {
    v3_singleFetch: true;
  }
}
