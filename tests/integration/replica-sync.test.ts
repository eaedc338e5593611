/**
 * Two API replicas sharing PostgreSQL, one LanceDB store and Redis (TEST_DATABASE_URL and TEST_REDIS_URL): an
 * ingest, a re-ingest and a delete on replica A reach replica B's keyword index, vector mirror and chunk cache
 * through the index-sync messages, so B retrieves exactly what A does.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { loadConfig } from "../../core/config";
import { createServices, type Services } from "../../api/services";

const PG = process.env.TEST_DATABASE_URL;
const REDIS = process.env.TEST_REDIS_URL;
const tenantId = "default";

const policy = (topic: string) =>
  new TextEncoder().encode(
    Array.from({ length: 24 }, (_, i) => `## Rule ${i}\nOrders to ${topic} are shipped by sea freight and arrive within ${10 + i} days.`).join("\n\n"),
  );

async function waitFor(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

describe.skipIf(!PG || !REDIS)("index sync between replicas (PostgreSQL + Redis)", () => {
  const dir = mkdtempSync(join(tmpdir(), "cs-replicas-"));
  const schema = `t_sync_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const prefix = `test:${schema}:`;
  let a: Services;
  let b: Services;

  beforeAll(async () => {
    const config = loadConfig({
      DATA_DIR: dir,
      DATABASE_URL: PG!,
      REDIS_URL: REDIS!,
      ...(process.env.EMBEDDINGS_CACHE_DIR ? { EMBEDDINGS_CACHE_DIR: process.env.EMBEDDINGS_CACHE_DIR } : {}),
    });
    const open = () => createServices(config, { searchPath: schema, sampleKb: false, cacheKeyPrefix: prefix, log: () => {} });
    a = await open();
    b = await open();
  }, 120_000);

  afterAll(async () => {
    await a?.stores.database.db.execute(sql.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(() => {});
    await a?.close();
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const found = async (s: Services, query: string) => {
    const r = await s.retriever.retrieve({ query, k: 5, filter: { tenantId } });
    return { documents: [...new Set(r.passages.map((p) => p.documentId))], text: r.passages.map((p) => p.text).join(" "), channels: r.channels };
  };

  test("A's ingest, re-ingest and delete are seen by B's keyword index, vector mirror and chunk cache", async () => {
    expect((await b.stores.vectors().status()).inMemoryMirror).toBe(true);
    const unfitted = b.stores.embedder.current().id;
    // The first corpus (24 chunks) makes A fit the local embedder; B must take the same fitted state.
    const created = await a.pipeline.ingest({ tenantId, source: "islands.md", sourceType: "text", bytes: policy("Zanzibar"), filename: "islands.md" });
    expect(created.chunks).toBeGreaterThanOrEqual(20);
    expect(a.stores.embedder.current().id).not.toBe(unfitted);
    const docId = created.document.id;
    await waitFor("B to apply the ingest", () => b.indexSync.applied >= 1);
    await b.indexSync.settled();
    expect(b.stores.embedder.current().id).toBe(a.stores.embedder.current().id);
    expect((await b.stores.vectors().status()).problem).toBeUndefined();
    const first = await found(b, "Zanzibar sea freight");
    expect(first.documents).toEqual([docId]);
    expect(first.channels.keyword!.hits).toBeGreaterThan(0);
    expect(first.channels.vector!.hits).toBeGreaterThan(0);
    expect(await b.stores.vectors().count(tenantId)).toBe(created.chunks);

    await a.pipeline.ingest({ tenantId, source: "islands.md", sourceType: "text", bytes: policy("Madagascar"), filename: "islands.md" });
    await waitFor("B to apply the re-ingest", () => b.indexSync.applied >= 2);
    await b.indexSync.settled();
    const second = await found(b, "Madagascar sea freight");
    expect(second.documents).toEqual([docId]);
    expect(second.text).toContain("Madagascar");
    expect(second.text).not.toContain("Zanzibar");
    expect((await found(b, "Zanzibar")).text).not.toContain("Zanzibar");

    await a.pipeline.delete(tenantId, docId);
    await waitFor("B to apply the delete", () => b.indexSync.applied >= 3);
    await b.indexSync.settled();
    expect((await found(b, "Madagascar sea freight")).documents).toEqual([]);
    expect(await b.stores.vectors().count(tenantId)).toBe(0);
    expect(await b.stores.keywords.count()).toBe(0);
    // A never applies its own messages.
    expect(a.indexSync.applied).toBe(0);
  }, 120_000);
});
