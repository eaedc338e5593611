/**
 * Contract suite of the VectorIndex port, run against every adapter: LanceDB on a local folder (bare and behind
 * its in-memory mirror), LanceDB on S3 (LANCEDB_URI=s3://..., against the S3-compatible server .ci/run starts:
 * TEST_S3_ENDPOINT) and the in-memory index.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IndexFilter } from "../../core/ports/filters";
import type { VectorIndex, VectorRow } from "../../core/ports/vector-index";
import { LanceVectorIndex } from "../../core/stores/lance-vector-index";
import { MemoryVectorIndex } from "../../core/stores/memory-vector-index";
import { MirroredVectorIndex } from "../../core/stores/mirrored-vector-index";
import { loadConfig } from "../../core/config";
import { s3Peer } from "../support/real-peers";

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

const s3 = s3Peer("VectorIndex contract on S3");
/** The storage options as the product reads them: from LANCEDB_* variables through core/config.ts. */
const s3Config = (uri: string) =>
  loadConfig({
    LANCEDB_URI: uri,
    LANCEDB_S3_ENDPOINT: s3!.endpoint,
    LANCEDB_S3_REGION: s3!.storage.region,
    LANCEDB_S3_ACCESS_KEY_ID: s3!.storage.accessKeyId,
    LANCEDB_S3_SECRET_ACCESS_KEY: s3!.storage.secretAccessKey,
  });
const onS3 = (uri = s3!.uri("vec-contract")) => {
  const c = s3Config(uri);
  return LanceVectorIndex.open({ uri: c.lancedbUri, storage: c.lancedbStorage, embedderId: "test-emb", dimension: DIM });
};

const adapters: [string, () => Promise<VectorIndex>][] = [
  ["lancedb behind its in-memory mirror", () => mirrored(tmp())],
  ["lancedb", () => LanceVectorIndex.open({ uri: tmp(), embedderId: "test-emb", dimension: DIM })],
  ...(s3 ? ([["lancedb on S3 (moto)", () => onS3()]] as [string, () => Promise<VectorIndex>][]) : []),
  ["memory", async () => new MemoryVectorIndex(DIM, 2)],
];

async function mirrored(uri: string, maxRows = 20_000) {
  return MirroredVectorIndex.open(await LanceVectorIndex.open({ uri, embedderId: "test-emb", dimension: DIM }), { dimension: DIM, maxRows });
}

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

describe("MirroredVectorIndex over LanceDB", () => {
  // Distinct directions (no ties at the cut-off), from a fixed linear congruential sequence.
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const spread = () => {
    const v = Float32Array.from({ length: DIM }, rand);
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => row(`r${from + i}`, from + i < DIM ? vec(from + i) : spread(), { documentId: `d${(from + i) % 3}`, tags: i % 2 ? ["odd"] : [] }));
  const ids = (hits: { id: string; score: number }[]) => hits.map((h) => `${h.id}:${h.score.toFixed(4)}`);

  test("is rebuilt from disk on open and answers exactly like LanceDB itself", async () => {
    const uri = tmp();
    const a = await LanceVectorIndex.open({ uri, embedderId: "test-emb", dimension: DIM });
    await a.upsert(rows(40));
    await a.remove({ tenantId: "t1", documentId: "d1" });
    await a.close();
    const plain = await LanceVectorIndex.open({ uri, embedderId: "test-emb", dimension: DIM });
    const mirror = await MirroredVectorIndex.open(plain, { dimension: DIM, maxRows: 20_000 });
    const unmirrored = await MirroredVectorIndex.open(plain, { dimension: DIM, maxRows: 0 });
    expect(mirror.mirrored).toBe(true);
    expect(unmirrored.mirrored).toBe(false);
    expect(await mirror.count("t1")).toBe(await plain.count("t1"));
    const cases: [Float32Array, Partial<IndexFilter>][] = [[vec(0), {}], [spread(), { tags: ["odd"] }], [spread(), { documentIds: ["d2"] }]];
    for (const [q, f] of cases) {
      const filter = { tenantId: "t1", ...f };
      const m = ids(await mirror.search(q, 10, filter));
      expect(m.length).toBeGreaterThan(0);
      expect(new Set(m)).toEqual(new Set(ids(await plain.search(q, 10, filter))));
    }
    await plain.close();
  });

  test("is dropped once the table outgrows it; searches then go to LanceDB", async () => {
    const idx = await mirrored(tmp(), 10);
    await idx.upsert(rows(8));
    expect(idx.mirrored).toBe(true);
    await idx.upsert(rows(8, 8));
    expect(idx.mirrored).toBe(false);
    expect(await idx.count()).toBe(16);
    expect((await idx.search(vec(0), 3, { tenantId: "t1" })).map((h) => h.id)).toContain("r0");
    expect(await idx.status()).toEqual({ kind: "lancedb", rows: 16, inMemoryMirror: false });
  });

  test("a failed write leaves the mirror as it was", async () => {
    const idx = await mirrored(tmp());
    await idx.upsert(rows(3));
    await expect(idx.upsert([row("bad", new Float32Array(DIM + 1))])).rejects.toThrow(/dimensions/);
    expect(await idx.count()).toBe(3);
    expect((await idx.search(vec(0), 10, { tenantId: "t1" })).map((h) => h.id).sort()).toEqual(["r0", "r1", "r2"]);
  });

  test("another process's writes reach the mirror on refreshDocument()", async () => {
    const uri = tmp();
    const a = await mirrored(uri);
    const b = await mirrored(uri);
    await b.upsert([row("x1", vec(2), { documentId: "dx" })]);
    expect(await a.count()).toBe(0);
    await a.refreshDocument("t1", "dx");
    expect((await a.search(vec(2), 1, { tenantId: "t1" })).map((h) => h.id)).toEqual(["x1"]);
    await b.remove({ tenantId: "t1", documentId: "dx" });
    await a.refreshDocument("t1", "dx");
    expect(await a.count()).toBe(0);
  });
});

describe.skipIf(!s3)("LanceDB on S3", () => {
  test("the vectors are in the bucket: a second connection to the same s3:// prefix reads them, the embedder guard holds", async () => {
    const uri = s3!.uri("vec-reopen");
    const a = await onS3(uri);
    await a.upsert([row("a", vec(0)), row("b", vec(1))]);
    await a.close();
    const b = await onS3(uri);
    expect((await b.search(vec(1), 1, { tenantId: "t1" })).map((h) => h.id)).toEqual(["b"]);
    await b.close();
    const c = s3Config(uri);
    const other = await LanceVectorIndex.open({ uri, storage: c.lancedbStorage, embedderId: "emb-other", dimension: DIM });
    expect(other.mismatch?.code).toBe("EMBEDDER_MISMATCH");
    await other.close();
  });

  test("a bucket that does not exist is a clear VECTOR_STORE_UNAVAILABLE naming the uri", async () => {
    const uri = `s3://no-such-bucket-${crypto.randomUUID()}/x`;
    const c = s3Config(uri);
    const err = await LanceVectorIndex.open({ uri, storage: c.lancedbStorage, embedderId: "e", dimension: DIM }).then(
      () => null,
      (e) => e,
    );
    expect(err?.code).toBe("VECTOR_STORE_UNAVAILABLE");
    expect(err?.message).toContain(uri);
  });

  test("without the endpoint's plain-HTTP permission the store refuses the connection instead of sending credentials in clear", async () => {
    const uri = s3!.uri("vec-https");
    const c = s3Config(uri);
    const err = await LanceVectorIndex.open({ uri, storage: { ...c.lancedbStorage, allowHttp: false }, embedderId: "e", dimension: DIM }).then(
      () => null,
      (e) => e,
    );
    expect(err?.code).toBe("VECTOR_STORE_UNAVAILABLE");
  });
});
