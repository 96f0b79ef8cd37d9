import { Agent, request } from 'node:http';

export interface LoadResult {
  completed: number;
  milliseconds: number;
  /** Per request, in milliseconds. */
  latencies: number[];
}

/**
 * Sends `requests` POSTs from `clients` concurrent keep-alive connections, each client taking the next
 * request as soon as its previous one is answered. `body(index)` builds request `index`; `check`
 * sees every response and throws to fail the run (a benchmark of wrong answers measures nothing).
 */
export async function runLoad({
  url,
  clients,
  requests,
  headers = {},
  body,
  check,
}: {
  url: string;
  clients: number;
  requests: number;
  headers?: Record<string, string>;
  body: (index: number) => string;
  check?: (response: { status: number; body: string; index: number }) => void;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const target = new URL(url);
  const latencies: number[] = [];
  let next = 0;
  const client = async () => {
    while (next < requests) {
      const index = next++;
      const payload = body(index);
      const start = performance.now();
      const response = await post({ agent, target, headers, payload });
      latencies.push(performance.now() - start);
      check?.({ ...response, index });
    }
  };
  const start = performance.now();
  try {
    await Promise.all(Array.from({ length: clients }, client));
  } finally {
    agent.destroy();
  }
  return { completed: latencies.length, milliseconds: performance.now() - start, latencies };
}

/**
 * Open loop: offers `ratePerSecond` POSTs for `seconds`, each sent at its scheduled moment whether or not
 * earlier ones are answered, as independent users would. A latency counts from the scheduled moment,
 * so a server that falls behind shows its queueing in the percentiles instead of slowing the sender
 * (the closed loop's coordinated omission). `body`, `check` as in runLoad.
 */
export async function runOpenLoad({
  url,
  ratePerSecond,
  seconds,
  headers = {},
  body,
  check,
}: {
  url: string;
  ratePerSecond: number;
  seconds: number;
  headers?: Record<string, string>;
  body: (index: number) => string;
  check?: (response: { status: number; body: string; index: number }) => void;
}): Promise<LoadResult & { offered: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const target = new URL(url);
  const total = Math.max(1, Math.round(ratePerSecond * seconds));
  const intervalMs = 1000 / ratePerSecond;
  const latencies: number[] = [];
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now();
  try {
    for (let index = 0; index < total; index += 1) {
      const scheduled = start + index * intervalMs;
      const wait = scheduled - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const payload = body(index);
      inFlight.push(
        post({ agent, target, headers, payload }).then((response) => {
          latencies.push(performance.now() - scheduled);
          check?.({ ...response, index });
        }),
      );
    }
    await Promise.all(inFlight);
  } finally {
    agent.destroy();
  }
  return { completed: latencies.length, milliseconds: performance.now() - start, latencies, offered: total };
}

function post({
  agent,
  target,
  headers,
  payload,
}: {
  agent: Agent;
  target: URL;
  headers: Record<string, string>;
  payload: string;
}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () =>
          resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** Runs `work` on `concurrency` workers until `total` items are done; for the database baselines. */
export async function runConcurrently({
  concurrency,
  total,
  work,
}: {
  concurrency: number;
  total: number;
  work: (index: number, worker: number) => Promise<void>;
}) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < total) await work(next++, worker);
    }),
  );
  return { completed: total, milliseconds: performance.now() - start };
}
