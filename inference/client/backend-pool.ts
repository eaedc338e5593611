/**
 * The pool of inference backends: one OpenAI SDK client, breaker, in-flight count and health flag per backend;
 * `acquire` picks the least-loaded usable backend (weighted), waits in the bounded admission queue when every
 * usable backend is at its cap, and fails fast with 503 LLM_UNAVAILABLE when no backend is usable at all.
 */
import OpenAI from "openai";
import type { LlmBackendConfig } from "../../core/config";
import { AppError } from "../../core/errors";
import type { InferenceMetrics } from "../metrics";
import { AdmissionQueue } from "./admission-queue";
import { LeastOutstandingBalancer } from "./balancer";
import { CircuitBreaker, type BreakerState } from "./circuit-breaker";
import type { InferenceLimits } from "./client-options";

export type Verdict = "success" | "failure" | "neutral";

export class Backend {
  readonly url: string;
  readonly host: string;
  readonly model: string;
  readonly weight: number;
  readonly client: OpenAI;
  readonly breaker: CircuitBreaker;
  inFlight = 0;
  /** Result of the last health probe or request (null = not known yet). */
  healthy: boolean | null = null;
  /** Date.now() of the last finished probe (0 = never). */
  probedAt = 0;
  lastError: string | undefined;
  requests = 0;
  failures = 0;

  constructor(cfg: LlmBackendConfig, limits: InferenceLimits, apiKey: string | undefined, fetchImpl: typeof fetch | undefined, onBreaker: (b: Backend, s: BreakerState) => void) {
    this.url = cfg.url;
    this.host = new URL(cfg.url).host;
    this.model = cfg.model;
    this.weight = cfg.weight;
    this.client = new OpenAI({
      baseURL: cfg.url,
      apiKey: apiKey ?? "unused",
      organization: null,
      project: null,
      fetch: fetchImpl,
      maxRetries: 0,
      timeout: limits.totalTimeoutMs,
      logLevel: "off",
    });
    this.breaker = new CircuitBreaker({
      failureThreshold: limits.failureThreshold,
      cooldownMs: limits.cooldownMs,
      onChange: (s) => onBreaker(this, s),
    });
  }

  /** Usable now or once a slot frees: not known to be down and breaker not open. */
  usable(): boolean {
    return this.healthy !== false && !this.breaker.isOpen();
  }
}

export class BackendPool {
  readonly backends: Backend[];
  private readonly queue: AdmissionQueue;
  private readonly balancer = new LeastOutstandingBalancer();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    configs: LlmBackendConfig[],
    private readonly limits: InferenceLimits,
    private readonly metrics: InferenceMetrics,
    apiKey?: string,
    fetchImpl?: typeof fetch,
  ) {
    this.backends = configs.map((c) => new Backend(c, limits, apiKey, fetchImpl, (b, s) => metrics.breakerState(b.host, s)));
    for (const b of this.backends) {
      metrics.breakerState(b.host, "closed");
      metrics.inFlight(b.host, 0);
    }
    this.queue = new AdmissionQueue({ maxLength: limits.maxQueue, maxWaitMs: limits.queueTimeoutMs, onDepth: (d) => metrics.queueDepth(d) });
  }

  get queueDepth(): number {
    return this.queue.length;
  }

  /** A backend slot for one request, never one in `exclude`. Throws 503 LLM_UNAVAILABLE or 429 LLM_OVERLOADED. */
  async acquire(exclude: ReadonlySet<Backend>, signal?: AbortSignal): Promise<Backend> {
    const deadline = Date.now() + this.limits.queueTimeoutMs;
    let requeue = false;
    for (;;) {
      const usable = this.backends.filter((b) => !exclude.has(b) && b.usable());
      if (usable.length === 0) {
        this.reprobeStale();
        throw this.unavailable(exclude);
      }
      const ready = usable.filter((b) => b.inFlight < this.limits.maxInFlightPerBackend && b.breaker.canPass());
      const pick = this.balancer.pick(ready);
      if (pick && pick.breaker.tryAcquire()) {
        pick.inFlight++;
        pick.requests++;
        this.metrics.inFlight(pick.host, pick.inFlight);
        return pick;
      }
      await this.queue.wait(signal, deadline - Date.now(), requeue);
      requeue = true;
    }
  }

  /** Gives the slot back with the request's verdict on the backend, and wakes a queued request. */
  release(b: Backend, verdict: Verdict): void {
    b.inFlight--;
    this.metrics.inFlight(b.host, b.inFlight);
    if (verdict === "success") {
      b.breaker.onSuccess();
      b.healthy = true;
    } else if (verdict === "failure") {
      b.failures++;
      b.breaker.onFailure();
    } else {
      b.breaker.onRelease();
    }
    this.wake();
  }

  /** GET /v1/models on one backend within probeTimeoutMs; updates its health flag. */
  async probe(b: Backend): Promise<boolean> {
    try {
      await b.client.models.list({ timeout: this.limits.probeTimeoutMs, maxRetries: 0 });
      b.healthy = true;
      b.lastError = undefined;
    } catch (e) {
      b.healthy = false;
      b.lastError = e instanceof Error ? e.message : String(e);
    }
    b.probedAt = Date.now();
    this.wake();
    return b.healthy;
  }

  async probeAll(): Promise<void> {
    await Promise.all(this.backends.map((b) => this.probe(b)));
  }

  /** Probes now and then every healthIntervalMs (the timer does not keep the process alive). */
  startProbing(): void {
    void this.probeAll();
    if (this.limits.healthIntervalMs > 0 && !this.timer) {
      this.timer = setInterval(() => void this.probeAll(), this.limits.healthIntervalMs);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.queue.rejectAll(new AppError({ code: "LLM_UNAVAILABLE", message: "the inference client was closed", category: "unavailable", retryAfter: 1 }));
  }

  /** 503 with Retry-After: the time until the first open breaker lets a trial through (at least 1 s). */
  unavailable(exclude: ReadonlySet<Backend> = new Set()): AppError {
    const waits = this.backends
      .filter((b) => !exclude.has(b))
      .map((b) => (b.breaker.isOpen() ? b.breaker.retryAfterMs() : b.healthy === false ? this.limits.healthIntervalMs || 1000 : 0));
    const ms = waits.length ? Math.min(...waits) : 1000;
    const open = this.backends.filter((b) => b.breaker.isOpen()).length;
    const down = this.backends.filter((b) => b.healthy === false).length;
    return new AppError({
      code: "LLM_UNAVAILABLE",
      message: `no inference backend is available (${this.backends.length} configured, ${open} breaker(s) open, ${down} failing health checks)`,
      category: "unavailable",
      retryAfter: Math.max(1, Math.ceil(ms / 1000)),
    });
  }

  /** Backends marked down by an old probe are probed again in the background, so that a pool without
   * periodic probing (healthIntervalMs 0) still notices a backend that came up after start-up. */
  private reprobeStale(): void {
    const staleAfter = this.limits.healthIntervalMs || 1000;
    for (const b of this.backends) {
      if (b.healthy === false && Date.now() - b.probedAt >= staleAfter) {
        b.probedAt = Date.now(); // one re-probe at a time
        void this.probe(b);
      }
    }
  }

  private wake(): void {
    if (this.queue.length === 0) return;
    if (!this.backends.some((b) => b.usable())) this.queue.rejectAll(this.unavailable());
    else this.queue.wakeOne();
  }
}
