/**
 * One typed error base for the whole project. The code set is closed: adding a code is a design
 * decision (it changes HTTP mapping, CLI exit codes and job retry policy), not a local convenience.
 */
export const ERROR_CODES = [
  /** A request, CLI argument or job payload failed validation. */
  'INVALID_INPUT',
  /** A row in a data file is malformed (carries file, line and column). */
  'INVALID_DATA',
  /** A referenced user, event, artefact or job does not exist. */
  'NOT_FOUND',
  /** The write conflicts with current state (duplicate id, lock held, version exists). */
  'CONFLICT',
  /** The caller is not allowed to do this (missing or wrong API key). */
  'UNAUTHORIZED',
  /** Request body or batch over its size limit, or rate limit hit. */
  'TOO_LARGE',
  'RATE_LIMITED',
  /** An artefact failed verification (checksum, schema, version). The old one keeps serving. */
  'CORRUPT_ARTIFACT',
  /** A dependency (Redis, the index, a worker) is unreachable or not ready. */
  'UNAVAILABLE',
  /** Configuration from env or file is invalid. */
  'CONFIG',
  /** The operation is not supported in this build or on this backend. */
  'UNSUPPORTED',
  /** A publish was refused by the quality gate. */
  'QUALITY_GATE',
  'TIMEOUT',
  /** A bug: an invariant did not hold. */
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Where in a data file something went wrong. Lines and columns are 1-based. */
export interface DataLocation {
  file: string;
  line: number;
  /** Column (1-based field index for CSV, character offset for JSON), when known. */
  column?: number;
  /** Name of the field, when known. */
  field?: string;
}

export interface EvrecErrorOptions {
  /** Machine-readable details; serialised into HTTP error bodies and job failure reasons. */
  details?: Record<string, unknown>;
  /** Dotted path of the offending input field, e.g. `context.lat`. */
  field?: string;
  location?: DataLocation;
  cause?: unknown;
}

export class EvrecError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly field?: string;
  readonly location?: DataLocation;

  constructor(code: ErrorCode, message: string, options: EvrecErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EvrecError';
    this.code = code;
    this.details = options.details;
    this.field = options.field;
    this.location = options.location;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.location === undefined ? {} : { location: this.location }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Whether a string (e.g. a code sent back by a worker thread) is one of the closed set. */
export function isErrorCode(code: string | undefined): code is ErrorCode {
  return code !== undefined && (ERROR_CODES as readonly string[]).includes(code);
}

export function isEvrecError(e: unknown, code?: ErrorCode): e is EvrecError {
  return e instanceof EvrecError && (code === undefined || e.code === code);
}

/** `file:line:column` as editors and terminals understand it. */
export function formatLocation(loc: DataLocation): string {
  return `${loc.file}:${loc.line}${loc.column === undefined ? '' : `:${loc.column}`}`;
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  INVALID_DATA: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHORIZED: 401,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  CORRUPT_ARTIFACT: 500,
  UNAVAILABLE: 503,
  CONFIG: 500,
  UNSUPPORTED: 501,
  QUALITY_GATE: 409,
  TIMEOUT: 504,
  INTERNAL: 500,
};

export function httpStatusFor(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/** Process exit codes for the CLI: 2 for the caller's mistakes, 1 for everything else. */
export function exitCodeFor(code: ErrorCode): number {
  return code === 'INVALID_INPUT' || code === 'INVALID_DATA' || code === 'NOT_FOUND' || code === 'CONFIG' ? 2 : 1;
}
