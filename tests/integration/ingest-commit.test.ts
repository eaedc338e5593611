/**
 * Once a re-ingest has made its new version live, a failure while removing the old version's rows does not undo
 * it: the ingest succeeds, readers see the new version, and the old rows stay invisible until the start-up sweep.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { KeywordIndex } from "../../core/ports/keyword-index";
import { createIngestion } from "../../ingest/create-ingestion";
import { keywordChunkIndex } from "../../core/stores/chunk-indexes";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";

const tenantId = "default";
const doc = (topic: string) => new TextEncoder().encode(`## Policy\nParcels to ${topic} travel by air and arrive within five days.`);

for (const kind of DB_KINDS) {
  describe(`ingest commit (${kind})`, () => {
    let t: TestServices;
    beforeAll(async () => {
      t = await testServices(kind);
    }, 120_000);
    afterAll(async () => t?.cleanup(), 120_000);

    test("a failure removing the old version after the commit leaves the new version live", async () => {
      const { stores } = t.services;
      let failRemovals = false;
      const real = stores.keywords;
      const keywords: KeywordIndex = {
        add: (d) => real.add(d),
        search: (q, k, f) => real.search(q, k, f),
        count: (tn) => real.count(tn),
        remove: async (sel) => {
          if (failRemovals) throw new Error("keyword index unavailable");
          return real.remove(sel);
        },
      };
      const [vectors] = stores.chunkIndexes;
      const pipeline = createIngestion(stores, { indexes: [vectors!, keywordChunkIndex(keywords)] });
      const v1 = await pipeline.ingest({ tenantId, source: "air.md", sourceType: "text", bytes: doc("Oslo"), filename: "air.md" });
      failRemovals = true;
      const v2 = await pipeline.ingest({ tenantId, source: "air.md", sourceType: "text", bytes: doc("Lisbon"), filename: "air.md" });
      expect(v2.status).toBe("updated");
      expect(v2.document.version).toBe(2);
      const chunks = await stores.documents.chunksOf(tenantId, v1.document.id);
      expect(chunks.map((c) => c.text).join(" ")).toContain("Lisbon");
      const r = await t.services.retriever.retrieve({ query: "parcels Lisbon air", k: 3, filter: { tenantId } });
      expect(r.passages[0]?.text).toContain("Lisbon");
      expect(r.passages.some((p) => p.text.includes("Oslo"))).toBe(false);
    }, 120_000);

    test("indexes are written at once; when one fails, the others finish before the new version is removed everywhere", async () => {
      const { stores } = t.services;
      const vectors = stores.chunkIndexes[0]!;
      const keywords = stores.chunkIndexes[1]!;
      const events: string[] = [];
      const slow = {
        ...keywords,
        name: "slow-keywords",
        async write(...args: Parameters<typeof keywords.write>) {
          events.push("slow:start");
          await Bun.sleep(150);
          await keywords.write(...args);
          events.push("slow:done");
        },
        async remove(sel: Parameters<typeof keywords.remove>[0]) {
          events.push("remove");
          return keywords.remove(sel);
        },
      };
      const failing = { name: "failing", write: async () => (events.push("failing:throw"), Promise.reject(new Error("index down"))), commit: async () => {}, remove: async () => {} };
      const pipeline = createIngestion(stores, { indexes: [vectors, slow, failing] });
      await expect(pipeline.ingest({ tenantId, source: "fail.md", sourceType: "text", bytes: doc("Quito"), filename: "fail.md" })).rejects.toThrow("index down");
      // The failing write ran while the slow one was in flight (at once), and clean-up waited for the slow one.
      expect(events.indexOf("failing:throw")).toBeLessThan(events.indexOf("slow:done"));
      expect(events.indexOf("slow:done")).toBeLessThan(events.indexOf("remove"));
      const r = await t.services.retriever.retrieve({ query: "parcels Quito air", k: 5, filter: { tenantId } });
      expect(r.passages.some((p) => p.text.includes("Quito"))).toBe(false);
      expect((await stores.keywords.search("Quito", 5, { tenantId })).length).toBe(0);
    }, 120_000);
  });
}
