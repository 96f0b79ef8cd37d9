import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Credentials are redacted wherever they could appear: request headers,
 * and any field named like a secret.
 */
export function createLogger({
  level = 'info',
  name = 'billing',
}: { level?: string; name?: string } = {}): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["stripe-signature"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.secret',
        '*.token',
        '*.apiKey',
        '*.connectionString',
      ],
      censor: '[redacted]',
    },
  });
}
