import { describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { Registry } from "prom-client";
import { errors } from "../../core/errors";
import { createInferenceMetrics } from "../../inference/metrics";
import { errorsPlugin } from "./errors";
import { metricsPlugin } from "./metrics";

function app(registry = new Registry()) {
  const a = new Elysia()
    .use(errorsPlugin)
    .use(metricsPlugin(registry))
    .get("/v1/things/:id", ({ params }) => ({ id: params.id }))
    .get("/v1/missing/:id", ({ params }) => {
      throw errors.notFound("thing", params.id);
    })
    .get("/v1/busy", () => {
      throw errors.unavailable("BUSY", "busy", undefined, 3);
    })
    .get("/v1/stream", () => new Response(new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode("data: x\n\n")), c.close()) }), { headers: { "content-type": "text/event-stream" } }));
  return { app: a, registry };
}

const get = async (a: { handle(r: Request): Promise<Response> }, path: string) => {
  const res = await a.handle(new Request(`http://localhost${path}`));
  await res.text();
  return res;
};

async function scrape(a: { handle(r: Request): Promise<Response> }) {
  const res = await a.handle(new Request("http://localhost/metrics"));
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
}

describe("metrics plugin", () => {
  test("counts requests by route template and status, never by concrete path", async () => {
    const { app: a } = app();
    await get(a, "/v1/things/abc-123");
    await get(a, "/v1/things/def-456");
    await get(a, "/v1/missing/zzz-999");
    await get(a, "/v1/busy");
    await get(a, "/v1/stream");
    await get(a, "/nowhere/else-777");
    await Bun.sleep(10); // afterResponse runs after the body is handed over
    const text = await scrape(a);
    expect(text).toContain('http_requests_total{method="GET",route="/v1/things/:id",status="200"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="/v1/missing/:id",status="404"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="/v1/busy",status="503"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="/v1/stream",status="200"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0\.001",method="GET",route="\/v1\/things\/:id",status="200"\}/);
    for (const id of ["abc-123", "def-456", "zzz-999", "else-777"]) expect(text).not.toContain(id);
  });

  test("serves prom-client's default process metrics and other components' metrics from the same registry", async () => {
    const registry = new Registry();
    const llm = createInferenceMetrics(registry);
    llm.timeToFirstToken("gpu1:8000", 0.12);
    llm.queueDepth(3);
    const { app: a } = app(registry);
    const text = await scrape(a);
    expect(text).toContain("process_resident_memory_bytes");
    expect(text).toContain("process_cpu_seconds_total");
    expect(text).toContain("nodejs_heap_size_used_bytes");
    expect(text).not.toContain("nodejs_heap_space_size_used_bytes"); // a full heap walk per scrape in Bun
    expect(text).toContain('llm_time_to_first_token_seconds_count{backend="gpu1:8000"} 1');
    expect(text).toContain("llm_admission_queue_depth 3");
  });

  test("two apps on two registries keep separate counts; one registry mounted twice registers once", async () => {
    const one = app();
    const two = app();
    await get(one.app, "/v1/things/1");
    await Bun.sleep(10);
    expect(await scrape(one.app)).toContain('route="/v1/things/:id",status="200"} 1');
    expect(await scrape(two.app)).not.toContain('route="/v1/things/:id"');
    expect(() => app(one.registry)).not.toThrow();
  });

  test("with a token, /metrics answers only that bearer token; others get 401 with WWW-Authenticate", async () => {
    const a = new Elysia().use(errorsPlugin).use(metricsPlugin(new Registry(), { token: "s3cret-scrape" }));
    const scrapeWith = (auth?: string) => a.handle(new Request("http://localhost/metrics", { headers: auth ? { authorization: auth } : {} }));
    for (const bad of [undefined, "Bearer wrong", "Basic s3cret-scrape", "Bearer s3cret-scrape extra", "Bearer s3cret-scrap"]) {
      const res = await scrapeWith(bad);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("METRICS_TOKEN_REQUIRED");
    }
    const ok = await scrapeWith("Bearer s3cret-scrape");
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("http_requests_total");
  });
});

