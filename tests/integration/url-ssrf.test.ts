/**
 * URL ingestion cannot be turned against the network the server runs in (issue 11): with the default
 * configuration, `POST /v1/documents {url}` of the server's own /metrics (and of every other spelling of this
 * machine, the metadata address, a redirect there) is 422 URL_NOT_ALLOWED and nothing is stored. Real stores
 * (PGlite always, PostgreSQL with TEST_DATABASE_URL), the real app served over a real port.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { authedApp } from "../helpers/authed-app";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";

type Json = Record<string, any>;

for (const kind of DB_KINDS) {
  describe(`URL ingestion refuses internal addresses on ${kind}`, () => {
    let t: TestServices;
    let server: ReturnType<typeof Bun.serve>;
    /** What the injected fetch was asked for: it must never see an internal address. */
    const asked: string[] = [];
    let app: ReturnType<typeof authedApp>;
    const post = (path: string, body: unknown) =>
      app.handle(new Request(`http://local${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
    const docs = async () => (await t.services.stores.documents.list({ tenantId: t.config.defaultTenant, limit: 200, offset: 0 })).total;

    beforeAll(async () => {
      t = await testServices(kind); // no URL_FETCH_* exemptions: the default
      // A stand-in for the internet: one public address answering a page, another redirecting to this machine.
      const fakeInternet = (async (input: string | URL | Request) => {
        const url = new URL(input instanceof Request ? input.url : input.toString());
        asked.push(url.href);
        if (url.hostname === "93.184.216.34") return new Response("<html><head><title>Gift cards</title></head><body><p>Gift cards never expire.</p></body></html>", { headers: { "content-type": "text/html" } });
        if (url.hostname === "93.184.216.35") return new Response(null, { status: 302, headers: { location: `http://127.0.0.1:${server.port}/metrics` } });
        throw new Error(`the test's internet has no ${url.href}`);
      }) as typeof fetch;
      app = authedApp(t.services, { fetch: fakeInternet });
      // The app itself on a real port, as in production: its /metrics is what the request read.
      const self = authedApp(t.services);
      server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => self.handle(req) });
    }, 120_000);
    afterAll(async () => {
      server?.stop(true);
      await t?.cleanup();
    });

    test("POST {url: http://127.0.0.1:<port>/metrics} is 422 URL_NOT_ALLOWED; nothing is fetched or stored", async () => {
      const metrics = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(metrics.status).toBe(200); // the target is real and readable from here
      await metrics.body?.cancel();
      const res = await post("/v1/documents?wait=true", { url: `http://127.0.0.1:${server.port}/metrics` });
      expect(res.status).toBe(422);
      const body = (await res.json()) as Json;
      expect(body.error.code).toBe("URL_NOT_ALLOWED");
      expect(body.error.message).toContain("loopback address");
      expect(asked).toEqual([]);
      expect(await docs()).toBe(0);
    });

    test("every other spelling of this machine, the metadata service and private networks: 422 URL_NOT_ALLOWED", async () => {
      const p = server.port;
      for (const url of [
        `http://localhost:${p}/metrics`,
        `http://2130706433:${p}/metrics`,
        `http://0177.0.0.1:${p}/metrics`,
        `http://0x7f.1:${p}/metrics`,
        `http://127.1:${p}/metrics`,
        `http://[::1]:${p}/metrics`,
        `http://[::ffff:127.0.0.1]:${p}/metrics`,
        `http://0.0.0.0:${p}/metrics`,
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://10.0.0.1/",
        "http://192.168.1.1/admin",
      ]) {
        const res = await post("/v1/documents", { url });
        expect({ url, status: res.status, code: ((await res.json()) as Json).error?.code }).toEqual({ url, status: 422, code: "URL_NOT_ALLOWED" });
      }
      expect(asked).toEqual([]);
      expect(await docs()).toBe(0);
    });

    test("a public page that redirects to this machine is refused after the first request; nothing stored", async () => {
      const res = await post("/v1/documents?wait=true", { url: "http://93.184.216.35/help" });
      expect(res.status).toBe(422);
      const body = (await res.json()) as Json;
      expect(body.error.code).toBe("URL_NOT_ALLOWED");
      expect(body.error.message).toContain("redirect from '93.184.216.35' refused");
      expect(asked).toEqual(["http://93.184.216.35/help"]);
      expect(await docs()).toBe(0);
    });

    test("a public address is fetched through the injected fetch and ingested", async () => {
      asked.length = 0;
      const res = await post("/v1/documents?wait=true", { url: "http://93.184.216.34/gift-cards" });
      const job = (await res.json()) as Json;
      expect(job.status).toBe("succeeded");
      expect(asked).toEqual(["http://93.184.216.34/gift-cards"]);
      expect(await docs()).toBe(1);
    });

    test("a crawl from this machine is refused before it starts", async () => {
      const res = await post("/v1/documents/crawl", { url: `http://127.0.0.1:${server.port}/` });
      expect(res.status).toBe(422);
      expect(((await res.json()) as Json).error.code).toBe("URL_NOT_ALLOWED");
    });
  });
}
