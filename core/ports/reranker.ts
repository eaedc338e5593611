/** Reorders candidate passages for a query. Implementations must not drop passages they cannot score. */
export interface RerankCandidate {
  id: string;
  text: string;
  score: number;
}

export interface Reranker {
  readonly id: string;
  rerank<T extends RerankCandidate>(query: string, candidates: T[], signal?: AbortSignal): Promise<T[]>;
}
