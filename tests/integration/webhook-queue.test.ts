/**
 * The delivery queue in the database (core/db/webhook-repository.ts), on PGlite and PostgreSQL: concurrent
 * senders (replicas) claim disjoint deliveries; a claim runs out and the delivery is claimed again (a sender
 * that died mid-attempt); only due pending deliveries are claimed; outcomes are recorded.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { WebhookRepository } from "../../core/db/webhook-repository";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";

for (const kind of DB_KINDS) {
  describe(`webhook delivery queue on ${kind}`, () => {
    let t: TestServices;
    let repo: WebhookRepository;
    const tenantId = "queue-tenant";

    beforeAll(async () => {
      t = await testServices(kind);
      // The services' own sender would claim these rows too: this suite is the only sender.
      await t.services.webhooks.sender.stop();
      repo = new WebhookRepository(t.services.stores.database.db);
      await repo.createReceiver({ id: "wh_q", tenantId, url: "http://127.0.0.1:18403/", events: ["ticket.created"], secret: "s", createdBy: null });
    }, 60_000);
    afterAll(async () => {
      await t?.cleanup();
    });

    test("concurrent claims never hand out one delivery twice", async () => {
      await repo.enqueue(Array.from({ length: 30 }, (_, i) => ({ id: `whd_${i}`, tenantId, receiverId: "wh_q", eventId: `evt_${i}`, eventType: "ticket.created", body: "{}" })));
      // Three senders, each claiming until nothing is left (a row another one has locked is skipped, not waited for).
      const sender = async () => {
        const mine = [];
        for (let got = await repo.claimDue(12, 60_000); got.length; got = await repo.claimDue(12, 60_000)) mine.push(...got);
        return mine;
      };
      const claims = await Promise.all([sender(), sender(), sender()]);
      const ids = claims.flat().map((d) => d.id);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
      // Each comes with its receiver, read in the same claim.
      expect(claims.flat().every((d) => d.receiver?.id === "wh_q" && d.receiver.secret === "s")).toBe(true);
      // All are claimed now: nothing more to hand out.
      expect(await repo.claimDue(50, 60_000)).toEqual([]);
    });

    test("an expired claim is claimed again; a recorded outcome leaves the queue or waits for its next attempt", async () => {
      const later = new Date(Date.now() + 120_000);
      const again = await repo.claimDue(50, 1000, { now: later });
      expect(again).toHaveLength(30);
      await repo.recordAttempt("whd_0", { status: "delivered", attempts: 1, lastStatusCode: 200, lastError: null });
      await repo.recordAttempt("whd_1", { status: "failed", attempts: 3, lastStatusCode: 500, lastError: "HTTP 500" });
      await repo.recordAttempt("whd_2", { status: "pending", attempts: 1, nextAttemptAt: new Date(Date.now() + 3_600_000), lastStatusCode: null, lastError: "network error: ECONNREFUSED" });
      const afterLease = new Date(Date.now() + 180_000);
      const ids = (await repo.claimDue(50, 1000, { now: afterLease })).map((d) => d.id);
      expect(ids).toHaveLength(27);
      expect(ids).not.toContain("whd_0");
      expect(ids).not.toContain("whd_1");
      expect(ids).not.toContain("whd_2");
      const log = await repo.deliveries({ tenantId, receiverId: "wh_q", limit: 100, offset: 0 });
      expect(log.total).toBe(30);
      const byId = new Map(log.items.map((d) => [d.id, d]));
      expect(byId.get("whd_0")).toMatchObject({ status: "delivered", attempts: 1, lockedUntil: null });
      expect(byId.get("whd_0")!.deliveredAt).toBeInstanceOf(Date);
      expect(byId.get("whd_2")).toMatchObject({ status: "pending", lastError: "network error: ECONNREFUSED" });
      expect((await repo.deliveries({ tenantId, receiverId: "wh_q", status: "failed", limit: 10, offset: 0 })).items.map((d) => d.id)).toEqual(["whd_1"]);
      // Another tenant reads none of it.
      expect((await repo.deliveries({ tenantId: "other", receiverId: "wh_q", limit: 10, offset: 0 })).total).toBe(0);
    });

    test("a receiver gets at most its share of claims at once, so one slow receiver cannot take every slot", async () => {
      for (const id of ["wh_slow", "wh_fast"]) await repo.createReceiver({ id, tenantId, url: "http://127.0.0.1:18403/s", events: ["ticket.created"], secret: "s", createdBy: null });
      const rows = (rid: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `whd_${rid}_${i}`, tenantId, receiverId: rid, eventId: `evt_${rid}_${i}`, eventType: "ticket.created", body: "{}" }));
      await repo.enqueue(rows("wh_slow", 10));
      const first = await repo.claimDue(50, 60_000, { perReceiver: 3 });
      expect(first.map((d) => d.receiverId)).toEqual(["wh_slow", "wh_slow", "wh_slow"]);
      // Its three are in flight: it gets nothing more, while a newcomer gets its share.
      await repo.enqueue(rows("wh_fast", 5));
      const second = await repo.claimDue(50, 60_000, { perReceiver: 3 });
      expect(second.map((d) => d.receiverId)).toEqual(["wh_fast", "wh_fast", "wh_fast"]);
      await repo.recordAttempt(first[0]!.id, { status: "delivered", attempts: 1, lastStatusCode: 200, lastError: null });
      const third = await repo.claimDue(50, 60_000, { perReceiver: 3 });
      expect(third.map((d) => d.receiverId)).toEqual(["wh_slow"]);
    });

    test("subscribers: active receivers of the tenant whose events include the type", async () => {
      await repo.createReceiver({ id: "wh_upd", tenantId, url: "http://127.0.0.1:18403/u", events: ["ticket.updated", "handoff.taken"], secret: "s", createdBy: null });
      await repo.createReceiver({ id: "wh_off", tenantId, url: "http://127.0.0.1:18403/o", events: ["ticket.created"], secret: "s", createdBy: null });
      await repo.updateReceiver(tenantId, "wh_off", { active: false });
      expect((await repo.subscribers(tenantId, "ticket.created")).map((r) => r.id).sort()).toEqual(["wh_fast", "wh_q", "wh_slow"]);
      expect((await repo.subscribers(tenantId, "handoff.taken")).map((r) => r.id)).toEqual(["wh_upd"]);
      expect(await repo.subscribers("other", "ticket.created")).toEqual([]);
      expect(await repo.deleteReceiver(tenantId, "wh_q")).toBe(true);
      expect((await repo.deliveries({ tenantId, receiverId: "wh_q", limit: 10, offset: 0 })).total).toBe(0);
    });
  });
}
