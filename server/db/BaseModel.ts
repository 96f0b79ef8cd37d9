import { Model } from 'objection';

/**
 * Every model extends this. Column names are snake_case in Postgres and camelCase in code; the knex
 * instance does the mapping (server/db/knex.ts), so it applies to queries as well as to rows.
 */
export class BaseModel extends Model {}
