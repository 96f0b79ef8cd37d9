import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Credentials are redacted wherever they could appear: request headers,
 * and any field named like a secret.
 */
export function createLogger({
  level = 'info',
  name = 'billing',
  destination,
}: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const options: pino.LoggerOptions = {
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
  };
  return destination ? pino(options, destination) : pino(options);
}
