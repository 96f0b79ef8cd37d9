import pg from 'pg';
import type { Logger } from '../logger';

/**
 * Rows that per-process caches depend on announce their changes with pg_notify (triggers in the
 * migrations): `subscription_changed` and `account_changed` (payload: account id), `api_key_changed`
 * (payload: key prefix) and `user_access_changed` (payload: user id; a role, a membership, platform
 * admin rights or a login's deletion changed).
 * Each process keeps one listening connection and tells the caches. While that connection is down a
 * process cannot hear changes, so every cache is cleared and the connection is re-established.
 */
const CHANNELS = [
  'subscription_changed',
  'account_changed',
  'api_key_changed',
  'user_access_changed',
] as const;
export type ChangeChannel = (typeof CHANNELS)[number];

const listeners = new Map<ChangeChannel, Array<(payload: string) => void>>();
const resets: Array<() => void> = [];

/** Registers what to drop when a row changes, and what to clear when changes may have been missed. */
export function onChange(
  channel: ChangeChannel,
  dropEntry: (payload: string) => void,
  clearAll: () => void,
): void {
  listeners.set(channel, [...(listeners.get(channel) ?? []), dropEntry]);
  resets.push(clearAll);
}

/** Starts listening; returns a function that stops. */
export async function listenForChanges({
  connectionString,
  logger,
}: {
  connectionString: string;
  logger: Logger;
}): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  // Until it is back, caches hold entries for their expiry at most (30 s), unwarned of changes.
  const reconnect = (): void => {
    resets.forEach((clear) => clear());
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      if (!stopped) void connect().catch(reconnect);
    }, 1000).unref();
  };
  const connect = async (): Promise<void> => {
    client = new pg.Client({ connectionString, application_name: 'billing-change-listener' });
    client.on('notification', (message) => {
      if (message.payload)
        for (const drop of listeners.get(message.channel as ChangeChannel) ?? []) drop(message.payload);
    });
    const lost = client;
    lost.on('error', (error) => {
      // A dead connection may report more errors; only the first one matters.
      lost.removeAllListeners();
      lost.on('error', () => undefined);
      if (stopped) return;
      logger.warn(
        { err: error },
        'lost the change-notification connection; clearing caches and reconnecting',
      );
      reconnect();
    });
    await client.connect();
    for (const channel of CHANNELS) await client.query(`listen ${channel}`);
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}
