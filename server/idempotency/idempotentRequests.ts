import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { Model } from 'objection';
import { describeActor, type Actor } from '../auth/actor';
import { now } from '../clock';
import { ConflictError, ValidationError } from '../errors';
import { faultPoint } from '../faultPoints';
import { claimLocks } from './claimLocks';

/**
 * One run of a request under an idempotency key. The first call and every retry that takes over its
 * claim see the same `requestId`, so the keys they derive for Stripe are the same, and Stripe answers a
 * resumed call with the object the first one created.
 */
export interface IdempotentAttempt {
  requestId: string;
  /** This call took over a claim whose first call died (or failed after starting its effects). */
  resumed: boolean;
  /**
   * The Stripe idempotency key of one step of this request, the same on every attempt. Deriving one
   * marks the request as having started its effects: from then on a failure keeps the claim, so that
   * a retry resumes with the same keys instead of starting afresh.
   */
  stripeKey(step: string): string;
  /**
   * Decides `step` once for the whole request: the first attempt to get there saves what `decide`
   * answers (plain JSON) before acting on it, and every attempt after it gets the saved answer back,
   * whatever has changed since (a webhook may already have applied the first attempt's effect). Like
   * deriving a Stripe key, saving a decision marks the request as having started its effects.
   */
  decideOnce<T>(step: string, decide: () => Promise<T>): Promise<T>;
  /**
   * Records, in the transaction `trx` that commits the step's effect, that `step` is done and what it
   * answered: a retry that resumes the request after that commit finds it (`answerOf`) instead of
   * acting again. It marks the request as having started its effects, so a failure after the commit
   * keeps the claim (and the answer) for that retry.
   */
  recordAnswer(args: { trx: Knex.Transaction; step: string; answer: unknown }): Promise<void>;
  /** What `step` answered, when an earlier attempt of this request committed it. */
  answerOf<T>(step: string): Promise<T | undefined>;
}

const attemptInProgress = new AsyncLocalStorage<IdempotentAttempt | null>();

/**
 * The attempt of the idempotent request this code runs in (null without a key, or outside any). The
 * work of a request gets its attempt as an argument; the services it calls read it here, so a service
 * derives the same keys and reads the same decisions however it was reached.
 */
export function currentAttempt(): IdempotentAttempt | null {
  return attemptInProgress.getStore() ?? null;
}

export interface IdempotentRequest<Result> {
  actor: Actor;
  idempotencyKey: string | null | undefined;
  operation: string;
  input: unknown;
  /**
   * Checks that the caller may make this request, with the permission the operation itself needs. The
   * work checks the first call itself; this runs before a saved result is answered, so a member removed
   * or demoted since, or a key that lost the scope, cannot read it back.
   */
  authorize: () => Promise<unknown>;
  work: (attempt: IdempotentAttempt | null) => Promise<Result>;
}

/**
 * Makes a mutation safe to retry. The first call with a key claims it and runs; its result is saved,
 * and a retry with the same key and the same input answers that result without acting again. The same
 * key with different input is a CONFLICT. Keys are scoped to the caller (a user, or an API key).
 *
 * A claim is held by a live request through a lock (claimLocks.ts): a retry while the first call is
 * still running is told so at once (CONFLICT), and a retry that finds the claim unfinished and its lock
 * free (the process died) takes it over and runs the work again as the same request (same
 * `requestId`, same Stripe keys), whenever it comes. A call that fails before starting its effects
 * saves nothing, so it can be retried with other input; one that fails after keeps its claim for the
 * retry to resume (docs/decisions/017-crash-safe-money-mutations.md). Results must be plain JSON:
 * services return ids and values, and resolvers load what they show.
 */
export async function withIdempotency<Result>({
  actor,
  idempotencyKey,
  operation,
  input,
  authorize,
  work,
}: IdempotentRequest<Result>): Promise<Result> {
  if (idempotencyKey && idempotencyKey.length > 200)
    throw ValidationError.forField('idempotencyKey', 'is at most 200 characters');
  if (!idempotencyKey) return attemptInProgress.run(null, () => work(null));
  const { actorType, actorId } = describeActor(actor);
  const principal = `${actorType}:${actorId ?? 'anonymous'}`;
  const requestHash = hashRequest(operation, input);
  const knex = Model.knex();
  const locks = claimLocks(knex);

  // The lock is taken before the claim is visible, so no retry can mistake a new claim for an orphan.
  let claimId = randomUUID();
  // Only two ids whose lock keys (64-bit hashes) collide could find it taken.
  while (!(await locks.tryLock(claimId))) claimId = randomUUID();
  let claimed: unknown[];
  try {
    claimed = await knex('idempotentRequests')
      .insert({
        id: claimId,
        principal,
        idempotencyKey,
        operation,
        requestHash,
        status: 'in_progress',
        createdAt: now(),
      })
      .onConflict(['principal', 'idempotencyKey'])
      .ignore()
      .returning('id');
  } catch (error) {
    await locks.unlock(claimId);
    throw error;
  }
  if (claimed.length > 0) return runClaimed({ claimId, resumed: false, operation, work });
  await locks.unlock(claimId);

  const saved = await knex('idempotentRequests').where({ principal, idempotencyKey }).first();
  if (!saved || saved.requestHash !== requestHash || saved.operation !== operation) {
    throw new ConflictError('This idempotency key was already used for a different request.', {
      idempotencyKey,
    });
  }
  if (saved.status === 'completed') return replay(saved.response as Result, authorize);
  if (!(await locks.tryLock(saved.id)))
    throw new ConflictError('A request with this idempotency key is still in progress; retry shortly.', {
      idempotencyKey,
    });
  // Its owner is gone. It may have finished between our read and our lock: then answer its result.
  const current = await knex('idempotentRequests').where({ id: saved.id }).first();
  if (current?.status !== 'in_progress') {
    await locks.unlock(saved.id);
    if (current?.status === 'completed') return replay(current.response as Result, authorize);
    return withIdempotency({ actor, idempotencyKey, operation, input, authorize, work });
  }
  return runClaimed({ claimId: saved.id, resumed: true, operation, work });
}

/** A saved result goes only to a caller who may still make the request (the first call checked itself). */
async function replay<Result>(response: Result, authorize: () => Promise<unknown>): Promise<Result> {
  await authorize();
  return response;
}

/** Runs the work under a claim whose lock this process holds, then completes or releases the claim. */
async function runClaimed<Result>({
  claimId,
  resumed,
  operation,
  work,
}: {
  claimId: string;
  resumed: boolean;
  operation: string;
  work: (attempt: IdempotentAttempt) => Promise<Result>;
}): Promise<Result> {
  const knex = Model.knex();
  let effectsStarted = resumed;
  const steps = claimSteps(claimId);
  const attempt: IdempotentAttempt = {
    requestId: claimId,
    resumed,
    stripeKey: (step) => {
      effectsStarted = true;
      return `${operation}-${claimId}-${step}`;
    },
    decideOnce: async (step, decide) => {
      const key = `decided:${step}`;
      const saved = await steps.read(key);
      if (saved !== undefined) return saved as Awaited<ReturnType<typeof decide>>;
      const decision = await decide();
      effectsStarted = true;
      await steps.write({ key, value: decision });
      return decision;
    },
    recordAnswer: ({ trx, step, answer }) => {
      // Committed with the effect: a failure after that commit must keep the claim, like a Stripe call.
      effectsStarted = true;
      return steps.write({ trx, key: `answered:${step}`, value: answer });
    },
    answerOf: async (step) => (await steps.read(`answered:${step}`)) as never,
  };
  try {
    const result = await attemptInProgress.run(attempt, () => work(attempt));
    await faultPoint('idempotency.beforeCompletion');
    await knex('idempotentRequests')
      .where({ id: claimId })
      .update({ status: 'completed', response: JSON.stringify(result ?? null), completedAt: now() });
    return result;
  } catch (error) {
    // Nothing happened yet: free the key. Otherwise the claim stays, for a retry to resume.
    if (!effectsStarted)
      await knex('idempotentRequests')
        .where({ id: claimId, status: 'in_progress' })
        .delete()
        .catch(() => undefined);
    throw error;
  } finally {
    await claimLocks(knex).unlock(claimId);
  }
}

/** `decide()` once for the request under a key (see IdempotentAttempt.decideOnce); without a key, now. */
export function decideOnce<T>({
  attempt,
  step,
  decide,
}: {
  attempt: IdempotentAttempt | null;
  step: string;
  decide: () => Promise<T>;
}): Promise<T> {
  return attempt ? attempt.decideOnce(step, decide) : decide();
}

/** The steps saved on a claim (decisions and answers), read and written one key at a time. */
function claimSteps(claimId: string) {
  return {
    async read(key: string): Promise<unknown> {
      const row = await Model.knex()('idempotentRequests')
        .where({ id: claimId })
        .first(Model.knex().raw('jsonb_exists(steps, ?) as saved, steps -> ? as value', [key, key]));
      return row?.saved ? row.value : undefined;
    },
    async write({ trx, key, value }: { trx?: Knex.Transaction; key: string; value: unknown }) {
      await (trx ?? Model.knex())('idempotentRequests')
        .where({ id: claimId })
        .update({
          steps: Model.knex().raw('steps || jsonb_build_object(?::text, ?::jsonb)', [
            key,
            JSON.stringify(value ?? null),
          ]),
        });
    },
  };
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
}: Omit<IdempotentRequest<Answer>, 'work'> & {
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

/** Completed results are kept a day, like Stripe's idempotency keys. */
const RESULTS_KEPT_MS = 24 * 60 * 60 * 1000;
/** An interrupted request can be resumed by its retry for this long. */
const INTERRUPTED_KEPT_MS = 30 * 24 * 60 * 60 * 1000;

export async function purgeIdempotentRequests(): Promise<number> {
  const at = now().getTime();
  return Model.knex()('idempotentRequests')
    .where((query) =>
      query
        .where({ status: 'completed' })
        .where('createdAt', '<', new Date(at - RESULTS_KEPT_MS))
        .orWhere('createdAt', '<', new Date(at - INTERRUPTED_KEPT_MS)),
    )
    .delete();
}
