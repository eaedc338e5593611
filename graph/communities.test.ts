import { afterAll, describe, expect, test } from "bun:test";
import { createDatabase } from "../core/db/client";
import type { GraphBatch } from "../core/ports/graph-store";
import type { ActiveChunk, ActiveChunkReader } from "../core/ports/store";
import { Communities } from "./communities";
import { RelationalGraphStore } from "./relational-graph-store";

const db = await createDatabase({});
afterAll(() => db.close());
const store = new RelationalGraphStore(db.db);
/** Chunks by id, as the chunk cache would hydrate them. */
const texts = new Map<string, string>();
const chunks: ActiveChunkReader = {
  activeChunks: async (_t, ids) => ids.filter((id) => texts.has(id)).map((id) => ({ id, text: texts.get(id)! }) as ActiveChunk),
};
const T = "tenant-c";

function triangle(doc: string, [a, b, c]: string[], type = "covers"): GraphBatch {
  const chunk = `${doc}:1:0`;
  texts.set(chunk, `${a} ${type} ${b} and ${c}. More text.`);
  return {
    tenantId: T,
    documentId: doc,
    version: 1,
    entities: [a!, b!, c!].map((id) => ({ id, name: id.toUpperCase(), type: "name", aliases: [] })),
    mentions: [a!, b!, c!].map((entityId) => ({ entityId, chunkId: chunk })),
    relations: [
      { source: a!, target: b!, type, chunkId: chunk },
      { source: b!, target: c!, type: "related_to", chunkId: chunk },
      { source: a!, target: c!, type, chunkId: chunk },
    ],
  };
}

describe("Communities", () => {
  const communities = new Communities({ db: db.db, store, chunks });

  test("Louvain over the entity graph; extractive summaries; incremental refresh leaves untouched communities as they were", async () => {
    await store.write(triangle("dA", ["a", "b", "c"]));
    await store.write(triangle("dB", ["x", "y", "z"], "excludes"));
    await communities.refresh(T, ["a", "b", "c", "x", "y", "z"]);
    const first = await communities.list(T);
    expect(first.map((c) => c.entityIds)).toEqual([["a", "b", "c"], ["x", "y", "z"]]);
    const abc = first[0]!;
    expect(abc.summary).toContain("3 entities");
    expect(abc.summary).toContain("A covers B");
    expect(abc.summary).toContain("a covers b and c."); // the opening sentence of the chunk that states most of its relations
    expect(abc.documentIds).toEqual(["dA"]);
    // a document touching x only: the xyz community is recomputed with w, abc is left alone
    await store.write({ tenantId: T, documentId: "dC", version: 1, entities: [{ id: "w", name: "W", type: "name", aliases: [] }, { id: "x", name: "X", type: "name", aliases: [] }], mentions: [{ entityId: "w", chunkId: "dC:1:0" }, { entityId: "x", chunkId: "dC:1:0" }], relations: [{ source: "x", target: "w", type: "includes", chunkId: "dC:1:0" }, { source: "y", target: "w", type: "includes", chunkId: "dC:1:0" }] });
    expect(await communities.refresh(T, ["w", "x"])).toBe(1);
    const second = await communities.list(T);
    expect(second.find((c) => c.id === abc.id)).toEqual(abc); // same id, members, summary and time
    expect(second.map((c) => c.entityIds).sort()).toEqual([["a", "b", "c"], ["w", "x", "y", "z"]]);
    // removal: the entities go, and so does their community
    const touched = await store.remove({ tenantId: T, documentId: "dA" });
    await communities.refresh(T, touched);
    expect((await communities.list(T)).map((c) => c.entityIds)).toEqual([["w", "x", "y", "z"]]);
  });

  test("search ranks communities by the question's words in title and summary", async () => {
    const hits = await communities.search(T, "what does X exclude?", 5);
    expect(hits.length).toBe(1);
    expect(hits[0]!.score).toBeGreaterThan(0);
    expect(await communities.search(T, "nothing here matches", 5)).toEqual([]);
    expect(await communities.search("other-tenant", "X", 5)).toEqual([]);
  });
});
