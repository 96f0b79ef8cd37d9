import type { Page } from '../pagination';

/**
 * The resolvers every `...Connection` type shares. Services answer a list with a `Page`; these give it
 * the Relay shape: edges carrying each node's cursor, and pageInfo.
 */
export function connectionResolvers<Node>() {
  return {
    edges: (page: Page<Node>) => page.nodes.map((node) => ({ cursor: page.cursorOf(node), node })),
    pageInfo: (page: Page<Node>) => ({ hasNextPage: page.hasNextPage, endCursor: page.endCursor }),
  };
}
