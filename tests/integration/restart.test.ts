/**
 * A restart must find the stores as it left them: the fitted embedder state comes back from the database
 * (a JSONB column that reorders keys) with the same id, so the vector index accepts it and search works.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { createServices } from "../../api/services";
import { loadConfig } from "../../core/config";
import { DB_KINDS } from "../helpers/services";

for (const kind of DB_KINDS) {
  describe(`restart on ${kind}`, () => {
    test("the fitted embedder, vectors, keyword and heading indexes survive a restart", async () => {
      const dir = mkdtempSync(join(tmpdir(), "cs-restart-"));
      const schema = `t_restart_${Date.now().toString(36)}`;
      const config = loadConfig({ DATA_DIR: dir, ...(kind === "postgres" ? { DATABASE_URL: process.env.TEST_DATABASE_URL } : {}) });
      const open = () => createServices(config, { sampleKb: true, searchPath: kind === "postgres" ? schema : undefined, log: () => {} });
      try {
        const first = await open();
        const id = first.stores.embedder.current().id;
        expect((first.stores.embedder.current() as { fitted?: boolean }).fitted).toBe(true);
        const before = await first.retriever.retrieve({ query: "Do you ship to Canada?", k: 3, filter: { tenantId: config.defaultTenant } });
        await first.close();

        const second = await open();
        // The heading index is re-encoded in the background at start; once ready it ranks as before.
        expect(await second.stores.headingsReady).toBeGreaterThan(0);
        expect(second.stores.headings!.size.entries).toBe(first.stores.headings!.size.entries);
        expect(second.stores.embedder.current().id).toBe(id);
        expect((await second.stores.vectors().status()).problem).toBeUndefined();
        expect((await second.health()).components.vectors!.state).toBe("ok");
        const after = await second.retriever.retrieve({ query: "Do you ship to Canada?", k: 3, filter: { tenantId: config.defaultTenant } });
        expect(after.passages.map((p) => p.chunkId)).toEqual(before.passages.map((p) => p.chunkId));
        expect(after.passages[0]!.source).toBe("sample-kb/shipping-policy.html");
        // The sample knowledge base is not ingested twice.
        expect((await second.stores.documents.list({ tenantId: config.defaultTenant, limit: 100, offset: 0 })).total).toBe(before.passages.length ? 7 : 0);
        if (kind === "postgres") await second.stores.database.db.execute(sql.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
        await second.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  });
}
