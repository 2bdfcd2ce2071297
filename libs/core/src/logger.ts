import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stderr (stdout stays free for command output). */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({ level: options.level ?? process.env.EVREC_LOG_LEVEL ?? 'info', name: options.name ?? 'evrec' }, pino.destination(2));
}
