/**
 * Outbound webhooks against a real local HTTP receiver (Bun.serve on this suite's ports, 18400-18499): receivers
 * are admin-managed per tenant under the URL-fetch address policy; ticket changes are delivered signed
 * (HMAC-SHA256 over `${t}.${body}`), retried with backoff while the receiver fails or is down, logged, never
 * blocking the request that emitted them; a pending delivery survives a restart.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { createApp } from "../../api/app";
import { createServices } from "../../api/services";
import { createReceiver } from "../../api/modules/webhooks/service";
import { verifyWebhookSignature } from "../../api/webhooks/webhook-signature";
import { loadConfig } from "../../core/config";
import { authedApp } from "../helpers/authed-app";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";
import { waitUntil } from "../support/peers";

type Json = Record<string, any>;
const PORTS = { main: 18400, dead: 18401, restart: 18402, healthy: 18404 };
const SENDER_ENV = {
  URL_FETCH_ALLOWED_HOSTS: "127.0.0.1",
  WEBHOOK_POLL_MS: "50",
  WEBHOOK_BACKOFF_BASE_MS: "40",
  WEBHOOK_BACKOFF_MAX_MS: "120",
  WEBHOOK_MAX_ATTEMPTS: "3",
  WEBHOOK_TIMEOUT_MS: "800",
};

type Mode = "ok" | "fail" | "hang" | "redirect";

/** A receiver that records what it gets; `mode` decides the answer, `failures` makes the next n answers 500. */
function receiver(port: number) {
  const got: { headers: Headers; body: string; path: string }[] = [];
  const held: (() => void)[] = [];
  const state = { mode: "ok" as Mode, failures: 0, release: () => held.splice(0).forEach((r) => r()), holding: () => held.length };
  const server = Bun.serve({
    port,
    hostname: "127.0.0.1",
    async fetch(req) {
      const body = await req.text();
      got.push({ headers: req.headers, body, path: new URL(req.url).pathname });
      if (state.failures > 0) {
        state.failures--;
        return new Response("temporarily broken", { status: 500 });
      }
      if (state.mode === "fail") return new Response("broken", { status: 503 });
      if (state.mode === "redirect") return new Response(null, { status: 302, headers: { location: "http://127.0.0.1:1/elsewhere" } });
      if (state.mode === "hang") await new Promise<void>((r) => held.push(r));
      return new Response("ok");
    },
  });
  return { got, state, server, url: (path = "/hook") => `http://127.0.0.1:${port}${path}` };
}

for (const kind of DB_KINDS) {
  describe(`webhooks on ${kind}`, () => {
    let t: TestServices;
    let app: ReturnType<typeof createApp>;
    let rx: ReturnType<typeof receiver>;
    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      const res = await app.handle(new Request(`http://local${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
      return { status: res.status, body: (await res.json()) as Json };
    };
    const deliveries = async (id: string) => (await call("GET", `/v1/admin/webhooks/${id}/deliveries`)).body.items as Json[];
    const ticket = async () => (await call("POST", "/v1/tickets", { subject: "Broken charger", summary: "It sparks.", category: "complaint", priority: "high" })).body;
    let hook: Json;

    beforeAll(async () => {
      t = await testServices(kind, SENDER_ENV);
      app = authedApp(t.services);
      rx = receiver(PORTS.main);
    }, 60_000);
    afterAll(async () => {
      rx?.server.stop(true);
      await t?.cleanup();
    });

    test("admin CRUD: the secret is shown once; bad URLs, events and fields are refused (422)", async () => {
      const r = await call("POST", "/v1/admin/webhooks", { url: rx.url(), events: ["ticket.created", "ticket.updated"] });
      expect(r.status).toBe(201);
      expect(r.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      hook = r.body;
      const list = (await call("GET", "/v1/admin/webhooks")).body.items;
      expect(list.map((h: Json) => h.id)).toEqual([hook.id]);
      expect(JSON.stringify(list)).not.toContain(hook.secret);
      expect(JSON.stringify((await call("GET", `/v1/admin/webhooks/${hook.id}`)).body)).not.toContain(hook.secret);
      const bad: [unknown, string][] = [
        [{ url: "http://10.0.0.5/hook", events: ["ticket.created"] }, "URL_NOT_ALLOWED"],
        [{ url: "http://192.168.1.20:8080/hook", events: ["ticket.created"] }, "URL_NOT_ALLOWED"],
        [{ url: "http://169.254.169.254/latest", events: ["ticket.created"] }, "URL_NOT_ALLOWED"],
        [{ url: "http://localhost:9/hook", events: ["ticket.created"] }, "URL_NOT_ALLOWED"],
        [{ url: "http://[::1]:8080/hook", events: ["ticket.created"] }, "URL_NOT_ALLOWED"],
        [{ url: "ftp://example.com/hook", events: ["ticket.created"] }, "URL_NOT_ALLOWED"],
        [{ url: "http://user:pw@example.com/hook", events: ["ticket.created"] }, "URL_NOT_ALLOWED"],
        [{ url: "not a url", events: ["ticket.created"] }, "INVALID_URL"],
        [{ url: rx.url(), events: ["ticket.deleted"] }, "VALIDATION_FAILED"],
        [{ url: rx.url(), events: [] }, "VALIDATION_FAILED"],
        [{ url: rx.url(), events: ["ticket.created", "ticket.created"] }, "VALIDATION_FAILED"],
        [{ url: rx.url(), events: ["ticket.created"], secret: "mine" }, "UNKNOWN_FIELD"],
        [{ events: ["ticket.created"] }, "VALIDATION_FAILED"],
      ];
      for (const [body, code] of bad) {
        const res = await call("POST", "/v1/admin/webhooks", body);
        expect(`${JSON.stringify(body)} ${res.status} ${res.body.error?.code}`).toBe(`${JSON.stringify(body)} 422 ${code}`);
      }
      expect((await call("PATCH", `/v1/admin/webhooks/${hook.id}`, { url: "http://10.1.2.3/" })).body.error.code).toBe("URL_NOT_ALLOWED");
      expect((await call("PATCH", `/v1/admin/webhooks/${hook.id}`, {})).status).toBe(422);
      expect((await call("PATCH", `/v1/admin/webhooks/${hook.id}`, { paused: true })).status).toBe(422);
      expect((await call("GET", `/v1/admin/webhooks/${hook.id}/deliveries?state=x`)).status).toBe(422);
      expect((await call("GET", "/v1/admin/webhooks/wh_nope/deliveries")).status).toBe(404);
      expect((await call("DELETE", "/v1/admin/webhooks/wh_nope")).status).toBe(404);
      expect((await call("GET", "/v1/admin/webhooks")).body.items).toHaveLength(1);
      const audit = (await call("GET", "/v1/admin/audit?action=webhook.create")).body.items;
      expect(audit).toHaveLength(1);
      expect(JSON.stringify(audit)).not.toContain(hook.secret);
    });

    test("private networks are allowed with URL_FETCH_ALLOW_PRIVATE; loopback and link-local still are not", async () => {
      const s = { webhookRepo: t.services.webhooks.repo, audit: t.services.audit, urlPolicy: { allowPrivate: true, allowedHosts: [] } };
      const caller = { auth: { tenantId: "tenant-private", principal: { kind: "anonymous" as const }, role: "admin" as const }, ip: null };
      const ok = await createReceiver(s, caller, { url: "http://10.0.0.5/hook", events: ["ticket.created"] });
      expect(ok.url).toBe("http://10.0.0.5/hook");
      for (const url of ["http://127.0.0.2/hook", "http://169.254.169.254/"]) {
        expect(await createReceiver(s, caller, { url, events: ["ticket.created"] }).catch((e) => e.code)).toBe("URL_NOT_ALLOWED");
      }
    });

    test("a ticket change is delivered signed, with event, delivery id and the ticket; the log says delivered", async () => {
      const before = rx.got.length;
      const tk = await ticket();
      await waitUntil(async () => (await deliveries(hook.id)).some((d) => d.status === "delivered"), 10_000, "the delivery");
      const req = rx.got[before]!;
      expect(req.path).toBe("/hook");
      expect(req.headers.get("content-type")).toBe("application/json");
      expect(req.headers.get("x-deskpilot-event")).toBe("ticket.created");
      expect(verifyWebhookSignature(hook.secret, req.body, req.headers.get("x-deskpilot-signature"))).toBe(true);
      expect(verifyWebhookSignature(hook.secret, req.body.replace("Broken", "Fixed"), req.headers.get("x-deskpilot-signature"))).toBe(false);
      expect(verifyWebhookSignature("whsec_other", req.body, req.headers.get("x-deskpilot-signature"))).toBe(false);
      const body = JSON.parse(req.body);
      expect(body).toMatchObject({ type: "ticket.created", tenantId: t.config.defaultTenant, data: { ticket: { id: tk.id, number: tk.number, priority: "high" } } });
      expect(body.id).toMatch(/^evt_/);
      const [d] = await deliveries(hook.id);
      expect(d).toMatchObject({ id: req.headers.get("x-deskpilot-delivery"), event: "ticket.created", eventId: body.id, status: "delivered", attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
      expect(d!.payload).toEqual(body);
      // An update is ticket.updated with what changed.
      await call("PATCH", `/v1/tickets/${tk.id}`, { status: "pending" });
      await waitUntil(async () => (await deliveries(hook.id)).filter((x) => x.status === "delivered").length === 2, 10_000, "the update's delivery");
      const upd = JSON.parse(rx.got.at(-1)!.body);
      expect(upd).toMatchObject({ type: "ticket.updated", data: { ticket: { id: tk.id, status: "pending" }, changes: { status: { from: "open", to: "pending" } } } });
    });

    test("a failing receiver is retried with backoff until it answers; each attempt's error is in the log", async () => {
      rx.state.failures = 2;
      const before = rx.got.length;
      await ticket();
      await waitUntil(async () => (await deliveries(hook.id))[0]?.status === "delivered", 10_000, "delivery after two failures");
      const [d] = await deliveries(hook.id);
      expect(d).toMatchObject({ status: "delivered", attempts: 3, lastStatusCode: 200, lastError: null });
      const sent = rx.got.slice(before);
      expect(sent).toHaveLength(3);
      // The same event every time, each attempt signed afresh.
      expect(new Set(sent.map((s) => s.body)).size).toBe(1);
      expect(sent.every((s) => verifyWebhookSignature(hook.secret, s.body, s.headers.get("x-deskpilot-signature")))).toBe(true);
    });

    test("a receiver that keeps failing is given up after the last attempt, visible in the log and the metrics", async () => {
      rx.state.mode = "fail";
      await ticket();
      await waitUntil(async () => (await deliveries(hook.id))[0]?.status === "failed", 10_000, "the delivery to fail");
      expect((await deliveries(hook.id))[0]).toMatchObject({ status: "failed", attempts: 3, lastStatusCode: 503, lastError: "HTTP 503: broken", nextAttemptAt: null });
      rx.state.mode = "redirect";
      await ticket();
      await waitUntil(async () => (await deliveries(hook.id))[0]?.status === "failed", 10_000, "the redirected delivery to fail");
      expect((await deliveries(hook.id))[0]).toMatchObject({ status: "failed", lastStatusCode: 302, lastError: "redirect not followed (HTTP 302)" });
      rx.state.mode = "ok";
      const text = await (await app.handle(new Request("http://local/metrics"))).text();
      expect(text).toContain('webhook_deliveries_total{event="ticket.created",outcome="failed"} 2');
      expect(text).toMatch(/webhook_deliveries_total\{event="ticket.created",outcome="delivered"\} 2\b/);
      expect(text).toMatch(/webhook_delivery_attempts_total\{outcome="error"\} 8\b/);
    });

    test("a receiver that hangs or is down never holds up the request; the attempt times out and is retried", async () => {
      rx.state.mode = "hang";
      const before = rx.got.length;
      const tk = await ticket();
      await waitUntil(() => rx.got.length > before, 10_000, "the receiver to be called");
      // The receiver is still holding the first attempt open while the API answers other changes, and another
      // receiver of the same event gets it meanwhile.
      const healthy = Bun.serve({ port: PORTS.healthy, hostname: "127.0.0.1", fetch: () => new Response("ok") });
      const other = (await call("POST", "/v1/admin/webhooks", { url: `http://127.0.0.1:${PORTS.healthy}/`, events: ["ticket.updated"] })).body;
      const patched = await call("PATCH", `/v1/tickets/${tk.id}`, { priority: "urgent" });
      expect(patched.status).toBe(200);
      await waitUntil(async () => (await deliveries(other.id))[0]?.status === "delivered", 10_000, "the healthy receiver's delivery");
      expect(rx.state.holding()).toBeGreaterThan(0);
      healthy.stop(true);
      expect((await call("DELETE", `/v1/admin/webhooks/${other.id}`)).status).toBe(200);
      await waitUntil(async () => (await deliveries(hook.id)).some((d) => String(d.lastError).includes("no answer within 800 ms")), 10_000, "a timed-out attempt");
      rx.state.mode = "ok";
      rx.state.release();
      await waitUntil(async () => (await deliveries(hook.id)).slice(0, 2).every((d) => d.status === "delivered"), 10_000, "both deliveries");
      // A receiver at an address nothing listens on: network errors, retried, then given up.
      const dead = await call("POST", "/v1/admin/webhooks", { url: `http://127.0.0.1:${PORTS.dead}/x`, events: ["ticket.created"] });
      await ticket();
      await waitUntil(async () => (await deliveries(dead.body.id))[0]?.status === "failed", 10_000, "the dead receiver's delivery to fail");
      expect((await deliveries(dead.body.id))[0]).toMatchObject({ attempts: 3, lastStatusCode: null, lastError: expect.stringMatching(/^network error: /) });
      expect((await call("DELETE", `/v1/admin/webhooks/${dead.body.id}`)).status).toBe(200);
    });

    test("only subscribed, active receivers of the tenant get an event; a deleted one gets nothing", async () => {
      const createdOnly = (await call("POST", "/v1/admin/webhooks", { url: rx.url("/created-only"), events: ["ticket.created"] })).body;
      const paused = (await call("POST", "/v1/admin/webhooks", { url: rx.url("/paused"), events: ["ticket.created"], active: false })).body;
      expect(paused.active).toBe(false);
      const gone = (await call("POST", "/v1/admin/webhooks", { url: rx.url("/gone"), events: ["ticket.created"] })).body;
      expect((await call("DELETE", `/v1/admin/webhooks/${gone.id}`)).status).toBe(200);
      expect((await call("GET", `/v1/admin/webhooks/${gone.id}`)).status).toBe(404);
      const tk = await ticket();
      await call("PATCH", `/v1/tickets/${tk.id}`, { status: "solved" });
      await waitUntil(async () => (await deliveries(hook.id)).filter((d) => d.payload.data.ticket.id === tk.id && d.status === "delivered").length === 2, 10_000, "both events to the main receiver");
      await waitUntil(async () => (await deliveries(createdOnly.id)).length === 1 && (await deliveries(createdOnly.id))[0]!.status === "delivered", 10_000, "the created-only receiver");
      await t.services.webhooks.sender.idle();
      const paths = rx.got.map((g) => g.path);
      expect(paths).not.toContain("/paused");
      expect(paths).not.toContain("/gone");
      expect((await deliveries(paused.id)).length).toBe(0);
      // Re-enabled, it gets the next event.
      expect((await call("PATCH", `/v1/admin/webhooks/${paused.id}`, { active: true })).body.active).toBe(true);
      await ticket();
      await waitUntil(async () => (await deliveries(paused.id))[0]?.status === "delivered", 10_000, "the re-enabled receiver");
    });

    test("stopping the sender mid-attempt (shutdown) gives the delivery back; the next start delivers it", async () => {
      rx.state.mode = "hang";
      const before = rx.got.length;
      const tk = await ticket();
      await waitUntil(() => rx.got.length > before, 10_000, "the receiver to be called");
      await t.services.webhooks.sender.stop();
      const [d] = (await deliveries(hook.id)).filter((x) => x.payload.data.ticket.id === tk.id);
      // An aborted attempt is not counted and the claim is released.
      expect(d).toMatchObject({ status: "pending", attempts: 0 });
      const row = (await t.services.webhooks.repo.deliveries({ tenantId: t.config.defaultTenant, receiverId: hook.id, limit: 50, offset: 0 })).items.find((x) => x.id === d!.id);
      expect(row!.lockedUntil).toBeNull();
      rx.state.mode = "ok";
      rx.state.release();
      t.services.webhooks.sender.start();
      await waitUntil(async () => (await deliveries(hook.id)).find((x) => x.id === d!.id)?.status === "delivered", 10_000, "delivery after the sender restarted");
      expect((await deliveries(hook.id)).find((x) => x.id === d!.id)).toMatchObject({ attempts: 1, lastStatusCode: 200 });
    });

    test("another tenant's admin sees none of the receivers (404) and gets none of the events", async () => {
      const PASSWORD = "correct horse battery";
      expect((await call("POST", "/v1/admin/tenants", { id: "wh-b", name: "B", adminUsername: "broot", adminPassword: PASSWORD })).status).toBe(201);
      const login = await call("POST", "/v1/auth/login", { username: "broot", password: PASSWORD, tenant: "wh-b" });
      const b = login.body.token as string;
      expect((await call("GET", "/v1/admin/webhooks", undefined, b)).body.items).toEqual([]);
      for (const [m, p, body] of [["GET", `/v1/admin/webhooks/${hook.id}`], ["GET", `/v1/admin/webhooks/${hook.id}/deliveries`], ["PATCH", `/v1/admin/webhooks/${hook.id}`, { active: false }], ["DELETE", `/v1/admin/webhooks/${hook.id}`]] as const) {
        expect((await call(m, p, body, b)).status).toBe(404);
      }
      const n = (await deliveries(hook.id)).length;
      expect((await call("POST", "/v1/tickets", { subject: "B's", summary: "B's ticket", category: "other" }, b)).status).toBe(201);
      await t.services.webhooks.sender.idle();
      expect((await deliveries(hook.id)).length).toBe(n);
      expect((await call("GET", `/v1/admin/webhooks/${hook.id}`)).body.active).toBe(true);
    });
  });
}

for (const kind of DB_KINDS) {
  test(`webhooks on ${kind}: a pending delivery survives a restart and is delivered by the next start`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "cs-webhooks-"));
    const schema = `t_wh_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
    const config = loadConfig({ DATA_DIR: dir, ...SENDER_ENV, WEBHOOK_MAX_ATTEMPTS: "50", ...(kind === "postgres" ? { DATABASE_URL: process.env.TEST_DATABASE_URL } : {}) });
    const open = () => createServices(config, { sampleKb: false, searchPath: kind === "postgres" ? schema : undefined, log: () => {} });
    let rx: ReturnType<typeof receiver> | undefined;
    try {
      const first = await open();
      let app = authedApp(first);
      const post = (path: string, body: unknown) => app.handle(new Request(`http://local${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
      const hook = (await (await post("/v1/admin/webhooks", { url: `http://127.0.0.1:${PORTS.restart}/hook`, events: ["ticket.created"] })).json()) as Json;
      const tk = (await (await post("/v1/tickets", { subject: "Restart", summary: "Delivered after a restart", category: "other" })).json()) as Json;
      const log = () => first.webhooks.repo.deliveries({ tenantId: config.defaultTenant, receiverId: hook.id, limit: 5, offset: 0 });
      // Nothing listens yet: attempts fail and the delivery stays pending.
      await waitUntil(async () => ((await log()).items[0]?.attempts ?? 0) >= 1, 10_000, "a failed attempt");
      await first.close();

      rx = receiver(PORTS.restart);
      const second = await open();
      app = authedApp(second);
      try {
        await waitUntil(() => rx!.got.length > 0, 10_000, "delivery after the restart");
        const body = JSON.parse(rx.got[0]!.body);
        expect(body).toMatchObject({ type: "ticket.created", data: { ticket: { id: tk.id } } });
        expect(verifyWebhookSignature(hook.secret, rx.got[0]!.body, rx.got[0]!.headers.get("x-deskpilot-signature"))).toBe(true);
        await waitUntil(async () => (await second.webhooks.repo.deliveries({ tenantId: config.defaultTenant, receiverId: hook.id, limit: 5, offset: 0 })).items[0]?.status === "delivered", 10_000, "delivered in the log");
        const [d] = (await second.webhooks.repo.deliveries({ tenantId: config.defaultTenant, receiverId: hook.id, limit: 5, offset: 0 })).items;
        expect(d!.attempts).toBeGreaterThanOrEqual(2);
        expect(rx.got).toHaveLength(1);
        if (kind === "postgres") await second.stores.database.db.execute(sql.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
      } finally {
        await second.close();
      }
    } finally {
      rx?.server.stop(true);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
}
