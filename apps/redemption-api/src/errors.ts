/**
 * The API's error contract: every error body is {"error":{"code","message"}},
 * and this is the one map from code to HTTP status. The OpenAPI document and
 * the README list every code (a spec checks both).
 */
export const ERROR_STATUS = {
  INVITE_MALFORMED: 400,
  INVITE_UNKNOWN: 404,
  INVITE_USED: 409,
  INVITE_EXPIRED: 410,
  INVITE_REVOKED: 410,
  REQUEST_INVALID: 400,
  REQUEST_TOO_LARGE: 413,
  REQUEST_UNSUPPORTED_MEDIA_TYPE: 415,
  REQUEST_HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  RATE_LIMITED: 429,
  ADMIN_UNAUTHORIZED: 401,
  ADMIN_DISABLED: 404,
  DATABASE_UNAVAILABLE: 503,
  DATABASE_NOT_MIGRATED: 503,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Default messages, safe to show to anyone: none quotes the input. */
export const ERROR_MESSAGE: Record<ErrorCode, string> = {
  INVITE_MALFORMED: 'This is not an invite code: it must be 16 characters (letters and digits), e.g. XXXX-XXXX-XXXX-XXXX.',
  INVITE_UNKNOWN: 'No invite has this code.',
  INVITE_USED: 'This invite has already been used.',
  INVITE_EXPIRED: 'This invite has expired.',
  INVITE_REVOKED: 'This invite has been revoked.',
  REQUEST_INVALID: 'The request is invalid.',
  REQUEST_TOO_LARGE: 'The request body is too large.',
  REQUEST_UNSUPPORTED_MEDIA_TYPE: 'The request body must be application/json.',
  REQUEST_HEADERS_TOO_LARGE: 'The request headers are too large.',
  REQUEST_TIMEOUT: 'The request took too long to arrive.',
  NOT_FOUND: 'No such route.',
  METHOD_NOT_ALLOWED: 'This method is not allowed on this route.',
  RATE_LIMITED: 'Too many requests; try again later.',
  ADMIN_UNAUTHORIZED: 'A valid admin bearer token is required.',
  ADMIN_DISABLED: 'No such route.',
  DATABASE_UNAVAILABLE: 'The database is unavailable; try again shortly.',
  DATABASE_NOT_MIGRATED: 'The database is not migrated.',
  SHUTTING_DOWN: 'The service is shutting down.',
  INTERNAL: 'Internal error.',
};

/** An error the API answers with its own code; anything else becomes INTERNAL. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_MESSAGE[code],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.statusCode = ERROR_STATUS[code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function errorBody(code: ErrorCode, message: string = ERROR_MESSAGE[code]): ErrorBody {
  return { error: { code, message } };
}
