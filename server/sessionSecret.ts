import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateToken } from './auth/secrets';
import type { Config } from './config';

const DEVELOPMENT_SECRET_FILE = '.data/session-secret';

/**
 * SESSION_SECRET signs session cookies. Production must set it (config refuses to start otherwise);
 * in development one is generated once and kept under .data/, so sign-ins survive restarts.
 */
export async function resolveSessionSecret(config: Config): Promise<string> {
  if (config.sessionSecret) return config.sessionSecret;
  if (existsSync(DEVELOPMENT_SECRET_FILE)) return (await readFile(DEVELOPMENT_SECRET_FILE, 'utf8')).trim();
  const secret = generateToken(48);
  await mkdir(dirname(DEVELOPMENT_SECRET_FILE), { recursive: true });
  await writeFile(DEVELOPMENT_SECRET_FILE, `${secret}\n`, { mode: 0o600 });
  return secret;
}
