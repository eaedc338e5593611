/**
 * Documents and search over HTTP (app.handle), against real stores: PGlite always, PostgreSQL when
 * TEST_DATABASE_URL is set (.ci/run sets it). LanceDB in a temporary directory, the real local embedder.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";

const RETURNS = `# Returns
## Laptops
Laptops can be returned within 15 days of delivery if they are in their original packaging.
## Other items
Most other items can be returned within 30 days. Opened software cannot be returned.`;

const SHIPPING = `# Shipping
We ship to the United States and Canada. Orders to Canada take 5-8 business days and duties are paid at delivery.
Standard shipping is free on orders over $50.`;

for (const kind of DB_KINDS) {
  describe(`documents and search on ${kind}`, () => {
    let t: TestServices;
    let app: ReturnType<typeof createApp>;
    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      app.handle(
        new Request(`http://local${path}`, {
          method,
          headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
          body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
        }),
      );
    const addText = async (title: string, text: string, extra: Record<string, unknown> = {}) => {
      const res = await call("POST", "/v1/documents?wait=true", { title, text, ...extra });
      return { status: res.status, job: (await res.json()) as Record<string, any> };
    };
    const searchIds = async (query: string, extra: Record<string, unknown> = {}) => {
      const res = await call("POST", "/v1/search", { query, ...extra });
      expect(res.status).toBe(200);
      return ((await res.json()) as { passages: { documentId: string; chunkId: string; text: string; title: string }[] }).passages;
    };

    beforeAll(async () => {
      // The local test servers listen on 127.0.0.1, which URL ingestion refuses unless the host is allowed.
      t = await testServices(kind, { MAX_UPLOAD_MB: "1", URL_FETCH_ALLOWED_HOSTS: "127.0.0.1" });
      app = authedApp(t.services);
    }, 120_000);
    afterAll(async () => {
      await t?.cleanup();
    });

    test("ingests a text document, lists it, returns it with chunks, finds it", async () => {
      const { status, job } = await addText("Return policy", RETURNS, { docType: "policy", tags: ["returns"] });
      expect(status).toBe(200);
      expect(job.status).toBe("succeeded");
      expect(job.result.chunks).toBeGreaterThan(0);
      const list = (await (await call("GET", "/v1/documents?docType=policy")).json()) as { items: { id: string }[]; total: number };
      expect(list.total).toBe(1);
      const doc = (await (await call("GET", `/v1/documents/${job.documentId}`)).json()) as { title: string; version: number; chunks: { text: string; charStart: number; charEnd: number; sectionPath: string[] }[] };
      expect(doc.title).toBe("Return policy");
      expect(doc.version).toBe(1);
      expect(doc.chunks.some((c) => c.text.includes("15 days"))).toBe(true);
      const hits = await searchIds("how long can I return a laptop");
      expect(hits[0]!.documentId).toBe(job.documentId);
      expect(hits[0]!.text).toContain("15 days");
    });

    test("the job can be polled", async () => {
      const res = await call("POST", "/v1/documents", { title: "Shipping", text: SHIPPING });
      expect(res.status).toBe(202);
      const job = (await res.json()) as { id: string; status: string };
      expect(["queued", "running", "succeeded"]).toContain(job.status);
      await t.services.jobs.wait(job.id);
      const polled = (await (await call("GET", `/v1/ingest/jobs/${job.id}`)).json()) as { status: string; documentId: string };
      expect(polled.status).toBe("succeeded");
      const hits = await searchIds("do you ship to Canada");
      expect(hits[0]!.documentId).toBe(polled.documentId);
    });

    test("re-ingesting unchanged content is a no-op; changed content replaces every index", async () => {
      const first = await addText("Warranty", "The warranty lasts one year. Water damage is not covered.");
      const again = await addText("Warranty", "The warranty lasts one year. Water damage is not covered.");
      expect(again.job.status).toBe("unchanged");
      expect(again.job.result.version).toBe(1);
      const vectorsBefore = await t.services.stores.vectors().count();
      const changed = await addText("Warranty", "The warranty lasts two years. Liquid damage is covered by Protect plans.");
      expect(changed.job.status).toBe("succeeded");
      expect(changed.job.documentId).toBe(first.job.documentId);
      expect(changed.job.result.version).toBe(2);
      const hits = await searchIds("warranty water damage years", { k: 20 });
      const texts = hits.filter((h) => h.documentId === first.job.documentId).map((h) => h.text);
      expect(texts.length).toBeGreaterThan(0);
      expect(texts.join(" ")).not.toContain("one year");
      // The old version's rows are gone from every index, not just hidden.
      expect(await t.services.stores.vectors().count()).toBe(vectorsBefore);
      expect(await t.services.stores.keywords.count(t.config.defaultTenant)).toBe(await t.services.stores.documents.countChunks(t.config.defaultTenant));
    });

    test("a failed re-ingest leaves the previous version intact", async () => {
      const form = new FormData();
      form.set("file", new File([RETURNS], "policy.md", { type: "text/markdown" }));
      form.set("source", "kb/policy");
      const ok = await app.handle(new Request("http://local/v1/documents?wait=true", { method: "POST", body: form }));
      const good = (await ok.json()) as { status: string; documentId: string };
      expect(good.status).toBe("succeeded");
      // Same source, now a PDF that is corrupt: rejected, the Markdown version stays searchable.
      const bad = new FormData();
      bad.set("file", new File([new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x34, 0x0a, 0x25, 0xe2])], "policy.pdf", { type: "application/pdf" }));
      bad.set("source", "kb/policy");
      const res = await app.handle(new Request("http://local/v1/documents?wait=true", { method: "POST", body: bad }));
      expect(res.status).toBe(422);
      const failed = (await res.json()) as { status: string; error: { code: string } };
      expect(failed.status).toBe("failed");
      expect(failed.error.code).toMatch(/^PDF_/);
      const doc = (await (await call("GET", `/v1/documents/${good.documentId}`)).json()) as { version: number; format: string; chunks: unknown[] };
      expect(doc.version).toBe(1);
      expect(doc.format).toBe("markdown");
      expect(doc.chunks.length).toBeGreaterThan(0);
    });

    test("readers never see half of a re-ingested document", async () => {
      const v1 = Array.from({ length: 40 }, (_, i) => `## Part ${i}\nAlpha edition paragraph ${i} about the gadget refund rules.`).join("\n\n");
      const v2 = Array.from({ length: 40 }, (_, i) => `## Part ${i}\nBeta edition paragraph ${i} about the gadget refund rules.`).join("\n\n");
      const { job } = await addText("Gadget rules", v1, { source: "gadget-rules" });
      const docId = job.documentId as string;
      const pending = addText("Gadget rules", v2, { source: "gadget-rules" });
      const seen = new Set<string>();
      for (let i = 0; i < 15; i++) {
        const hits = (await searchIds("gadget refund rules edition paragraph", { k: 30, filters: { documentIds: [docId] } }));
        const versions = new Set(hits.map((h) => h.chunkId.split(":")[1]));
        expect(versions.size).toBeLessThanOrEqual(1);
        const editions = new Set(hits.map((h) => (h.text.includes("Alpha") ? "a" : "b")));
        expect(editions.size).toBeLessThanOrEqual(1);
        for (const e of editions) seen.add(e);
      }
      expect((await pending).job.status).toBe("succeeded");
      const after = await searchIds("gadget refund rules edition paragraph", { k: 30, filters: { documentIds: [docId] } });
      expect(after.every((h) => h.text.includes("Beta"))).toBe(true);
    });

    test("filters by docType and tags, and channels can be chosen", async () => {
      const hits = await searchIds("return laptop", { filters: { docTypes: ["policy"], tags: ["returns"] } });
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.every((h) => h.title === "Return policy")).toBe(true);
      const none = await searchIds("return laptop", { filters: { tags: ["no-such-tag"] } });
      expect(none).toEqual([]);
      const res = await call("POST", "/v1/search", { query: "canada", channels: ["keyword"] });
      const body = (await res.json()) as { passages: { ranks: Record<string, number> }[] };
      expect(body.passages.length).toBeGreaterThan(0);
      expect(body.passages.every((p) => p.ranks.keyword !== undefined && p.ranks.vector === undefined)).toBe(true);
    });

    test("deleting removes the document everywhere", async () => {
      const { job } = await addText("Temporary notice", "The zeppelin hangar is closed on Mondays for maintenance.");
      expect((await searchIds("zeppelin hangar"))[0]!.documentId).toBe(job.documentId);
      const del = await call("DELETE", `/v1/documents/${job.documentId}`);
      expect(del.status).toBe(200);
      expect((await searchIds("zeppelin hangar")).some((h) => h.documentId === job.documentId)).toBe(false);
      expect((await call("GET", `/v1/documents/${job.documentId}`)).status).toBe(404);
      expect((await call("DELETE", `/v1/documents/${job.documentId}`)).status).toBe(404);
      expect(await t.services.stores.vectors().count()).toBe(await t.services.stores.documents.countChunks(t.config.defaultTenant));
    });

    describe("bad input", () => {
      const expectError = async (res: Response, status: number, code?: string | RegExp) => {
        expect(res.status).toBe(status);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(typeof body.error.message).toBe("string");
        if (code) expect(body.error.code).toMatch(code);
      };
      test("malformed JSON is 400", async () => {
        await expectError(await call("POST", "/v1/documents", '{"title": "x", "text": '), 400, "MALFORMED_JSON");
        await expectError(await call("POST", "/v1/search", '{"query": '), 400);
      });
      test("unsupported media and file types are 415", async () => {
        await expectError(await call("POST", "/v1/documents", "hello", { "content-type": "text/plain" }), 415);
        const form = new FormData();
        form.set("file", new File([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2, 3])], "report.docx"));
        await expectError(await app.handle(new Request("http://local/v1/documents", { method: "POST", body: form })), 415, "UNSUPPORTED_TYPE");
      });
      test("empty documents and missing fields are 422", async () => {
        const form = new FormData();
        form.set("file", new File([""], "empty.txt", { type: "text/plain" }));
        await expectError(await app.handle(new Request("http://local/v1/documents", { method: "POST", body: form })), 422, "EMPTY_DOCUMENT");
        await expectError(await call("POST", "/v1/documents", { title: "no text" }), 422, "TEXT_OR_URL");
        await expectError(await call("POST", "/v1/documents", { text: "no title" }), 422, "TITLE_REQUIRED");
        await expectError(await call("POST", "/v1/documents", { title: "t", text: "x", tags: "notalist" }), 422);
        await expectError(await call("POST", "/v1/documents", [1, 2]), 422);
      });
      test("oversized uploads are 413 and store nothing", async () => {
        const before = (await (await call("GET", "/v1/documents")).json()) as { total: number };
        const big = "word ".repeat(300_000); // 1.5 MB > MAX_UPLOAD_MB=1
        await expectError(await call("POST", "/v1/documents", { title: "big", text: big }), 413, "UPLOAD_TOO_LARGE");
        const form = new FormData();
        form.set("file", new File([big], "big.txt", { type: "text/plain" }));
        await expectError(await app.handle(new Request("http://local/v1/documents", { method: "POST", body: form })), 413);
        const after = (await (await call("GET", "/v1/documents")).json()) as { total: number };
        expect(after.total).toBe(before.total);
      });
      test("unknown ids are 404", async () => {
        await expectError(await call("GET", "/v1/documents/doc_nope"), 404, "DOCUMENT_NOT_FOUND");
        await expectError(await call("DELETE", "/v1/documents/doc_nope"), 404, "DOCUMENT_NOT_FOUND");
        await expectError(await call("GET", "/v1/ingest/jobs/job_nope"), 404, "JOB_NOT_FOUND");
        await expectError(await call("GET", "/v1/nothing-here"), 404);
      });
      test("empty, too long or malformed queries are 422", async () => {
        await expectError(await call("POST", "/v1/search", { query: "   " }), 422, "QUERY_EMPTY");
        await expectError(await call("POST", "/v1/search", { query: "x".repeat(5000) }), 422, "QUERY_TOO_LONG");
        await expectError(await call("POST", "/v1/search", { query: "ok", k: 0 }), 422);
        await expectError(await call("POST", "/v1/search", { query: "ok", k: 1000 }), 422);
        await expectError(await call("POST", "/v1/search", { query: "ok", channels: ["telepathy"] }), 422, "UNKNOWN_CHANNEL");
        await expectError(await call("POST", "/v1/search", {}), 422);
        await expectError(await call("GET", "/v1/documents?limit=0"), 422);
      });
    });

    test("ingests a document from a URL", async () => {
      const server = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch: (req) =>
          new URL(req.url).pathname === "/faq.html"
            ? new Response("<html><head><title>Gift cards</title></head><body><h1>Gift cards</h1><p>Gift cards never expire and can be used online.</p></body></html>", { headers: { "content-type": "text/html" } })
            : new Response("nope", { status: 404 }),
      });
      try {
        const ok = await call("POST", "/v1/documents?wait=true", { url: `http://127.0.0.1:${server.port}/faq.html` });
        const job = (await ok.json()) as { status: string; documentId: string; title: string };
        expect(job.status).toBe("succeeded");
        expect((await searchIds("do gift cards expire"))[0]!.documentId).toBe(job.documentId);
        const missing = await call("POST", "/v1/documents", { url: `http://127.0.0.1:${server.port}/missing` });
        expect(missing.status).toBe(422);
      } finally {
        server.stop(true);
      }
    });

    test("health reports each component", async () => {
      const res = await call("GET", "/v1/health");
      expect(res.status).toBe(200);
      const h = (await res.json()) as { status: string; components: Record<string, { state: string }> };
      expect(["ok", "degraded"]).toContain(h.status);
      for (const c of ["database", "vectors", "keywords", "embedder"]) expect(h.components[c]!.state).toBe("ok");
    });

    test("OpenAPI is served at /swagger", async () => {
      const page = await call("GET", "/swagger");
      expect(page.status).toBe(200);
      const spec = (await (await call("GET", "/swagger/json")).json()) as { paths: Record<string, unknown> };
      for (const p of ["/v1/health", "/v1/documents", "/v1/search", "/v1/ingest/jobs/{id}"]) expect(Object.keys(spec.paths)).toContain(p);
    });
  });
}
