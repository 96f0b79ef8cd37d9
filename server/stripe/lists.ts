/** Every item of a Stripe list, across all its pages (the SDK's list promises are async iterables). */
export async function everyItem<T>(list: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of list) items.push(item);
  return items;
}
