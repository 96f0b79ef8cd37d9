import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * One of the operator commands (`server/cli/<name>.ts`: admin, catalog, database) run as `npm run`
 * runs it: a real process with the given environment, its output collected.
 */
export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runOperatorCommand(
  name: 'admin' | 'catalog' | 'database',
  args: string[],
  env: Record<string, string>,
): Promise<CommandRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', `server/cli/${name}.ts`, ...args], {
    cwd: join(__dirname, '../..'),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
