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
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function paginateNewestFirst<M extends Model & { id: string }>({
  query,
  timestampColumn,
  timestampOf,
  first = 20,
  after,
  idPattern = UUID,
}: {
  query: QueryBuilder<M, M[]>;
  timestampColumn: string;
  timestampOf: (node: M) => Date;
  first?: number | null;
  after?: string | null;
  /** What the table's ids look like (UUIDs unless said otherwise): a cursor naming another is refused. */
  idPattern?: RegExp;
}): Promise<Page<M>> {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw ValidationError.forField('first', `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  const idColumn = `${query.modelClass().tableName}.id`;
  if (after) {
    const { timestamp, id } = decodeCursor(after, idPattern);
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

/**
 * A cursor is trusted for nothing: it must be exactly what encodeCursor makes (an instant in years
 * 0001-9999, as toISOString writes it, and an id of the table's shape), or it never reaches the query.
 */
function decodeCursor(cursor: string, idPattern: RegExp): { timestamp: Date; id: string } {
  const [timestamp, id, ...rest] = parseCursorJson(cursor);
  const date = typeof timestamp === 'string' ? new Date(timestamp) : null;
  const wellFormed =
    rest.length === 0 &&
    typeof id === 'string' &&
    idPattern.test(id) &&
    typeof timestamp === 'string' &&
    /^\d{4}-/.test(timestamp) &&
    date !== null &&
    !Number.isNaN(date.getTime()) &&
    date.toISOString() === timestamp;
  if (!wellFormed) throw ValidationError.forField('after', 'is not a cursor returned by this API');
  return { timestamp: date, id };
}

function parseCursorJson(cursor: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}
