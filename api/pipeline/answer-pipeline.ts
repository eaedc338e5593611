/**
 * The answer pipeline: an ordered list of stages over one context object, each timed.
 *
 *   before: understand -> retrieve -> rerank -> assemble -> generate   (start() runs these, returns the AnswerRun)
 *   after:  persist                                                     (finish() runs these once the run is over)
 *
 * A stage reads and writes the context; `when` lets it skip (retrieve, rerank, assemble and generate skip once
 * an earlier stage produced `ctx.run`, e.g. a future cache stage). Later issues insert guard(in), cache and route
 * before retrieve, and guard(out) after generate (wrapping `ctx.run.events`), without changing this file's flow.
 * The run's events are wrapped to time `firstDelta` and `generate` (until the outcome is known).
 */
import type { Config } from "../../core/config";
import { AppError, isAppError } from "../../core/errors";
import type { ConversationRepository } from "../../core/db/conversation-repository";
import type { Embedder } from "../../core/ports/embedder";
import type { StreamEvent } from "../../core/ports/language-model";
import type { Passage } from "../../core/ports/retrieval";
import type { Registry } from "prom-client";
import type { AnswerGenerator, AnswerOutcome, AnswerRun } from "./answer-generator";
import { assembleStage, type AssembleOptions, type CitationSource } from "./assemble";
import { cosine } from "./mmr";
import { persistStage, type FinalAnswer } from "./persist";
import { rerankStage, type RerankOptions } from "./rerank";
import { Semaphore } from "./semaphore";
import type { HybridRetriever, RetrieveResult } from "./retrieve";
import { StageTimer } from "./stage-timer";
import { understandStage, type HistoryTurn, type Understanding } from "./understand";

/** Where the persist stage writes the answer. */
export interface AnswerTarget {
  conversationId: string;
  messageId: string;
  userMessageId: string;
  /** Extra fields for the assistant message's metadata, read when it is written. */
  extraMetadata?: () => Record<string, unknown>;
}

export interface PipelineContext {
  readonly tenantId: string;
  /** The customer's message as sent. */
  readonly content: string;
  /** Recent turns, oldest first. */
  readonly history: HistoryTurn[];
  readonly signal: AbortSignal;
  readonly target?: AnswerTarget;
  readonly startedAt: number;
  understanding?: Understanding;
  retrieval?: RetrieveResult;
  candidates: Passage[];
  /** Passages given to the generator; [n] cites passages[n - 1]. */
  passages: Passage[];
  sources: CitationSource[];
  /** Fields for the stream's `meta` event (question, rewritten, slots, route, generator...). */
  meta: Record<string, unknown>;
  timings: Record<string, number>;
  run?: AnswerRun;
  outcome?: AnswerOutcome;
  final?: FinalAnswer;
}

export interface Stage {
  readonly name: string;
  /** The stage runs only when this holds (default: always). */
  when?(ctx: PipelineContext): boolean;
  /** The stage records its own timing (generate: until the outcome is known). */
  readonly selfTimed?: boolean;
  run(ctx: PipelineContext): void | Promise<void>;
}

export function newContext(init: { tenantId: string; content: string; history?: HistoryTurn[]; signal?: AbortSignal; target?: AnswerTarget }): PipelineContext {
  return {
    tenantId: init.tenantId,
    content: init.content,
    history: init.history ?? [],
    signal: init.signal ?? new AbortController().signal,
    target: init.target,
    startedAt: performance.now(),
    candidates: [],
    passages: [],
    sources: [],
    meta: {},
    timings: {},
  };
}

export class AnswerPipeline {
  constructor(
    readonly before: readonly Stage[],
    readonly after: readonly Stage[],
    private readonly timer = new StageTimer(),
  ) {}

  get stageNames(): string[] {
    return [...this.before, ...this.after].map((s) => s.name);
  }

  /**
   * Runs the stages that lead to an answer (up to generate); returns the run whose events the caller streams.
   * The returned run is normalised: a failure thrown after the first event becomes a final `error` event, and
   * an outcome that rejects (after events were streamed) becomes an error outcome holding the text so far.
   * A failure before the first event (e.g. 429 or 503 from the inference gateway) is still thrown by the first
   * next() and rejects the outcome, so the API can answer with its status.
   */
  async start(ctx: PipelineContext): Promise<AnswerRun> {
    await this.runStages(this.before, ctx);
    if (!ctx.run) throw new Error(`no stage produced an answer (stages: ${this.before.map((s) => s.name).join(", ")})`);
    const run = ctx.run;
    const t0 = performance.now();
    const timer = this.timer;
    let text = "";
    const cited: AnswerOutcome["citations"] = [];
    let seen = 0;
    let streamError: { code: string; message: string } | undefined;
    async function* normalised(): AsyncIterable<StreamEvent> {
      try {
        for await (const ev of run.events) {
          seen++;
          if (ev.type === "delta" && !("firstDelta" in ctx.timings)) timer.record(ctx.timings, "firstDelta", performance.now() - ctx.startedAt);
          if (ev.type === "delta") text += ev.text;
          else if (ev.type === "citation" && !cited.some((c) => c.n === ev.n)) cited.push({ n: ev.n, passageIndex: ev.n - 1 });
          yield ev;
        }
      } catch (e) {
        if (seen === 0) throw e;
        streamError = { code: isAppError(e) ? e.code : "GENERATION_FAILED", message: e instanceof Error ? e.message : String(e) };
        yield { type: "error", code: streamError.code, message: streamError.message, retryable: isAppError(e) ? e.retryable : false };
      }
    }
    const outcome = run.outcome.then(
      (o): AnswerOutcome => (streamError && o.finishReason !== "error" ? { ...o, finishReason: "error", error: streamError } : o),
      (e): AnswerOutcome => {
        if (seen === 0) throw e;
        return {
          text,
          citations: cited,
          decision: "ESCALATE",
          confidence: 0,
          finishReason: "error",
          error: streamError ?? { code: isAppError(e) ? e.code : "GENERATION_FAILED", message: e instanceof Error ? e.message : String(e) },
          generatorId: String(ctx.meta.generator ?? "unknown"),
        };
      },
    );
    const timed = outcome.then((o) => {
      this.timer.record(ctx.timings, "generate", performance.now() - t0);
      ctx.outcome = o;
      return o;
    });
    timed.catch(() => {}); // a rejection is the caller's to handle through the events / this promise
    ctx.run = { events: normalised(), outcome: timed };
    return ctx.run;
  }

  /** Waits for the run's outcome, then runs the after stages (persist). Returns the final answer. */
  async finish(ctx: PipelineContext): Promise<FinalAnswer> {
    if (!ctx.run) throw new Error("finish() before start()");
    await ctx.run.outcome;
    await this.runStages(this.after, ctx);
    if (!ctx.final) throw new Error("no stage built the final answer");
    return ctx.final;
  }

  /** Only the stages before generation (understand, retrieve, rerank, assemble): for benchmarks and debugging. */
  async prepare(ctx: PipelineContext): Promise<void> {
    const upTo = this.before.findIndex((s) => s.name === "generate");
    await this.runStages(upTo < 0 ? this.before : this.before.slice(0, upTo), ctx);
  }

  private async runStages(stages: readonly Stage[], ctx: PipelineContext): Promise<void> {
    for (const s of stages) {
      if (s.when && !s.when(ctx)) continue;
      if (s.selfTimed) await s.run(ctx);
      else await this.timer.time(ctx.timings, s.name, () => s.run(ctx));
    }
  }
}

export interface RetrieveStageOptions {
  /** Candidates to retrieve before reranking (default 16). */
  k?: number;
  /** Retrievals running at once in this process (default 8); the others wait in arrival order. */
  maxConcurrent?: number;
  /** Longest query sent to retrieval, in characters (longer questions are cut at a word). */
  maxQueryChars?: number;
}

export function retrieveStage(retriever: Pick<HybridRetriever, "retrieve">, o: RetrieveStageOptions = {}): Stage {
  const slots = new Semaphore(o.maxConcurrent ?? 8);
  return {
    name: "retrieve",
    when: (ctx) => !ctx.run,
    async run(ctx) {
      let query = ctx.understanding?.question ?? ctx.content;
      const max = o.maxQueryChars ?? 1000;
      if (query.length > max) query = query.slice(0, query.lastIndexOf(" ", max) > 0 ? query.lastIndexOf(" ", max) : max);
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

export function generateStage(generator: AnswerGenerator, o: { historyTurns?: number } = {}): Stage {
  return {
    name: "generate",
    selfTimed: true,
    when: (ctx) => !ctx.run,
    run(ctx) {
      ctx.meta.route = "answer";
      ctx.meta.generator = generator.id;
      const history = ctx.history.slice(-(o.historyTurns ?? 6)).map((t) => ({ role: t.role, content: t.content }));
      ctx.run = generator.run({ tenantId: ctx.tenantId, question: ctx.understanding?.question ?? ctx.content, passages: ctx.passages, history }, ctx.signal);
    },
  };
}

export interface AnswerPipelineDeps {
  config: Pick<Config, "limits">;
  retriever: Pick<HybridRetriever, "retrieve">;
  generator: AnswerGenerator;
  /** Where answers are persisted; without it the persist stage only builds the final answer. */
  conversations?: Pick<ConversationRepository, "updateMessage">;
  /** Used by understand to pick the word a follow-up replaces (embedding similarity). */
  embedder?: () => Embedder;
  metrics?: Registry;
}

export interface AnswerPipelineOptions {
  retrieve?: RetrieveStageOptions;
  rerank?: RerankOptions;
  assemble?: AssembleOptions;
  historyTurns?: number;
}

/** Relatedness of a word to candidate words as the cosine of their embeddings. */
export function embeddingRelatedness(embedder: () => Embedder) {
  return async (word: string, candidates: string[]): Promise<number[]> => {
    const [w, ...cs] = await embedder().embed([word, ...candidates]);
    return cs.map((c) => cosine(w!, c));
  };
}

export function createAnswerPipeline(deps: AnswerPipelineDeps, o: AnswerPipelineOptions = {}): AnswerPipeline {
  const noStore = { updateMessage: async () => {} };
  return new AnswerPipeline(
    [
      understandStage({ related: deps.embedder ? embeddingRelatedness(deps.embedder) : undefined }),
      retrieveStage(deps.retriever, { maxQueryChars: deps.config.limits.maxQueryChars, ...o.retrieve }),
      rerankStage(o.rerank),
      assembleStage(o.assemble),
      generateStage(deps.generator, { historyTurns: o.historyTurns }),
    ],
    [persistStage(deps.conversations ?? noStore)],
    new StageTimer(deps.metrics),
  );
}
