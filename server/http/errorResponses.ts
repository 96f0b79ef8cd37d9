import type { ErrorRequestHandler, Response } from 'express';
import { DomainError, HTTP_STATUS_BY_CODE, type ErrorCode } from '../errors';
import type { Logger } from '../logger';

/** The REST routes' error shape: `{ error: { code, message } }` with the catalogue's HTTP status. */
export function sendError(res: Response, code: ErrorCode, message: string): void {
  res.status(HTTP_STATUS_BY_CODE[code]).json({ error: { code, message } });
}

export function errorResponder(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof DomainError) return sendError(res, error.code, error.message);
    // body-parser's errors (malformed JSON, body too large) carry the status to answer with.
    const status = (error as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendError(res, 'BAD_USER_INPUT', (error as Error).message);
    }
    logger.error({ err: error }, 'unexpected error in HTTP request');
    sendError(res, 'INTERNAL', 'Internal server error.');
  };
}
