import { z } from 'zod';
import { ApiError } from './errors';
import type { FormObject } from './form';
import { p, parseParams } from './params';

/**
 * The part of Stripe's search query language the emulator understands: clauses `field:'value'` (exact),
 * `field~'value'` (contains, at least 3 characters), `field>123` / `<` / `>=` / `<=` on numbers,
 * `metadata['key']:'value'`, each optionally negated with `-`, joined by `AND` or by `OR` (not both, as
 * Stripe refuses mixing them), at most 10 clauses. Results are newest first; `page` continues.
 */
export interface SearchResult<T> {
  object: 'search_result';
  data: T[];
  has_more: boolean;
  next_page: string | null;
  url: string;
}

type FieldReader<T> = (item: T) => string | number | null | undefined;

interface Clause {
  field: string;
  key?: string;
  operator: ':' | '~' | '>' | '<' | '>=' | '<=';
  value: string;
  negated: boolean;
}

const CLAUSE =
  /^\s*(-)?([a-z_]+)(?:\[['"]([^'"]+)['"]\])?\s*(>=|<=|:|~|>|<)\s*(?:'([^']*)'|"([^"]*)"|([^\s'"]+))\s*/;

function parseQuery(query: string, fields: readonly string[]): { clauses: Clause[]; joiner: 'AND' | 'OR' } {
  const clauses: Clause[] = [];
  const joiners = new Set<string>();
  let rest = query;
  while (rest.trim() !== '') {
    const match = CLAUSE.exec(rest);
    if (!match) throw invalidQuery(query, `could not read "${rest.trim()}"`);
    const [whole, negated, field, key, operator, single, double, bare] = match;
    if (field === 'metadata' ? key === undefined : !fields.includes(field!))
      throw invalidQuery(query, `${field} is not a field you can search on here`);
    const value = single ?? double ?? bare ?? '';
    if (operator === '~' && value.length < 3)
      throw invalidQuery(query, 'a substring match (~) needs at least 3 characters');
    clauses.push({
      field: field!,
      key,
      operator: operator as Clause['operator'],
      value,
      negated: negated === '-',
    });
    rest = rest.slice(whole.length);
    const joiner = /^(AND|OR)\s+/i.exec(rest);
    if (joiner) {
      joiners.add(joiner[1]!.toUpperCase());
      rest = rest.slice(joiner[0].length);
    } else if (rest.trim() !== '') joiners.add('AND');
  }
  if (clauses.length === 0) throw invalidQuery(query, 'it is empty');
  if (clauses.length > 10) throw invalidQuery(query, 'it has more than 10 clauses');
  if (joiners.size > 1) throw invalidQuery(query, 'AND and OR cannot be combined in one query');
  return { clauses, joiner: joiners.has('OR') ? 'OR' : 'AND' };
}

function invalidQuery(query: string, why: string): ApiError {
  return ApiError.parameterInvalid('query', `Invalid query: ${why}. Query: ${query}`);
}

function matches<T extends { metadata?: Record<string, string> | null }>(
  item: T,
  clause: Clause,
  fields: Record<string, FieldReader<T>>,
): boolean {
  const actual = clause.field === 'metadata' ? item.metadata?.[clause.key!] : fields[clause.field]!(item);
  let result: boolean;
  switch (clause.operator) {
    case ':':
      result = actual !== null && actual !== undefined && String(actual) === clause.value;
      break;
    case '~':
      result = typeof actual === 'string' && actual.toLowerCase().includes(clause.value.toLowerCase());
      break;
    default: {
      const number = Number(clause.value);
      if (typeof actual !== 'number' || !Number.isFinite(number)) result = false;
      else if (clause.operator === '>') result = actual > number;
      else if (clause.operator === '<') result = actual < number;
      else if (clause.operator === '>=') result = actual >= number;
      else result = actual <= number;
    }
  }
  return clause.negated ? !result : result;
}

/** Answers `GET <url>?query=...&limit=...&page=...` over `items` with the searchable `fields`. */
export function searchWith<
  T extends { id: string; created: number; metadata?: Record<string, string> | null },
>(body: FormObject, url: string, items: T[], fields: Record<string, FieldReader<T>>): SearchResult<T> {
  const params = parseParams(
    z.strictObject({
      query: z.string(),
      limit: p.integer().optional(),
      page: z.string().optional(),
      expand: p.expand(),
    }),
    body,
  );
  const limit = params.limit ?? 10;
  if (limit < 1 || limit > 100)
    throw ApiError.parameterInvalid('limit', 'Invalid limit: must be an integer between 1 and 100');
  const { clauses, joiner } = parseQuery(params.query, Object.keys(fields));
  // Newest first; objects created in the same second keep the order they are given in (`store.list`: newest first).
  const found = items
    .map((item, order) => ({ item, order }))
    .filter(({ item }) =>
      joiner === 'AND'
        ? clauses.every((clause) => matches(item, clause, fields))
        : clauses.some((clause) => matches(item, clause, fields)),
    )
    .sort((a, b) => b.item.created - a.item.created || a.order - b.order)
    .map(({ item }) => item);
  const start = params.page ? pageOffset(params.page) : 0;
  const data = found.slice(start, start + limit);
  const more = start + limit < found.length;
  return {
    object: 'search_result',
    data,
    has_more: more,
    next_page: more ? Buffer.from(`offset:${start + limit}`).toString('base64url') : null,
    url,
  };
}

function pageOffset(page: string): number {
  const offset = /^offset:(\d+)$/.exec(Buffer.from(page, 'base64url').toString())?.[1];
  if (offset === undefined) throw ApiError.parameterInvalid('page', `Invalid page: ${page}`);
  return Number(offset);
}
