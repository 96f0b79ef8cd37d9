import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * The real service process (`server/main.ts`, as `npm start` runs it) on a database the test made, on a
 * free port, with the environment a developer's machine would give it. Tests use it where what they
 * check is the process itself: how copies start together, what they share.
 */
const root = join(__dirname, '../..');

/** Every process started and not yet stopped, whether or not it came up, for `stopServiceProcesses`. */
const started = new Set<ChildProcess>();

export interface ServiceProcess {
  url: string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  signal(signal: NodeJS.Signals): void;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** How `npm start` runs the service: TypeScript through tsx. */
export const FROM_SOURCE = ['--import', 'tsx', 'server/main.ts'];

export function startServiceProcess({
  databaseUrl,
  directory,
  env = {},
  nodeArguments = FROM_SOURCE,
}: {
  databaseUrl: string;
  /** Where the process may write its files (emulator state, demo credentials). */
  directory: string;
  env?: Record<string, string>;
  nodeArguments?: string[];
}): Promise<ServiceProcess> {
  const unique = randomBytes(4).toString('hex');
  const child = spawn(process.execPath, nodeArguments, {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      PORT: '0',
      LOG_LEVEL: 'info',
      STRIPE_EMULATOR_PORT: '0',
      STRIPE_EMULATOR_STATE_FILE: join(directory, `stripe-${unique}.json`),
      DEMO_CREDENTIALS_FILE: join(directory, `demo-${unique}.json`),
      SESSION_SECRET: 'service-process-session-secret-0123456789',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      started.delete(child);
      resolve(code);
    }),
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /Billing service:\s+(\S+)/.exec(output)?.[1];
      if (url)
        resolve({
          url,
          exited,
          signal: (signal) => child.kill(signal),
          output: () => output,
          stop: () => stopProcess(child),
        });
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => reject(new ServiceExitedError(code, output)));
  });
}

export class ServiceExitedError extends Error {
  constructor(
    readonly code: number | null,
    readonly output: string,
  ) {
    super(`the service exited with ${code} before serving:\n${output}`);
  }
}

/** Stops every process this module started, including any still starting; for `afterEach`. */
export async function stopServiceProcesses(): Promise<void> {
  await Promise.all([...started].map(stopProcess));
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
