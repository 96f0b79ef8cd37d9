/**
 * Runs `work` for each item a job found due, each on its own: one item that fails (data the job did not
 * expect, Stripe refusing one call) does not stop the others, and never blocks them run after run. The
 * failures are thrown together at the end, so the run is still marked failed, logged and retried by the
 * queue, with everything else done. Each item's work must be safe to repeat, as every job's is.
 */
export async function eachOnItsOwn<Item>(
  items: Iterable<Item>,
  work: (item: Item) => Promise<void>,
): Promise<void> {
  const failures: unknown[] = [];
  let count = 0;
  for (const item of items) {
    count += 1;
    try {
      await work(item);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1)
    throw new AggregateError(
      failures,
      `${failures.length} of ${count} items failed; the first: ${describe(failures[0])}`,
    );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
