import { ApiError } from './errors';

export interface PageParams {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
}

export interface ListPage<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/**
 * Cursor pagination over a newest-first list, as Stripe does it: `starting_after` continues after an
 * object, `ending_before` returns the page just before one, `limit` is 1–100 (default 10).
 */
export function paginate<T extends { id: string }>(items: T[], params: PageParams, url: string): ListPage<T> {
  const limit = params.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw ApiError.parameterInvalid(
      'limit',
      'Invalid limit: must be an integer between 1 and 100',
      'parameter_invalid_integer',
    );
  }
  if (params.starting_after && params.ending_before) {
    throw ApiError.invalid('You may only specify one of these parameters: ending_before, starting_after.', {
      param: 'starting_after',
    });
  }
  if (params.starting_after) {
    const index = items.findIndex((item) => item.id === params.starting_after);
    if (index === -1) throw ApiError.missing('object', params.starting_after, 'starting_after');
    const rest = items.slice(index + 1);
    return { object: 'list', data: rest.slice(0, limit), has_more: rest.length > limit, url };
  }
  if (params.ending_before) {
    const index = items.findIndex((item) => item.id === params.ending_before);
    if (index === -1) throw ApiError.missing('object', params.ending_before, 'ending_before');
    const before = items.slice(0, index);
    return {
      object: 'list',
      data: before.slice(Math.max(0, before.length - limit)),
      has_more: before.length > limit,
      url,
    };
  }
  return { object: 'list', data: items.slice(0, limit), has_more: items.length > limit, url };
}
