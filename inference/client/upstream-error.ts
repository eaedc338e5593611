/**
 * Classifies what went wrong with one upstream request, decides whether it may be retried on another backend
 * (only before the first token) and what it says about the backend's health (the breaker's verdict).
 */
import OpenAI from "openai";
import type { Verdict } from "./backend-pool";

export type FailureKind =
  | "connect" // could not connect / connection refused
  | "server_error" // 5xx, or a 4xx that another backend may not give (401, 403, 404)
  | "rate_limit" // 429 from the backend
  | "timeout" // first-token or total time limit
  | "malformed" // the body or an SSE chunk was not valid JSON
  | "interrupted" // connection reset, or the stream ended without a finish reason
  | "bad_request" // 400/413/422: the request itself is wrong; no other backend will take it
  | "context_length" // a 400/413/422 that says the prompt does not fit the model's context window
  | "aborted" // the caller went away
  | "local"; // this process is out of a resource (file descriptors): says nothing about the backend

export interface UpstreamFailure {
  kind: FailureKind;
  message: string;
  status?: number;
  /** Seconds, from the backend's Retry-After. */
  retryAfter?: number;
}

export class AttemptError extends Error {
  constructor(readonly failure: UpstreamFailure) {
    super(failure.message);
    this.name = "AttemptError";
  }
}

export function classifyUpstreamError(e: unknown): UpstreamFailure {
  if (e instanceof AttemptError) return e.failure;
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof OpenAI.APIUserAbortError) return { kind: "aborted", message };
  if (isLocalResourceError(e)) {
    return { kind: "local", message: `this API process is out of file descriptors (raise ulimit -n / LimitNOFILE): ${message}` };
  }
  if (e instanceof OpenAI.APIConnectionTimeoutError) return { kind: "timeout", message };
  if (e instanceof OpenAI.APIConnectionError) return { kind: "connect", message };
  if (e instanceof OpenAI.APIError) {
    const status = e.status;
    if (status === 429) {
      const ra = Number(e.headers?.get("retry-after"));
      return { kind: "rate_limit", message, status, retryAfter: Number.isFinite(ra) && ra > 0 ? ra : undefined };
    }
    if (status === 400 || status === 413 || status === 422) return { kind: isContextOverflow(e) ? "context_length" : "bad_request", message, status };
    return { kind: "server_error", message, status };
  }
  if (e instanceof SyntaxError) return { kind: "malformed", message: `the backend sent malformed JSON: ${message}` };
  return { kind: "interrupted", message: `the backend connection failed: ${message}` };
}

/**
 * The engine's "prompt too long" answer: llama.cpp's llama-server says `type: exceed_context_size_error`
 * (HTTP 400), vLLM "This model's maximum context length is N tokens..." (400), OpenAI `code:
 * context_length_exceeded`. (Ollama truncates the prompt to num_ctx instead of refusing it.)
 */
function isContextOverflow(e: InstanceType<typeof OpenAI.APIError>): boolean {
  const body = (e.error ?? {}) as { type?: unknown; code?: unknown; message?: unknown };
  if (body.type === "exceed_context_size_error" || body.code === "context_length_exceeded") return true;
  return /maximum context length|context (?:size|length|window)|exceeds? the (?:available )?context/i.test(`${String(body.message ?? "")} ${e.message}`);
}

/** Retry on another backend before the first token? (Never after it.) */
export const isRetryable = (kind: FailureKind): boolean => kind !== "bad_request" && kind !== "context_length" && kind !== "aborted";

/** What the failure says about the backend, for its circuit breaker. 429, caller and local errors say nothing. */
export function verdictOf(kind: FailureKind): Verdict {
  return kind === "rate_limit" || kind === "bad_request" || kind === "context_length" || kind === "aborted" || kind === "local" ? "neutral" : "failure";
}

/** EMFILE/ENFILE anywhere in the cause chain: the failure is ours, not the backend's. */
function isLocalResourceError(e: unknown): boolean {
  let c: unknown = e;
  for (let depth = 0; c && depth < 6; depth++) {
    const err = c as { code?: unknown; message?: unknown; cause?: unknown };
    if (err.code === "EMFILE" || err.code === "ENFILE" || /too many open files/i.test(String(err.message ?? ""))) return true;
    c = err.cause;
  }
  return false;
}

/** The StreamEvent error code for a failure after the first token. */
export function errorCodeOf(kind: FailureKind): string {
  switch (kind) {
    case "timeout":
      return "LLM_TIMEOUT";
    case "malformed":
      return "LLM_BAD_RESPONSE";
    case "interrupted":
    case "connect":
      return "LLM_STREAM_INTERRUPTED";
    default:
      return "LLM_UPSTREAM_ERROR";
  }
}
