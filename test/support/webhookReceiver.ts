import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  event: { id: string; type: string; accountId: string | null; sequence: number | null; data: any };
  /** Which of the receiver's secrets verified it (by index), with the standardwebhooks library. */
  verifiedWith: number[];
}

/**
 * A partner's receiver on 127.0.0.1: verifies every delivery with the standardwebhooks package against
 * each secret it is given, keeps what it accepted, and answers as `respond` says (200 by default).
 */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Deliveries answered 2xx, in the order they arrived. */
  accepted: ReceivedWebhook[];
  secrets: string[];
  respond: (delivery: ReceivedWebhook, response: ServerResponse) => void;
  /** Resolves with the first accepted delivery that `matches`, already here or still to come. */
  waitFor(matches: (delivery: ReceivedWebhook) => boolean): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver = {
    received: [],
    accepted: [],
    secrets: [],
    respond: (_delivery: ReceivedWebhook, response: ServerResponse) => response.writeHead(200).end('ok'),
  } as unknown as WebhookReceiver;
  const waiting: Array<{
    matches: (delivery: ReceivedWebhook) => boolean;
    resolve: (delivery: ReceivedWebhook) => void;
  }> = [];
  receiver.waitFor = (matches) => {
    const found = receiver.accepted.find(matches);
    return found ? Promise.resolve(found) : new Promise((resolve) => waiting.push({ matches, resolve }));
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      };
      const verifiedWith = receiver.secrets.flatMap((secret, index) => {
        try {
          new Webhook(secret).verify(body, headers);
          return [index];
        } catch {
          return [];
        }
      });
      const delivery: ReceivedWebhook = {
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        event: JSON.parse(body),
        verifiedWith,
      };
      receiver.received.push(delivery);
      const writeHead = response.writeHead.bind(response);
      response.writeHead = ((status: number, ...rest: unknown[]) => {
        if (status >= 200 && status < 300 && verifiedWith.length > 0) {
          receiver.accepted.push(delivery);
          for (const waiter of waiting.filter((candidate) => candidate.matches(delivery))) {
            waiting.splice(waiting.indexOf(waiter), 1);
            waiter.resolve(delivery);
          }
        }
        return (writeHead as (...args: unknown[]) => ServerResponse)(status, ...rest);
      }) as typeof response.writeHead;
      receiver.respond(delivery, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
