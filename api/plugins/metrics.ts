/**
 * GET /metrics: Prometheus text of the services' registry — prom-client's default process metrics (CPU,
 * memory, event-loop lag, handles), every component's own metrics (the inference gateway's llm_* family, ...)
 * and the HTTP metrics below.
 *
 *   http_requests_total{method, route, status}
 *   http_request_duration_seconds{method, route, status}   time until the response (for SSE and other
 *                                                           streams: until the response starts)
 *
 * `route` is the route template ("/v1/documents/:id"), never the concrete path, and "unmatched" for requests
 * no route took, so labels never carry ids. The default process metrics are registered once per registry.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import { errors } from "../../core/errors";
import { BEARER } from "./auth";
import { collectDefaultMetrics, Counter, Histogram, type Registry } from "prom-client";

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const STATUS_NAMES: Record<string, number> = { OK: 200, Created: 201, Accepted: 202, "No Content": 204 };

interface HttpMetrics {
  requests: Counter<"method" | "route" | "status">;
  duration: Histogram<"method" | "route" | "status">;
  seed: number;
}

const byRegistry = new WeakMap<Registry, HttpMetrics>();
let seeds = 0;

function httpMetrics(registry: Registry, defaults: boolean): HttpMetrics {
  let m = byRegistry.get(registry);
  if (m) return m;
  if (defaults) {
    collectDefaultMetrics({ register: registry });
    // Per-space heap figures come from a full heap walk in Bun (15 ms on a small heap, ~100 ms on the API's),
    // which would stall every stream at each scrape; the totals (nodejs_heap_size_*_bytes) stay.
    for (const kind of ["total", "used", "available"]) registry.removeSingleMetric(`nodejs_heap_space_size_${kind}_bytes`);
  }
  const labelNames = ["method", "route", "status"] as const;
  m = {
    requests: new Counter({ name: "http_requests_total", help: "HTTP requests by method, route template and status.", labelNames, registers: [registry] }),
    duration: new Histogram({
      name: "http_request_duration_seconds",
      help: "Time from request to response (to the start of the body for streams), by method, route template and status.",
      labelNames,
      buckets: BUCKETS,
      registers: [registry],
    }),
    seed: ++seeds,
  };
  byRegistry.set(registry, m);
  return m;
}

/** The status a finished request was answered with. */
function statusOf(responseValue: unknown, setStatus: unknown, matched: boolean): number {
  if (responseValue instanceof Response) return responseValue.status;
  if (typeof setStatus === "number") return matched || setStatus !== 200 ? setStatus : 404;
  if (typeof setStatus === "string" && STATUS_NAMES[setStatus]) return STATUS_NAMES[setStatus]!;
  return matched ? 200 : 404;
}

export interface MetricsPluginOptions {
  /** Register prom-client's default process metrics (default true). */
  defaultMetrics?: boolean;
  /** When set, GET /metrics answers only `Authorization: Bearer <token>` (METRICS_TOKEN); others get 401. */
  token?: string;
}

/** Constant-time comparison of the presented bearer token with the configured one. */
function bearerMatches(header: string | null, token: string): boolean {
  const m = BEARER.exec(header ?? "");
  if (!m) return false;
  const a = createHash("sha256").update(m[1]!).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b);
}

export function metricsPlugin(registry: Registry, opts: MetricsPluginOptions = {}) {
  const m = httpMetrics(registry, opts.defaultMetrics ?? true);
  const started = new WeakMap<Request, number>();
  return new Elysia({ name: "metrics", seed: m.seed })
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    .onAfterResponse({ as: "global" }, (ctx) => {
      const t0 = started.get(ctx.request);
      if (t0 === undefined) return;
      started.delete(ctx.request);
      const matched = typeof ctx.route === "string" && ctx.route.length > 0;
      const labels = { method: ctx.request.method, route: matched ? ctx.route : "unmatched", status: String(statusOf(ctx.responseValue, ctx.set.status, matched)) };
      m.requests.inc(labels);
      m.duration.observe(labels, (performance.now() - t0) / 1000);
    })
    .get(
      "/metrics",
      async ({ set, request }) => {
        if (opts.token !== undefined && !bearerMatches(request.headers.get("authorization"), opts.token)) {
          set.headers["www-authenticate"] = 'Bearer realm="metrics"';
          throw errors.unauthorized("METRICS_TOKEN_REQUIRED", "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>");
        }
        set.headers["content-type"] = registry.contentType;
        return registry.metrics();
      },
      { detail: { tags: ["ops"], summary: "Prometheus metrics: process, HTTP, inference gateway and pipeline" } },
    );
}
