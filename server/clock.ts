import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The application's idea of "now". Services read time only through here, so tests (and the trial,
 * renewal and grace-period jobs under test) can move time without sleeping.
 *
 * Work done for an account on a test clock runs inside `atSimulatedTime` (server/testClocks/), where
 * "now" is the clock's frozen time instead: every service it calls follows the account's clock without
 * being told.
 */
export interface Clock {
  now(): Date;
}

const systemClock: Clock = { now: () => new Date() };

let current: Clock = systemClock;

const simulatedTime = new AsyncLocalStorage<Date>();

export function now(): Date {
  const simulated = simulatedTime.getStore();
  return simulated ? new Date(simulated) : current.now();
}

/** Runs `work` (and everything it starts) with "now" standing at `time`; null runs it in real time. */
export function atSimulatedTime<T>(time: Date | null, work: () => T): T {
  return time ? simulatedTime.run(new Date(time), work) : work();
}

/** Whether the caller runs inside `atSimulatedTime`. */
export function isSimulatedTime(): boolean {
  return simulatedTime.getStore() !== undefined;
}

/** Replaces the clock; returns a function that puts the previous one back. */
export function useClock(clock: Clock): () => void {
  const previous = current;
  current = clock;
  return () => {
    current = previous;
  };
}

/** A clock that stands still until moved: for tests and for replaying history. */
export class ManualClock implements Clock {
  constructor(private time: Date) {}

  now(): Date {
    return new Date(this.time);
  }

  set(time: Date): void {
    this.time = new Date(time);
  }

  advance(milliseconds: number): void {
    this.time = new Date(this.time.getTime() + milliseconds);
  }
}
