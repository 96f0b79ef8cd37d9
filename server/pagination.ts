import type { QueryBuilder, Model } from 'objection';
import { ValidationError } from './errors';

/**
 * Relay-style keyset pagination over (timestamp desc, id desc): stable while rows are added, and as
 * fast on page 500 as on page 1. A cursor is opaque to clients.
 */
export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  endCursor: string | null;
  cursorOf(node: T): string;
}

const MAX_PAGE_SIZE = 100;

export async function paginateNewestFirst<M extends Model & { id: string }>({
  query,
  timestampColumn,
  timestampOf,
  first = 20,
  after,
}: {
  query: QueryBuilder<M, M[]>;
  timestampColumn: string;
  timestampOf: (node: M) => Date;
  first?: number | null;
  after?: string | null;
}): Promise<Page<M>> {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw ValidationError.forField('first', `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  const idColumn = `${query.modelClass().tableName}.id`;
  if (after) {
    const { timestamp, id } = decodeCursor(after);
    query.whereRaw(`(??, ??) < (?, ?)`, [timestampColumn, idColumn, timestamp, id]);
  }
  const rows = await query
    .orderBy([
      { column: timestampColumn, order: 'desc' },
      { column: idColumn, order: 'desc' },
    ])
    .limit(size + 1);
  const nodes = rows.slice(0, size);
  const cursorOf = (node: M) => encodeCursor(timestampOf(node), node.id);
  const last = nodes.at(-1);
  return { nodes, hasNextPage: rows.length > size, endCursor: last ? cursorOf(last) : null, cursorOf };
}

function encodeCursor(timestamp: Date, id: string): string {
  return Buffer.from(JSON.stringify([timestamp.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): { timestamp: Date; id: string } {
  try {
    const [timestamp, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(timestamp);
    if (typeof id !== 'string' || Number.isNaN(date.getTime())) throw new Error('malformed');
    return { timestamp: date, id };
  } catch {
    throw ValidationError.forField('after', 'is not a cursor returned by this API');
  }
}
