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
  /** Development without SMTP: the messages sent, for the mail viewer at /dev/mail; null otherwise. */
  devMailbox: DevMailboxView | null;
  graphql<Data, Variables extends Record<string, unknown>>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
  ): Promise<GraphQLResult<Data>>;
};

/** One message as the development mail viewer shows it. */
export interface CapturedMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** ISO 8601. */
  sentAt: string;
}

export interface DevMailboxView {
  /** Newest first. */
  list(): CapturedMail[];
  find(id: string): CapturedMail | undefined;
}

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
