import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig, parseBackends } from "./config";

describe("loadConfig", () => {
  test("embedded defaults with nothing set", () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.lancedbUri).toBe(`${c.dataDir}/lance`);
    expect(c.llm.backends).toEqual([]);
    expect(c.retrieval.fusion).toBe("weighted");
    expect(c.retrieval.weights).toEqual({ vector: 0.5, keyword: 1, heading: 0.5, graph: 1 });
    expect(c.sampleKb).toBe(true);
    expect(c.retrieval.vectorMemoryMaxRows).toBe(20_000);
    expect(c.retrieval.chunkCacheTtlMs).toBe(1000);
    expect(c.retrieval.chunkCacheMax).toBe(20_000);
  });

  test("parses and validates values", () => {
    const c = loadConfig({ PORT: "8080", DATABASE_URL: "postgres://u@h:5432/db", RETRIEVAL_WEIGHTS: "vector=2,keyword=0.5", SAMPLE_KB: "false" });
    expect(c.port).toBe(8080);
    expect(c.retrieval.weights.vector).toBe(2);
    expect(c.retrieval.weights.keyword).toBe(0.5);
    expect(c.sampleKb).toBe(false);
  });

  test("LanceDB on S3: storage options from LANCEDB_S3_*, plain HTTP allowed for an http:// endpoint", () => {
    expect(loadConfig({}).lancedbStorage).toEqual({ allowHttp: false } as never);
    const c = loadConfig({
      LANCEDB_URI: "s3://kb/vectors",
      LANCEDB_S3_ENDPOINT: "http://minio:9000",
      LANCEDB_S3_REGION: "eu-central-1",
      LANCEDB_S3_ACCESS_KEY_ID: "AKIA1",
      LANCEDB_S3_SECRET_ACCESS_KEY: "s3cret",
    });
    expect(c.lancedbUri).toBe("s3://kb/vectors");
    expect(c.lancedbStorage).toMatchObject({ endpoint: "http://minio:9000", region: "eu-central-1", accessKeyId: "AKIA1", secretAccessKey: "s3cret", allowHttp: true });
    expect(loadConfig({ LANCEDB_URI: "s3://kb/v", LANCEDB_S3_ENDPOINT: "https://s3.example.com" }).lancedbStorage.allowHttp).toBe(false);
    expect(() => loadConfig({ LANCEDB_S3_ENDPOINT: "http://minio:9000" })).toThrow(/LANCEDB_S3_ENDPOINT applies to LANCEDB_URI=s3:/);
    expect(() => loadConfig({ LANCEDB_URI: "s3://kb/v", LANCEDB_S3_ACCESS_KEY_ID: "AKIA1" })).toThrow(/set together/);
    expect(() => loadConfig({ LANCEDB_URI: "s3://kb/v", LANCEDB_S3_ENDPOINT: "ftp://x" })).toThrow(/LANCEDB_S3_ENDPOINT/);
    expect(() => loadConfig({ LANCEDB_URI: "s3://kb/v", LANCEDB_S3_ENDPOINT: "http://m:9000", LANCEDB_S3_ALLOW_HTTP: "false" })).toThrow(/ALLOW_HTTP/);
  });

  test("fails fast with the variable's name", () => {
    expect(() => loadConfig({ PORT: "http" })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "70000" })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ RETRIEVAL_FUSION: "magic" })).toThrow(/RETRIEVAL_FUSION/);
    expect(() => loadConfig({ SAMPLE_KB: "maybe" })).toThrow(/SAMPLE_KB/);
    expect(() => loadConfig({ SENTENCE_ENCODER: "bert" })).toThrow(/SENTENCE_ENCODER/);
    expect(() => loadConfig({ HEADING_FULL_SCAN_MAX: "-1" })).toThrow(/HEADING_FULL_SCAN_MAX/);
    expect(() => loadConfig({ JWT_SECRET: "too-short" })).toThrow(/JWT_SECRET must be at least 32/);
    expect(() => loadConfig({ ADMIN_PASSWORD: "short" })).toThrow(/ADMIN_PASSWORD must be at least 12/);
    expect(() => loadConfig({ ACCESS_TOKEN_TTL_SECONDS: "0" })).toThrow(/ACCESS_TOKEN_TTL_SECONDS/);
    expect(() => loadConfig({ REFRESH_TOKEN_TTL_SECONDS: "forever" })).toThrow(/REFRESH_TOKEN_TTL_SECONDS/);
    expect(() => loadConfig({ WIDGET_SESSION_TTL_SECONDS: "1" })).toThrow(/WIDGET_SESSION_TTL_SECONDS/);
    expect(loadConfig({}).auth).toMatchObject({ accessTtlSeconds: 900, widgetTtlSeconds: 7200, adminUsername: "admin" });
    expect(() => loadConfig({ RETRIEVAL_WEIGHTS: "vector" })).toThrow(/RETRIEVAL_WEIGHTS/);
    expect(() => loadConfig({ VECTOR_MEMORY_MAX_ROWS: "-1" })).toThrow(/VECTOR_MEMORY_MAX_ROWS/);
    expect(() => loadConfig({ CHUNK_CACHE_TTL_MS: "soon" })).toThrow(/CHUNK_CACHE_TTL_MS/);
    expect(() => loadConfig({ CHUNK_CACHE_MAX: "0" })).toThrow(/CHUNK_CACHE_MAX/);
    expect(loadConfig({ VECTOR_MEMORY_MAX_ROWS: "0", CHUNK_CACHE_TTL_MS: "0" }).retrieval).toMatchObject({ vectorMemoryMaxRows: 0, chunkCacheTtlMs: 0 });
  });

  test("security defaults: loopback listen, no CORS, no HSTS, swagger on outside production, rate limits that spare loopback", () => {
    const c = loadConfig({});
    expect(c.host).toBe("127.0.0.1");
    expect(c.nodeEnv).toBe("development");
    expect(c.security).toEqual({
      corsOrigins: [],
      trustProxy: false,
      hstsMaxAge: 0,
      swaggerEnabled: true,
      rateLimit: { perIp: 600, perToken: 1200, perTenant: 0, windowMs: 60_000, exemptLoopback: true },
    });
    expect(loadConfig({ NODE_ENV: "production" }).security.swaggerEnabled).toBe(false);
    expect(loadConfig({ NODE_ENV: "production", SWAGGER_ENABLED: "true" }).security.swaggerEnabled).toBe(true);
    expect(loadConfig({ SWAGGER_ENABLED: "false" }).security.swaggerEnabled).toBe(false);
  });

  test("security settings parse", () => {
    const c = loadConfig({
      HOST: "0.0.0.0",
      CORS_ORIGINS: "https://Shop.example.com, http://localhost:5173",
      TRUST_PROXY: "2",
      HSTS_MAX_AGE: "31536000",
      RATE_LIMIT_PER_IP: "0",
      RATE_LIMIT_PER_TOKEN: "50",
      RATE_LIMIT_PER_TENANT: "10000",
      RATE_LIMIT_WINDOW_MS: "1000",
      RATE_LIMIT_EXEMPT_LOOPBACK: "false",
    });
    expect(c.host).toBe("0.0.0.0");
    expect(c.security.corsOrigins).toEqual(["https://shop.example.com", "http://localhost:5173"]);
    expect(c.security.trustProxy).toBe(2);
    expect(c.security.hstsMaxAge).toBe(31_536_000);
    expect(c.security.rateLimit).toEqual({ perIp: 0, perToken: 50, perTenant: 10_000, windowMs: 1000, exemptLoopback: false });
    expect(loadConfig({ CORS_ORIGINS: "*" }).security.corsOrigins).toEqual(["*"]);
    expect(loadConfig({ TRUST_PROXY: "true" }).security.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: "0" }).security.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "off" }).security.trustProxy).toBe(false);
  });

  test("bad security settings fail with the variable's name", () => {
    expect(() => loadConfig({ CORS_ORIGINS: "shop.example.com" })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: "https://shop.example.com/" })).toThrow(/CORS_ORIGINS.*did you mean 'https:\/\/shop.example.com'/);
    expect(() => loadConfig({ CORS_ORIGINS: "https://shop.example.com/app" })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: "ftp://files.example.com" })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: "*,https://shop.example.com" })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ TRUST_PROXY: "maybe" })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: "-1" })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: "1.5" })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ HSTS_MAX_AGE: "a year" })).toThrow(/HSTS_MAX_AGE/);
    expect(() => loadConfig({ HSTS_MAX_AGE: "-1" })).toThrow(/HSTS_MAX_AGE/);
    expect(() => loadConfig({ SWAGGER_ENABLED: "sometimes" })).toThrow(/SWAGGER_ENABLED/);
    expect(() => loadConfig({ RATE_LIMIT_PER_IP: "-5" })).toThrow(/RATE_LIMIT_PER_IP/);
    expect(() => loadConfig({ RATE_LIMIT_PER_TOKEN: "lots" })).toThrow(/RATE_LIMIT_PER_TOKEN/);
    expect(() => loadConfig({ RATE_LIMIT_PER_TENANT: "1.5" })).toThrow(/RATE_LIMIT_PER_TENANT/);
    expect(() => loadConfig({ RATE_LIMIT_WINDOW_MS: "0" })).toThrow(/RATE_LIMIT_WINDOW_MS/);
    expect(() => loadConfig({ RATE_LIMIT_EXEMPT_LOOPBACK: "perhaps" })).toThrow(/RATE_LIMIT_EXEMPT_LOOPBACK/);
  });

  test("gateway limits: unset ones stay unset, bad ones fail", () => {
    expect(loadConfig({}).llm.limits).toEqual({});
    expect(loadConfig({ LLM_MAX_IN_FLIGHT_PER_BACKEND: "128", LLM_TTFT_TIMEOUT_MS: "5000" }).llm.limits).toEqual({ maxInFlightPerBackend: 128, ttftTimeoutMs: 5000 });
    expect(() => loadConfig({ LLM_MAX_QUEUE: "-1" })).toThrow(/LLM_MAX_QUEUE/);
  });

  test("LLM_BASE_URLS takes url|model|weight entries", () => {
    expect(parseBackends("http://a:8000/v1|qwen|2, http://b:8000/v1/", "m")).toEqual([
      { url: "http://a:8000/v1", model: "qwen", weight: 2 },
      { url: "http://b:8000/v1", model: "m", weight: 1 },
    ]);
    expect(() => parseBackends("ftp://x", "m")).toThrow(/LLM_BASE_URLS/);
    expect(() => parseBackends("http://x|m|-1", "m")).toThrow(/weight/);
  });

  test("URL fetch exemptions: off by default; hosts normalised like the URL parser does; bad entries fail by name", () => {
    expect(loadConfig({}).urlFetch).toEqual({ allowPrivate: false, allowedHosts: [] });
    const c = loadConfig({ URL_FETCH_ALLOW_PRIVATE: "true", URL_FETCH_ALLOWED_HOSTS: " Wiki.Corp. , *.intra.example,127.0.0.1,[FD00::5],0x7f.1" });
    expect(c.urlFetch).toEqual({ allowPrivate: true, allowedHosts: ["wiki.corp", "*.intra.example", "127.0.0.1", "fd00::5", "127.0.0.1"] });
    for (const bad of ["http://wiki.corp", "wiki.corp:8080", "wiki.corp/path", "user@wiki.corp", "*", "a*.b"]) {
      expect(() => loadConfig({ URL_FETCH_ALLOWED_HOSTS: bad })).toThrow(/URL_FETCH_ALLOWED_HOSTS/);
    }
    expect(() => loadConfig({ URL_FETCH_ALLOW_PRIVATE: "maybe" })).toThrow(/URL_FETCH_ALLOW_PRIVATE/);
  });

  test("webhook sender settings: defaults, overrides, and out-of-range values fail by name", () => {
    expect(loadConfig({}).webhooks).toEqual({ timeoutMs: 10_000, maxAttempts: 16, backoffBaseMs: 2000, backoffMaxMs: 3_600_000, pollMs: 1000 });
    expect(loadConfig({ WEBHOOK_MAX_ATTEMPTS: "3", WEBHOOK_POLL_MS: "50" }).webhooks).toMatchObject({ maxAttempts: 3, pollMs: 50 });
    for (const [name, bad] of [["WEBHOOK_MAX_ATTEMPTS", "0"], ["WEBHOOK_TIMEOUT_MS", "10"], ["WEBHOOK_POLL_MS", "x"], ["WEBHOOK_BACKOFF_BASE_MS", "-1"]] as const) {
      expect(() => loadConfig({ [name]: bad })).toThrow(new RegExp(name));
    }
  });

  test("GraphRAG: off by default; hops bounded; domain terms parsed by name=type, bad ones fail by name", () => {
    expect(loadConfig({}).graph).toEqual({ enabled: false, hops: 2, domainTerms: {} });
    const c = loadConfig({ GRAPH_ENABLED: "true", GRAPH_HOPS: "3", GRAPH_DOMAIN_TERMS: "Voltmart Protect=plan, RMA ,Care=Plan_Type" });
    expect(c.graph).toEqual({ enabled: true, hops: 3, domainTerms: { "Voltmart Protect": "plan", RMA: "term", Care: "plan_type" } });
    expect(() => loadConfig({ GRAPH_HOPS: "9" })).toThrow(/GRAPH_HOPS/);
    expect(() => loadConfig({ GRAPH_DOMAIN_TERMS: "x=bad type!" })).toThrow(/GRAPH_DOMAIN_TERMS/);
    expect(() => loadConfig({ GRAPH_ENABLED: "sometimes" })).toThrow(/GRAPH_ENABLED/);
    expect(() => loadConfig({ NEO4J_URL: "http://db:7474" })).toThrow(/NEO4J_URL/);
  });
});
