import { describe, expect, test } from "bun:test";
import { HealthRegistry } from "./service";

describe("HealthRegistry", () => {
  test("ok components with their fields and latency; overall ok", async () => {
    const h = await new HealthRegistry().register({ name: "db", critical: true, check: async () => ({ kind: "pglite" }) }).check();
    expect(h.status).toBe("ok");
    expect(h.components.db).toMatchObject({ state: "ok", kind: "pglite" });
    expect(h.components.db!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  test("a failing critical component makes the whole down; a non-critical one degraded; disabled counts as neither", async () => {
    const r = new HealthRegistry()
      .register({ name: "graph", critical: false, check: () => ({ state: "disabled", detail: "not configured" }) })
      .register({ name: "cache", critical: false, check: async () => Promise.reject(new Error("ECONNREFUSED")) });
    expect(await r.check()).toMatchObject({ status: "degraded", components: { cache: { state: "down", detail: "ECONNREFUSED" }, graph: { state: "disabled" } } });
    r.register({ name: "db", critical: true, check: async () => Promise.reject(new Error("gone")) });
    expect((await r.check()).status).toBe("down");
  });

  test("a component may report its own state; a check slower than the timeout is down", async () => {
    const r = new HealthRegistry(20)
      .register({ name: "generator", critical: false, check: async () => ({ state: "degraded", detail: "1 of 2 backends usable" }) })
      .register({ name: "slow", critical: false, check: () => new Promise(() => {}) });
    const h = await r.check();
    expect(h.components.generator).toEqual({ state: "degraded", detail: "1 of 2 backends usable" });
    expect(h.components.slow).toMatchObject({ state: "down", detail: "no answer within 20 ms" });
  });

  test("a name registered twice is refused", () => {
    const r = new HealthRegistry().register({ name: "x", critical: false, check: () => ({}) });
    expect(() => r.register({ name: "x", critical: false, check: () => ({}) })).toThrow("registered twice");
  });
});
