/**
 * Every environment variable the product reads, parsed once, typed, defaulted and validated.
 * Nothing else in the code base reads process.env. README.md "Configuration" documents each variable.
 */
import { HEADING_FULL_SCAN_MAX } from "./stores/heading-index";
import { resolve, join } from "node:path";

export interface LlmBackendConfig {
  url: string;
  model: string;
  weight: number;
}

/** Inference gateway limits from the environment; unset ones keep the gateway's defaults. */
export interface LlmLimitsConfig {
  maxInFlightPerBackend?: number;
  maxQueue?: number;
  queueTimeoutMs?: number;
  ttftTimeoutMs?: number;
  totalTimeoutMs?: number;
  failureThreshold?: number;
  cooldownMs?: number;
  healthIntervalMs?: number;
}

/**
 * Object-storage options LanceDB passes to its store when LANCEDB_URI is `s3://...` (LANCEDB_S3_*). Unset ones are
 * left to the store's own defaults (the AWS credential chain, the bucket's region).
 */
export interface LanceStorageConfig {
  /** An S3-compatible server (MinIO, Ceph, moto): `http(s)://host:port`. */
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Plain-HTTP endpoints are refused unless this is set (default: true when the endpoint is `http://`). */
  allowHttp: boolean;
}

/** TRUST_PROXY: how the client address is found behind reverse proxies (api/plugins/client-ip.ts). */
export type TrustProxy = false | true | number;

/** Limits per window of `windowMs`; 0 switches that key off (api/plugins/rate-limit.ts). */
export interface RateLimitConfig {
  perIp: number;
  perToken: number;
  perTenant: number;
  windowMs: number;
  /** Requests from a loopback address (the local demo, tests, benches) are not limited. */
  exemptLoopback: boolean;
}

export interface SecurityConfig {
  /** Exact origins allowed cross-origin (`scheme://host[:port]`), or ["*"]; empty: no cross-origin access. */
  corsOrigins: string[];
  trustProxy: TrustProxy;
  /** Strict-Transport-Security max-age in seconds; 0: not sent (set it only behind TLS). */
  hstsMaxAge: number;
  /** /swagger and /swagger/json are served (default: on, except with NODE_ENV=production). */
  swaggerEnabled: boolean;
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  rateLimit: RateLimitConfig;
}

export interface Config {
  host: string;
  /** NODE_ENV as given ("development" when unset); `production` is its one value the product acts on. */
  nodeEnv: string;
  production: boolean;
  security: SecurityConfig;
  port: number;
  logLevel: "debug" | "info" | "warn" | "error";
  dataDir: string;
  /** postgres://... when set; otherwise PGlite in DATA_DIR/pg. */
  databaseUrl?: string;
  redisUrl?: string;
  lancedbUri: string;
  lancedbStorage: LanceStorageConfig;
  neo4j?: { url: string; user: string; password: string };
  /**
   * GraphRAG (graph/): enabled puts the graph index in the ingestion list and the graph channel in retrieval.
   * The store is Neo4j when NEO4J_URL is set, else the relational tables. Extraction is deterministic (graph/).
   */
  graph: { enabled: boolean; hops: number; domainTerms: Record<string, string> };
  /**
   * fallback: what answers when the inference gateway cannot serve (no backend up, every breaker open, no first
   * token in time): "extractive" (default) or "off" (the request fails with 503).
   */
  llm: { backends: LlmBackendConfig[]; apiKey?: string; limits: LlmLimitsConfig; fallback: "extractive" | "off" };
  embeddings: { baseUrl?: string; model: string; apiKey?: string; cacheDir: string };
  defaultTenant: string;
  sampleKb: boolean;
  auth: {
    /** HS256 key of access tokens and widget sessions; unset: generated once and kept in the database (shared by replicas). */
    jwtSecret?: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    widgetTtlSeconds: number;
    /** The first admin of the default tenant, created at first start (a generated password is printed once). */
    adminUsername: string;
    adminPassword?: string;
  };
  /** Exemptions from the public-addresses-only rule of URL ingestion and crawling (ingest/fetch/address-policy.ts). */
  urlFetch: { allowPrivate: boolean; allowedHosts: string[] };
  /** Site crawls: the least pause between two requests to one site (a longer robots.txt Crawl-delay wins), and how many crawls of one tenant run at once in a replica. */
  crawl: { delayMs: number; maxRunning: number };
  /**
   * Outbound webhooks: one attempt's time limit, attempts before a delivery is given up, the exponential backoff
   * between attempts (base * 2^(attempt-1), capped, with full jitter) and how often the sender looks for due ones.
   */
  webhooks: { timeoutMs: number; maxAttempts: number; backoffBaseMs: number; backoffMaxMs: number; pollMs: number };
  limits: { maxUploadBytes: number; maxQueryChars: number; maxDocumentChars: number; ingestTimeoutMs: number; maxMessageChars: number; urlFetchTimeoutMs: number; shutdownTimeoutMs: number };
  streaming: {
    /** SSE heartbeat comment / WebSocket ping interval. */
    heartbeatMs: number;
    /** How long a stream's events stay in the resume buffer after its last event. */
    bufferTtlSeconds: number;
    /** After the last client of a stream went away, how long to wait for a resume before stopping the work. */
    abortGraceMs: number;
    /** Lease on a conversation while one of its answers runs (renewed every third of it). */
    leaseMs: number;
    /** Pause between the extractive generator's deltas (0: as fast as possible). */
    extractiveDelayMs: number;
  };
  chunking: { size: number; overlap: number };
  retrieval: {
    keywordIndex: "bm25" | "minisearch";
    rrfK: number;
    fusion: "rrf" | "weighted";
    weights: Record<string, number>;
    defaultK: number;
    maxK: number;
    /** Vector tables up to this many rows are searched exactly in memory (LanceDB stays the store); 0: never. */
    vectorMemoryMaxRows: number;
    /** Hydrated chunks are kept in memory; a document's active version is re-read after this long (0: no cache). */
    chunkCacheTtlMs: number;
    chunkCacheMax: number;
    /** The neural sentence encoder (USE lite) for the heading channel and answer sentences; "off": GloVe/SIF only. */
    sentenceEncoder: "use" | "off";
    /** Up to this many headings the heading channel scans them all; above, it reranks the other channels' candidates. */
    headingFullScanMax: number;
  };
  routing: {
    /** Classify every message into the tenant's intents and route by them (INTENT_ROUTING); off: answer or order tool only. */
    intents: boolean;
    /** Least cosine to the winning intent's nearest example (else out of scope). */
    minSimilarity: number;
    /** Least calibrated confidence of the winning intent (else out of scope). */
    minConfidence: number;
  };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

const PROJECT_ROOT = resolve(import.meta.dir, "..");

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v.trim() === "" ? fallback : v.trim();
}

function opt(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = opt(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

/** A secret that must be at least `minLength` characters when set. */
/** A number between 0 and 1. */
function fraction(env: Env, name: string, fallback: number): number {
  const raw = opt(env, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new ConfigError(`${name} must be a number between 0 and 1, got "${raw}"`);
  return v;
}

function secret(env: Env, name: string, minLength: number): string | undefined {
  const v = opt(env, name);
  if (v !== undefined && v.length < minLength) throw new ConfigError(`${name} must be at least ${minLength} characters`);
  return v;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = opt(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got '${raw}'`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = opt(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, got '${raw}'`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = opt(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: '${raw}'`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(" or ")}, got '${parsed.protocol}'`);
  }
  return raw;
}

/** CORS_ORIGINS: comma-separated exact origins (`https://shop.example.com,http://localhost:5173`), or `*` alone. */
export function parseOrigins(raw: string | undefined): string[] {
  if (!raw) return [];
  const entries = raw.split(",").map((s) => s.trim()).filter(Boolean);
  if (entries.includes("*")) {
    if (entries.length > 1) throw new ConfigError(`CORS_ORIGINS: '*' allows every origin and cannot be combined with others, got '${raw}'`);
    return ["*"];
  }
  return entries.map((entry) => {
    let origin: string;
    try {
      const u = new URL(entry);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("protocol");
      origin = u.origin;
    } catch {
      throw new ConfigError(`CORS_ORIGINS entries are origins like https://shop.example.com, got '${entry}'`);
    }
    // An origin is scheme, host and port only: a path, query, credentials or trailing slash would never match.
    if (origin !== entry.toLowerCase() && origin !== entry) {
      throw new ConfigError(`CORS_ORIGINS entries are exact origins (scheme://host[:port], no path or trailing slash), got '${entry}'; did you mean '${origin}'?`);
    }
    return origin;
  });
}

/** TRUST_PROXY: false (default) | true (every hop: the leftmost X-Forwarded-For address) | the number of proxies in front. */
function trustProxy(env: Env): TrustProxy {
  const raw = opt(env, "TRUST_PROXY")?.toLowerCase();
  if (raw === undefined || ["false", "no", "off"].includes(raw)) return false;
  if (["true", "yes", "on"].includes(raw)) return true;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 32) {
    throw new ConfigError(`TRUST_PROXY must be true, false or the number of proxy hops in front of the API (0 to 32), got '${raw}'`);
  }
  return n === 0 ? false : n;
}

/** The non-empty trimmed entries of a comma-separated variable. */
const commaList = (raw: string | undefined): string[] => (raw ? raw.split(",").map((s) => s.trim()).filter(Boolean) : []);

/** LLM_BASE_URLS: comma-separated `url[|model[|weight]]`, e.g. `http://gpu1:8000/v1|qwen2.5-7b|2,http://gpu2:8000/v1`. */
export function parseBackends(raw: string | undefined, defaultModel: string): LlmBackendConfig[] {
  return commaList(raw).map((entry) => {
      const [u = "", model, weight] = entry.split("|").map((p) => p.trim());
      try {
        const p = new URL(u);
        if (p.protocol !== "http:" && p.protocol !== "https:") throw new Error("protocol");
      } catch {
        throw new ConfigError(`LLM_BASE_URLS has an invalid URL: '${u}' (expected http(s)://host:port/v1)`);
      }
      const w = weight === undefined || weight === "" ? 1 : Number(weight);
      if (!Number.isFinite(w) || w <= 0) throw new ConfigError(`LLM_BASE_URLS weight must be a positive number, got '${weight}'`);
      return { url: u.replace(/\/+$/, ""), model: model || defaultModel, weight: w };
    });
}

/**
 * URL_FETCH_ALLOWED_HOSTS: comma-separated host names or IP literals (`wiki.corp`, `*.corp.example`, `10.0.0.5`,
 * `[fd00::5]`), normalised as the URL parser does a host (lower case, no brackets, no trailing dot).
 */
export function parseAllowedHosts(raw: string | undefined): string[] {
  return commaList(raw).map((entry) => {
      const wildcard = entry.startsWith("*.");
      const rest = wildcard ? entry.slice(2) : entry;
      let parsed: URL | undefined;
      try {
        parsed = new URL(`http://${rest}/`);
      } catch {
        /* refused below */
      }
      if (!parsed || /[/?#@*]/.test(rest) || parsed.port !== "" || parsed.hostname === "") {
        throw new ConfigError(`URL_FETCH_ALLOWED_HOSTS entries are host names like wiki.corp or *.corp.example (no scheme, port or path), got '${entry}'`);
      }
      const host = parsed.hostname.toLowerCase().replace(/\.$/, "").replace(/^\[(.*)\]$/, "$1");
      return wildcard ? `*.${host}` : host;
    });
}

/** RETRIEVAL_WEIGHTS: `vector=1,keyword=0.8` */
function parseWeights(raw: string | undefined): Record<string, number> {
  // heading 0.5: chosen on the tuning halves (StackFAQ even threads, sample-KB even questions; bench/faq-retrieval.ts,
  // bench/sample-kb-retrieval.ts), reported on the other halves in BENCHMARKS.md.
  const out: Record<string, number> = { vector: 0.5, keyword: 1, heading: 0.5, graph: 1 };
  if (!raw) return out;
  for (const part of raw.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = part.split("=").map((s) => s.trim());
    const n = Number(v);
    if (!k || !Number.isFinite(n) || n < 0) throw new ConfigError(`RETRIEVAL_WEIGHTS entries look like vector=1, got '${part}'`);
    out[k] = n;
  }
  return out;
}

/** GRAPH_DOMAIN_TERMS: `Voltmart Protect=plan,RMA=term`: names the graph extractor always recognises, with their type. */
export function parseDomainTerms(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of commaList(raw)) {
    const i = part.lastIndexOf("=");
    const name = (i > 0 ? part.slice(0, i) : part).trim();
    const type = (i > 0 ? part.slice(i + 1) : "term").trim().toLowerCase();
    if (!name || !/^[a-z_]{1,40}$/.test(type)) throw new ConfigError(`GRAPH_DOMAIN_TERMS entries look like 'Voltmart Protect=plan' (type: letters and _), got '${part}'`);
    out[name] = type;
  }
  return out;
}

function lanceStorage(env: Env, uri: string): LanceStorageConfig {
  const endpoint = url(env, "LANCEDB_S3_ENDPOINT", ["http:", "https:"]);
  const out: LanceStorageConfig = {
    endpoint,
    region: opt(env, "LANCEDB_S3_REGION"),
    accessKeyId: opt(env, "LANCEDB_S3_ACCESS_KEY_ID"),
    secretAccessKey: opt(env, "LANCEDB_S3_SECRET_ACCESS_KEY"),
    sessionToken: opt(env, "LANCEDB_S3_SESSION_TOKEN"),
    allowHttp: bool(env, "LANCEDB_S3_ALLOW_HTTP", endpoint?.startsWith("http:") ?? false),
  };
  const given = Object.entries({
    LANCEDB_S3_ENDPOINT: out.endpoint,
    LANCEDB_S3_REGION: out.region,
    LANCEDB_S3_ACCESS_KEY_ID: out.accessKeyId,
    LANCEDB_S3_SECRET_ACCESS_KEY: out.secretAccessKey,
    LANCEDB_S3_SESSION_TOKEN: out.sessionToken,
  }).filter(([, v]) => v !== undefined);
  if (given.length && !uri.startsWith("s3://"))
    throw new ConfigError(`${given[0]![0]} applies to LANCEDB_URI=s3://bucket/prefix only, but LANCEDB_URI is '${uri}'`);
  if ((out.accessKeyId === undefined) !== (out.secretAccessKey === undefined))
    throw new ConfigError("LANCEDB_S3_ACCESS_KEY_ID and LANCEDB_S3_SECRET_ACCESS_KEY are set together or not at all");
  if (out.sessionToken !== undefined && out.accessKeyId === undefined)
    throw new ConfigError("LANCEDB_S3_SESSION_TOKEN needs LANCEDB_S3_ACCESS_KEY_ID and LANCEDB_S3_SECRET_ACCESS_KEY");
  if (out.endpoint?.startsWith("http:") && !out.allowHttp)
    throw new ConfigError(`LANCEDB_S3_ENDPOINT is plain http ('${out.endpoint}') but LANCEDB_S3_ALLOW_HTTP is false`);
  return out;
}

function llmLimits(env: Env): LlmLimitsConfig {
  const out: LlmLimitsConfig = {};
  const set = (key: keyof LlmLimitsConfig, name: string, min: number, max: number) => {
    if (opt(env, name) !== undefined) out[key] = int(env, name, 0, min, max);
  };
  set("maxInFlightPerBackend", "LLM_MAX_IN_FLIGHT_PER_BACKEND", 1, 100_000);
  set("maxQueue", "LLM_MAX_QUEUE", 0, 1_000_000);
  set("queueTimeoutMs", "LLM_QUEUE_TIMEOUT_MS", 0, 600_000);
  set("ttftTimeoutMs", "LLM_TTFT_TIMEOUT_MS", 100, 600_000);
  set("totalTimeoutMs", "LLM_TOTAL_TIMEOUT_MS", 100, 3_600_000);
  set("failureThreshold", "LLM_BREAKER_FAILURES", 1, 1000);
  set("cooldownMs", "LLM_BREAKER_COOLDOWN_MS", 100, 3_600_000);
  set("healthIntervalMs", "LLM_HEALTH_INTERVAL_MS", 0, 3_600_000);
  return out;
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolve(str(env, "DATA_DIR", join(PROJECT_ROOT, "data")));
  const neo4jUrl = url(env, "NEO4J_URL", ["bolt:", "neo4j:", "bolt+s:", "neo4j+s:"]);
  const nodeEnv = str(env, "NODE_ENV", "development");
  const production = nodeEnv === "production";
  return {
    // Loopback by default: the quick start is a local demo. Containers set HOST=0.0.0.0 (api/Dockerfile, docker-compose.yml).
    host: str(env, "HOST", "127.0.0.1"),
    nodeEnv,
    production,
    security: {
      corsOrigins: parseOrigins(opt(env, "CORS_ORIGINS")),
      trustProxy: trustProxy(env),
      hstsMaxAge: int(env, "HSTS_MAX_AGE", 0, 0, 63_072_000),
      swaggerEnabled: bool(env, "SWAGGER_ENABLED", !production),
      metricsToken: opt(env, "METRICS_TOKEN"),
      rateLimit: {
        perIp: int(env, "RATE_LIMIT_PER_IP", 600, 0, 10_000_000),
        perToken: int(env, "RATE_LIMIT_PER_TOKEN", 1200, 0, 10_000_000),
        perTenant: int(env, "RATE_LIMIT_PER_TENANT", 0, 0, 100_000_000),
        windowMs: int(env, "RATE_LIMIT_WINDOW_MS", 60_000, 10, 86_400_000),
        exemptLoopback: bool(env, "RATE_LIMIT_EXEMPT_LOOPBACK", true),
      },
    },
    port: int(env, "PORT", 3000, 0, 65535),
    logLevel: oneOf(env, "LOG_LEVEL", ["debug", "info", "warn", "error"] as const, "info"),
    dataDir,
    databaseUrl: url(env, "DATABASE_URL", ["postgres:", "postgresql:"]),
    redisUrl: url(env, "REDIS_URL", ["redis:", "rediss:"]),
    lancedbUri: str(env, "LANCEDB_URI", join(dataDir, "lance")),
    lancedbStorage: lanceStorage(env, str(env, "LANCEDB_URI", join(dataDir, "lance"))),
    neo4j: neo4jUrl
      ? { url: neo4jUrl, user: str(env, "NEO4J_USER", "neo4j"), password: str(env, "NEO4J_PASSWORD", "neo4j") }
      : undefined,
    graph: {
      enabled: bool(env, "GRAPH_ENABLED", false),
      hops: int(env, "GRAPH_HOPS", 2, 1, 4),
      domainTerms: parseDomainTerms(opt(env, "GRAPH_DOMAIN_TERMS")),
    },
    llm: {
      backends: parseBackends(opt(env, "LLM_BASE_URLS"), str(env, "LLM_MODEL", "default")),
      apiKey: opt(env, "LLM_API_KEY"),
      limits: llmLimits(env),
      fallback: oneOf(env, "LLM_FALLBACK", ["extractive", "off"] as const, "extractive"),
    },
    embeddings: {
      baseUrl: url(env, "EMBEDDINGS_BASE_URL", ["http:", "https:"]),
      model: str(env, "EMBEDDINGS_MODEL", "text-embedding"),
      apiKey: opt(env, "EMBEDDINGS_API_KEY"),
      cacheDir: resolve(str(env, "EMBEDDINGS_CACHE_DIR", join(PROJECT_ROOT, ".cache", "embeddings"))),
    },
    defaultTenant: str(env, "DEFAULT_TENANT", "default"),
    sampleKb: bool(env, "SAMPLE_KB", true),
    auth: {
      jwtSecret: secret(env, "JWT_SECRET", 32),
      accessTtlSeconds: int(env, "ACCESS_TOKEN_TTL_SECONDS", 900, 10, 86_400),
      refreshTtlSeconds: int(env, "REFRESH_TOKEN_TTL_SECONDS", 30 * 86_400, 60, 365 * 86_400),
      widgetTtlSeconds: int(env, "WIDGET_SESSION_TTL_SECONDS", 7200, 60, 7 * 86_400),
      adminUsername: str(env, "ADMIN_USERNAME", "admin"),
      adminPassword: secret(env, "ADMIN_PASSWORD", 12),
    },
    urlFetch: {
      allowPrivate: bool(env, "URL_FETCH_ALLOW_PRIVATE", false),
      allowedHosts: parseAllowedHosts(opt(env, "URL_FETCH_ALLOWED_HOSTS")),
    },
    webhooks: {
      timeoutMs: int(env, "WEBHOOK_TIMEOUT_MS", 10_000, 50, 120_000),
      maxAttempts: int(env, "WEBHOOK_MAX_ATTEMPTS", 16, 1, 100),
      backoffBaseMs: int(env, "WEBHOOK_BACKOFF_BASE_MS", 2000, 1, 3_600_000),
      backoffMaxMs: int(env, "WEBHOOK_BACKOFF_MAX_MS", 3_600_000, 1, 86_400_000),
      pollMs: int(env, "WEBHOOK_POLL_MS", 1000, 10, 600_000),
    },
    crawl: {
      delayMs: int(env, "CRAWL_DELAY_MS", 500, 0, 60_000),
      maxRunning: int(env, "CRAWL_MAX_RUNNING", 2, 1, 100),
    },
    limits: {
      maxUploadBytes: int(env, "MAX_UPLOAD_MB", 50, 1, 2048) * 1024 * 1024,
      maxQueryChars: int(env, "MAX_QUERY_CHARS", 1000, 16, 100_000),
      maxDocumentChars: int(env, "MAX_DOCUMENT_CHARS", 20_000_000, 1000, 1_000_000_000),
      ingestTimeoutMs: int(env, "INGEST_TIMEOUT_MS", 120_000, 1000, 3_600_000),
      maxMessageChars: int(env, "MAX_MESSAGE_CHARS", 4000, 16, 1_000_000),
      urlFetchTimeoutMs: int(env, "URL_FETCH_TIMEOUT_MS", 15_000, 50, 600_000),
      shutdownTimeoutMs: int(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000),
    },
    streaming: {
      heartbeatMs: int(env, "SSE_HEARTBEAT_MS", 15_000, 10, 3_600_000),
      bufferTtlSeconds: int(env, "STREAM_BUFFER_TTL_SECONDS", 900, 1, 86_400),
      abortGraceMs: int(env, "STREAM_ABORT_GRACE_MS", 5000, 0, 600_000),
      leaseMs: int(env, "ANSWER_LEASE_SECONDS", 30, 1, 3600) * 1000,
      extractiveDelayMs: int(env, "EXTRACTIVE_DELTA_DELAY_MS", 0, 0, 10_000),
    },
    chunking: {
      size: int(env, "CHUNK_SIZE", 1000, 200, 20_000),
      overlap: int(env, "CHUNK_OVERLAP", 150, 0, 5000),
    },
    retrieval: {
      keywordIndex: oneOf(env, "KEYWORD_INDEX", ["bm25", "minisearch"] as const, "bm25"),
      rrfK: int(env, "RETRIEVAL_RRF_K", 60, 1, 10_000),
      fusion: oneOf(env, "RETRIEVAL_FUSION", ["rrf", "weighted"] as const, "weighted"),
      weights: parseWeights(opt(env, "RETRIEVAL_WEIGHTS")),
      defaultK: int(env, "RETRIEVAL_K", 8, 1, 100),
      maxK: 100,
      vectorMemoryMaxRows: int(env, "VECTOR_MEMORY_MAX_ROWS", 20_000, 0, 10_000_000),
      chunkCacheTtlMs: int(env, "CHUNK_CACHE_TTL_MS", 1000, 0, 3_600_000),
      chunkCacheMax: int(env, "CHUNK_CACHE_MAX", 20_000, 1, 10_000_000),
      sentenceEncoder: oneOf(env, "SENTENCE_ENCODER", ["use", "off"] as const, "use"),
      headingFullScanMax: int(env, "HEADING_FULL_SCAN_MAX", HEADING_FULL_SCAN_MAX, 0, 10_000_000),
    },
    routing: {
      intents: bool(env, "INTENT_ROUTING", true),
      minSimilarity: fraction(env, "INTENT_MIN_SIMILARITY", 0.5),
      minConfidence: fraction(env, "INTENT_MIN_CONFIDENCE", 0.3),
    },
  };
}

let cached: Config | undefined;
/** The process-wide config, parsed on first use. Fails fast with a ConfigError that names the variable. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
