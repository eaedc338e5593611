/**
 * Prometheus metrics of the inference client, on an injectable prom-client Registry. Labels carry the backend
 * (its URL host) and outcomes only; never user or conversation ids. Creating the metrics twice on one registry
 * returns the same instance, so several clients can share a registry.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export type BreakerGaugeState = "closed" | "half_open" | "open";
export type RequestOutcome = "ok" | "length" | "aborted" | "stream_error" | "timeout" | "overloaded" | "unavailable" | "bad_request";

export interface InferenceMetrics {
  readonly registry: Registry;
  timeToFirstToken(backend: string, seconds: number): void;
  interTokenLatency(backend: string, seconds: number): void;
  tokens(backend: string, prompt: number, completion: number): void;
  queueDepth(depth: number): void;
  inFlight(backend: string, n: number): void;
  breakerState(backend: string, state: BreakerGaugeState): void;
  failover(backend: string, reason: string): void;
  aborted(): void;
  request(outcome: RequestOutcome): void;
}

const BREAKER_VALUE: Record<BreakerGaugeState, number> = { closed: 0, half_open: 1, open: 2 };
const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 60];
const ITL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5];

const byRegistry = new WeakMap<Registry, InferenceMetrics>();

/** The client's metrics on `registry` (a fresh private registry when none is given). */
export function createInferenceMetrics(registry: Registry = new Registry()): InferenceMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const ttft = new Histogram({ name: "llm_time_to_first_token_seconds", help: "Time from request to the first generated token, by backend.", labelNames: ["backend"], buckets: TTFT_BUCKETS, registers });
  const itl = new Histogram({ name: "llm_inter_token_latency_seconds", help: "Time between consecutive streamed tokens, by backend.", labelNames: ["backend"], buckets: ITL_BUCKETS, registers });
  const prompt = new Counter({ name: "llm_prompt_tokens_total", help: "Prompt tokens sent to the inference tier.", labelNames: ["backend"], registers });
  const completion = new Counter({ name: "llm_completion_tokens_total", help: "Completion tokens received from the inference tier.", labelNames: ["backend"], registers });
  const queue = new Gauge({ name: "llm_admission_queue_depth", help: "Requests waiting for a backend slot.", registers });
  const inflight = new Gauge({ name: "llm_backend_in_flight_requests", help: "Requests in flight per backend.", labelNames: ["backend"], registers });
  const breaker = new Gauge({ name: "llm_backend_breaker_state", help: "Circuit breaker state per backend: 0 closed, 1 half-open, 2 open.", labelNames: ["backend"], registers });
  const failovers = new Counter({ name: "llm_failovers_total", help: "Requests retried on another backend before the first token, by failed backend and reason.", labelNames: ["backend", "reason"], registers });
  const aborted = new Counter({ name: "llm_aborted_requests_total", help: "Requests aborted by the caller.", registers });
  const requests = new Counter({ name: "llm_requests_total", help: "Generation requests by outcome.", labelNames: ["outcome"], registers });

  // Per-token paths use cached label children: prom-client hashes the label object on every labelled call.
  const itlChildren = new Map<string, ReturnType<typeof itl.labels>>();
  const itlOf = (backend: string) => {
    let child = itlChildren.get(backend);
    if (!child) itlChildren.set(backend, (child = itl.labels({ backend })));
    return child;
  };

  const metrics: InferenceMetrics = {
    registry,
    timeToFirstToken: (backend, s) => ttft.observe({ backend }, s),
    interTokenLatency: (backend, s) => itlOf(backend).observe(s),
    tokens: (backend, p, c) => {
      if (p > 0) prompt.inc({ backend }, p);
      if (c > 0) completion.inc({ backend }, c);
    },
    queueDepth: (d) => queue.set(d),
    inFlight: (backend, n) => inflight.set({ backend }, n),
    breakerState: (backend, state) => breaker.set({ backend }, BREAKER_VALUE[state]),
    failover: (backend, reason) => failovers.inc({ backend, reason }),
    aborted: () => aborted.inc(),
    request: (outcome) => requests.inc({ outcome }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
