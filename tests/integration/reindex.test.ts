/** Re-index: vectors dropped, the embedder refitted on the whole corpus, every active chunk re-embedded. */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../core/config";
import { openStores } from "../../core/stores/open-stores";
import { createIngestion } from "../../ingest/create-ingestion";
import { reindexVectors } from "../../ingest/reindex";

test("reindex rebuilds the vector index from the chunk table with a refitted embedder", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cs-reindex-"));
  const config = loadConfig({ DATA_DIR: dir });
  try {
    let stores = await openStores(config);
    const pipeline = createIngestion(stores);
    const text = Array.from({ length: 30 }, (_, i) => `## Topic ${i}\nParagraph ${i} about refunds, shipping and warranty claims for item ${i}.`).join("\n\n");
    await pipeline.ingest({ tenantId: "default", source: "kb", sourceType: "text", bytes: new TextEncoder().encode(text), filename: "kb.md" });
    const chunks = await stores.documents.countChunks("default");
    expect(await stores.vectors().count()).toBe(chunks);
    await stores.close();

    stores = await openStores(config, { resetVectors: true, skipKeywordRebuild: true });
    expect(await stores.vectors().count()).toBe(0);
    expect((stores.embedder.current() as { fitted?: boolean }).fitted).toBe(false);
    const r = await reindexVectors(stores);
    expect(r.chunks).toBe(chunks);
    expect((stores.embedder.current() as { fitted?: boolean }).fitted).toBe(true);
    expect(await stores.vectors().count()).toBe(chunks);
    const [v] = await stores.embedder.current().embed(["warranty claims for item 7"]);
    expect((await stores.vectors().search(v!, 3, { tenantId: "default" })).length).toBe(3);
    await stores.close();

    // A restart finds the refitted embedder and the index agreeing.
    stores = await openStores(config);
    expect((await stores.vectors().status()).problem).toBeUndefined();
    await stores.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
