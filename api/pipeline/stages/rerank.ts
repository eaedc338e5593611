/**
 * The rerank/diversify stage: an optional Reranker port reorders the retrieved candidates, then maximal
 * marginal relevance (mmr.ts) keeps `k` of them that are relevant and unlike each other, dropping
 * near-duplicates (overlapping chunks of one document). Answer route only.
 */
import type { Reranker } from "../../../core/ports/reranker";
import { mmrSelect, termVectorOf as computeTermVector, type TermVector } from "../mmr";
import { memoByChunk } from "../passage-terms";
import { questionOf, type StepStage } from "../stage";

export interface RerankOptions {
  /** Passages to keep (default 6). */
  k?: number;
  /** MMR relevance versus diversity, 0-1 (default 0.7). */
  lambda?: number;
  duplicateThreshold?: number;
  reranker?: Reranker;
}

/** Term vectors of recently seen chunks: a chunk id names immutable text, and tokenising costs ~50 us a chunk. */
const TERM_VECTOR_CACHE = 4096;

export function rerankStage(o: RerankOptions = {}): StepStage {
  const termVectorOf = memoByChunk(TERM_VECTOR_CACHE, (p: { chunkId: string; text: string }): TermVector => computeTermVector(p.text));
  return {
    name: "rerank",
    kind: "prepare",
    routes: ["answer"],
    async run(ctx) {
      let candidates = ctx.candidates;
      if (o.reranker && candidates.length > 1) {
        const question = questionOf(ctx);
        candidates = await o.reranker.rerank(question, candidates.map((p) => ({ ...p, id: p.chunkId })), ctx.signal);
      }
      ctx.passages = candidates.length ? mmrSelect(candidates, { k: o.k ?? 6, lambda: o.lambda ?? 0.7, duplicateThreshold: o.duplicateThreshold, termVectorOf }) : [];
    },
  };
}
