/**
 * The inference gateway: a LanguageModel over a pool of OpenAI-compatible backends (vLLM, Ollama, the
 * simulator). Before the first token a failure (connect error, 5xx, 429, malformed body, first-token timeout)
 * is retried on another backend; when none is left the stream throws an AppError (503 LLM_UNAVAILABLE /
 * LLM_TIMEOUT, 429 LLM_OVERLOADED). After the first token a failure ends the stream with one `error` event,
 * never a throw. Every stream ends with exactly one `finish` or `error`; the caller's AbortSignal (or leaving
 * the loop) aborts the upstream request and ends with finish(reason "abort").
 */
import { AppError, isAppError } from "../../core/errors";
import type { GenerateRequest, LanguageModel, StreamEvent } from "../../core/ports/language-model";
import { createInferenceMetrics, type RequestOutcome } from "../metrics";
import { BackendPool, type Backend, type Verdict } from "./backend-pool";
import type { BreakerState } from "./circuit-breaker";
import { toChatParams } from "./chat-request";
import { resolveLimits, validateBackends, type InferenceClientOptions } from "./client-options";
import { attemptStream } from "./upstream-attempt";
import { AttemptError, errorCodeOf, isRetryable, verdictOf, type UpstreamFailure } from "./upstream-error";

export interface BackendStatus {
  url: string;
  host: string;
  model: string;
  weight: number;
  healthy: boolean | null;
  breaker: BreakerState;
  inFlight: number;
  requests: number;
  failures: number;
  lastError?: string;
}

export interface InferenceStats {
  queueDepth: number;
  backends: BackendStatus[];
}

export interface InferenceHealth extends InferenceStats {
  /** up: every backend healthy and closed; degraded: some usable; down: none usable. */
  status: "up" | "degraded" | "down";
}

export interface InferenceClient extends LanguageModel {
  /** Probes every backend now (GET /v1/models) and reports. */
  health(): Promise<InferenceHealth>;
  stats(): InferenceStats;
  /** Stops the health probes and rejects queued requests. */
  close(): void;
}

export function createInferenceClient(options: InferenceClientOptions): InferenceClient {
  validateBackends(options.backends);
  const limits = resolveLimits(options.limits);
  const metrics = options.metrics ?? createInferenceMetrics();
  const pool = new BackendPool(options.backends, limits, metrics, options.apiKey, options.fetch);
  pool.startProbing();

  function exhausted(last: UpstreamFailure, tried: number, cause?: unknown): AppError {
    const details = { attempts: tried, lastFailure: last.kind };
    if (last.kind === "rate_limit") {
      return new AppError({ code: "LLM_OVERLOADED", message: `every inference backend tried is rate limiting (${last.message})`, category: "rate_limit", retryAfter: last.retryAfter ?? 1, details, cause });
    }
    if (last.kind === "timeout") {
      return new AppError({ code: "LLM_TIMEOUT", message: `no inference backend answered in time (${last.message})`, category: "unavailable", retryAfter: 1, details, cause });
    }
    return new AppError({ code: "LLM_UNAVAILABLE", message: `every inference backend tried failed; last: ${last.message}`, category: "unavailable", retryAfter: pool.unavailable().retryAfter ?? 1, details, cause });
  }

  async function* stream(req: GenerateRequest, signal?: AbortSignal): AsyncGenerator<StreamEvent> {
    const params = toChatParams(req);
    const t0 = performance.now();
    const deadline = t0 + limits.totalTimeoutMs;
    let outcome: RequestOutcome | undefined;
    const end = (o: RequestOutcome) => {
      outcome = o;
      metrics.request(o);
      if (o === "aborted") metrics.aborted();
    };
    try {
      if (signal?.aborted) {
        end("aborted");
        yield { type: "finish", reason: "abort" };
        return;
      }
      const tried = new Set<Backend>();
      let last: UpstreamFailure | undefined;
      for (;;) {
        if (last && (tried.size >= limits.maxAttempts || performance.now() >= deadline)) {
          end(last.kind === "rate_limit" ? "overloaded" : last.kind === "timeout" ? "timeout" : "unavailable");
          throw exhausted(last, tried.size);
        }
        let backend: Backend;
        try {
          backend = await pool.acquire(tried, signal);
        } catch (e) {
          if (signal?.aborted) {
            end("aborted");
            yield { type: "finish", reason: "abort" };
            return;
          }
          const err = last && isAppError(e) && e.code === "LLM_UNAVAILABLE" ? exhausted(last, tried.size, e) : e;
          end(isAppError(err) && err.category === "rate_limit" ? "overloaded" : isAppError(err) && err.code === "LLM_TIMEOUT" ? "timeout" : "unavailable");
          throw err;
        }
        tried.add(backend);
        let released = false;
        const release = (v: Verdict) => {
          if (released) return;
          released = true;
          pool.release(backend, v);
        };
        let first = false;
        let lastTokenAt = 0;
        let completion = 0;
        try {
          for await (const ev of attemptStream(backend, params, { signal, ttftMs: limits.ttftTimeoutMs, deadline })) {
            const now = performance.now();
            if (ev.type === "token") {
              if (!first) {
                first = true;
                metrics.timeToFirstToken(backend.host, (now - t0) / 1000);
                yield { type: "start", model: backend.model, backend: backend.host };
              } else {
                metrics.interTokenLatency(backend.host, (now - lastTokenAt) / 1000);
              }
              lastTokenAt = now;
              completion++;
              yield { type: "delta", text: ev.text };
              continue;
            }
            release("success");
            metrics.tokens(backend.host, ev.usage?.promptTokens ?? 0, ev.usage?.completionTokens ?? completion);
            const reason = ev.finishReason === "length" ? "length" : "stop";
            end(reason === "length" ? "length" : "ok");
            if (!first) yield { type: "start", model: backend.model, backend: backend.host };
            yield { type: "finish", reason, ...(ev.usage ? { usage: ev.usage } : {}) };
            return;
          }
        } catch (e) {
          if (!(e instanceof AttemptError)) throw e;
          const f = e.failure;
          release(verdictOf(f.kind));
          if (f.kind === "aborted") {
            end("aborted");
            yield { type: "finish", reason: "abort" };
            return;
          }
          if (first) {
            metrics.tokens(backend.host, 0, completion);
            end(f.kind === "timeout" ? "timeout" : "stream_error");
            yield { type: "error", code: errorCodeOf(f.kind), message: f.message, retryable: false };
            return;
          }
          if (f.kind === "context_length") {
            end("bad_request");
            throw new AppError({ code: "LLM_CONTEXT_TOO_LONG", message: `the prompt does not fit the model's context window: ${f.message}`, category: "too_large", cause: e });
          }
          if (!isRetryable(f.kind)) {
            end("bad_request");
            throw new AppError({ code: "LLM_BAD_REQUEST", message: `the inference backend rejected the request: ${f.message}`, category: "validation", cause: e });
          }
          metrics.failover(backend.host, f.kind);
          last = f;
        } finally {
          release("neutral"); // the consumer left mid-stream: no verdict on the backend
        }
      }
    } finally {
      if (outcome === undefined) end("aborted");
    }
  }

  function stats(): InferenceStats {
    return {
      queueDepth: pool.queueDepth,
      backends: pool.backends.map((b) => ({
        url: b.url,
        host: b.host,
        model: b.model,
        weight: b.weight,
        healthy: b.healthy,
        breaker: b.breaker.state(),
        inFlight: b.inFlight,
        requests: b.requests,
        failures: b.failures,
        ...(b.lastError ? { lastError: b.lastError } : {}),
      })),
    };
  }

  return {
    id: `openai-pool:${[...new Set(options.backends.map((b) => b.model))].join(",")}`,
    stream,
    async generate(req, signal) {
      let text = "";
      for await (const ev of stream(req, signal)) {
        if (ev.type === "delta") text += ev.text;
        else if (ev.type === "finish") return { text, finishReason: ev.reason };
        else if (ev.type === "error") throw new AppError({ code: ev.code, message: ev.message, category: "unavailable", retryable: false, details: { partialText: text.length } });
      }
      throw new AppError({ code: "LLM_STREAM_INTERRUPTED", message: "the stream ended without a finish event", category: "internal" });
    },
    async health() {
      await pool.probeAll();
      const s = stats();
      const usable = pool.backends.filter((b) => b.usable() && b.healthy === true).length;
      const status = usable === 0 ? "down" : s.backends.every((b) => b.healthy && b.breaker === "closed") ? "up" : "degraded";
      return { status, ...s };
    },
    stats,
    close: () => pool.close(),
  };
}
