import { describe, expect, test } from "bun:test";
import { databaseUnavailable } from "./db-errors";

describe("databaseUnavailable", () => {
  test("a connection failure anywhere in the cause chain is a 503 with Retry-After and no SQL", () => {
    const driver = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const wrapped = Object.assign(new Error("Failed query: select * from secrets where id = $1\nparams: 7"), { cause: driver });
    const e = databaseUnavailable(wrapped)!;
    expect(e).toMatchObject({ code: "DATABASE_UNAVAILABLE", status: 503, retryable: true, retryAfter: 2 });
    expect(e.message).not.toContain("select");
    for (const code of ["08006", "57P01", "53300", "CONNECTION_CLOSED"]) expect(databaseUnavailable(Object.assign(new Error("x"), { code }))?.status).toBe(503);
  });

  test("other database errors are left to the caller", () => {
    expect(databaseUnavailable(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBeNull();
    expect(databaseUnavailable(new Error("plain"))).toBeNull();
    expect(databaseUnavailable("string")).toBeNull();
  });
});
