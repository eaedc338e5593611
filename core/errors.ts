/**
 * The one error type of the project. Expected failures throw an AppError; one mapper (api/plugins/errors.ts)
 * turns it into `{ error: { code, message } }` with its HTTP status. Nothing else decides statuses.
 */
export type ErrorCategory =
  | "validation" // the caller sent something malformed or out of bounds
  | "not_found"
  | "conflict"
  | "auth"
  | "unsupported" // unsupported media type or feature
  | "too_large"
  | "rate_limit"
  | "unavailable" // a dependency (store, backend) is down or overloaded
  | "internal";

const STATUS_OF: Record<ErrorCategory, number> = {
  validation: 422,
  not_found: 404,
  conflict: 409,
  auth: 401,
  unsupported: 415,
  too_large: 413,
  rate_limit: 429,
  unavailable: 503,
  internal: 500,
};

export interface AppErrorOptions {
  code: string;
  message: string;
  category: ErrorCategory;
  /** Overrides the status derived from the category (e.g. 400 for malformed JSON, 403 for forbidden). */
  status?: number;
  retryable?: boolean;
  /** Seconds a client should wait before retrying (sent as Retry-After). */
  retryAfter?: number;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly status: number;
  readonly retryable: boolean;
  readonly retryAfter?: number;
  readonly details?: Record<string, unknown>;

  constructor(o: AppErrorOptions) {
    super(o.message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = "AppError";
    this.code = o.code;
    this.category = o.category;
    this.status = o.status ?? STATUS_OF[o.category];
    this.retryable = o.retryable ?? (o.category === "unavailable" || o.category === "rate_limit");
    this.retryAfter = o.retryAfter;
    this.details = o.details;
  }

  toJSON(): { error: { code: string; message: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** Small constructors for the common cases, so call sites read as intent. */
export const errors = {
  badRequest: (code: string, message: string, details?: Record<string, unknown>) =>
    new AppError({ code, message, category: "validation", status: 400, details }),
  invalid: (code: string, message: string, details?: Record<string, unknown>) =>
    new AppError({ code, message, category: "validation", details }),
  notFound: (what: string, id: string) =>
    new AppError({ code: `${what.toUpperCase()}_NOT_FOUND`, message: `${what} '${id}' was not found`, category: "not_found" }),
  conflict: (code: string, message: string) => new AppError({ code, message, category: "conflict" }),
  unsupported: (code: string, message: string) => new AppError({ code, message, category: "unsupported" }),
  tooLarge: (code: string, message: string) => new AppError({ code, message, category: "too_large" }),
  unavailable: (code: string, message: string, cause?: unknown, retryAfter?: number) =>
    new AppError({ code, message, category: "unavailable", cause, retryAfter }),
  internal: (code: string, message: string, cause?: unknown) =>
    new AppError({ code, message, category: "internal", cause }),
  /** 401: no credential, or one that is invalid, expired or revoked. */
  unauthorized: (code: string, message: string) => new AppError({ code, message, category: "auth" }),
  /** 403: a valid credential whose role may not do this. */
  forbidden: (code: string, message: string) => new AppError({ code, message, category: "auth", status: 403 }),
  rateLimited: (code: string, message: string, retryAfter: number) => new AppError({ code, message, category: "rate_limit", retryAfter }),
};
