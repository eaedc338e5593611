/**
 * Database failures as coded AppErrors that never carry the statement or its parameters. drizzle-orm wraps the
 * driver's error in a DrizzleQueryError whose message is "Failed query: <sql> params: <values>"; postgres.js and
 * PGlite errors carry a SQLSTATE `code`. Only the SQLSTATE and its class reach the caller; the cause is kept for logs.
 * A database that is unreachable or went away (connection refused/reset/closed/timed out anywhere in the cause
 * chain, SQLSTATE class 08, 57P01-57P03, 53300) is 503 DATABASE_UNAVAILABLE with Retry-After, never a 500.
 */
import { DrizzleQueryError } from "drizzle-orm/errors";
import { AppError } from "../errors";

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** `e` and its causes (at most 5 deep), the objects among them. */
function* causeChain(e: unknown): Generator<Record<string, unknown>> {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === "object" && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) yield cur as Record<string, unknown>;
}

/** The SQLSTATE of a database error (walking the cause chain), or undefined when `e` is no database error. */
export function sqlStateOf(e: unknown): string | undefined {
  for (const cur of causeChain(e)) {
    const code = cur.code;
    // postgres.js PostgresError and PGlite's DatabaseError both carry the server's severity with the SQLSTATE.
    if (typeof code === "string" && SQLSTATE.test(code) && "severity" in cur) return code;
  }
  return undefined;
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"]);
const UNAVAILABLE_SQLSTATE = /^(08|57P0[123]|53300)/;

/** The database is unreachable (a network failure or a connection-class SQLSTATE anywhere in the chain): a 503; else null. */
export function databaseUnavailable(e: unknown): AppError | null {
  for (const cur of causeChain(e)) {
    const code = cur.code;
    if (typeof code === "string" && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) {
      return new AppError({ code: "DATABASE_UNAVAILABLE", message: `the database is not reachable (${code}); try again shortly`, category: "unavailable", retryAfter: 2, cause: e });
    }
  }
  return null;
}

export function isDatabaseError(e: unknown): boolean {
  return e instanceof DrizzleQueryError || sqlStateOf(e) !== undefined;
}

/** Maps a database error to an AppError without SQL text; null when `e` is not a database error. */
export function databaseError(e: unknown): AppError | null {
  const down = databaseUnavailable(e);
  if (down) return down;
  if (!isDatabaseError(e)) return null;
  const state = sqlStateOf(e);
  const cls = state?.slice(0, 2);
  const tag = state ? ` (SQLSTATE ${state})` : "";
  if (cls === "22") {
    // Data exceptions: invalid byte sequence (22021, e.g. a NUL character), value too long, out of range.
    return new AppError({ code: "INVALID_VALUE", message: `a value could not be stored: the database refused it as invalid data${tag}`, category: "validation", cause: e });
  }
  if (cls === "23") return new AppError({ code: "CONSTRAINT_VIOLATION", message: `the change conflicts with stored data${tag}`, category: "conflict", cause: e });
  if (cls === "08" || cls === "53" || cls === "57" || state === "40001" || state === "40P01") {
    return new AppError({ code: "DATABASE_UNAVAILABLE", message: `the database is unavailable or overloaded; try again${tag}`, category: "unavailable", retryAfter: 1, cause: e });
  }
  return new AppError({ code: "DATABASE_ERROR", message: `a database operation failed${tag}; it has been logged`, category: "internal", cause: e });
}

/** A message that is safe to show a caller: an AppError's own, a database error's mapped one, else a generic one. */
export function publicMessage(e: unknown, fallback = "an internal error occurred"): string {
  if (e instanceof AppError) return e.message;
  return databaseError(e)?.message ?? fallback;
}
