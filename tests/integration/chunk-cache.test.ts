/**
 * The chunk cache against a real database: a second repository on the same database (what another replica
 * has) sees a re-ingest and a delete made through the first once its CHUNK_CACHE_TTL_MS has passed, and the
 * repository that made them sees them at once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DocumentRepository } from "../../core/db/document-repository";
import { ChunkCache } from "../../core/stores/chunk-cache";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";

const TTL_MS = 300;
const tenantId = "default";
const doc = (topic: string) =>
  new TextEncoder().encode(Array.from({ length: 6 }, (_, i) => `## Part ${i}\nThis part ${i} is about ${topic} and the rules for ${topic}.`).join("\n\n"));

for (const kind of DB_KINDS) {
  describe(`chunk cache (${kind})`, () => {
    let t: TestServices;
    beforeAll(async () => {
      t = await testServices(kind);
    }, 120_000);
    afterAll(async () => t?.cleanup(), 120_000);

    test("another replica's re-ingest and delete are seen within the ttl; this one's at once", async () => {
      const { pipeline, stores } = t.services;
      const own = stores.chunks;
      // What another replica has: its own repository on the same database and its own cache in front of it.
      const replica = new ChunkCache(new DocumentRepository(stores.database.db), { ttlMs: TTL_MS, maxChunks: 1000 });
      const first = await pipeline.ingest({ tenantId, source: "policy", sourceType: "text", bytes: doc("refunds"), filename: "policy.md" });
      const v1 = (await stores.documents.chunksOf(tenantId, first.document.id)).map((c) => c.id);
      expect(v1.length).toBeGreaterThan(0);
      expect((await replica.activeChunks(tenantId, v1)).length).toBe(v1.length);
      expect((await own.activeChunks(tenantId, v1)).length).toBe(v1.length);

      await pipeline.ingest({ tenantId, source: "policy", sourceType: "text", bytes: doc("exchanges"), filename: "policy.md" });
      const v2 = (await stores.documents.chunksOf(tenantId, first.document.id)).map((c) => c.id);
      expect(v2).not.toEqual(v1);
      // The writer's own cache follows at once.
      expect(await own.activeChunks(tenantId, v1)).toEqual([]);
      expect((await own.activeChunks(tenantId, v2)).map((c) => c.text).join(" ")).toContain("exchanges");
      // The other replica after its ttl: old version gone, new one served.
      await Bun.sleep(TTL_MS + 50);
      expect(await replica.activeChunks(tenantId, v1)).toEqual([]);
      expect((await replica.activeChunks(tenantId, v2)).length).toBe(v2.length);

      await pipeline.delete(tenantId, first.document.id);
      expect(await own.activeChunks(tenantId, v2)).toEqual([]);
      await Bun.sleep(TTL_MS + 50);
      expect(await replica.activeChunks(tenantId, v2)).toEqual([]);
    }, 120_000);
  });
}
