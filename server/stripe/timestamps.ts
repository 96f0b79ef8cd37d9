/** Stripe speaks Unix seconds; we speak Dates. */
export function fromUnix(seconds: number): Date;
export function fromUnix(seconds: number | null | undefined): Date | null;
export function fromUnix(seconds: number | null | undefined): Date | null {
  return seconds === null || seconds === undefined ? null : new Date(seconds * 1000);
}

export function toUnix(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

export function idOf(reference: string | { id: string } | null | undefined): string | null {
  if (!reference) return null;
  return typeof reference === 'string' ? reference : reference.id;
}
