/** Contract suite of the VectorIndex port, run against every adapter. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VectorIndex, VectorRow } from "../../core/ports/vector-index";
import { LanceVectorIndex } from "../../core/stores/lance-vector-index";

const DIM = 8;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "vec-contract-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function vec(...hot: number[]): Float32Array {
  const v = new Float32Array(DIM);
  for (const h of hot) v[h] = 1;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function row(id: string, v: Float32Array, over: Partial<VectorRow> = {}): VectorRow {
  return { id, tenantId: "t1", documentId: "d1", version: 1, docType: "policy", source: "s1", tags: [], vector: v, ...over };
}

const adapters: [string, () => Promise<VectorIndex>][] = [
  ["lancedb", () => LanceVectorIndex.open({ uri: tmp(), embedderId: "test-emb", dimension: DIM })],
];

for (const [name, make] of adapters) {
  describe(`VectorIndex contract: ${name}`, () => {
    test("returns nearest first with cosine scores", async () => {
      const idx = await make();
      await idx.upsert([row("a", vec(0)), row("b", vec(1)), row("c", vec(0, 1))]);
      const hits = await idx.search(vec(0), 3, { tenantId: "t1" });
      expect(hits.map((h) => h.id)).toEqual(["a", "c", "b"]);
      expect(hits[0]!.score).toBeCloseTo(1, 4);
      expect(hits[0]!.documentId).toBe("d1");
      expect(hits[0]!.version).toBe(1);
    });

    test("scopes by tenant and filters by docType, source, tags and document", async () => {
      const idx = await make();
      await idx.upsert([
        row("a", vec(0), { tags: ["x", "y"] }),
        row("b", vec(0), { tenantId: "t2" }),
        row("c", vec(0), { docType: "manual", source: "s2", documentId: "d2", tags: ["y"] }),
        row("d", vec(0), { tags: ["x_"] }),
      ]);
      const ids = async (f: object) => (await idx.search(vec(0), 10, { tenantId: "t1", ...f })).map((h) => h.id).sort();
      expect(await ids({})).toEqual(["a", "c", "d"]);
      expect(await ids({ docTypes: ["manual"] })).toEqual(["c"]);
      expect(await ids({ sources: ["s1"] })).toEqual(["a", "d"]);
      expect(await ids({ tags: ["x"] })).toEqual(["a"]); // "x_" must not match "x" (LIKE wildcards escaped)
      expect(await ids({ tags: ["x", "y"] })).toEqual(["a"]);
      expect(await ids({ documentIds: ["d2"] })).toEqual(["c"]);
      expect(await ids({ sources: ["it's"] })).toEqual([]); // quotes are escaped, not injected
      expect((await idx.search(vec(0), 10, { tenantId: "t2" })).map((h) => h.id)).toEqual(["b"]);
    });

    test("upsert replaces by id; remove selects versions", async () => {
      const idx = await make();
      await idx.upsert([row("a", vec(0)), row("b", vec(1), { version: 2 })]);
      await idx.upsert([row("a", vec(2))]);
      expect(await idx.count()).toBe(2);
      await idx.remove({ tenantId: "t1", documentId: "d1", exceptVersion: 2 });
      expect((await idx.search(vec(1), 10, { tenantId: "t1" })).map((h) => h.id)).toEqual(["b"]);
      await idx.remove({ tenantId: "t1", documentId: "d1", versions: [2] });
      expect(await idx.count("t1")).toBe(0);
    });

    test("refuses vectors of another dimension", async () => {
      const idx = await make();
      await expect(idx.upsert([row("a", new Float32Array(DIM + 1))])).rejects.toThrow(/dimensions/);
      await expect(idx.search(new Float32Array(3), 1, { tenantId: "t1" })).rejects.toThrow(/dimensions/);
    });
  });
}

describe("LanceVectorIndex embedder guard", () => {
  test("an index built by another embedder refuses to mix and says to re-index", async () => {
    const uri = tmp();
    const a = await LanceVectorIndex.open({ uri, embedderId: "emb-a", dimension: DIM });
    await a.upsert([row("a", vec(0))]);
    await a.close();
    const b = await LanceVectorIndex.open({ uri, embedderId: "emb-b", dimension: DIM });
    expect(b.mismatch?.code).toBe("EMBEDDER_MISMATCH");
    await expect(b.search(vec(0), 1, { tenantId: "t1" })).rejects.toThrow(/re-index/);
    await expect(b.upsert([row("x", vec(0))])).rejects.toThrow(/re-index/);
    await b.close();
    const reset = await LanceVectorIndex.open({ uri, embedderId: "emb-b", dimension: DIM, reset: true });
    expect(reset.mismatch).toBeUndefined();
    expect(await reset.count()).toBe(0);
    await reset.close();
  });
});
