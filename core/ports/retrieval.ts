import type { IndexFilter } from "./filters";

/** A ranked passage as retrieval returns it and as the answer pipeline consumes it. */
export interface Passage {
  chunkId: string;
  documentId: string;
  title: string;
  /** 1-based page for paged sources (PDF), null otherwise. */
  page: number | null;
  sectionPath: string[];
  text: string;
  /** Character offsets of the passage in the document's extracted text. */
  charStart: number;
  charEnd: number;
  docType: string;
  source: string;
  tags: string[];
  /** Fused score (higher is better). */
  score: number;
  /** Rank (1-based) in each channel that returned it; absent when a channel did not. */
  ranks: Record<string, number>;
  /** Raw score in each channel that returned it (cosine for vector, BM25 for keyword). */
  channelScores?: Record<string, number>;
  /** Why a channel found it, when the channel says (the graph: the typed path from a question entity). */
  evidence?: Record<string, string>;
}

/** A channel's hit: a chunk id, its score, and optionally why it was found. */
export interface ChannelHit {
  id: string;
  score: number;
  evidence?: string;
}

/**
 * One retrieval channel (vector, keyword, graph...) returning chunk ids best first. A channel that can work on
 * the other channels' candidates (a reranking channel) sets `usesCandidates`: the retriever then passes a promise
 * of the chunk ids the other channels found, settled once they have answered.
 */
export interface RetrievalChannel {
  readonly name: string;
  readonly usesCandidates?: boolean;
  search(query: string, k: number, filter: IndexFilter, signal?: AbortSignal, candidates?: Promise<string[]>): Promise<ChannelHit[]>;
}
