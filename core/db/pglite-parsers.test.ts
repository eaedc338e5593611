import { describe, expect, test } from "bun:test";
import { PGlite } from "@electric-sql/pglite";
import { DRIZZLE_PARSERS, withInstanceParsers } from "./client";

describe("PGlite with drizzle's parsers on the instance", () => {
  test("drizzle's per-query parsers are dropped (the instance has them); anything else passes through", async () => {
    const seen: unknown[] = [];
    type Q = (sql: string, params?: unknown[], opts?: Record<string, unknown>) => Promise<unknown>;
    const query: Q = async (_sql, _params, opts) => void seen.push(opts);
    const fake = { query, transaction: async (fn: (tx: { query: Q }) => Promise<unknown>) => fn({ query }) };
    const view = withInstanceParsers(fake);
    await view.query("select 1", [], { rowMode: "array", parsers: DRIZZLE_PARSERS });
    await view.query("select 1", [], { rowMode: "array", parsers: { 25: (v: string) => v.toUpperCase() } });
    await view.transaction(async (tx) => tx.query("select 1", [], { rowMode: "object", parsers: DRIZZLE_PARSERS }));
    expect(seen[0]).toEqual({ rowMode: "array" });
    expect(Object.keys((seen[1] as { parsers: object }).parsers)).toEqual(["25"]);
    expect(seen[2]).toEqual({ rowMode: "object" });
  });

  test("results are the same as with the per-query parsers: date and time values stay text", async () => {
    const db = await PGlite.create({ parsers: DRIZZLE_PARSERS });
    try {
      const view = withInstanceParsers(db);
      const sql = "select timestamptz '2026-01-02 03:04:05+00' as at, date '2026-01-02' as d, interval '1 day' as i, 7 as n";
      const plain = await db.query(sql, [], { rowMode: "array", parsers: DRIZZLE_PARSERS });
      const fast = await view.query(sql, [], { rowMode: "array", parsers: DRIZZLE_PARSERS });
      expect((fast as typeof plain).rows).toEqual(plain.rows);
      expect(typeof (plain.rows[0] as unknown[])[0]).toBe("string");
    } finally {
      await db.close();
    }
  });
});
