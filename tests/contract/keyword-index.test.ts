/** Contract suite of the KeywordIndex port, run against every adapter. */
import { describe, expect, test } from "bun:test";
import type { KeywordDoc, KeywordIndex } from "../../core/ports/keyword-index";
import { Bm25KeywordIndex } from "../../core/stores/bm25-keyword-index";
import { MiniSearchKeywordIndex } from "../../core/stores/minisearch-keyword-index";

const doc = (id: string, text: string, over: Partial<KeywordDoc> = {}): KeywordDoc => ({
  id,
  tenantId: "t1",
  documentId: "d1",
  version: 1,
  docType: "policy",
  source: "s1",
  tags: [],
  title: "Policy",
  section: "",
  text,
  ...over,
});

const adapters: [string, () => KeywordIndex][] = [
  ["bm25", () => new Bm25KeywordIndex()],
  ["minisearch", () => new MiniSearchKeywordIndex()],
];

for (const [name, make] of adapters) {
  describe(`KeywordIndex contract: ${name}`, () => {
    test("ranks by BM25 with stemming, ignores stop words", async () => {
      const idx = make();
      await idx.add([
        doc("a", "Laptops can be returned within 15 days."),
        doc("b", "We ship to Canada and the United States."),
        doc("c", "Returning opened software is not possible; software returns are refused."),
      ]);
      const hits = await idx.search("returning a laptop", 10, { tenantId: "t1" });
      expect(hits[0]!.id).toBe("a");
      expect(hits.map((h) => h.id)).toContain("c");
      expect(hits.map((h) => h.id)).not.toContain("b");
      expect(await idx.search("the of and", 10, { tenantId: "t1" })).toEqual([]);
    });

    test("matches product codes exactly", async () => {
      const idx = make();
      await idx.add([doc("a", "The VM-LT-1401 laptop has 16 GB RAM."), doc("b", "The VM-LT-1402 laptop has 32 GB RAM.")]);
      const hits = await idx.search("VM-LT-1402", 10, { tenantId: "t1" });
      expect(hits[0]!.id).toBe("b");
    });

    test("scopes by tenant and filters by metadata", async () => {
      const idx = make();
      await idx.add([
        doc("a", "refund policy", { tags: ["x"] }),
        doc("b", "refund policy", { tenantId: "t2" }),
        doc("c", "refund policy", { docType: "faq", documentId: "d2", source: "s2" }),
      ]);
      const ids = async (f: object) => (await idx.search("refund", 10, { tenantId: "t1", ...f })).map((h) => h.id).sort();
      expect(await ids({})).toEqual(["a", "c"]);
      expect(await ids({ docTypes: ["faq"] })).toEqual(["c"]);
      expect(await ids({ tags: ["x"] })).toEqual(["a"]);
      expect(await ids({ sources: ["s2"] })).toEqual(["c"]);
      expect(await ids({ documentIds: ["d1"] })).toEqual(["a"]);
      expect(await idx.count("t2")).toBe(1);
    });

    test("returns at most k hits, best first, and applies filters before cutting to k", async () => {
      const idx = make();
      await idx.add(Array.from({ length: 50 }, (_, i) => doc(`d${i}`, `refund ${"refund ".repeat(i % 5)} item ${i}`, { docType: i === 49 ? "faq" : "policy" })));
      const hits = await idx.search("refund", 5, { tenantId: "t1" });
      expect(hits.length).toBe(5);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
      const faq = await idx.search("refund", 5, { tenantId: "t1", docTypes: ["faq"] });
      expect(faq.map((h) => h.id)).toEqual(["d49"]);
    });

    test("many removals keep results and counts right", async () => {
      const idx = make();
      await idx.add(Array.from({ length: 3000 }, (_, i) => doc(`c${i}`, `warranty claim ${i % 2 ? "laptop" : "phone"}`, { documentId: `doc${i % 3}` })));
      await idx.remove({ tenantId: "t1", documentId: "doc0" });
      await idx.remove({ tenantId: "t1", documentId: "doc1" });
      expect(await idx.count("t1")).toBe(1000);
      const hits = await idx.search("laptop warranty", 2000, { tenantId: "t1" });
      expect(hits.length).toBe(1000); // every live chunk says "warranty"
      expect(hits.every((h) => h.documentId === "doc2")).toBe(true);
      const laptops = hits.slice(0, 500).map((h) => Number(h.id.slice(1)));
      expect(laptops.every((i) => i % 2 === 1)).toBe(true); // "laptop" ones rank first
    });

    test("removes by document and version; re-adding an id replaces it", async () => {
      const idx = make();
      await idx.add([doc("a", "alpha refund"), doc("b", "beta refund", { version: 2 }), doc("c", "gamma refund", { documentId: "d2" })]);
      await idx.add([doc("a", "alpha refund again")]);
      expect(await idx.count("t1")).toBe(3);
      await idx.remove({ tenantId: "t1", documentId: "d1", exceptVersion: 2 });
      expect((await idx.search("refund", 10, { tenantId: "t1" })).map((h) => h.id).sort()).toEqual(["b", "c"]);
      await idx.remove({ tenantId: "t1", documentId: "d1" });
      expect((await idx.search("refund", 10, { tenantId: "t1" })).map((h) => h.id)).toEqual(["c"]);
    });
  });
}
