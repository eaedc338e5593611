/**
 * Re-index: drop every vector, refit the local embedder on the whole corpus (SIF weights and principal
 * component), and re-embed every active chunk from the chunk table. Needed after changing the embedder.
 */
import { embeddingText } from "../core/stores/chunk-indexes";
import { indexMetaOf, type Stores } from "../core/stores/open-stores";

export async function reindexVectors(stores: Stores, onProgress?: (done: number, total: number) => void): Promise<{ chunks: number; embedderId: string }> {
  const all = [];
  for await (const page of stores.documents.allActiveChunks()) all.push(...page);
  await stores.embedder.fit(all.map((c) => c.text));
  const embedder = stores.embedder.current();
  const vectors = stores.vectors();
  const batch = 128;
  for (let i = 0; i < all.length; i += batch) {
    const slice = all.slice(i, i + batch);
    const vecs = await embedder.embed(slice.map((c) => embeddingText(c.title, c)));
    await vectors.upsert(slice.map((c, j) => ({ ...indexMetaOf(c), vector: vecs[j]! })));
    onProgress?.(Math.min(i + batch, all.length), all.length);
  }
  return { chunks: all.length, embedderId: embedder.id };
}
