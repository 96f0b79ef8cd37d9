import { eachOnItsOwn } from '../../server/jobs/eachOnItsOwn';

describe('a job’s items, each on its own', () => {
  it('are all worked on when one fails, which is then reported', async () => {
    const done: number[] = [];
    const run = eachOnItsOwn([1, 2, 3], async (item) => {
      if (item === 2) throw new Error('item 2 is broken');
      done.push(item);
    });
    await expect(run).rejects.toThrow('item 2 is broken');
    expect(done).toEqual([1, 3]);
  });

  it('report several failures together, and none when all succeed', async () => {
    const several = eachOnItsOwn([1, 2, 3], async (item) => {
      if (item !== 3) throw new Error(`item ${item} is broken`);
    });
    await expect(several).rejects.toMatchObject({
      message: '2 of 3 items failed; the first: item 1 is broken',
      errors: [expect.any(Error), expect.any(Error)],
    });
    await expect(eachOnItsOwn([1, 2], async () => undefined)).resolves.toBeUndefined();
  });
});
