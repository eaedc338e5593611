/** The built-in retrieval channels: vector (embed the query, nearest chunks) and keyword (BM25). */
import type { Embedder } from "../ports/embedder";
import type { KeywordIndex } from "../ports/keyword-index";
import type { RetrievalChannel } from "../ports/retrieval";
import type { VectorIndex } from "../ports/vector-index";

export function vectorChannel(embedder: () => Embedder, index: () => VectorIndex): RetrievalChannel {
  return {
    name: "vector",
    async search(query, k, filter, signal) {
      const [v] = await embedder().embed([query], signal);
      // A query with no embeddable content (e.g. only punctuation) has a zero vector: nothing is near it.
      if (!v || !v.some((x) => x !== 0)) return [];
      return index().search(v, k, filter);
    },
  };
}

export function keywordChannel(index: KeywordIndex): RetrievalChannel {
  return { name: "keyword", search: (query, k, filter) => index.search(query, k, filter) };
}
