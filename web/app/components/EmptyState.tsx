import type { ReactNode } from 'react';

/** What a list shows when there is nothing in it: one sentence saying so, and when something will appear. */
export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
