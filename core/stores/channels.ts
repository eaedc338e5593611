/** The built-in retrieval channels: vector (embed the query, nearest chunks), keyword (BM25), heading (encoder over section headings). */
import type { Embedder } from "../ports/embedder";
import type { KeywordIndex } from "../ports/keyword-index";
import type { RetrievalChannel } from "../ports/retrieval";
import type { VectorIndex } from "../ports/vector-index";
import type { HeadingIndex } from "./heading-index";

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

/** The heading channel: the query's sentence-encoder vector against sections' key texts (heading-index.ts). */
export function headingChannel(index: HeadingIndex): RetrievalChannel {
  return { name: "heading", usesCandidates: true, search: (query, k, filter, signal, candidates) => index.search(query, k, filter, signal, candidates) };
}

export function keywordChannel(index: KeywordIndex): RetrievalChannel {
  return { name: "keyword", search: (query, k, filter) => index.search(query, k, filter) };
}
