/**
 * The retrieve stage (answer route): the standalone question, cut at a word to the longest query retrieval
 * takes, sent to the hybrid retriever (every channel in parallel, fused, hydrated) within the tenant. At most
 * `maxConcurrent` retrievals run at once in this process; the others wait in arrival order.
 */
import { AppError, isAppError } from "../../../core/errors";
import type { HybridRetriever } from "../hybrid-retriever";
import { Semaphore } from "../semaphore";
import { questionOf, type StepStage } from "../stage";

export interface RetrieveStageOptions {
  /** Candidates to retrieve before reranking (default 16). */
  k?: number;
  /** Retrievals running at once in this process (default 8). */
  maxConcurrent?: number;
  /** Longest query sent to retrieval, in characters (longer questions are cut at a word; default 1,000). */
  maxQueryChars?: number;
}

/** `query` cut at the last space within `max` characters (or at `max` when it has none). */
export function cutQuery(query: string, max: number): string {
  if (query.length <= max) return query;
  const space = query.lastIndexOf(" ", max);
  return query.slice(0, space > 0 ? space : max);
}

export function retrieveStage(retriever: Pick<HybridRetriever, "retrieve">, o: RetrieveStageOptions = {}): StepStage {
  const slots = new Semaphore(o.maxConcurrent ?? 8);
  return {
    name: "retrieve",
    kind: "prepare",
    routes: ["answer"],
    async run(ctx) {
      const query = cutQuery(questionOf(ctx), o.maxQueryChars ?? 1000);
      try {
        ctx.retrieval = await slots.run(() => retriever.retrieve({ query, k: o.k ?? 16, filter: { tenantId: ctx.tenantId }, signal: ctx.signal }), ctx.signal);
      } catch (e) {
        // The client left while the question waited for a slot: not a failure of ours (499, nobody reads it).
        if (ctx.signal.aborted && !isAppError(e)) throw new AppError({ code: "CLIENT_CLOSED", message: "the client went away before retrieval", category: "validation", status: 499 });
        throw e;
      }
      ctx.candidates = ctx.retrieval.passages;
    },
  };
}
