/** Contract suite of the KeywordIndex port, run against every adapter. */
import { describe, expect, test } from "bun:test";
import type { KeywordDoc, KeywordIndex } from "../../core/ports/keyword-index";
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

const adapters: [string, () => KeywordIndex][] = [["minisearch", () => new MiniSearchKeywordIndex()]];

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
