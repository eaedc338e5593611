import { describe, expect, test } from "bun:test";
import type { ActiveChunk } from "../ports/store";
import { ChunkCache, type ChunkSource } from "./chunk-cache";

/** A fake chunk table: documents with an active version, chunks per version; counts the reads. */
function fakeSource() {
  const active = new Map<string, number>([["d1", 1], ["d2", 1]]);
  const chunk = (documentId: string, version: number, ordinal: number): ActiveChunk => ({
    id: `${documentId}:${version}:${ordinal}`,
    tenantId: "t1",
    documentId,
    version,
    ordinal,
    text: `text of ${documentId} v${version} #${ordinal}`,
    sectionPath: [],
    page: null,
    charStart: 0,
    charEnd: 10,
    title: documentId,
    docType: "policy",
    source: documentId,
    tags: [],
  } as unknown as ActiveChunk);
  const reads = { load: 0, versions: 0, loadedIds: [] as string[] };
  const source: ChunkSource = {
    async activeChunks(tenantId, ids) {
      reads.load++;
      reads.loadedIds.push(...ids);
      return ids
        .map((id) => id.split(":"))
        .filter(([d, v]) => tenantId === "t1" && active.get(d!) === Number(v))
        .map(([d, v, o]) => chunk(d!, Number(v), Number(o)));
    },
    async activeVersions(tenantId, ids) {
      reads.versions++;
      return new Map(ids.filter((d) => tenantId === "t1" && active.has(d)).map((d) => [d, active.get(d)!]));
    },
  };
  return { active, reads, source };
}

const ids = (cs: ActiveChunk[]) => cs.map((c) => c.id).sort();

describe("ChunkCache", () => {
  test("second request for the same chunks reads nothing while the versions are fresh", async () => {
    const { reads, source } = fakeSource();
    let now = 1000;
    const cache = new ChunkCache(source, { ttlMs: 500, maxChunks: 100 }, () => now);
    expect(ids(await cache.activeChunks("t1", ["d1:1:0", "d2:1:0"]))).toEqual(["d1:1:0", "d2:1:0"]);
    expect(reads).toMatchObject({ load: 1, versions: 0 });
    now += 400;
    expect(ids(await cache.activeChunks("t1", ["d1:1:0", "d2:1:0"]))).toEqual(["d1:1:0", "d2:1:0"]);
    expect(reads).toMatchObject({ load: 1, versions: 0 });
    now += 200; // past the ttl: one version check for both documents, no chunk reads
    expect(ids(await cache.activeChunks("t1", ["d1:1:0", "d2:1:0"]))).toEqual(["d1:1:0", "d2:1:0"]);
    expect(reads).toMatchObject({ load: 1, versions: 1 });
  });

  test("another replica's re-ingest or delete is seen once the ttl has passed", async () => {
    const { active, source } = fakeSource();
    let now = 0;
    const cache = new ChunkCache(source, { ttlMs: 500, maxChunks: 100 }, () => now);
    await cache.activeChunks("t1", ["d1:1:0", "d2:1:0"]);
    active.set("d1", 2);
    active.delete("d2");
    expect(ids(await cache.activeChunks("t1", ["d1:1:0", "d2:1:0"]))).toEqual(["d1:1:0", "d2:1:0"]); // within the ttl
    now = 501;
    expect(ids(await cache.activeChunks("t1", ["d1:1:0", "d2:1:0", "d1:2:0"]))).toEqual(["d1:2:0"]);
  });

  test("this process's own commit or delete is seen at once", async () => {
    const { active, source } = fakeSource();
    const cache = new ChunkCache(source, { ttlMs: 60_000, maxChunks: 100 }, () => 0);
    await cache.activeChunks("t1", ["d1:1:0"]);
    active.set("d1", 2);
    cache.forget("t1", "d1");
    expect(ids(await cache.activeChunks("t1", ["d1:1:0", "d1:2:0"]))).toEqual(["d1:2:0"]);
  });

  test("a version read before a concurrent commit is not cached as fresh", async () => {
    const { active, source } = fakeSource();
    let now = 0;
    let commitDuringRead = false;
    const cache: ChunkCache = new ChunkCache(
      {
        activeChunks: source.activeChunks,
        activeVersions: async (t, d) => {
          const read = await source.activeVersions(t, d);
          if (commitDuringRead) {
            active.set("d1", 2); // version 2 commits while this read is in flight
            cache.forget("t1", "d1");
          }
          return read;
        },
      },
      { ttlMs: 500, maxChunks: 100 },
      () => now,
    );
    await cache.activeChunks("t1", ["d1:1:0"]);
    now = 1000;
    commitDuringRead = true;
    expect(ids(await cache.activeChunks("t1", ["d1:1:0"]))).toEqual(["d1:1:0"]); // as read before the commit
    commitDuringRead = false;
    expect(ids(await cache.activeChunks("t1", ["d1:1:0"]))).toEqual([]); // an index row of the old version
  });

  test("keeps at most maxChunks, least recently used (of the older half) leave first; tenants never mix", async () => {
    const { reads, source } = fakeSource();
    const cache = new ChunkCache(source, { ttlMs: 60_000, maxChunks: 2 }, () => 0);
    await cache.activeChunks("t1", ["d1:1:0", "d1:1:1"]);
    await cache.activeChunks("t1", ["d1:1:0"]); // d1:1:1 is now the least recent
    await cache.activeChunks("t1", ["d1:1:2"]);
    expect(cache.size).toBe(2);
    reads.loadedIds.length = 0;
    await cache.activeChunks("t1", ["d1:1:0", "d1:1:1", "d1:1:2"]);
    expect(reads.loadedIds).toEqual(["d1:1:1"]);
    expect(await cache.activeChunks("t2", ["d1:1:0"])).toEqual([]);
  });

  test("a chunk used again and again stays while others come and go", async () => {
    const { reads, source } = fakeSource();
    const cache = new ChunkCache(source, { ttlMs: 60_000, maxChunks: 10 }, () => 0);
    for (let i = 0; i < 100; i++) await cache.activeChunks("t1", ["d1:1:0", `d2:1:${i}`]);
    expect(cache.size).toBe(10);
    reads.loadedIds.length = 0;
    await cache.activeChunks("t1", ["d1:1:0"]);
    expect(reads.loadedIds).toEqual([]);
  });

  test("prime() seeds chunks and versions up to maxChunks; nothing is read for them afterwards", async () => {
    const { reads, source } = fakeSource();
    const cache = new ChunkCache(source, { ttlMs: 60_000, maxChunks: 2 }, () => 0);
    const rows = await source.activeChunks("t1", ["d1:1:0", "d1:1:1", "d2:1:0"]);
    reads.load = 0;
    cache.prime(rows);
    expect(cache.size).toBe(2);
    expect(ids(await cache.activeChunks("t1", ["d1:1:0", "d1:1:1"]))).toEqual(["d1:1:0", "d1:1:1"]);
    expect(reads).toMatchObject({ load: 0, versions: 0 });
  });

  test("ttl 0 reads the source every time", async () => {
    const { reads, source } = fakeSource();
    const cache = new ChunkCache(source, { ttlMs: 0, maxChunks: 100 });
    await cache.activeChunks("t1", ["d1:1:0"]);
    await cache.activeChunks("t1", ["d1:1:0"]);
    expect(reads.load).toBe(2);
  });

  test("a source that fails: what is cached is served as last known; nothing cached, the failure reaches the caller", async () => {
    const { source } = fakeSource();
    let now = 0;
    let down = false;
    const failing = {
      activeChunks: (t: string, ids: string[]) => (down ? Promise.reject(new Error("database down")) : source.activeChunks(t, ids)),
      activeVersions: (t: string, ids: string[]) => (down ? Promise.reject(new Error("database down")) : source.activeVersions(t, ids)),
    };
    const cache = new ChunkCache(failing, { ttlMs: 100, maxChunks: 100 }, () => now);
    await cache.activeChunks("t1", ["d1:1:0", "d1:1:1"]);
    down = true;
    now = 1000; // past the ttl: the versions would be read again
    expect(ids(await cache.activeChunks("t1", ["d1:1:0", "d2:1:0"]))).toEqual(["d1:1:0"]);
    expect(cache.staleReads).toBe(1);
    await expect(cache.activeChunks("t1", ["d2:1:0"])).rejects.toThrow("database down");
    down = false;
    expect(ids(await cache.activeChunks("t1", ["d1:1:0", "d2:1:0"]))).toEqual(["d1:1:0", "d2:1:0"]);
  });
});
