/**
 * Which document an upload is (sourceId, else the content hash; never the bare file name), the CLI's identity
 * for the same file, and URL ingestion against a local server that stalls or answers JSON of the wrong shape.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { collectFiles } from "../../ingest/collect-files";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";

type Json = Record<string, any>;

for (const kind of DB_KINDS) {
  describe(`document identity and URL ingestion on ${kind}`, () => {
    let t: TestServices;
    let app: ReturnType<typeof createApp>;
    let slow: ReturnType<typeof Bun.serve>;
    const stalled: (() => void)[] = [];
    const upload = async (name: string, content: string, fields: Record<string, string> = {}) => {
      const form = new FormData();
      form.set("file", new File([content], name, { type: "text/csv" }));
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      const res = await app.handle(new Request("http://local/v1/documents?wait=true", { method: "POST", body: form }));
      return { status: res.status, job: (await res.json()) as Json };
    };
    const docs = async () => (await t.services.stores.documents.list({ tenantId: t.config.defaultTenant, limit: 200, offset: 0 })).items;

    beforeAll(async () => {
      // The slow server listens on 127.0.0.1, which URL ingestion refuses unless the host is allowed.
      t = await testServices(kind, { URL_FETCH_TIMEOUT_MS: "300", URL_FETCH_ALLOWED_HOSTS: "127.0.0.1" });
      app = authedApp(t.services);
      slow = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch(req) {
          const path = new URL(req.url).pathname;
          if (path === "/stall") return new Promise<Response>((resolve) => stalled.push(() => resolve(new Response("late"))));
          if (path === "/stall-body") {
            // Headers at once, then a body that never ends.
            return new Response(new ReadableStream({ start: (c) => void c.enqueue(new TextEncoder().encode("# Start\n")) }), { headers: { "content-type": "text/markdown" } });
          }
          if (path === "/data.json") return Response.json({ secretKeyOne: 1, internalToken: "abc", customerEmail: "x@example.com" });
          return new Response("not found", { status: 404 });
        },
      });
    }, 120_000);
    afterAll(async () => {
      for (const r of stalled) r();
      slow?.stop(true);
      await t?.cleanup();
    });

    test("two different files both named stores.csv are two documents", async () => {
      const a = await upload("stores.csv", "store,city\nNorth,Oslo\n");
      const b = await upload("stores.csv", "store,city\nSouth,Rome\n");
      expect(a.job.status).toBe("succeeded");
      expect(b.job.status).toBe("succeeded");
      expect(b.job.documentId).not.toBe(a.job.documentId);
      const both = (await docs()).filter((d) => d.id === a.job.documentId || d.id === b.job.documentId);
      expect(both).toHaveLength(2);
      expect(both.every((d) => d.version === 1)).toBe(true);
      expect(both.every((d) => d.source.startsWith("sha256:"))).toBe(true);
    });

    test("the same bytes without a sourceId are recognised as unchanged", async () => {
      const first = await upload("prices.csv", "sku,price\nA,10\n");
      const again = await upload("renamed-prices.csv", "sku,price\nA,10\n");
      expect(first.job.status).toBe("succeeded");
      expect(again.job.status).toBe("unchanged");
      expect(again.job.documentId).toBe(first.job.documentId);
      expect(again.job.result.version).toBe(1);
    });

    test("the same sourceId replaces the document (version 2), as the CLI's relative path does", async () => {
      const dir = mkdtempSync(join(tmpdir(), "cs-cli-"));
      try {
        mkdirSync(join(dir, "north"));
        mkdirSync(join(dir, "south"));
        writeFileSync(join(dir, "north", "stores.csv"), "store,city\nNorth,Oslo\n");
        writeFileSync(join(dir, "south", "stores.csv"), "store,city\nSouth,Rome\n");
        // What `bun run ingest <dir>` calls each file: its path relative to the folder given.
        expect(collectFiles([dir]).files.map((f) => f.sourceId)).toEqual(["north/stores.csv", "south/stores.csv"]);
        expect(collectFiles([join(dir, "north", "stores.csv")]).files.map((f) => f.sourceId)).toEqual(["stores.csv"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      // The CLI's ingest of north/stores.csv (same request shape as ingest/cli.ts) ...
      const cli = await t.services.pipeline.ingest({
        tenantId: t.config.defaultTenant,
        source: "north/stores.csv",
        sourceType: "file",
        bytes: new TextEncoder().encode("store,city\nNorth,Oslo\n"),
        filename: "stores.csv",
      });
      // ... is replaced by an HTTP upload that names the same sourceId.
      const v2 = await upload("stores.csv", "store,city\nNorth,Bergen\n", { sourceId: "north/stores.csv" });
      expect(v2.job.status).toBe("succeeded");
      expect(v2.job.documentId).toBe(cli.document.id);
      expect(v2.job.result.version).toBe(2);
      const v3 = await upload("other-name.csv", "store,city\nNorth,Bergen\n", { source: "north/stores.csv" });
      expect(v3.job.status).toBe("unchanged");
      const conflict = await upload("x.csv", "a,b\n1,2\n", { sourceId: "one", source: "two" });
      expect(conflict.status).toBe(422);
      expect(conflict.job.error.code).toBe("SOURCE_ID_CONFLICT");
    });

    test("a URL that does not answer in time is 504 URL_FETCH_TIMEOUT naming the limit; nothing is stored", async () => {
      const before = (await docs()).length;
      for (const path of ["/stall", "/stall-body"]) {
        const res = await app.handle(
          new Request("http://local/v1/documents?wait=true", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: `http://127.0.0.1:${slow.port}${path}` }) }),
        );
        const body = (await res.json()) as Json;
        expect({ path, status: res.status }).toEqual({ path, status: 504 });
        expect(body.error.code).toBe("URL_FETCH_TIMEOUT");
        expect(body.error.message).toContain("300 ms");
      }
      expect((await docs()).length).toBe(before);
    });

    test("a JSON URL of the wrong shape says what is wrong without echoing its keys", async () => {
      const res = await app.handle(
        new Request("http://local/v1/documents?wait=true", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: `http://127.0.0.1:${slow.port}/data.json` }) }),
      );
      expect(res.status).toBe(422);
      const text = await res.text();
      expect((JSON.parse(text) as Json).error.code).toBe("JSON_SHAPE");
      for (const leak of ["secretKeyOne", "internalToken", "customerEmail", "example.com"]) expect(text).not.toContain(leak);
    });
  });
}
