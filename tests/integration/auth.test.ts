/**
 * Sign-in and credentials against real stores (PGlite always, PostgreSQL when TEST_DATABASE_URL is set):
 * login, refresh rotation and replay, logout, expiry, API tokens (hashed, last used, revoked), widget sessions,
 * the first admin, throttled failed logins, user management guards and the audit log.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";
import { jsonCalls, type Json } from "../helpers/http";

const PASSWORD = "a long enough password";

for (const kind of DB_KINDS) {
  describe(`auth on ${kind}`, () => {
    let t: TestServices;
    let app: ReturnType<typeof createApp>;
    let admin: string;
    const { call, json } = jsonCalls(() => app);
    const login = (username: string, password = PASSWORD) => call("POST", "/v1/auth/login", null, { username, password });

    beforeAll(async () => {
      t = await testServices(kind, { ADMIN_USERNAME: "root", ADMIN_PASSWORD: PASSWORD });
      app = createApp(t.services);
      admin = (await json(await login("root"))).token;
    }, 60_000);
    afterAll(async () => {
      await t?.cleanup();
    });

    test("the first admin comes from ADMIN_USERNAME / ADMIN_PASSWORD; me tells who is calling", async () => {
      const me = await json(await call("GET", "/v1/auth/me", admin));
      expect(me).toMatchObject({ kind: "user", role: "admin", tenantId: t.config.defaultTenant, user: { username: "root" } });
      expect(JSON.stringify(me)).not.toContain("passwordHash");
      expect((await call("GET", "/v1/auth/me")).status).toBe(401);
    });

    test("a generated first-admin password is printed once and works; a restart does not make another", async () => {
      const lines: string[] = [];
      const { AuthService } = await import("../../api/auth/auth-service");
      const { AccountRepository } = await import("../../core/db/account-repository");
      const deps = {
        config: { ...t.config, defaultTenant: "fresh", auth: { ...t.config.auth, adminPassword: undefined, adminUsername: "boss" } },
        accounts: new AccountRepository(t.services.stores.database.db),
        audit: t.services.audit,
        kbState: t.services.stores.kbState,
        cache: t.services.cache,
        log: (l: string) => lines.push(l),
      };
      const a = await AuthService.open(deps);
      await a.bootstrap();
      await a.bootstrap();
      expect(lines).toHaveLength(1);
      const password = /password '([^']+)'/.exec(lines[0]!)![1]!;
      const r = await call("POST", "/v1/auth/login", null, { username: "boss", password, tenant: "fresh" });
      expect(r.status).toBe(200);
    });

    test("wrong password, unknown user and a disabled account are 401 with one message; nothing leaks which", async () => {
      const created = await json(await call("POST", "/v1/admin/users", admin, { username: "dana", password: PASSWORD, role: "agent" }));
      const wrong = await login("dana", "not the password");
      const unknown = await login("nobody-here");
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect((await json(wrong)).error).toEqual((await json(unknown)).error);
      await call("PATCH", `/v1/admin/users/${created.id}`, admin, { disabled: true });
      const disabled = await login("dana");
      expect(disabled.status).toBe(401);
      expect((await json(disabled)).error.code).toBe("INVALID_CREDENTIALS");
    });

    test("refresh rotates; replaying a used refresh token revokes the whole family; logout ends it", async () => {
      await call("POST", "/v1/admin/users", admin, { username: "erin", password: PASSWORD, role: "customer", email: "erin@example.com" });
      const first = await json(await login("erin"));
      expect(first.refreshToken).toMatch(/^rt_/);
      const second = await json(await call("POST", "/v1/auth/refresh", null, { refreshToken: first.refreshToken }));
      expect(second.token).toBeString();
      expect(second.refreshToken).not.toBe(first.refreshToken);
      // The first token again: someone copied it. The family is revoked, so the second one dies too.
      const replay = await call("POST", "/v1/auth/refresh", null, { refreshToken: first.refreshToken });
      expect(replay.status).toBe(401);
      expect((await json(replay)).error.code).toBe("REFRESH_TOKEN_REUSED");
      expect((await call("POST", "/v1/auth/refresh", null, { refreshToken: second.refreshToken })).status).toBe(401);
      // A new login is a new family; logout revokes it.
      const third = await json(await login("erin"));
      expect((await call("POST", "/v1/auth/logout", null, { refreshToken: third.refreshToken })).status).toBe(200);
      expect((await call("POST", "/v1/auth/refresh", null, { refreshToken: third.refreshToken })).status).toBe(401);
      // Garbage and a forged token of the right shape are 401, not 500.
      expect((await call("POST", "/v1/auth/refresh", null, { refreshToken: "rt_nonsense" })).status).toBe(401);
      const forged = third.refreshToken.replace(/\.[^.]+$/, ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
      expect((await call("POST", "/v1/auth/refresh", null, { refreshToken: forged })).status).toBe(401);
      const audit = await json(await call("GET", "/v1/admin/audit?action=auth.refresh_replay", admin));
      expect(audit.total).toBe(1);
    });

    test("an expired or tampered access token is 401 with a code that says which", async () => {
      const expired = await t.services.auth.accessToken({ id: "usr_1", tenantId: t.config.defaultTenant, role: "admin", username: "root", email: null }, -5);
      const r = await call("GET", "/v1/auth/me", expired);
      expect(r.status).toBe(401);
      expect((await json(r)).error.code).toBe("TOKEN_EXPIRED");
      const [h, p, s] = admin.split(".");
      const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
      const elevated = Buffer.from(JSON.stringify({ ...claims, tid: "other" })).toString("base64url");
      const tampered = await call("GET", "/v1/auth/me", `${h}.${elevated}.${s}`);
      expect(tampered.status).toBe(401);
      expect((await json(tampered)).error.code).toBe("INVALID_TOKEN");
      expect((await call("GET", "/v1/auth/me", null, undefined, { authorization: "Basic abc" })).status).toBe(401);
    });

    test("API tokens: shown once, stored hashed, scoped by role, last-used time, revocable", async () => {
      const created = await json(await call("POST", "/v1/admin/tokens", admin, { name: "reporting", role: "agent" }));
      expect(created.token).toMatch(/^sk_/);
      const rows = await t.services.stores.database.db.execute(`select token_hash from api_tokens where id = '${created.id}'`);
      const stored = JSON.stringify(rows);
      expect(stored).not.toContain(created.token);
      expect((await call("GET", "/v1/documents", created.token)).status).toBe(200);
      expect((await call("GET", "/v1/admin/users", created.token)).status).toBe(403);
      const listed = (await json(await call("GET", "/v1/admin/tokens", admin))).items.find((x: Json) => x.id === created.id);
      expect(listed.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(listed)).not.toContain(created.token);
      await call("DELETE", `/v1/admin/tokens/${created.id}`, admin);
      const after = await call("GET", "/v1/documents", created.token);
      expect(after.status).toBe(401);
      expect((await json(after)).error.code).toBe("TOKEN_REVOKED");
    });

    test("failed logins are throttled per account (429 with Retry-After) and the right password waits too", async () => {
      await call("POST", "/v1/admin/users", admin, { username: "frank", password: PASSWORD, role: "agent" });
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await login("frank", `guess-${i}`)).status);
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5)).toEqual([429, 429]);
      const blocked = await login("frank");
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
      // Another account is not blocked by frank's failures.
      expect((await login("root")).status).toBe(200);
    });

    test("a widget session sees only its own conversations and cannot reach admin or search routes", async () => {
      const w1 = (await json(await call("POST", "/v1/auth/widget", null, {}))).token;
      const w2 = (await json(await call("POST", "/v1/auth/widget"))).token;
      const conv = await json(await call("POST", "/v1/conversations", w1, {}));
      expect(conv.ownerId).toMatch(/^widget:wid_/);
      expect((await call("GET", `/v1/conversations/${conv.id}`, w1)).status).toBe(200);
      expect((await call("GET", `/v1/conversations/${conv.id}`, w2)).status).toBe(404);
      expect((await call("POST", `/v1/conversations/${conv.id}/messages`, w2, { content: "hi" })).status).toBe(404);
      expect((await call("DELETE", `/v1/conversations/${conv.id}`, w2)).status).toBe(404);
      expect((await call("POST", "/v1/search", w1, { query: "x" })).status).toBe(403);
      expect((await call("GET", "/v1/admin/prompt", w1)).status).toBe(403);
      expect((await call("POST", "/v1/auth/widget", null, { tenant: "no-such-tenant" })).status).toBe(404);
    });

    test("the WebSocket refuses an upgrade without a credential and takes a widget session as ?access_token", async () => {
      const server = app.listen({ port: 0, hostname: "127.0.0.1" });
      try {
        const url = `ws://127.0.0.1:${server.server!.port}/v1/ws`;
        const refused = await fetch(url.replace("ws:", "http:"), { headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" } });
        expect(refused.status).toBe(401);
        const w = await json(await call("POST", "/v1/auth/widget"));
        const conv = await json(await call("POST", "/v1/conversations", w.token, {}));
        const ws = new WebSocket(`${url}?access_token=${w.token}`);
        const frames: Json[] = [];
        await new Promise<void>((resolve, reject) => {
          ws.onopen = () => ws.send(JSON.stringify({ type: "message", conversationId: conv.id, content: "hello there" }));
          ws.onmessage = (m) => {
            const f = JSON.parse(String(m.data)) as Json;
            frames.push(f);
            if (f.type === "done" || f.type === "error") resolve();
          };
          ws.onerror = () => reject(new Error("ws error"));
          setTimeout(() => reject(new Error(`no done frame: ${JSON.stringify(frames)}`)), 20_000);
        });
        ws.close();
        expect(frames.some((f) => f.type === "done")).toBe(true);
        // Another session's conversation is unknown over the WebSocket too.
        const other = await json(await call("POST", "/v1/auth/widget"));
        const ws2 = new WebSocket(`${url}?access_token=${other.token}`);
        const err = await new Promise<Json>((resolve, reject) => {
          ws2.onopen = () => ws2.send(JSON.stringify({ type: "message", conversationId: conv.id, content: "let me in" }));
          ws2.onmessage = (m) => {
            const f = JSON.parse(String(m.data)) as Json;
            if (f.type === "error") resolve(f);
          };
          setTimeout(() => reject(new Error("no error frame")), 10_000);
        });
        ws2.close();
        expect(JSON.stringify(err)).toContain("CONVERSATION_NOT_FOUND");
      } finally {
        server.stop(true);
      }
    });

    test("the last admin cannot be demoted, disabled or deleted; passwords must be long enough", async () => {
      const users = (await json(await call("GET", "/v1/admin/users", admin))).items as Json[];
      const root = users.find((u) => u.username === "root")!;
      expect((await call("PATCH", `/v1/admin/users/${root.id}`, admin, { role: "agent" })).status).toBe(409);
      expect((await call("PATCH", `/v1/admin/users/${root.id}`, admin, { disabled: true })).status).toBe(409);
      expect((await call("DELETE", `/v1/admin/users/${root.id}`, admin)).status).toBe(409);
      const short = await call("POST", "/v1/admin/users", admin, { username: "gil", password: "short", role: "agent" });
      expect(short.status).toBe(422);
      expect((await json(short)).error.code).toBe("PASSWORD_TOO_SHORT");
      expect((await call("POST", "/v1/admin/users", admin, { username: "root", password: PASSWORD, role: "agent" })).status).toBe(409);
    });

    test("malformed bodies on the auth and admin routes are 4xx, never 500, and change nothing", async () => {
      const before = (await json(await call("GET", "/v1/admin/users", admin))).total;
      const bad: [string, string, unknown][] = [
        ["POST", "/v1/auth/login", { username: 1, password: [] }],
        ["POST", "/v1/auth/login", { username: "x".repeat(100_000), password: "y" }],
        ["POST", "/v1/auth/login", "{not json"],
        ["POST", "/v1/auth/login", { username: "a\u0000b", password: "c" }],
        ["POST", "/v1/auth/refresh", { refreshToken: { deep: { deeper: [1, 2, 3] } } }],
        ["POST", "/v1/admin/users", { username: "ok", password: PASSWORD, role: "superuser" }],
        ["POST", "/v1/admin/users", { username: "bad name with spaces", password: PASSWORD, role: "agent" }],
        ["POST", "/v1/admin/users", { username: "ok2", password: PASSWORD, role: "agent", email: "not-an-email" }],
        ["POST", "/v1/admin/tokens", { name: "", role: "admin" }],
        ["POST", "/v1/admin/tenants", { id: "has space", name: "x", adminUsername: "a", adminPassword: PASSWORD }],
        ["GET", "/v1/admin/audit?since=yesterday", undefined],
        ["GET", "/v1/admin/audit?limit=100000", undefined],
      ];
      for (const [method, path, body] of bad) {
        const r = await call(method, path, path.startsWith("/v1/auth") ? null : admin, body);
        expect(`${path} ${r.status}`).toMatch(/ 4\d\d$/);
        expect((await json(r)).error.code).toBeString();
      }
      expect((await json(await call("GET", "/v1/admin/users", admin))).total).toBe(before);
    });

    test("the audit log records logins, failed logins, user, token, prompt and document changes; paged and filtered", async () => {
      await call("PUT", "/v1/admin/prompt", admin, { text: "Answer briefly." });
      await call("POST", "/v1/documents?wait=true", admin, { title: "Audit doc", text: "Some text for the audit test." });
      const all = await json(await call("GET", "/v1/admin/audit?limit=500", admin));
      const actions = new Set(all.items.map((e: Json) => e.action));
      for (const a of ["auth.login", "auth.login_failed", "user.create", "user.update", "token.create", "token.revoke", "prompt.update", "document.submit"]) expect(actions).toContain(a);
      const page = await json(await call("GET", "/v1/admin/audit?limit=2&offset=0", admin));
      expect(page.items).toHaveLength(2);
      expect(new Date(page.items[0].at).getTime()).toBeGreaterThanOrEqual(new Date(page.items[1].at).getTime());
      const failed = await json(await call("GET", "/v1/admin/audit?action=auth.login_failed", admin));
      expect(failed.items.every((e: Json) => e.action === "auth.login_failed")).toBe(true);
      expect(JSON.stringify(all)).not.toContain(PASSWORD);
      // Another tenant's admin reads only its own log.
      await call("POST", "/v1/admin/tenants", admin, { id: "audit-b", name: "B", adminUsername: "broot", adminPassword: PASSWORD });
      const b = (await json(await call("POST", "/v1/auth/login", null, { username: "broot", password: PASSWORD, tenant: "audit-b" }))).token;
      const bLog = await json(await call("GET", "/v1/admin/audit?limit=500", b));
      expect(bLog.items.every((e: Json) => e.tenantId === "audit-b")).toBe(true);
      // Only the operator tenant manages tenants.
      expect((await call("GET", "/v1/admin/tenants", b)).status).toBe(404);
    });
  });
}
