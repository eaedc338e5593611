/**
 * The LLM answer generator: the versioned prompt template (prompt-template.ts) sent through the inference
 * gateway (a LanguageModel, normally inference/client's pool). It streams what the model writes: `start` (at
 * the first token, with the prompt template and system prompt version), the raw `delta`s with their [n]
 * markers (the pipeline's cite stage maps them), then one `finish` or one `error`. Decision and confidence are
 * the decide stage's (citation rule).
 *
 * Failures before the first token (queue full 429, no backend 503, ...) are thrown by the first next() as the
 * client's AppError, so the API can still answer with that status and Retry-After. A failure after it ends the
 * stream with an `error` event; a model stream that just stops is LLM_STREAM_INTERRUPTED.
 */
import { isAppError } from "../../core/errors";
import type { LanguageModel, StreamEvent } from "../../core/ports/language-model";
import type { LlmBackendConfig } from "../../core/config";
import { estimateTokens } from "../../core/text";
import type { InferenceLimits } from "../../inference/client/client-options";
import { createInferenceClient, type InferenceHealth } from "../../inference/client/inference-client";
import { createInferenceMetrics } from "../../inference/metrics";
import type { Registry } from "prom-client";
import type { AnswerGenerator, AnswerInput } from "./answer-generator";
import { buildAnswerPrompt, DEFAULT_PROMPT, type SystemPrompt } from "./prompt-template";

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

export class LlmGenerator implements AnswerGenerator {
  readonly id: string;
  private readonly maxTokens: number;
  private readonly temperature: number;

  constructor(private readonly o: LlmGeneratorOptions) {
    this.id = `llm:${o.model.id}`;
    this.maxTokens = o.maxTokens ?? 512;
    this.temperature = o.temperature ?? 0.2;
  }

  /** The inference gateway it generates with (the guardrails' LLM judge asks the same tier). */
  get model(): LanguageModel {
    return this.o.model;
  }

  async *run(input: AnswerInput, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    let yielded = false;
    try {
      const systemPrompt = this.o.systemPrompt ? await this.o.systemPrompt(input.tenantId) : DEFAULT_PROMPT;
      const built = buildAnswerPrompt(input, { systemPrompt, historyTokens: this.o.historyTokens });
      const maxTokens = input.maxTokens !== undefined ? Math.min(input.maxTokens, this.maxTokens) : this.maxTokens;
      const stream = this.o.model.stream({ messages: built.messages, maxTokens, temperature: this.temperature }, signal);
      let raw = "";
      for await (const ev of stream) {
        if (ev.type === "start") {
          yielded = true;
          yield { ...ev, prompt: { templateId: built.templateId, version: built.systemPromptVersion } };
        } else if (ev.type === "finish") {
          // Backends that send no usage: the prompt's estimate and the text's.
          yield ev.usage ? ev : { ...ev, usage: { promptTokens: built.promptTokens, completionTokens: raw ? estimateTokens(raw) : 0 } };
          return;
        } else {
          yielded = true;
          if (ev.type === "delta") raw += ev.text;
          yield ev;
          if (ev.type === "error") return;
        }
      }
      // The port promises a finish or error; a stream that just stops is a broken backend.
      yield { type: "error", code: "LLM_STREAM_INTERRUPTED", message: "the model's stream ended without a finish event", retryable: false };
    } catch (e) {
      if (!yielded) throw e;
      const error = isAppError(e) ? { code: e.code, message: e.message } : { code: "LLM_STREAM_INTERRUPTED", message: (e as Error)?.message ?? String(e) };
      yield { type: "error", ...error, retryable: false };
    }
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
