/**
 * The authorization matrix, generated from the app's own route table: every route x every kind of caller
 * (nobody, a customer, another customer, a widget session, an agent, an admin, another tenant's admin, a revoked
 * API token, an expired access token), with the outcome the access policy implies. A route added later without
 * a rule in api/auth/access-policy.ts fails the first test. Resources of tenant A (a customer's conversation and
 * answer, a document, its job, a user, a token) are addressed by real ids: another tenant's admin and another
 * customer must get 404 (not 403) and nothing may change.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { ACCESS_POLICY, ruleKey, type AccessRule } from "../../api/auth/access-policy";
import { atLeast, type Role } from "../../api/auth/principal";
import { testServices, type TestServices } from "../helpers/services";

type Json = Record<string, any>;
type Caller = "none" | "customer" | "otherCustomer" | "widget" | "agent" | "admin" | "otherTenantAdmin" | "revokedToken" | "expiredToken";
const CALLERS: Caller[] = ["none", "customer", "otherCustomer", "widget", "agent", "admin", "otherTenantAdmin", "revokedToken", "expiredToken"];
const ROLE_OF: Partial<Record<Caller, Role>> = { customer: "customer", otherCustomer: "customer", widget: "customer", agent: "agent", admin: "admin", otherTenantAdmin: "admin" };
const PASSWORD = "correct horse battery";

describe("authorization matrix", () => {
  let t: TestServices;
  let app: ReturnType<typeof createApp>;
  const tokens: Partial<Record<Caller, string>> = {};
  const ids: Record<string, string> = {};

  const call = (method: string, path: string, caller: Caller | string | null, body?: unknown) => {
    const token = caller && (caller in tokens ? tokens[caller as Caller] : caller);
    const headers: Record<string, string> = {};
    if (token && caller !== "none") headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    return app.handle(new Request(`http://localhost${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
  };
  const json = async (r: Response) => (await r.json()) as Json;
  const login = async (username: string, tenant?: string) => {
    const r = await call("POST", "/v1/auth/login", null, { username, password: PASSWORD, ...(tenant ? { tenant } : {}) });
    expect(r.status).toBe(200);
    return (await json(r)).token as string;
  };

  beforeAll(async () => {
    t = await testServices("pglite", { ADMIN_USERNAME: "root", ADMIN_PASSWORD: PASSWORD });
    app = createApp(t.services);
    tokens.admin = await login("root");
    const mk = async (username: string, role: Role, email?: string) => {
      const r = await call("POST", "/v1/admin/users", "admin", { username, password: PASSWORD, role, ...(email ? { email } : {}) });
      expect(r.status).toBe(201);
      return (await json(r)).id as string;
    };
    ids.agentUser = await mk("agent1", "agent");
    ids.customerUser = await mk("cust1", "customer", "cust1@example.com");
    ids.otherCustomerUser = await mk("cust2", "customer", "cust2@example.com");
    tokens.agent = await login("agent1");
    tokens.customer = await login("cust1");
    tokens.otherCustomer = await login("cust2");
    tokens.widget = (await json(await call("POST", "/v1/auth/widget", null, {}))).token;
    // Tenant B and its admin.
    expect((await call("POST", "/v1/admin/tenants", "admin", { id: "tenant-b", name: "B", adminUsername: "broot", adminPassword: PASSWORD })).status).toBe(201);
    tokens.otherTenantAdmin = await login("broot", "tenant-b");
    // A revoked API token with the admin role, and an expired access token of the admin.
    const tok = await json(await call("POST", "/v1/admin/tokens", "admin", { name: "ci", role: "admin" }));
    ids.token = tok.id;
    expect((await call("GET", "/v1/auth/me", tok.token)).status).toBe(200);
    expect((await call("DELETE", `/v1/admin/tokens/${tok.id}`, "admin")).status).toBe(200);
    tokens.revokedToken = tok.token;
    tokens.expiredToken = await t.services.auth.accessToken({ id: "usr_x", tenantId: t.config.defaultTenant, role: "admin", username: "root", email: null }, -30);
    // Tenant A's resources: the customer's conversation and answer, a document and its job.
    const conv = await json(await call("POST", "/v1/conversations", "customer", {}));
    ids.conversation = conv.id;
    const answer = await json(await call("POST", `/v1/conversations/${conv.id}/messages`, "customer", { content: "How long do returns take?" }));
    ids.message = answer.messageId;
    const job = await json(await call("POST", "/v1/documents?wait=true", "admin", { title: "Returns", text: "Returns are accepted within 30 days of delivery." }));
    ids.job = job.id;
    ids.document = job.documentId;
    // A ticket on the customer's conversation: the customer may read it, another customer may not.
    const ticket = await json(await call("POST", "/v1/tickets", "agent", { subject: "Late refund", summary: "Refund not received", category: "refund", conversationId: conv.id }));
    ids.ticket = ticket.id;
  }, 120_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  const routes = () =>
    (app.routes as unknown as { method: string; path: string }[]).filter((r) => r.method !== "WS").map((r) => ({ method: r.method, path: r.path }));

  test("every route of the app has an access rule", () => {
    const all = (app.routes as unknown as { method: string; path: string }[]).map((r) => ruleKey(r.method, r.path));
    expect(all.length).toBeGreaterThan(30);
    expect(all.filter((k) => !(k in ACCESS_POLICY))).toEqual([]);
    // And no rule for a route that does not exist (a stale rule would hide a renamed route's missing one).
    expect(Object.keys(ACCESS_POLICY).filter((k) => !all.includes(k))).toEqual([]);
  });

  /** The real id of tenant A's resource a path parameter names. */
  const realPath = (path: string) =>
    path
      .replace(/^\/v1\/conversations\/:id/, `/v1/conversations/${ids.conversation}`)
      .replace(":messageId", ids.message!)
      .replace(/^\/v1\/messages\/:id/, `/v1/messages/${ids.message}`)
      .replace(/^\/v1\/documents\/:id/, `/v1/documents/${ids.document}`)
      .replace(/^\/v1\/ingest\/jobs\/:id/, `/v1/ingest/jobs/${ids.job}`)
      .replace(/^\/v1\/admin\/users\/:id/, `/v1/admin/users/${ids.otherCustomerUser}`)
      .replace(/^\/v1\/admin\/tokens\/:id/, `/v1/admin/tokens/${ids.token}`)
      .replace(/^\/v1\/tickets\/:id/, `/v1/tickets/${ids.ticket}`)
      .replace(/:id/g, "nonexistent");
  /** A body that passes validation, so a 404 from the service is not hidden behind a 422. */
  const BODIES: Record<string, unknown> = {
    "POST /v1/conversations/:id/messages": { content: "hello" },
    "POST /v1/conversations/:id/messages/stream": { content: "hello" },
    "POST /v1/messages/:id/feedback": { rating: "up" },
    "PATCH /v1/admin/users/:id": { email: null },
    "POST /v1/tickets": { subject: "s", summary: "s", category: "other" },
    "PATCH /v1/tickets/:id": { priority: "high" },
    "POST /v1/tickets/:id/notes": { body: "a note" },
    "POST /v1/tickets/:id/approve-answer": { question: "q", answer: "a" },
    "PATCH /v1/admin/webhooks/:id": { active: false },
  };
  const bodyOf = (method: string, path: string) => BODIES[ruleKey(method, path)] ?? (method === "GET" || method === "DELETE" ? undefined : {});

  const expected = (rule: AccessRule, caller: Caller): "allowed" | 401 | 403 => {
    if (rule === "public") return "allowed";
    if (caller === "none" || caller === "revokedToken" || caller === "expiredToken") return 401;
    return atLeast(ROLE_OF[caller]!, rule) ? "allowed" : 403;
  };

  for (const caller of CALLERS) {
    test(`${caller}: every route answers as its rule says`, async () => {
      const wrong: string[] = [];
      for (const { method, path } of routes()) {
        const rule = ACCESS_POLICY[ruleKey(method, path)]!;
        const want = expected(rule, caller);
        // Destructive calls an allowed caller of tenant A may make go to a nonexistent id; everyone else gets the real one.
        const destructive = method === "DELETE" || method === "PATCH";
        const sameTenantAllowed = want === "allowed" && caller !== "otherTenantAdmin" && caller !== "otherCustomer";
        const p = destructive && sameTenantAllowed ? path.replace(/:id/g, "nonexistent") : realPath(path);
        const res = await call(method, p, caller, bodyOf(method, path));
        const got = res.status;
        if (want === 401 || want === 403) {
          if (got !== want) wrong.push(`${method} ${path}: ${got}, expected ${want}`);
          continue;
        }
        if (got === 401 || got === 403) wrong.push(`${method} ${path}: ${got}, expected access`);
        // Tenant A's resources are unknown to tenant B's admin, and a customer's to another customer.
        const foreign =
          (caller === "otherTenantAdmin" && path.includes(":")) ||
          ((caller === "otherCustomer" || caller === "widget") && /^\/v1\/(conversations|messages|tickets)\/:id/.test(path));
        if (foreign && got !== 404) wrong.push(`${method} ${path}: ${got}, expected 404 for a foreign resource`);
        await res.body?.cancel();
      }
      expect(wrong).toEqual([]);
    }, 60_000);
  }

  test("malformed bodies to every JSON route: 4xx, never 500, and nothing stored changes", async () => {
    const counts = async () => {
      const db = t.services.stores.database.db;
      const n = async (table: string) => Number(((await db.execute(`select count(*)::int as n from ${table}`)) as unknown as { rows?: { n: number }[] }).rows?.[0]?.n ?? JSON.stringify(await db.execute(`select count(*)::int as n from ${table}`)));
      return { documents: await n("documents"), conversations: await n("conversations"), messages: await n("messages"), users: await n("users"), tokens: await n("api_tokens"), tenants: await n("tenants") };
    };
    const before = await counts();
    const deep = "[".repeat(5000) + "]".repeat(5000);
    const wrongTypes = JSON.stringify(Object.fromEntries(
      ["metadata", "content", "query", "username", "password", "refreshToken", "text", "title", "url", "rating", "name", "role", "id", "messages", "model", "tenant", "email", "expectedVersion", "adminUsername", "adminPassword", "maxPages"].map((k) => [k, { nested: [k] }]),
    ));
    // Each is malformed for every route: unknown fields are dropped (normalize), so a body is invalid for a route
    // only through a field it has; the "wrong types" and "2 MB" bodies are checked where the route has such a field.
    const bodies: [string, BodyInit][] = [
      ["truncated JSON", '{"a": '],
      ["an array", "[1, 2, 3]"],
      ["wrong types everywhere", wrongTypes],
      ["a NUL character", JSON.stringify({ content: "a\u0000b", query: "a\u0000b", username: "a\u0000b", text: "a\u0000b", title: "t" })],
      ["deep nesting", deep],
      ["a 2 MB string", JSON.stringify({ content: "x".repeat(2_000_000), query: "x".repeat(2_000_000), text: "x".repeat(2_000_000), title: "x".repeat(2_000_000) })],
      ["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d])],
    ];
    const wrong: string[] = [];
    let conversationsCreated = 0;
    for (const { method, path } of routes()) {
      if (method === "GET" || method === "DELETE") continue;
      for (const [what, body] of bodies) {
        const res = await app.handle(
          new Request(`http://localhost${realPath(path)}`, { method, headers: { authorization: `Bearer ${tokens.admin}`, "content-type": "application/json" }, body }),
        );
        const mayPass = (what === "wrong types everywhere" || what === "a 2 MB string") && res.status < 300;
        if (res.status >= 500 || (res.status < 400 && !mayPass)) wrong.push(`${method} ${path} with ${what}: ${res.status}`);
        if (mayPass) {
          // A body whose only wrong fields are ones the route does not have is a valid request.
          if (method === "POST" && path === "/v1/conversations") conversationsCreated++;
          await res.body?.cancel();
          continue;
        }
        else if (!((await res.json().catch(() => ({}))) as Json).error) wrong.push(`${method} ${path} with ${what}: no error body`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await counts()).toEqual({ ...before, conversations: before.conversations + conversationsCreated });
  }, 120_000);

  test("nothing of tenant A changed under the foreign callers", async () => {
    const conv = await json(await call("GET", `/v1/conversations/${ids.conversation}`, "customer"));
    expect(conv.id).toBe(ids.conversation);
    expect(conv.messages.length).toBeGreaterThanOrEqual(2);
    expect((await call("GET", `/v1/documents/${ids.document}`, "agent")).status).toBe(200);
    const users = await json(await call("GET", "/v1/admin/users", "admin"));
    expect(users.items.map((u: Json) => u.username)).toContain("cust2");
    expect(users.items.find((u: Json) => u.username === "cust2").email).toBe("cust2@example.com");
  });

  test("a customer lists only its own conversations; an agent sees the tenant's; tenant B sees none of A's", async () => {
    const theirs = (await json(await call("POST", "/v1/conversations", "otherCustomer", {}))).id;
    const mine = await json(await call("GET", "/v1/conversations", "customer"));
    expect(mine.items.map((c: Json) => c.id)).toContain(ids.conversation);
    expect(mine.items.map((c: Json) => c.id)).not.toContain(theirs);
    expect(new Set(mine.items.map((c: Json) => c.ownerId))).toEqual(new Set([`user:${ids.customerUser}`]));
    const other = await json(await call("GET", "/v1/conversations", "otherCustomer"));
    expect(other.items.map((c: Json) => c.id)).toContain(theirs);
    expect(other.items.map((c: Json) => c.id)).not.toContain(ids.conversation);
    const agent = await json(await call("GET", "/v1/conversations", "agent"));
    expect(agent.total).toBeGreaterThanOrEqual(2);
    const b = await json(await call("GET", "/v1/conversations", "otherTenantAdmin"));
    expect(b.items.map((c: Json) => c.id)).not.toContain(ids.conversation);
    expect(b.items.map((c: Json) => c.id)).not.toContain(theirs);
    const bDocs = await json(await call("GET", "/v1/documents", "otherTenantAdmin"));
    expect(bDocs.total).toBe(0);
    const bSearch = await json(await call("POST", "/v1/search", "otherTenantAdmin", { query: "returns within 30 days" }));
    expect(bSearch.passages).toEqual([]);
    const aSearch = await json(await call("POST", "/v1/search", "agent", { query: "returns within 30 days" }));
    expect(aSearch.passages.length).toBeGreaterThan(0);
  });
});
