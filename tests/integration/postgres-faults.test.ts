/**
 * PostgreSQL gone while the API runs (DATABASE_URL set): requests that need it get 503 DATABASE_UNAVAILABLE with
 * Retry-After (never a 500), /v1/search keeps answering from memory what it holds, health says the database is
 * down, and everything works again once it is back. The database "dies" behind a TCP proxy the test closes
 * (connections reset, new ones refused) in front of the real server of TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { testServices, type TestServices } from "../helpers/services";
import { TcpProxy, waitUntil } from "../support/peers";
import { ingestKb } from "./conversations-kb";

const PG = process.env.TEST_DATABASE_URL;

describe.skipIf(!PG)("PostgreSQL gone while the API runs", () => {
  let proxy: TcpProxy;
  let t: TestServices;
  let app: ReturnType<typeof createApp>;
  const call = (method: string, path: string, body?: unknown) =>
    app.handle(new Request(`http://local${path}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }));
  const search = () => call("POST", "/v1/search", { query: "How long do I have to return a laptop?", k: 3 });

  beforeAll(async () => {
    const target = new URL(PG!);
    proxy = await TcpProxy.start({ hostname: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(PG!);
    viaProxy.port = String(proxy.port);
    t = await testServices("postgres", { DATABASE_URL: viaProxy.toString(), CHUNK_CACHE_TTL_MS: "200" });
    await ingestKb(t);
    app = authedApp(t.services);
  }, 60_000);
  afterAll(async () => {
    proxy?.restart();
    await t?.cleanup();
    proxy?.kill();
  });

  test("503 with Retry-After where the database is needed, search from memory, and recovery", async () => {
    const before = (await (await search()).json()) as { passages: { chunkId: string }[] };
    expect(before.passages.length).toBeGreaterThan(0);
    const conv = ((await (await call("POST", "/v1/conversations", {})).json()) as { id: string }).id;

    proxy.kill();
    await Bun.sleep(300); // past the chunk cache's 200 ms: it would read the active versions again

    const s = await search();
    expect(s.status).toBe(200);
    const during = (await s.json()) as { passages: { chunkId: string }[] };
    expect(during.passages.map((p) => p.chunkId)).toEqual(before.passages.map((p) => p.chunkId));

    for (const res of [await call("POST", `/v1/conversations/${conv}/messages`, { content: "Do you ship to Canada?" }), await call("GET", "/v1/documents"), await call("POST", "/v1/conversations", {})]) {
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("DATABASE_UNAVAILABLE");
      expect(body.error.message).not.toMatch(/select|insert|update/i);
    }
    const health = await call("GET", "/v1/health");
    expect(health.status).toBe(503);
    expect(((await health.json()) as { components: { database: { state: string } } }).components.database.state).toBe("down");

    proxy.restart();
    await waitUntil(async () => (await call("GET", "/v1/health")).status === 200, 15_000, "the database to be reachable again");
    const again = await call("POST", `/v1/conversations/${conv}/messages`, { content: "Do you ship to Canada?" });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { decision: string }).decision).toBe("PASS");
  }, 60_000);
});
