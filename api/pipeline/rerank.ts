/**
 * The rerank/diversify stage: an optional Reranker port reorders the retrieved candidates, then maximal
 * marginal relevance (mmr.ts) keeps `k` of them that are relevant and unlike each other, dropping
 * near-duplicates (overlapping chunks of one document). Skipped once an earlier stage produced the answer.
 */
import type { Reranker } from "../../core/ports/reranker";
import type { Stage } from "./answer-pipeline";
import { mmrSelect } from "./mmr";

export interface RerankOptions {
  /** Passages to keep (default 6). */
  k?: number;
  /** MMR relevance versus diversity, 0-1 (default 0.7). */
  lambda?: number;
  duplicateThreshold?: number;
  reranker?: Reranker;
}

export function rerankStage(o: RerankOptions = {}): Stage {
  return {
    name: "rerank",
    when: (ctx) => !ctx.run,
    async run(ctx) {
      let candidates = ctx.candidates;
      if (o.reranker && candidates.length > 1) {
        const question = ctx.understanding?.question ?? ctx.content;
        candidates = await o.reranker.rerank(question, candidates.map((p) => ({ ...p, id: p.chunkId })), ctx.signal);
      }
      ctx.passages = candidates.length ? mmrSelect(candidates, { k: o.k ?? 6, lambda: o.lambda ?? 0.7, duplicateThreshold: o.duplicateThreshold }) : [];
    },
  };
}
