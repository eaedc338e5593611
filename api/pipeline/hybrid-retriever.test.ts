import { describe, expect, test } from "bun:test";
import type { RetrievalChannel } from "../../core/ports/retrieval";
import type { ActiveChunk } from "../../core/ports/store";
import { HybridRetriever } from "./hybrid-retriever";

const chunk = (id: string): ActiveChunk =>
  ({ id, tenantId: "t1", documentId: `d-${id}`, version: 1, title: id, docType: "policy", source: id, tags: [], text: id, sectionPath: [], page: null, charStart: 0, charEnd: 1 }) as unknown as ActiveChunk;
const chunks = { activeChunks: async (_t: string, ids: string[]) => ids.map(chunk) };
const fixed = (name: string, ids: string[], delayMs = 0): RetrievalChannel => ({
  name,
  search: async () => (await Bun.sleep(delayMs), ids.map((id, i) => ({ id, score: 1 - i / 10 }))),
});

describe("HybridRetriever with a reranking channel", () => {
  test("a channel with usesCandidates gets the union of the other channels' ids once they answered", async () => {
    let seen: string[] | undefined;
    const rerank: RetrievalChannel = {
      name: "rerank",
      usesCandidates: true,
      async search(_q, _k, _f, _s, candidates) {
        seen = await candidates!;
        return [...seen].reverse().map((id, i) => ({ id, score: 1 - i / 10 }));
      },
    };
    const r = new HybridRetriever({ channels: [rerank, fixed("a", ["x", "y"], 5), fixed("b", ["y", "z"])], chunks, fusion: { method: "rrf", rrfK: 60, weights: {} } });
    const res = await r.retrieve({ query: "q", k: 5, filter: { tenantId: "t1" } });
    expect(seen!.sort()).toEqual(["x", "y", "z"]);
    expect(res.channels.rerank!.hits).toBe(3);
    expect(res.passages.map((p) => p.chunkId).sort()).toEqual(["x", "y", "z"]);
  });

  test("a plain channel gets no candidates, and a failing channel gives the reranker what the others found", async () => {
    let got: unknown = "unset";
    const plain: RetrievalChannel = { name: "plain", search: async (_q, _k, _f, _s, c) => ((got = c), [{ id: "x", score: 1 }]) };
    let seen: string[] = [];
    const rerank: RetrievalChannel = { name: "rerank", usesCandidates: true, search: async (_q, _k, _f, _s, c) => ((seen = await c!), []) };
    const broken: RetrievalChannel = { name: "broken", search: async () => Promise.reject(new Error("down")) };
    const r = new HybridRetriever({ channels: [plain, broken, rerank], chunks, fusion: { method: "rrf", rrfK: 60, weights: {} } });
    const res = await r.retrieve({ query: "q", k: 5, filter: { tenantId: "t1" } });
    expect(got).toBeUndefined();
    expect(seen).toEqual(["x"]);
    expect(res.channels.broken!.error).toBe("down");
  });
});
