import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/**
 * What the server hands every loader and action (Remix's `context`): the GraphQL API, executed in the
 * same process as the caller whose session cookie came with the request. Types only, so that the
 * server (which builds it) and the web app (which uses it) agree on one definition.
 */
export type WebLoadContext = {
  /** This response's Content-Security-Policy nonce, for the inline scripts the page writes. */
  cspNonce: string;
  /** The service runs in production: development tools (the GraphQL explorer at /graphiql) are not served. */
  production: boolean;
  /** Where "Contact sales" leads (SALES_CONTACT): a mailto: or http(s) address. */
  salesContactUrl: string;
  graphql<Data, Variables extends Record<string, unknown>>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
  ): Promise<GraphQLResult<Data>>;
};

export interface GraphQLResult<Data> {
  data: Data | null;
  errors: readonly GraphQLErrorShape[];
  /** Set-Cookie headers the operation produced; an action forwards them on its response. */
  setCookies: string[];
}

export interface GraphQLErrorShape {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}
