import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import type { ActiveChunk } from "../ports/store";
import { IndexSync } from "./index-sync";
import { MemoryCache } from "./memory-cache";

/** A replica's stores as fakes that record what the sync does to them. */
function replica(cache: MemoryCache, chunksOf: (documentId: string) => ActiveChunk[], fail?: (documentId: string) => boolean) {
  const registry = new Registry();
  const calls: string[] = [];
  const logs: string[] = [];
  const sync = IndexSync.start({
    cache,
    chunks: { forget: (_t, d) => void calls.push(`forget ${d}`) },
    documents: {
      activeChunksOfDocument: async (_t, d) => {
        if (fail?.(d)) throw new Error("database gone");
        return chunksOf(d);
      },
    },
    keywords: {
      remove: async (sel) => void calls.push(`remove ${sel.documentId}`),
      add: async (docs) => void calls.push(`add ${docs.map((x) => x.id).join(",")}`),
    },
    vectors: () => ({ refreshDocument: async (_t: string, d: string) => void calls.push(`vectors ${d}`) }),
    log: (l) => logs.push(l),
    metrics: registry,
  });
  return { calls, logs, sync, registry };
}

const chunk = (documentId: string, n: number) =>
  ({ id: `${documentId}:1:${n}`, tenantId: "t", documentId, version: 1, text: "x", title: "T", docType: "policy", source: "s", tags: [], sectionPath: [] }) as unknown as ActiveChunk;

describe("IndexSync", () => {
  test("a change published by one replica is applied by the others, never by itself", async () => {
    const cache = new MemoryCache();
    const a = replica(cache, () => []);
    const b = replica(cache, (d) => (d === "gone" ? [] : [chunk(d, 0), chunk(d, 1)]));
    const [sa, sb] = [await a.sync, await b.sync];
    sa.publish({ tenantId: "t", documentId: "d1" });
    sa.publish({ tenantId: "t", documentId: "gone" });
    for (let i = 0; i < 100 && sb.applied < 2; i++) await Bun.sleep(5);
    await sb.settled();
    expect(sb.applied).toBe(2);
    // Each document's steps in order (different documents may interleave).
    const of = (d: string) => b.calls.filter((c) => c.endsWith(` ${d}`) || c.startsWith(`add ${d}:`));
    expect(of("d1")).toEqual(["forget d1", "vectors d1", "remove d1", "add d1:1:0,d1:1:1"]);
    expect(of("gone")).toEqual(["forget gone", "vectors gone", "remove gone"]);
    expect(sa.applied).toBe(0);
    expect(a.calls).toEqual([]);
    await sa.stop();
    await sb.stop();
  });

  test("changes to one document apply one after the other, in the order received", async () => {
    const cache = new MemoryCache();
    const order: string[] = [];
    let slow = true;
    const sync = await IndexSync.start({
      cache,
      chunks: { forget: () => {} },
      documents: {
        activeChunksOfDocument: async (_t, d) => {
          const first = slow;
          slow = false;
          order.push(`start ${first ? 1 : 2}`);
          if (first) await Bun.sleep(30);
          order.push(`end ${first ? 1 : 2}`);
          return [chunk(d, 0)];
        },
      },
      keywords: { remove: async () => {}, add: async () => {} },
      vectors: () => ({ refreshDocument: async () => {} }),
    });
    await cache.publish("kb:changed", JSON.stringify({ origin: "other", tenantId: "t", documentId: "d" }));
    await cache.publish("kb:changed", JSON.stringify({ origin: "other", tenantId: "t", documentId: "d" }));
    for (let i = 0; i < 100 && sync.applied < 2; i++) await Bun.sleep(5);
    expect(order).toEqual(["start 1", "end 1", "start 2", "end 2"]);
    await sync.stop();
  });

  test("a change from a replica with another embedder id loads the fitted embedder first; the same id does not", async () => {
    const cache = new MemoryCache();
    let local = "unfitted";
    const steps: string[] = [];
    const sync = await IndexSync.start({
      cache,
      chunks: { forget: () => void steps.push("forget") },
      documents: { activeChunksOfDocument: async () => [] },
      keywords: { remove: async () => {}, add: async () => {} },
      vectors: () => ({ refreshDocument: async () => {} }),
      embedderId: () => local,
      syncEmbedder: async () => {
        steps.push("sync embedder");
        local = "fitted";
        return true;
      },
    });
    await cache.publish("kb:changed", JSON.stringify({ origin: "other", tenantId: "t", documentId: "d1", embedderId: "fitted" }));
    await cache.publish("kb:changed", JSON.stringify({ origin: "other", tenantId: "t", documentId: "d2", embedderId: "fitted" }));
    for (let i = 0; i < 100 && sync.applied < 2; i++) await Bun.sleep(5);
    expect(steps).toEqual(["sync embedder", "forget", "forget"]);
    await sync.stop();
  });

  test("a malformed message is ignored; a failed refresh is logged and the next change still applies", async () => {
    const cache = new MemoryCache();
    const b = replica(cache, (d) => [chunk(d, 0)], (d) => d === "bad");
    const sb = await b.sync;
    await cache.publish("kb:changed", "{not json");
    await cache.publish("kb:changed", JSON.stringify({ origin: "other", tenantId: "t" }));
    await cache.publish("kb:changed", JSON.stringify({ origin: "other", tenantId: "t", documentId: "bad" }));
    await cache.publish("kb:changed", JSON.stringify({ origin: "other", tenantId: "t", documentId: "ok" }));
    for (let i = 0; i < 100 && sb.applied < 1; i++) await Bun.sleep(5);
    await sb.settled();
    expect(sb.applied).toBe(1);
    expect(b.logs.some((l) => l.includes("malformed"))).toBe(true);
    expect(b.logs.some((l) => l.includes("bad not refreshed: database gone"))).toBe(true);
    expect(b.calls).toContain("add ok:1:0");
    const text = await b.registry.metrics();
    expect(text).toContain('index_sync_changes_total{result="applied"} 1');
    expect(text).toContain('index_sync_changes_total{result="failed"} 1');
    await sb.stop();
  });
});
