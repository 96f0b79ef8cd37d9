import { Writable } from 'node:stream';
import { createLogger } from '../../server/logger';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

/** Request logs are kept and read by people: a one-time link found there must not be usable. */
const db = useTestDatabase();
const lines: string[] = [];
let app: TestApp;

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  app = await startTestApp({ database: db.knex, logger: createLogger({ level: 'info', destination }) });
});
afterAll(() => app.close());

async function loggedPathOf(address: string): Promise<string> {
  const requestId = `log-test-${lines.length}-${Math.random()}`;
  await fetch(`${app.url}${address}`, { headers: { 'x-request-id': requestId } });
  // The line is written when the response finishes, which may be a moment after the client has it.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const line = lines.find((candidate) => candidate.includes(requestId));
    if (line) return (JSON.parse(line) as { path: string }).path;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`no request log line for ${address}`);
}

const SECRET = 'Zk3vY8q1s9Jc0aQ7LwP2mX5nB4tR6uE';

describe('request logs', () => {
  it.each([
    [`/reset-password?token=${SECRET}`, '/reset-password?[redacted]'],
    [
      `/reset-password.data?token=${SECRET}&_routes=routes%2Freset-password`,
      '/reset-password.data?[redacted]',
    ],
    [`/reset-password?utm=mail&token=${SECRET}`, '/reset-password?[redacted]'],
    [`/signup/confirm?token=${SECRET}`, '/signup/confirm?[redacted]'],
    [`/invitations/${SECRET}`, '/invitations/[redacted]'],
    [`/invitations/${SECRET}.data?_routes=routes%2Finvitations.%24token`, '/invitations/[redacted]'],
    [`/anything?token=${SECRET}&page=2`, '/anything?token=%5Bredacted%5D&page=2'],
    [`/anything?api_key=${SECRET}`, '/anything?api_key=%5Bredacted%5D'],
  ])('keep the secret of %s out', async (address, logged) => {
    const path = await loggedPathOf(address);
    expect(path).toBe(logged);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('keep ordinary addresses whole', async () => {
    expect(await loggedPathOf('/billing/invoices?after=abc&first=10')).toBe(
      '/billing/invoices?after=abc&first=10',
    );
  });
});
