/**
 * The LLM answer generator: the versioned prompt template (prompt-template.ts) sent through the inference
 * gateway (a LanguageModel, normally inference/client's pool), the streamed text mapped through the citation
 * mapper so `citation` events follow the delta that closes their marker.
 *
 * Events: `start` (at the first token), `delta`s, `citation`s (each passage once, on first citation), then
 * one `finish` or one `error`. Failures before the first token (queue full 429, no backend 503, ...) are
 * thrown by the first next() as the client's AppError, and `outcome` rejects with it, so the API can still
 * answer with that status and Retry-After. A failure after it ends the stream with an `error` event; the
 * outcome then carries the partial text and the error (finishReason "error"), for the pipeline to persist
 * marked partial. A consumer that stops iterating, or the abort signal, ends the run with finishReason "abort".
 *
 * Decision: PASS when the answer cites at least one valid passage and does not say it doesn't know;
 * otherwise (and after an error) ESCALATE.
 *
 * Confidence (0-0.95, two decimals):
 *   coverage   = share of the answer's sentences carrying a valid [n] (citationCoverage)
 *   support    = mean over the cited passages of 0.5 * score / best score + 0.5 / (1 + passage index)
 *   validShare = valid markers / (valid markers + invalid numbers)
 *   raw        = coverage * (0.4 + 0.6 * support) * validShare
 *   PASS: min(0.95, raw); ESCALATE: min(0.2, raw) (0 without a valid citation).
 */
import { isAppError } from "../../core/errors";
import type { LanguageModel, StreamEvent } from "../../core/ports/language-model";
import type { Passage } from "../../core/ports/retrieval";
import { estimateTokens } from "../../core/text";
import type { LlmBackendConfig } from "../../core/config";
import type { InferenceLimits } from "../../inference/client/client-options";
import { createInferenceClient, type InferenceHealth } from "../../inference/client/inference-client";
import { createInferenceMetrics } from "../../inference/metrics";
import type { Registry } from "prom-client";
import type { AnswerGenerator, AnswerInput, AnswerOutcome, AnswerRun, Decision } from "./answer-generator";
import { CitationMapper, citationCoverage, type MappedCitation } from "./citation-mapper";
import { buildAnswerPrompt, DEFAULT_PROMPT, type BuiltPrompt, type SystemPrompt } from "./prompt-template";

export interface LlmGeneratorOptions {
  /** The inference gateway (or any LanguageModel); health() and close() are used when present. */
  model: LanguageModel & { health?(): Promise<InferenceHealth>; close?(): void };
  /** The tenant's system prompt (admin-editable); the built-in default when absent. */
  systemPrompt?: (tenantId: string) => Promise<SystemPrompt>;
  /** Token budget of the recent turns (default 1,000). */
  historyTokens?: number;
  /** Most tokens the model may generate (default 512). */
  maxTokens?: number;
  /** Sampling temperature (default 0.2). */
  temperature?: number;
  /** Longest wait for a health probe before reporting the last known state (default 1,500 ms). */
  healthTimeoutMs?: number;
}

/** The outcome with the prompt that produced it (template id, system prompt version, token estimate). */
export interface LlmAnswerOutcome extends AnswerOutcome {
  prompt?: { templateId: string; systemPromptVersion: number; promptTokens: number; historyTurns: number };
}

const DONT_KNOW =
  /\b(?:i (?:do not|don't|dont) know|i (?:could not|couldn't|cannot|can't|am unable to|was unable to|am not able to) (?:find|answer|tell)|i (?:do not|don't) have (?:enough |that |the )?information|(?:is|are) not (?:covered |mentioned |included )?in the (?:provided )?(?:documents|passages|knowledge base|sources)|the (?:provided )?(?:documents|passages) do(?: not|n't) (?:say|mention|contain|cover))\b/i;

/** True when the answer declines (says it doesn't know / can't find it). */
export const saysDoesNotKnow = (text: string): boolean => DONT_KNOW.test(text);

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The confidence formula above; exported for tests and the docs. */
export function llmConfidence(text: string, cited: MappedCitation[], passages: Passage[], markers: number, invalid: number, decision: Decision): number {
  if (cited.length === 0) return 0;
  const best = Math.max(0, ...passages.map((p) => (Number.isFinite(p.score) ? p.score : 0)));
  const support =
    cited.reduce((s, c) => {
      const score = passages[c.passageIndex]?.score ?? 0;
      return s + 0.5 * (best > 0 ? Math.max(0, score) / best : 0) + 0.5 / (1 + c.passageIndex);
    }, 0) / cited.length;
  const validShare = markers / (markers + invalid || 1);
  const raw = citationCoverage(text) * (0.4 + 0.6 * support) * validShare;
  return round2(Math.min(decision === "PASS" ? 0.95 : 0.2, raw));
}

export class LlmGenerator implements AnswerGenerator {
  readonly id: string;
  private readonly maxTokens: number;
  private readonly temperature: number;

  constructor(private readonly o: LlmGeneratorOptions) {
    this.id = `llm:${o.model.id}`;
    this.maxTokens = o.maxTokens ?? 512;
    this.temperature = o.temperature ?? 0.2;
  }

  run(input: AnswerInput, signal?: AbortSignal): AnswerRun {
    let settle!: (o: LlmAnswerOutcome) => void;
    let fail!: (e: unknown) => void;
    let settled = false;
    const outcome = new Promise<LlmAnswerOutcome>((resolve, reject) => {
      settle = (o) => {
        if (!settled) (settled = true), resolve(o);
      };
      fail = (e) => {
        if (!settled) (settled = true), reject(e);
      };
    });
    outcome.catch(() => {}); // the events' consumer sees the error first; nobody has to await the outcome
    let started = false;
    const onAbort = () => {
      if (!started) settle(this.outcomeOf(input, "", new CitationMapper([]), "abort", undefined, undefined, undefined));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const events = this.events(input, signal, settle, fail, () => {
      started = true;
      signal?.removeEventListener("abort", onAbort);
    });
    return { events, outcome };
  }

  private async *events(
    input: AnswerInput,
    signal: AbortSignal | undefined,
    settle: (o: LlmAnswerOutcome) => void,
    fail: (e: unknown) => void,
    begin: () => void,
  ): AsyncGenerator<StreamEvent> {
    begin();
    const mapper = new CitationMapper((input.passages ?? []).map((p) => p.chunkId));
    let raw = "";
    let built: BuiltPrompt | undefined;
    let yielded = false;
    let ended = false;
    const finishWith = (reason: AnswerOutcome["finishReason"], usage?: AnswerOutcome["usage"], error?: AnswerOutcome["error"]) => {
      ended = true;
      settle(this.outcomeOf(input, raw, mapper, reason, built, usage ?? estimatedUsage(built, raw), error));
    };
    try {
      const systemPrompt = this.o.systemPrompt ? await this.o.systemPrompt(input.tenantId) : DEFAULT_PROMPT;
      built = buildAnswerPrompt(input, { systemPrompt, historyTokens: this.o.historyTokens });
      const stream = this.o.model.stream({ messages: built.messages, maxTokens: this.maxTokens, temperature: this.temperature }, signal);
      for await (const ev of stream) {
        if (ev.type === "start") {
          yielded = true;
          yield ev;
        } else if (ev.type === "delta") {
          raw += ev.text;
          const chunk = mapper.push(ev.text);
          if (chunk.text) yield { type: "delta", text: chunk.text };
          for (const c of chunk.citations) yield { type: "citation", n: c.n, passageId: c.passageId };
        } else if (ev.type === "finish") {
          const rest = mapper.flush();
          if (rest.text) yield { type: "delta", text: rest.text };
          finishWith(ev.reason, ev.usage);
          yield ev;
          return;
        } else if (ev.type === "error") {
          const rest = mapper.flush();
          if (rest.text) yield { type: "delta", text: rest.text };
          finishWith("error", undefined, { code: ev.code, message: ev.message });
          yield ev;
          return;
        }
      }
      // The port promises a finish or error; a stream that just stops is a broken backend.
      const rest = mapper.flush();
      if (rest.text) yield { type: "delta", text: rest.text };
      const error = { code: "LLM_STREAM_INTERRUPTED", message: "the model's stream ended without a finish event" };
      finishWith("error", undefined, error);
      yield { type: "error", ...error, retryable: false };
    } catch (e) {
      if (!yielded) {
        ended = true;
        fail(e);
        throw e;
      }
      const error = isAppError(e) ? { code: e.code, message: e.message } : { code: "LLM_STREAM_INTERRUPTED", message: (e as Error)?.message ?? String(e) };
      if (!ended) finishWith("error", undefined, error);
      yield { type: "error", ...error, retryable: false };
    } finally {
      if (!ended) {
        mapper.flush();
        finishWith("abort");
      }
    }
  }

  private outcomeOf(
    input: AnswerInput,
    raw: string,
    mapper: CitationMapper,
    finishReason: AnswerOutcome["finishReason"],
    built: BuiltPrompt | undefined,
    usage: AnswerOutcome["usage"],
    error: AnswerOutcome["error"],
  ): LlmAnswerOutcome {
    const text = mapper.text.trim();
    const citations = mapper.citations.map((c) => ({ n: c.n, passageIndex: c.passageIndex }));
    const pass = citations.length > 0 && !saysDoesNotKnow(raw) && finishReason !== "error" && finishReason !== "abort";
    const decision: Decision = pass ? "PASS" : "ESCALATE";
    const invalid = mapper.invalidCitations;
    return {
      text,
      citations,
      decision,
      confidence: llmConfidence(text, mapper.citations, input.passages ?? [], mapper.markerCount, invalid.length, decision),
      finishReason,
      ...(error ? { error } : {}),
      ...(invalid.length ? { invalidCitations: invalid } : {}),
      generatorId: this.id,
      ...(usage ? { usage } : {}),
      ...(built
        ? { prompt: { templateId: built.templateId, systemPromptVersion: built.systemPromptVersion, promptTokens: built.promptTokens, historyTurns: built.historyTurns } }
        : {}),
    };
  }

  async health(): Promise<{ state: "ok" | "degraded" | "down"; detail?: string; [k: string]: unknown }> {
    const model = this.o.model;
    if (!model.health) return { state: "ok", kind: "llm", model: model.id };
    const ms = this.o.healthTimeoutMs ?? 1500;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const h = await Promise.race([
      model.health(),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms))),
    ]).finally(() => clearTimeout(timer));
    if (!h) return { state: "degraded", kind: "llm", model: model.id, detail: `the inference backends did not answer a health probe within ${ms} ms` };
    const state = h.status === "up" ? "ok" : h.status;
    const usable = h.backends.filter((b) => b.healthy === true && b.breaker !== "open").length;
    return {
      state,
      kind: "llm",
      model: model.id,
      ...(state === "ok" ? {} : { detail: `${usable} of ${h.backends.length} inference backend(s) usable` }),
      queueDepth: h.queueDepth,
      backends: h.backends.map((b) => ({
        url: b.url,
        model: b.model,
        healthy: b.healthy,
        breaker: b.breaker,
        inFlight: b.inFlight,
        ...(b.lastError ? { lastError: b.lastError } : {}),
      })),
    };
  }

  async close(): Promise<void> {
    this.o.model.close?.();
  }
}

function estimatedUsage(built: BuiltPrompt | undefined, raw: string): AnswerOutcome["usage"] {
  if (!built) return undefined;
  return { promptTokens: built.promptTokens, completionTokens: raw ? estimateTokens(raw) : 0 };
}

/** What createGenerator passes on to the LLM generator (see api/pipeline/create-generator.ts). */
export interface LlmGeneratorDeps {
  /** Registry the inference metrics (llm_*) are registered in; served at /metrics. */
  metrics?: Registry;
  /** Injected into the OpenAI SDK clients (tests, proxies). */
  fetch?: typeof fetch;
  log?: (line: string) => void;
  /** The tenant's admin-edited system prompt (api/modules/admin-prompt); the default prompt when absent. */
  systemPrompt?: (tenantId: string) => Promise<SystemPrompt>;
  /** Inference client limits (in-flight per backend, queue, time limits); defaults in client-options.ts. */
  llmLimits?: Partial<InferenceLimits>;
}

/** The LLM generator over an inference client for LLM_BASE_URLS (config.llm). Probing starts at once, but a
 * backend that is down does not stop start-up: health says so and requests get 503 until one comes up. */
export function createLlmGenerator(llm: { backends: LlmBackendConfig[]; apiKey?: string }, deps: LlmGeneratorDeps = {}): LlmGenerator {
  const client = createInferenceClient({
    backends: llm.backends,
    apiKey: llm.apiKey,
    fetch: deps.fetch,
    limits: deps.llmLimits,
    metrics: createInferenceMetrics(deps.metrics),
  });
  deps.log?.(`answer generation: ${llm.backends.length} LLM backend(s) ${llm.backends.map((b) => `${new URL(b.url).host} (${b.model})`).join(", ")}`);
  return new LlmGenerator({ model: client, systemPrompt: deps.systemPrompt });
}
