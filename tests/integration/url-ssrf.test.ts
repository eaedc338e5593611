/**
 * URL ingestion against the network it runs in, over the whole app with the default policy: a document by URL
 * pointing at this machine (the API's own /metrics, any loopback spelling, the cloud metadata address) or
 * redirecting there is refused with 422 URL_NOT_ALLOWED; the target is never contacted and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { testServices, type TestServices } from "../helpers/services";

describe("URL ingestion refuses internal addresses", () => {
  let t: TestServices;
  let app: ReturnType<typeof createApp>;
  let hits = 0;
  let server: ReturnType<typeof Bun.serve>;
  const post = (body: unknown) =>
    app.handle(new Request("http://localhost/v1/documents?wait=true", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));

  beforeAll(async () => {
    t = await testServices("pglite");
    app = authedApp(t.services);
    server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (hits++, new Response("# internal\nsecret_metric 1\n", { headers: { "content-type": "text/plain" } })) });
  }, 60_000);
  afterAll(async () => {
    server?.stop(true);
    await t?.cleanup();
  });

  test.each([
    (p: number) => `http://127.0.0.1:${p}/metrics`,
    (p: number) => `http://localhost:${p}/metrics`,
    (p: number) => `http://2130706433:${p}/`,
    (p: number) => `http://0177.0.0.1:${p}/`,
    (p: number) => `http://[::ffff:127.0.0.1]:${p}/`,
    () => "http://169.254.169.254/latest/meta-data/",
  ])("%#: 422 URL_NOT_ALLOWED, nothing fetched, nothing stored", async (make) => {
    const before = hits;
    const res = await post({ url: make(server.port!) });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("URL_NOT_ALLOWED");
    expect(hits).toBe(before);
    const list = (await (await app.handle(new Request("http://localhost/v1/documents"))).json()) as { total: number };
    expect(list.total).toBe(0);
  });
});
