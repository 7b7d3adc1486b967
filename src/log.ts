// One pino logger for the process: JSON lines in production, pretty in dev; secrets are redacted by path.
import { createRequire } from 'node:module';

import pino, { type Logger } from 'pino';

/** Fields that could carry a credential if someone ever logs a request or an object carelessly. */
const REDACT = [
  'password',
  'client_secret',
  'clientSecret',
  'secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'code',
  'code_verifier',
  'authorization',
  'cookie',
  '*.password',
  '*.client_secret',
  '*.refresh_token',
  '*.access_token',
  '*.authorization',
  '*.cookie',
];

export class LogFormatError extends Error {
  override name = 'LogFormatError';
}

/** pino-pretty is a development dependency: the production image has none, and pino's own error would be a stack. */
function assertPrettyAvailable(): void {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    throw new LogFormatError('PURSER_LOG_FORMAT=pretty needs the pino-pretty package, which only a development install has (npm install); use json');
  }
}

export function createLogger(options: { level: string; format: 'json' | 'pretty' | string }): Logger {
  if (options.format === 'pretty') assertPrettyAvailable();
  return pino({
    level: options.level,
    base: { service: 'purser' },
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(options.format === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,service', translateTime: 'HH:MM:ss' } } }
      : {}),
  });
}

export type { Logger };
