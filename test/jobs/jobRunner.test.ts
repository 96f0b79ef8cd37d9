import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import { SMTPServer } from 'smtp-server';
import { sendPendingNotifications } from '../../server/notifications/delivery';
import { enqueueAccountNotification } from '../../server/notifications/outbox';
import { createAccount } from '../factories';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const root = join(__dirname, '../..');

/** A real SMTP server that keeps every message it accepts, and says when it holds a number of them. */
async function startMailbox(): Promise<{
  url: string;
  received: string[];
  holding: (count: number) => Promise<void>;
  stop: () => Promise<void>;
}> {
  const received: string[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      let message = '';
      stream.on('data', (chunk: Buffer) => (message += chunk.toString()));
      stream.on('end', () => {
        received.push(message);
        waiting.filter(({ count }) => received.length >= count).forEach(({ resolve }) => resolve());
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    holding: (count) =>
      received.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiting.push({ count, resolve })),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function startJobProcess(env: Record<string, string>): {
  child: ChildProcess;
  completed: () => number;
  ready: Promise<void>;
} {
  // Node itself with tsx's loader, not the tsx command: a wrapper process could exit on SIGTERM before the
  // process doing the work, which would then outlive the test.
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'support/jobProcess.ts')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout!.on(
      'data',
      (chunk: Buffer) => ((output += chunk.toString()), output.includes('ready') && resolve()),
    ),
  );
  return {
    child,
    completed: () => output.split('\n').filter((line) => line === 'done send_notifications').length,
    ready,
  };
}

/** Stops job processes as a deploy would (SIGTERM): each finishes and commits the jobs it is running. */
async function stopAll(processes: Array<{ child: ChildProcess }>): Promise<void> {
  await Promise.all(
    processes.map(({ child }) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))),
    ),
  );
}

async function enqueue(accountId: string, count: number, prefix: string): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      enqueueAccountNotification({
        accountId,
        notice: {
          kind: 'plan_changed',
          data: { planName: `${prefix} ${index}`, billingUrl: 'http://billing.test' },
        },
        dedupeKey: `${prefix}-${index}`,
      }),
    ),
  );
}

describe('the notifications outbox', () => {
  it('keeps notices visible, marked skipped, when no SMTP server is configured', async () => {
    const account = await createAccount({ billingEmail: 'skip@customer.test' });
    await enqueue(account.id, 2, 'skip');
    const outcome = await sendPendingNotifications({ transport: null, from: 'x@test' });
    expect(outcome).toMatchObject({ skipped: 2, sent: 0 });
    expect(
      await db.knex('notifications').where({ accountId: account.id }).select('status', 'lastError'),
    ).toEqual([
      { status: 'skipped', lastError: 'SMTP is not configured (SMTP_URL)' },
      { status: 'skipped', lastError: 'SMTP is not configured (SMTP_URL)' },
    ]);
  });

  it('is sent once per notice by two server processes working the queue at the same time', async () => {
    const mailbox = await startMailbox();
    const account = await createAccount({ billingEmail: 'many@customer.test' });
    await enqueue(account.id, 300, 'burst');
    const processes = [1, 2].map(() =>
      startJobProcess({ DATABASE_URL: db.connectionString, SMTP_URL: mailbox.url }),
    );
    let utils: WorkerUtils | undefined;
    try {
      await Promise.all(processes.map((process) => process.ready));
      utils = await makeWorkerUtils({ connectionString: db.connectionString });
      for (let job = 0; job < 12; job += 1) await utils.addJob('send_notifications', {});

      // Every notice has reached the mailbox; stopping the processes waits for the jobs that sent the
      // last of them to commit, so what the outbox says next is final.
      await mailbox.holding(300);
      await stopAll(processes);
      const subjects = mailbox.received.map((message) => /^Subject: (.*)$/m.exec(message)?.[1]);
      expect(subjects).toHaveLength(300);
      expect(new Set(subjects).size).toBe(300);
      expect(
        await db
          .knex('notifications')
          .where({ accountId: account.id, status: 'sent' })
          .count<{ count: number }[]>('* as count'),
      ).toEqual([{ count: 300 }]);
      expect(processes.every((process) => process.completed() > 0)).toBe(true);
    } finally {
      await utils?.release();
      await stopAll(processes);
      await mailbox.stop();
    }
  }, 90_000);
});
