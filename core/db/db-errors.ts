/**
 * What a failure of the relational store means for the caller. Drivers wrap errors (drizzle's DrizzleQueryError
 * carries the SQL text in its message and the driver's error as `cause`); this looks through the chain:
 *   - the database is unreachable or went away (connection refused/reset/closed/timed out, SQLSTATE class 08,
 *     admin shutdown 57P01-57P03, too many connections 53300): 503 DATABASE_UNAVAILABLE with Retry-After;
 *   - anything else: null (the caller keeps its own handling).
 * The result never includes SQL text.
 */
import { AppError } from "../errors";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"]);
const UNAVAILABLE_SQLSTATE = /^(08|57P0[123]|53300)/;

function* chain(e: unknown): Generator<{ code?: unknown; message?: unknown }> {
  const seen = new Set<unknown>();
  for (let cur = e; cur && typeof cur === "object" && !seen.has(cur); cur = (cur as { cause?: unknown }).cause) {
    seen.add(cur);
    yield cur as { code?: unknown; message?: unknown };
  }
}

/** The database is unreachable: a 503 AppError; otherwise null. */
export function databaseUnavailable(e: unknown): AppError | null {
  for (const c of chain(e)) {
    const code = typeof c.code === "string" ? c.code : "";
    if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code)) {
      return new AppError({
        code: "DATABASE_UNAVAILABLE",
        message: `the database is not reachable (${code}); try again shortly`,
        category: "unavailable",
        retryAfter: 2,
        cause: e,
      });
    }
  }
  return null;
}
