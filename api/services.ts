/**
 * The composition root: builds every service the API needs from the config. Adapters are chosen here and
 * nowhere else, so later issues (cache, guardrails, graph, inference gateway) plug in by adding to this file.
 */
import { Registry } from "prom-client";
import type { Config } from "../core/config";
import { createLogger } from "../core/logger";
import type { IndexFilter } from "../core/ports/filters";
import { GloveStore } from "../core/embeddings/glove-store";
import { keywordChannel, vectorChannel } from "../core/stores/channels";
import { IndexSync } from "../core/stores/index-sync";
import { openStores, type OpenStoresOptions, type Stores } from "../core/stores/open-stores";
import { JobRunner } from "../ingest/job-runner";
import { closePdfWorkers } from "../ingest/loaders";
import { IngestionPipeline } from "../ingest/pipeline";
import { sampleKbRequests } from "../ingest/sample-kb";
import { HybridRetriever } from "./pipeline/hybrid-retriever";
import { ConversationRepository } from "../core/db/conversation-repository";
import { MemoryCache, type CacheAdapter } from "../core/stores/memory-cache";
import { RedisCache } from "../core/stores/redis-cache";
import type { AnswerGenerator } from "./pipeline/answer-generator";
import { createAnswerPipeline } from "./pipeline/default-pipeline";
import type { AnswerPipeline } from "./pipeline/runner";
import { createGenerator } from "./pipeline/create-generator";
import { systemPromptStore } from "./modules/admin-prompt/service";
import type { InferenceLimits } from "../inference/client/client-options";
import { AnswerStreams } from "./streaming/answer-streams";
import { StreamBuffer } from "./streaming/stream-buffer";

export type ComponentState = "ok" | "degraded" | "down" | "disabled";

export interface Health {
  status: "ok" | "degraded" | "down";
  components: Record<string, { state: ComponentState; detail?: string; [k: string]: unknown }>;
}

export interface Services {
  config: Config;
  /** Prometheus registry every component registers its metrics in (served at /metrics). */
  metrics: Registry;
  stores: Stores;
  pipeline: IngestionPipeline;
  jobs: JobRunner;
  retriever: HybridRetriever;
  /** Key/value, lists and pub/sub shared by replicas: Redis when REDIS_URL is set, else in-process. */
  cache: CacheAdapter;
  generator: AnswerGenerator;
  conversations: ConversationRepository;
  /** understand -> retrieve -> rerank -> assemble -> generate -> persist */
  answerPipeline: AnswerPipeline;
  /** Resume buffers of answer streams (in the cache). */
  streamBuffer: StreamBuffer;
  /** Running answers: streaming, resume, cancel, abort when the client is gone. */
  answers: AnswerStreams;
  /** Applies other replicas' ingests to this replica's in-memory indexes (pub/sub over the cache). */
  indexSync: IndexSync;
  tenantFilter(tenantId?: string): IndexFilter;
  health(): Promise<Health>;
  close(): Promise<void>;
}

export interface ServicesOptions extends OpenStoresOptions {
  /** Overrides config.sampleKb (tests usually pass false). */
  sampleKb?: boolean;
  log?: (line: string) => void;
  /** Prefix of every Redis key and channel (default "cs:"; tests use their own). */
  cacheKeyPrefix?: string;
  /** Inference gateway limits when LLM_BASE_URLS is set (tests, benchmarks); defaults in inference/client/client-options.ts. */
  llmLimits?: Partial<InferenceLimits>;
}

export async function createServices(config: Config, opts: ServicesOptions = {}): Promise<Services> {
  const logger = createLogger(config.logLevel);
  const log = opts.log ?? ((l: string) => logger.info(l));
  const stores = await openStores(config, opts);
  const metrics = new Registry();
  let indexSync: IndexSync | undefined;
  const pipeline = new IngestionPipeline({
    config,
    documents: stores.documents,
    embedder: stores.embedder,
    vectors: stores.vectors,
    keywords: stores.keywords,
    fitEmbedder: (texts) => stores.fitEmbedder(texts),
    onChange: (change) => indexSync?.publish(change),
  });
  const jobs = new JobRunner(pipeline, stores.jobs, { concurrency: 1, maxQueued: 1000 });
  const retriever = new HybridRetriever({
    channels: [vectorChannel(stores.embedder, stores.vectors), keywordChannel(stores.keywords)],
    documents: stores.documents,
    fusion: { method: config.retrieval.fusion, rrfK: config.retrieval.rrfK, weights: config.retrieval.weights },
  });

  let cache: CacheAdapter;
  try {
    cache = config.redisUrl ? await RedisCache.connect({ url: config.redisUrl, keyPrefix: opts.cacheKeyPrefix }) : new MemoryCache();
  } catch (e) {
    await stores.close();
    throw e;
  }
  // Other replicas' ingests reach this replica's keyword index, vector mirror and chunk cache.
  indexSync = await IndexSync.start({
    cache,
    documents: stores.documents,
    keywords: stores.keywords,
    vectors: stores.vectors,
    embedderId: () => stores.embedder().id,
    syncEmbedder: () => stores.syncEmbedder(),
    log,
    metrics,
  });
  const glove = (stores.embedder() as { store?: GloveStore }).store;
  const generator = createGenerator(config, {
    metrics,
    log,
    llmLimits: { ...config.llm.limits, ...opts.llmLimits },
    systemPrompt: (tenantId) => systemPromptStore(stores.kbState).current(tenantId),
    // The local embedder's word vectors let the extractive generator recognise paraphrases.
    wordSimilarity: glove instanceof GloveStore ? glove.wordSimilarity() : undefined,
  });
  const conversations = new ConversationRepository(stores.database.db);
  const answerPipeline = createAnswerPipeline({ config, retriever, generator, conversations, embedder: stores.embedder, metrics });
  const streamBuffer = new StreamBuffer(cache, { ttlSeconds: config.streaming.bufferTtlSeconds });
  const answers = new AnswerStreams({ pipeline: answerPipeline, buffer: streamBuffer, streaming: config.streaming, log });

  if (stores.database.kind === "pglite") await stores.jobs.failInterrupted();
  await stores.documents.sweepOrphans(new Date(Date.now() - 60 * 60 * 1000));

  const wantSample = opts.sampleKb ?? config.sampleKb;
  if (wantSample && (await stores.documents.list({ tenantId: config.defaultTenant, limit: 1, offset: 0 })).total === 0) {
    const reqs = sampleKbRequests(config.defaultTenant);
    log(`ingesting the sample knowledge base (${reqs.length} files)...`);
    const t = performance.now();
    const results = await pipeline.ingestMany(reqs);
    results.forEach((r, i) => {
      if (r instanceof Error) log(`  ${reqs[i]!.source}: FAILED ${r.message}`);
    });
    const ok = results.filter((r) => !(r instanceof Error));
    log(`sample knowledge base ready: ${ok.length}/${reqs.length} documents in ${Math.round(performance.now() - t)} ms`);
  }

  return {
    config,
    metrics,
    stores,
    pipeline,
    jobs,
    retriever,
    cache,
    generator,
    conversations,
    answerPipeline,
    streamBuffer,
    answers,
    indexSync,
    tenantFilter: (tenantId) => ({ tenantId: tenantId ?? config.defaultTenant }),
    health: () => checkHealth(config, stores, jobs, cache, generator),
    async close() {
      await answers.close();
      await generator.close?.();
      await indexSync?.stop();
      await cache.close();
      await jobs.drain();
      await closePdfWorkers();
      await stores.close();
    },
  };
}

async function checkHealth(config: Config, stores: Stores, jobs: JobRunner, cache: CacheAdapter, generator: AnswerGenerator): Promise<Health> {
  const components: Health["components"] = {};
  const timed = async (name: string, fn: () => Promise<Record<string, unknown>>, optional = false) => {
    const t = performance.now();
    try {
      const extra = await withTimeout(fn(), 2000);
      components[name] = { state: "ok", latencyMs: Math.round(performance.now() - t), ...extra };
    } catch (e) {
      components[name] = { state: optional ? "degraded" : "down", detail: (e as Error).message };
    }
  };
  await Promise.all([
    timed("database", async () => {
      await stores.database.ping();
      return { kind: stores.database.kind };
    }),
    timed("vectors", async () => {
      const v = stores.vectors();
      if (v.mismatch) throw v.mismatch;
      return { kind: "lancedb", rows: await v.count(), inMemoryMirror: v.mirrored };
    }),
    timed("keywords", async () => ({ kind: config.retrieval.keywordIndex, docs: await stores.keywords.count() })),
    timed("embedder", async () => ({ id: stores.embedder().id, dimension: stores.embedder().dimension })),
    timed("cache", async () => {
      await cache.ping();
      return { kind: cache.kind };
    }),
    // The generator reports its own state (LLM: each backend's health and breaker; down -> overall degraded).
    (async () => {
      components.generator = generator.health
        ? { id: generator.id, ...(await generator.health().catch((e: Error) => ({ state: "down" as const, detail: e.message }))) }
        : { state: "ok", id: generator.id };
    })(),
  ]);
  components.ingest = { state: "ok", ...jobs.depth };
  components.graph = { state: "disabled", detail: config.neo4j ? "Neo4j configured; graph retrieval not built yet" : "graph retrieval not built yet" };
  const states = Object.values(components).map((c) => c.state);
  const critical = ["database", "vectors", "keywords", "embedder"].some((n) => components[n]?.state === "down");
  return { status: critical ? "down" : states.includes("degraded") || states.includes("down") ? "degraded" : "ok", components };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
