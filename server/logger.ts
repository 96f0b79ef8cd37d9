import pino, { type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

/**
 * Structured JSON logs; or, for a person at a terminal in development (LOG_FORMAT=pretty), one readable
 * line per entry. Credentials are redacted wherever they could appear: request headers, and any field
 * named like a secret.
 */
export function createLogger({
  level = 'info',
  name = 'billing',
  destination,
  format = 'json',
}: {
  level?: string;
  name?: string;
  destination?: DestinationStream;
  format?: 'json' | 'pretty';
} = {}): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["stripe-signature"]',
        'res.headers["set-cookie"]',
        // Top level, and one level down (`{ input: { password } }`).
        'password',
        'secret',
        'token',
        'apiKey',
        'connectionString',
        '*.password',
        '*.secret',
        '*.token',
        '*.apiKey',
        '*.connectionString',
      ],
      censor: '[redacted]',
    },
  };
  if (format === 'pretty') return pino(options, prettyLines(destination));
  return destination ? pino(options, destination) : pino(options);
}

/** A request reads as `POST /graphql RecordUsage 200 12 ms`; other entries as their message and fields. */
function prettyLines(destination: DestinationStream | undefined): DestinationStream {
  return PinoPretty({
    destination: destination ?? 1,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name',
    messageFormat: (entry, messageKey) => {
      if (entry[messageKey] !== 'request') return String(entry[messageKey]);
      const operation = entry.operation ? ` ${String(entry.operation)}` : '';
      const line = `${String(entry.method)} ${String(entry.path)}${operation} ${String(entry.status)} ${String(entry.milliseconds)} ms`;
      for (const key of ['method', 'path', 'operation', 'status', 'milliseconds']) delete entry[key];
      return line;
    },
  });
}
