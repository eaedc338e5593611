/** Options of the inference client: backends, limits with their defaults, and validation (422 AppError). */
import type { LlmBackendConfig } from "../../core/config";
import { errors } from "../../core/errors";
import type { InferenceMetrics } from "../metrics";

export interface InferenceLimits {
  /** Concurrent requests per backend (scaled by nothing: weight only steers balancing). */
  maxInFlightPerBackend: number;
  /** Requests that may wait for a slot when every usable backend is at its cap. */
  maxQueue: number;
  /** Longest wait in that queue before 429 LLM_OVERLOADED. */
  queueTimeoutMs: number;
  /** No first token within this time (from the call) -> try another backend, or fail. */
  ttftTimeoutMs: number;
  /** The whole answer must finish within this time (from the call). */
  totalTimeoutMs: number;
  /** Consecutive failures that open a backend's breaker. */
  failureThreshold: number;
  /** Time an open breaker waits before letting one trial request through. */
  cooldownMs: number;
  /** Interval of GET /v1/models health probes (0 = only on demand). */
  healthIntervalMs: number;
  probeTimeoutMs: number;
  /** Backends tried for one request before giving up (each at most once). */
  maxAttempts: number;
}

export const DEFAULT_LIMITS: InferenceLimits = {
  maxInFlightPerBackend: 64,
  maxQueue: 256,
  queueTimeoutMs: 5_000,
  ttftTimeoutMs: 15_000,
  totalTimeoutMs: 120_000,
  failureThreshold: 5,
  cooldownMs: 10_000,
  healthIntervalMs: 5_000,
  probeTimeoutMs: 2_000,
  maxAttempts: 3,
};

export interface InferenceClientOptions {
  backends: LlmBackendConfig[];
  apiKey?: string;
  /** Injected fetch (tests, proxies); passed to the OpenAI SDK. */
  fetch?: typeof fetch;
  metrics?: InferenceMetrics;
  limits?: Partial<InferenceLimits>;
}

const ALLOW_ZERO = new Set<keyof InferenceLimits>(["maxQueue", "healthIntervalMs"]);

export function resolveLimits(partial: Partial<InferenceLimits> = {}): InferenceLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) throw errors.invalid("LLM_BAD_OPTIONS", `unknown inference limit '${key}'`);
    const k = key as keyof InferenceLimits;
    const min = ALLOW_ZERO.has(k) ? 0 : 1;
    if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
      throw errors.invalid("LLM_BAD_OPTIONS", `inference limit ${key} must be a number >= ${min}`);
    }
    limits[k] = value;
  }
  return limits;
}

export function validateBackends(backends: LlmBackendConfig[]): void {
  if (!Array.isArray(backends) || backends.length === 0) {
    throw errors.invalid("LLM_NO_BACKENDS", "the inference client needs at least one backend (LLM_BASE_URLS)");
  }
  for (const b of backends) {
    let u: URL;
    try {
      u = new URL(b.url);
    } catch {
      throw errors.invalid("LLM_BAD_OPTIONS", `backend URL '${b.url}' is not a valid URL`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw errors.invalid("LLM_BAD_OPTIONS", `backend URL '${b.url}' must be http(s)`);
    if (!b.model) throw errors.invalid("LLM_BAD_OPTIONS", `backend '${b.url}' needs a model name`);
    if (!(b.weight > 0) || !Number.isFinite(b.weight)) throw errors.invalid("LLM_BAD_OPTIONS", `backend '${b.url}' weight must be a positive number`);
  }
}
