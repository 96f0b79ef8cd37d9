import { createHash } from 'node:crypto';
import { Model } from 'objection';
import { describeActor, type Actor } from '../auth/actor';
import { now } from '../clock';
import { ConflictError, ValidationError } from '../errors';

/**
 * Makes a mutation safe to retry. The first call with a key runs and its result is saved; a retry with
 * the same key and the same input returns that saved result without acting again; the same key with
 * different input is a CONFLICT, and so is a retry while the first call is still running. Keys are
 * scoped to the caller (a user, or an API key). A call that fails saves nothing, so it can be retried.
 * The result must be plain JSON: services return ids and values, and resolvers load what they show.
 */
const ABANDONED_AFTER_MS = 5 * 60 * 1000;

export async function withIdempotency<Result>({
  actor,
  idempotencyKey,
  operation,
  input,
  work,
}: {
  actor: Actor;
  idempotencyKey: string | null | undefined;
  operation: string;
  input: unknown;
  work: () => Promise<Result>;
}): Promise<Result> {
  if (!idempotencyKey) return work();
  if (idempotencyKey.length > 200)
    throw ValidationError.forField('idempotencyKey', 'is at most 200 characters');
  const { actorType, actorId } = describeActor(actor);
  const principal = `${actorType}:${actorId ?? 'anonymous'}`;
  const requestHash = hashRequest(operation, input);
  const knex = Model.knex();

  const claimed = await knex('idempotentRequests')
    .insert({ principal, idempotencyKey, operation, requestHash, status: 'in_progress', createdAt: now() })
    .onConflict(['principal', 'idempotencyKey'])
    .ignore()
    .returning('id');
  if (claimed.length === 0) {
    const saved = await knex('idempotentRequests').where({ principal, idempotencyKey }).first();
    if (!saved || saved.requestHash !== requestHash || saved.operation !== operation) {
      throw new ConflictError('This idempotency key was already used for a different request.', {
        idempotencyKey,
      });
    }
    if (saved.status === 'completed') return saved.response as Result;
    // A claim this old belongs to a process that died mid-request: release it so the retry can run.
    if (saved.createdAt.getTime() < now().getTime() - ABANDONED_AFTER_MS) {
      await knex('idempotentRequests').where({ id: saved.id, status: 'in_progress' }).delete();
      return withIdempotency({ actor, idempotencyKey, operation, input, work });
    }
    throw new ConflictError('A request with this idempotency key is still in progress; retry shortly.', {
      idempotencyKey,
    });
  }

  try {
    const result = await work();
    await knex('idempotentRequests')
      .where({ id: claimed[0].id })
      .update({ status: 'completed', response: JSON.stringify(result ?? null), completedAt: now() });
    return result;
  } catch (error) {
    await knex('idempotentRequests').where({ id: claimed[0].id }).delete();
    throw error;
  }
}

/**
 * withIdempotency for a mutation whose answer is not plain JSON (models, dates): the first call answers
 * what `work` returned and saves `keep(answer)`; a replay answers `replay(kept)`, loaded afresh.
 */
export async function withIdempotentAnswer<Answer, Kept>({
  keep,
  replay,
  work,
  ...request
}: {
  actor: Actor;
  idempotencyKey: string | null | undefined;
  operation: string;
  input: unknown;
  work: () => Promise<Answer>;
  keep: (answer: Answer) => Kept;
  replay: (kept: Kept) => Promise<Answer>;
}): Promise<Answer> {
  let first: { answer: Answer } | undefined;
  const kept = await withIdempotency({
    ...request,
    work: async () => {
      first = { answer: await work() };
      return keep(first.answer);
    },
  });
  return first ? first.answer : replay(kept);
}

function hashRequest(operation: string, input: unknown): string {
  return createHash('sha256').update(operation).update('\0').update(stableJson(input)).digest('hex');
}

/** JSON with object keys sorted, so the same input always hashes the same. */
function stableJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, field]) => field !== undefined,
    );
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, field]) => `${JSON.stringify(key)}:${stableJson(field)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Saved results are kept a day, like Stripe's idempotency keys. */
export async function purgeIdempotentRequests(): Promise<number> {
  return Model.knex()('idempotentRequests')
    .where('createdAt', '<', new Date(now().getTime() - 24 * 60 * 60 * 1000))
    .delete();
}
