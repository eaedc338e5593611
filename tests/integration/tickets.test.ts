/**
 * The ticket store over HTTP, on PGlite and PostgreSQL: per-tenant numbers (also under concurrent creates), the
 * status workflow (409 TICKET_TRANSITION), assignee checks (422), history with internal notes hidden from
 * customers, who may read only their own conversations' tickets, tenancy (404), refusal of unknown fields and
 * values (422) without any stored change, audit events and metrics.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import type { Role } from "../../api/auth/principal";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";

type Json = Record<string, any>;
const PASSWORD = "correct horse battery";

for (const kind of DB_KINDS) {
  describe(`tickets on ${kind}`, () => {
    let t: TestServices;
    let app: ReturnType<typeof createApp>;
    const tok: Record<string, string> = {};
    const ids: Record<string, string> = {};

    const call = async (method: string, path: string, who: string | null, body?: unknown) => {
      const headers: Record<string, string> = {};
      if (who) headers.authorization = `Bearer ${tok[who] ?? who}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      const res = await app.handle(new Request(`http://localhost${path}`, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) }));
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
    };
    const login = async (username: string, tenant?: string) => {
      const r = await call("POST", "/v1/auth/login", null, { username, password: PASSWORD, ...(tenant ? { tenant } : {}) });
      expect(r.status).toBe(200);
      return r.body.token as string;
    };
    const count = async () => {
      const r = (await t.services.stores.database.db.execute("select count(*)::int as n from tickets")) as unknown as { rows?: { n: number }[] } & { n: number }[];
      return Number(r.rows?.[0]?.n ?? r[0]?.n);
    };
    const newTicket = async (extra: Json = {}) => {
      const r = await call("POST", "/v1/tickets", "agent", { subject: "Refund not received", summary: "Customer returned a laptop two weeks ago.", category: "refund", ...extra });
      expect(r.status).toBe(201);
      return r.body;
    };

    beforeAll(async () => {
      t = await testServices(kind, { ADMIN_USERNAME: "root", ADMIN_PASSWORD: PASSWORD });
      app = createApp(t.services);
      tok.admin = await login("root");
      const mk = async (username: string, role: Role) => {
        const r = await call("POST", "/v1/admin/users", "admin", { username, password: PASSWORD, role });
        expect(r.status).toBe(201);
        ids[username] = r.body.id;
        tok[username] = await login(username);
      };
      await mk("agent", "agent");
      await mk("agent2", "agent");
      await mk("cust", "customer");
      await mk("other", "customer");
      tok.widget = (await call("POST", "/v1/auth/widget", null, {})).body.token;
      expect((await call("POST", "/v1/admin/tenants", "admin", { id: "tenant-b", name: "B", adminUsername: "broot", adminPassword: PASSWORD })).status).toBe(201);
      tok.b = await login("broot", "tenant-b");
      ids.conversation = (await call("POST", "/v1/conversations", "cust", {})).body.id;
      ids.otherConversation = (await call("POST", "/v1/conversations", "other", {})).body.id;
    }, 120_000);
    afterAll(async () => {
      await t?.cleanup();
    });

    test("create: the tenant's next number, status open, the conversation's owner as requester; tenants count separately", async () => {
      const a = await newTicket({ priority: "high", conversationId: ids.conversation, tags: ["laptop", " laptop ", "refund"] });
      expect(a).toMatchObject({ number: 1, status: "open", priority: "high", category: "refund", assignee: null, tags: ["laptop", "refund"], conversationId: ids.conversation, source: "agent" });
      expect(a.requester.ownerId).toBe(`user:${ids.cust}`);
      expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
      ids.ticket = a.id;
      const b = await newTicket();
      expect(b.number).toBe(2);
      expect(b.priority).toBe("normal");
      const inB = await call("POST", "/v1/tickets", "b", { subject: "Hello", summary: "From tenant B", category: "other" });
      expect(inB.status).toBe(201);
      expect(inB.body.number).toBe(1);
      ids.ticketB = inB.body.id;
    });

    test("concurrent creates get distinct consecutive numbers", async () => {
      const made = await Promise.all(Array.from({ length: 12 }, (_, i) => newTicket({ subject: `Parallel ${i}`, category: i % 2 ? "shipping" : "refund" })));
      const numbers = made.map((m) => m.number).sort((x, y) => x - y);
      expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => i + 3));
    });

    test("the service the pipeline calls: tickets.create with the brief's shape", async () => {
      const tk = await t.services.tickets.create({
        tenantId: t.config.defaultTenant,
        subject: "Angry complaint",
        summary: "The customer is upset about a late delivery.",
        category: "complaint",
        priority: "urgent",
        conversationId: ids.otherConversation,
        source: "chat",
      });
      expect(tk).toMatchObject({ number: 15, status: "open", source: "chat", priority: "urgent", requester: { ownerId: `user:${ids.other}`, email: null } });
      ids.otherTicket = tk.id;
      // The same checks as the HTTP schema, as 422 errors.
      for (const bad of [{ source: "fax" }, { category: "has space" }, { subject: " " }, { priority: "asap" }, { conversationId: "nope" }]) {
        const e = await t.services.tickets.create({ tenantId: t.config.defaultTenant, subject: "s", summary: "s", category: "c", source: "chat", ...bad } as never).catch((x) => x);
        expect(e.status).toBe(422);
      }
    });

    test("list: newest first, filtered and paged", async () => {
      const all = await call("GET", "/v1/tickets?limit=5", "agent");
      expect(all.status).toBe(200);
      expect(all.body.total).toBe(15);
      expect(all.body.items.map((i: Json) => i.number)).toEqual([15, 14, 13, 12, 11]);
      const page2 = await call("GET", "/v1/tickets?limit=5&offset=5", "agent");
      expect(page2.body.items.map((i: Json) => i.number)).toEqual([10, 9, 8, 7, 6]);
      const shipping = await call("GET", "/v1/tickets?category=shipping", "agent");
      expect(shipping.body.total).toBe(6);
      expect(shipping.body.items.every((i: Json) => i.category === "shipping")).toBe(true);
      expect((await call("GET", "/v1/tickets?priority=high", "agent")).body.items.map((i: Json) => i.number)).toEqual([1]);
      expect((await call("GET", "/v1/tickets?status=solved", "agent")).body.total).toBe(0);
    });

    test("status workflow: allowed transitions, 409 TICKET_TRANSITION otherwise, timestamps and history", async () => {
      const path = `/v1/tickets/${ids.ticket}`;
      expect((await call("PATCH", path, "agent", { status: "pending" })).body.status).toBe("pending");
      const solved = await call("PATCH", path, "agent", { status: "solved" });
      expect(solved.body.status).toBe("solved");
      expect(solved.body.solvedAt).toBeTruthy();
      const bad = await call("PATCH", path, "agent", { status: "pending" });
      expect(bad.status).toBe(409);
      expect(bad.body.error.code).toBe("TICKET_TRANSITION");
      expect(bad.body.error.details).toEqual({ from: "solved", to: "pending", allowed: ["open", "closed"] });
      const reopened = await call("PATCH", path, "agent", { status: "open" });
      expect(reopened.body).toMatchObject({ status: "open", solvedAt: null });
      // Setting the status it has is no change (no event, no 409).
      expect((await call("PATCH", path, "agent", { status: "open" })).status).toBe(200);
      expect((await call("PATCH", path, "agent", { status: "solved" })).status).toBe(200);
      expect((await call("GET", "/v1/tickets?status=solved", "agent")).body.items.map((i: Json) => i.id)).toEqual([ids.ticket]);
      // A closed ticket is final.
      const other = (await call("GET", "/v1/tickets?limit=1&offset=3", "agent")).body.items[0];
      expect((await call("PATCH", `/v1/tickets/${other.id}`, "agent", { status: "closed" })).body.closedAt).toBeTruthy();
      for (const to of ["open", "pending", "solved"]) {
        const r = await call("PATCH", `/v1/tickets/${other.id}`, "agent", { status: to, priority: "low" });
        expect(r.status).toBe(409);
        expect(r.body.error.code).toBe("TICKET_TRANSITION");
      }
      // The refused patch changed nothing, not even the priority it carried.
      expect((await call("GET", `/v1/tickets/${other.id}`, "agent")).body.priority).toBe("normal");
      const h = (await call("GET", path, "agent")).body.history.filter((e: Json) => e.kind === "status").map((e: Json) => `${e.data.from}->${e.data.to}`);
      expect(h).toEqual(["open->pending", "pending->solved", "solved->open", "open->solved"]);
    });

    test("assignee must be an active agent or admin of the tenant (422); priority, tags; every change in the history", async () => {
      const path = `/v1/tickets/${ids.otherTicket}`;
      for (const bad of [ids.cust, "usr_unknown", "x".repeat(128)]) {
        const r = await call("PATCH", path, "agent", { assignee: bad });
        expect(r.status).toBe(422);
        expect(r.body.error.code).toBe("ASSIGNEE_INVALID");
      }
      const bAdmin = (await call("GET", "/v1/auth/me", "b")).body.user?.id ?? (await call("GET", "/v1/auth/me", "b")).body.id;
      expect((await call("PATCH", path, "agent", { assignee: bAdmin })).status).toBe(422);
      const r = await call("PATCH", path, "agent", { assignee: ids.agent2, priority: "high", tags: ["vip"] });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ assignee: ids.agent2, priority: "high", tags: ["vip"] });
      expect((await call("GET", `/v1/tickets?assignee=${ids.agent2}`, "agent")).body.items.map((i: Json) => i.id)).toEqual([ids.otherTicket]);
      expect((await call("PATCH", path, "agent", { assignee: null })).body.assignee).toBeNull();
      const kinds = (await call("GET", path, "agent")).body.history.map((e: Json) => e.kind);
      expect(kinds.slice(0, 1)).toEqual(["created"]);
      expect(kinds.filter((k: string) => k === "assignment").length).toBe(2);
      expect(kinds).toContain("priority");
      expect(kinds).toContain("tags");
    });

    test("internal notes: agents see them, the customer who owns the conversation sees the ticket without them", async () => {
      const note = await call("POST", `/v1/tickets/${ids.ticket}/notes`, "agent", { body: "Customer is a repeat refunder; check the serial." });
      expect(note.status).toBe(201);
      expect(note.body).toMatchObject({ kind: "note", actor: { kind: "user", id: ids.agent }, data: { body: "Customer is a repeat refunder; check the serial." } });
      await t.services.tickets.reply(t.config.defaultTenant, ids.ticket!, "We have issued your refund.", { actorKind: "user", actorId: ids.agent! });
      const staff = (await call("GET", `/v1/tickets/${ids.ticket}`, "agent")).body;
      expect(staff.history.map((e: Json) => e.kind)).toContain("note");
      const mine = await call("GET", `/v1/tickets/${ids.ticket}`, "cust");
      expect(mine.status).toBe(200);
      expect(JSON.stringify(mine.body)).not.toContain("repeat refunder");
      expect(mine.body.history.map((e: Json) => e.kind)).not.toContain("note");
      expect(mine.body.history.map((e: Json) => e.kind)).toContain("reply");
      expect(mine.body.history.every((e: Json) => e.actor.id === null)).toBe(true);
      // Triage fields are internal too.
      expect(mine.body.tags).toBeUndefined();
      expect(mine.body.assignee).toBeUndefined();
      expect(mine.body).toMatchObject({ id: ids.ticket, number: 1, status: "solved", subject: "Refund not received" });
      const list = await call("GET", "/v1/tickets", "cust");
      expect(list.body.items.map((i: Json) => i.id)).toEqual([ids.ticket]);
      expect(list.body.items[0].tags).toBeUndefined();
    });

    test("customers: only their own conversations' tickets (404 otherwise), never a change (403)", async () => {
      expect((await call("GET", `/v1/tickets/${ids.ticket}`, "other")).status).toBe(404);
      expect((await call("GET", `/v1/tickets/${ids.ticket}`, "widget")).status).toBe(404);
      expect((await call("GET", "/v1/tickets", "widget")).body.total).toBe(0);
      expect((await call("GET", "/v1/tickets", "other")).body.items.map((i: Json) => i.id)).toEqual([ids.otherTicket]);
      expect((await call("POST", "/v1/tickets", "cust", { subject: "s", summary: "s", category: "c" })).status).toBe(403);
      expect((await call("PATCH", `/v1/tickets/${ids.ticket}`, "cust", { status: "closed" })).status).toBe(403);
      expect((await call("POST", `/v1/tickets/${ids.ticket}/notes`, "cust", { body: "x" })).status).toBe(403);
      expect((await call("GET", "/v1/tickets", null)).status).toBe(401);
    });

    test("another tenant's ticket is 404 for every route, and stays as it was", async () => {
      const before = (await call("GET", `/v1/tickets/${ids.ticket}`, "agent")).body;
      expect((await call("GET", `/v1/tickets/${ids.ticket}`, "b")).status).toBe(404);
      expect((await call("PATCH", `/v1/tickets/${ids.ticket}`, "b", { status: "closed" })).status).toBe(404);
      expect((await call("POST", `/v1/tickets/${ids.ticket}/notes`, "b", { body: "x" })).status).toBe(404);
      expect((await call("POST", `/v1/tickets/${ids.ticket}/approve-answer`, "b", { question: "q", answer: "a" })).status).toBe(404);
      expect((await call("GET", "/v1/tickets", "b")).body.items.map((i: Json) => i.id)).toEqual([ids.ticketB]);
      expect((await call("GET", `/v1/tickets/${ids.ticketB}`, "agent")).status).toBe(404);
      expect((await call("GET", `/v1/tickets/${ids.ticket}`, "agent")).body).toEqual(before);
    });

    test("bad input: 422 for unknown fields and values, 404 for unknown ids, and nothing stored changes", async () => {
      const n = await count();
      const before = (await call("GET", `/v1/tickets/${ids.otherTicket}`, "agent")).body;
      const base = { subject: "s", summary: "s", category: "refund" };
      const creates: unknown[] = [
        { ...base, colour: "red" },
        { ...base, priority: "asap" },
        { ...base, category: "two words" },
        { ...base, subject: "" },
        { ...base, subject: "x".repeat(201) },
        { ...base, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
        { ...base, tags: ["a|b"] },
        { ...base, tags: ["  "] },
        { ...base, requester: { email: "not-an-email" } },
        { ...base, requester: { ownerId: "x", phone: "1" } },
        { ...base, conversationId: "conv_unknown" },
        { ...base, assignee: ids.cust },
        { ...base, status: "closed" },
        { summary: "s", category: "refund" },
        [base],
        "{not json",
      ];
      for (const body of creates) {
        const r = await call("POST", "/v1/tickets", "agent", body);
        expect([400, 422]).toContain(r.status);
        expect(r.body.error.code).toBeTruthy();
      }
      const patches: unknown[] = [{}, { status: "reopened" }, { priority: "p1" }, { owner: "x" }, { tags: "vip" }, { assignee: 5 }];
      for (const body of patches) {
        const r = await call("PATCH", `/v1/tickets/${ids.otherTicket}`, "agent", body);
        expect(r.status).toBe(422);
      }
      for (const q of ["status=done", "priority=p0", "foo=bar", "limit=0", "limit=1000", "category=a%20b"]) expect((await call("GET", `/v1/tickets?${q}`, "agent")).status).toBe(422);
      expect((await call("POST", `/v1/tickets/${ids.otherTicket}/notes`, "agent", { body: "" })).status).toBe(422);
      expect((await call("POST", `/v1/tickets/${ids.otherTicket}/notes`, "agent", { body: "   " })).status).toBe(422);
      expect((await call("POST", `/v1/tickets/${ids.otherTicket}/notes`, "agent", { body: "x", internal: false })).status).toBe(422);
      expect((await call("GET", "/v1/tickets/nonexistent", "agent")).status).toBe(404);
      expect((await call("PATCH", "/v1/tickets/nonexistent", "agent", { status: "open" })).status).toBe(404);
      expect((await call("POST", "/v1/tickets/nonexistent/notes", "agent", { body: "x" })).status).toBe(404);
      expect(await count()).toBe(n);
      expect((await call("GET", `/v1/tickets/${ids.otherTicket}`, "agent")).body).toEqual(before);
    });

    test("audit events and metrics: opened and solved by category and priority, no ids in labels", async () => {
      const audit = (await call("GET", "/v1/admin/audit?limit=500", "admin")).body.items as Json[];
      const actions = audit.map((a) => a.action);
      expect(actions.filter((a) => a === "ticket.create").length).toBe(15);
      expect(actions).toContain("ticket.update");
      expect(actions).toContain("ticket.note");
      const upd = audit.find((a) => a.action === "ticket.update" && a.target === ids.ticket);
      expect(upd).toMatchObject({ actorKind: "user", actorId: ids.agent });
      const text = await (await app.handle(new Request("http://localhost/metrics"))).text();
      expect(text).toContain('tickets_opened_total{category="refund",priority="high"} 1');
      expect(text).toContain('tickets_opened_total{category="shipping",priority="normal"} 6');
      expect(text).toContain('tickets_solved_total{category="refund",priority="high"} 2');
      expect(text).not.toContain(ids.ticket!);
    });
  });
}
