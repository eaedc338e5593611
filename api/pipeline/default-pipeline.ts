/**
 * The default answer pipeline: the one place that lists the stages, in order. A new stage is one file in
 * stages/ and one line here.
 *
 *   understand -> [route -> order-status (tool route)] -> retrieve -> rerank -> assemble -> [ground] -> generate => cite => decide -> persist
 *   (prepare ...............................)  (produce ..........)  (transform) (settle ......)
 * ground (the grounding gate) stands in front of a generator that does not decline by itself (a model).
 */
import type { Registry } from "prom-client";
import type { Config } from "../../core/config";
import type { ConversationRepository } from "../../core/db/conversation-repository";
import type { Embedder } from "../../core/ports/embedder";
import type { AnswerGenerator } from "./answer-generator";
import type { HybridRetriever } from "./hybrid-retriever";
import { cosine } from "./mmr";
import { AnswerPipeline } from "./runner";
import type { Stage } from "./stage";
import { StageTimer } from "./stage-timer";
import { assembleStage, type AssembleOptions } from "./stages/assemble";
import { citeStage } from "./stages/cite";
import { decideStage } from "./stages/decide";
import { generateStage } from "./stages/generate";
import { groundStage, type GroundOptions } from "./stages/ground";
import { persistStage } from "./stages/persist";
import { rerankStage, type RerankOptions } from "./stages/rerank";
import { retrieveStage, type RetrieveStageOptions } from "./stages/retrieve";
import { understandStage } from "./stages/understand";
import { routeStage } from "./stages/route";
import { clarifyStage } from "./stages/clarify";
import type { IntentRouter } from "../routing/intent-router";
import type { Route } from "./stage";
import { orderStatusStage } from "./stages/order-status";
import type { OrderLookup } from "../orders/order-lookup";

export interface AnswerPipelineDeps {
  config: Pick<Config, "limits">;
  retriever: Pick<HybridRetriever, "retrieve">;
  generator: AnswerGenerator;
  /** Answers when `generator`'s backend cannot serve (LLM_FALLBACK=extractive); absent: the request fails (503). */
  fallbackGenerator?: AnswerGenerator;
  /** Where answers are persisted; without it the persist stage only builds the final answer. */
  conversations?: Pick<ConversationRepository, "updateMessage">;
  /** Used by understand to pick the word a follow-up replaces (embedding similarity). */
  embedder?: () => Embedder;
  metrics?: Registry;
  /** Verified order lookups for the tool route; without it an order question is answered from the knowledge base. */
  orders?: Pick<OrderLookup, "lookup" | "collections">;
  /** The intent classifier; without it every message not about a specific order takes the answer route. */
  intents?: Pick<IntentRouter, "classify">;
}

export interface AnswerPipelineOptions {
  retrieve?: RetrieveStageOptions;
  rerank?: RerankOptions;
  assemble?: AssembleOptions;
  historyTurns?: number;
  /** The grounding gate's settings (used when the generator does not gate itself). */
  ground?: GroundOptions;
}

/** Relatedness of a word to candidate words as the cosine of their embeddings. */
export function embeddingRelatedness(embedder: () => Embedder) {
  return async (word: string, candidates: string[]): Promise<number[]> => {
    const [w, ...cs] = await embedder().embed([word, ...candidates]);
    return cs.map((c) => cosine(w!, c));
  };
}

/** The routes this pipeline has a producing stage for. */
function availableRoutes(deps: AnswerPipelineDeps): Set<Route> {
  const routes = new Set<Route>(["answer"]);
  if (deps.orders) routes.add("tool");
  if (deps.intents) routes.add("clarify");
  return routes;
}

export function defaultStages(deps: AnswerPipelineDeps, o: AnswerPipelineOptions = {}): Stage[] {
  const noStore = { updateMessage: async () => {} };
  return [
    understandStage({ related: deps.embedder ? embeddingRelatedness(deps.embedder) : undefined }),
    ...(deps.orders || deps.intents ? [routeStage({ orders: deps.orders, intents: deps.intents, available: availableRoutes(deps) })] : []),
    ...(deps.orders ? [orderStatusStage(deps.orders)] : []),
    ...(deps.intents ? [clarifyStage()] : []),
    retrieveStage(deps.retriever, { maxQueryChars: deps.config.limits.maxQueryChars, ...o.retrieve }),
    rerankStage(o.rerank),
    assembleStage(o.assemble),
    ...(deps.generator.selfGrounded ? [] : [groundStage(o.ground)]),
    generateStage(deps.generator, { historyTurns: o.historyTurns, fallback: deps.fallbackGenerator }),
    citeStage(),
    decideStage(),
    persistStage(deps.conversations ?? noStore),
  ];
}

export function createAnswerPipeline(deps: AnswerPipelineDeps, o: AnswerPipelineOptions = {}): AnswerPipeline {
  return new AnswerPipeline(defaultStages(deps, o), new StageTimer(deps.metrics));
}
