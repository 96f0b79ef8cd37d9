import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { drainableServer } from '../../server/shutdown';

/**
 * Stopping with keep-alive connections that stay open for a minute (HTTP_KEEP_ALIVE_SECONDS): a stopping
 * process must not wait for them to run out, nor cut off a response, nor leave a client to send its next
 * request on a connection that is about to close.
 */
let server: Server;
let agent: Agent;
let serving: ReturnType<typeof drainableServer>;
/** Requests the handler holds until the test lets them answer. */
const held: Array<() => void> = [];

beforeEach(async () => {
  server = createServer({ keepAliveTimeout: 65_000 });
  serving = drainableServer(server);
  server.on('request', (incoming, response) => {
    if (incoming.url === '/stream') {
      // Headers go out at once; the body only when let go.
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('first part, ');
      held.push(() => response.end('last part'));
    } else held.push(() => response.end('answered'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  agent = new Agent({ keepAlive: true });
});

afterEach(() => {
  agent.destroy();
  server.closeAllConnections();
  server.close();
});

function get(path: string): Promise<{ response: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port: (server.address() as AddressInfo).port, path, agent },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ response, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

async function heldRequests(count: number): Promise<void> {
  while (held.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Whether `stop()` finished within a second: long before a keep-alive of 65 s, or a grace period, ends. */
async function stoppedPromptly(stopped: Promise<void>): Promise<boolean> {
  const late = new Promise<false>((resolve) => setTimeout(() => resolve(false), 1000).unref());
  return Promise.race([stopped.then(() => true as const), late]);
}

describe('stopping an HTTP server with long keep-alive connections', () => {
  it('closes idle connections at once', async () => {
    const first = get('/');
    await heldRequests(1);
    held.shift()!();
    expect((await first).response.headers.connection).toBe('keep-alive');

    expect(await stoppedPromptly(serving.stop())).toBe(true);
  });

  it('answers a request in flight, telling its client the connection closes, then closes it', async () => {
    const inFlight = get('/');
    await heldRequests(1);
    const stopped = serving.stop();
    held.shift()!();

    const { response, body } = await inFlight;
    expect(body).toBe('answered');
    expect(response.headers.connection).toBe('close');
    expect(await stoppedPromptly(stopped)).toBe(true);
  });

  it('closes the connection of a response already under way once it ends', async () => {
    const streaming = get('/stream');
    await heldRequests(1);
    const stopped = serving.stop();
    held.shift()!();

    const { response, body } = await streaming;
    expect(body).toBe('first part, last part');
    // Its headers had said keep-alive before the server stopped.
    expect(response.headers.connection).toBe('keep-alive');
    expect(await stoppedPromptly(stopped)).toBe(true);
  });
});
