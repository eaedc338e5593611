import { describe, expect, test } from "bun:test";
import type { Reranker } from "../../../core/ports/reranker";
import type { Passage } from "../../../core/ports/retrieval";
import { newContext } from "../stage";
import { rerankStage } from "./rerank";

const passage = (id: string, text: string, score: number, extra: Partial<Passage> = {}): Passage => ({
  chunkId: id, documentId: `doc-${id}`, title: `Title ${id}`, page: null, sectionPath: [], text, charStart: 0, charEnd: text.length,
  docType: "policy", source: `s-${id}`, tags: [], score, ranks: {}, ...extra,
});

describe("rerank stage", () => {
  const candidates = [
    passage("a", "Laptops can be returned within 15 days of delivery.", 0.9),
    passage("a2", "Laptops can be returned within 15 days of delivery.", 0.85), // a duplicate chunk
    passage("b", "Headphones can be returned within 30 days.", 0.5),
    passage("c", "We ship to Canada with UPS Standard.", 0.4),
  ];

  test("keeps k diverse passages, dropping near-duplicates", async () => {
    const ctx = newContext({ tenantId: "t", content: "return laptop" });
    ctx.candidates = candidates;
    await rerankStage({ k: 3, lambda: 0.7 }).run(ctx);
    // "a2" duplicates "a"; "b" resembles "a" (returns within days), so the unlike "c" comes before it.
    expect(ctx.passages.map((p) => p.chunkId)).toEqual(["a", "c", "b"]);
  });

  test("applies a Reranker first when one is given", async () => {
    const reverse: Reranker = { id: "rev", rerank: async (_q, cs) => [...cs].reverse().map((c, i) => ({ ...c, score: 1 - i * 0.1 })) };
    const ctx = newContext({ tenantId: "t", content: "return laptop" });
    ctx.candidates = candidates;
    await rerankStage({ k: 2, reranker: reverse }).run(ctx);
    expect(ctx.passages[0]!.chunkId).toBe("c");
  });

  test("no candidates, no passages; runs for the answer route only", async () => {
    const ctx = newContext({ tenantId: "t", content: "x" });
    await rerankStage().run(ctx);
    expect(ctx.passages).toEqual([]);
    expect(rerankStage()).toMatchObject({ kind: "prepare", routes: ["answer"] });
  });
});
