/**
 * The composition root of the API: builds every service from the config. Stores come from openStores() as
 * ports (the adapters are named there); the generator from createGenerator(); the ingestion pipeline from
 * createIngestion(); the answer pipeline from its default stage list; health is a registry each component
 * registers in; start-up work is in startup.ts.
 */
import { Registry } from "prom-client";
import type { Config } from "../core/config";
import { createLogger } from "../core/logger";
import type { IndexFilter } from "../core/ports/filters";
import { headingChannel, keywordChannel, vectorChannel } from "../core/stores/channels";
import type { KeywordIndex } from "../core/ports/keyword-index";
import type { Embedder } from "../core/ports/embedder";
import { IndexSync } from "../core/stores/index-sync";
import { openStores, type OpenStoresOptions, type Stores } from "../core/stores/open-stores";
import { JobRunner } from "../ingest/job-runner";
import { closePdfWorkers } from "../ingest/loaders";
import { closeIngestWorkers } from "../ingest/prepare-off-thread";
import { closeEmbedWorkers } from "../core/embeddings/off-thread-embedder";
import { createIngestion } from "../ingest/create-ingestion";
import type { IngestionPipeline } from "../ingest/pipeline";
import { HealthRegistry, type Health } from "./modules/health/service";
import { HybridRetriever } from "./pipeline/hybrid-retriever";
import { cosine } from "./pipeline/mmr";
import { ConversationRepository } from "../core/db/conversation-repository";
import { MemoryCache, type CacheAdapter } from "../core/stores/memory-cache";
import { RedisCache } from "../core/stores/redis-cache";
import type { AnswerGenerator } from "./pipeline/answer-generator";
import { createAnswerPipeline } from "./pipeline/default-pipeline";
import type { AnswerPipeline } from "./pipeline/runner";
import { createFallbackGenerator, createGenerator } from "./pipeline/create-generator";
import { systemPromptStore } from "./modules/admin-prompt/service";
import type { InferenceLimits } from "../inference/client/client-options";
import { AnswerStreams } from "./streaming/answer-streams";
import { StreamBuffer } from "./streaming/stream-buffer";
import { runStartup } from "./startup";
import { AccountRepository } from "../core/db/account-repository";
import { AuditRepository } from "../core/db/audit-repository";
import { AuthService } from "./auth/auth-service";
import { createOrderLookup } from "./orders/order-lookup";
import { Guardrails } from "./guardrails/guardrails";
import { GuardConfigStore } from "./guardrails/guard-config-store";
import { LlmJudge } from "./guardrails/judge";
import { flagChunks } from "./guardrails/retrieval-rail";
import { LlmGenerator } from "./pipeline/llm-generator";
import { openGraph, type Graph } from "../graph/open-graph";
import { IntentRepository } from "../core/db/intent-repository";
import { IntentRouter } from "./routing/intent-router";
import { TicketRepository } from "../core/db/ticket-repository";
import { WebhookRepository } from "../core/db/webhook-repository";
import { TicketService } from "./modules/tickets/service";
import type { WebhookEmit } from "./webhooks/webhook-events";
import { createWebhookEmitter } from "./webhooks/webhook-emitter";
import { WebhookSender } from "./webhooks/webhook-sender";

export type { ComponentState, Health } from "./modules/health/service";

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
  /** Accounts, tokens, widget sessions; resolves every request's caller (api/plugins/auth.ts). */
  auth: AuthService;
  /** Logins, failed logins, admin, document, prompt and token changes, guardrail blocks, per tenant. */
  audit: AuditRepository;
  /** Input, retrieval and output rails (api/guardrails/) and their per-tenant configuration. */
  guardrails: Guardrails;
  guardConfigs: GuardConfigStore;
  /** Each tenant's intent set (the defaults until an admin edits it). */
  intentRepository: IntentRepository;
  /** The intent classifier (INTENT_ROUTING=true, the default); undefined when off. */
  intents?: IntentRouter;
  /** understand -> retrieve -> rerank -> assemble -> generate => cite => decide -> persist (default-pipeline.ts) */
  answerPipeline: AnswerPipeline;
  /** The ticket store and workflow (api/modules/tickets/service.ts); the answer pipeline's ticket route calls it too. */
  tickets: TicketService;
  /**
   * Outbound webhooks: `emit(tenantId, type, data)` stores one delivery per subscribed receiver and returns; the
   * sender posts them in the background (retries with backoff, survives restarts).
   */
  webhooks: { repo: WebhookRepository; emit: WebhookEmit; sender: WebhookSender };
  /** Resume buffers of answer streams (in the cache). */
  streamBuffer: StreamBuffer;
  /** Running answers: streaming, resume, cancel, abort when the client is gone. */
  answers: AnswerStreams;
  /** Applies other replicas' ingests to this replica's in-memory indexes (pub/sub over the cache). */
  indexSync: IndexSync;
  /** GraphRAG (GRAPH_ENABLED): the graph store, its chunk index in the ingestion list, the graph channel. */
  graph?: Graph;
  tenantFilter(tenantId?: string): IndexFilter;
  /** Every component's health; register more with healthRegistry.register(). */
  healthRegistry: HealthRegistry;
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
  let graph: Graph | undefined;
  try {
    // The graph's chunk index joins the ingestion list before the pipeline is built from it.
    if (config.graph.enabled) graph = await openGraph(stores, { log });
  } catch (e) {
    await stores.close();
    throw e;
  }
  const metrics = new Registry();
  let indexSync: IndexSync | undefined;
  const guardConfigs = new GuardConfigStore(stores.kbState);
  // Ingestion flags chunks that carry instructions aimed at the model (the document's metadata.guardrails).
  const inspectChunks = async (tenantId: string, chunks: readonly { ordinal: number; text: string }[]) => {
    const cfg = await guardConfigs.current(tenantId);
    return cfg.retrieval.enabled ? { ...flagChunks(chunks, cfg.retrieval.blockScore) } : {};
  };
  const pipeline = createIngestion(stores, { onChange: (change) => indexSync?.publish(change), inspectChunks });
  const jobs = new JobRunner(pipeline, stores.jobs, { concurrency: 1, maxQueued: 1000 });
  const retriever = new HybridRetriever({
    channels: [
      vectorChannel(() => stores.embedder.current(), stores.vectors),
      keywordChannel(stores.keywords),
      ...(stores.headings ? [headingChannel(stores.headings)] : []),
      ...(graph ? [graph.channel] : []),
    ],
    chunks: stores.chunks,
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
    chunks: stores.chunks,
    // The keyword and heading indexes both take the chunk rows another replica's ingest wrote.
    keywords: stores.headings ? fanOut(stores.keywords, stores.headings) : stores.keywords,
    vectors: stores.vectors,
    embedderId: () => stores.embedder.current().id,
    syncEmbedder: () => stores.embedder.sync(),
    log,
    metrics,
  });
  const generatorDeps = {
    metrics,
    log,
    llmLimits: { ...config.llm.limits, ...opts.llmLimits },
    systemPrompt: (tenantId: string) => systemPromptStore(stores.kbState).current(tenantId),
    // The local embedder's word vectors let the extractive generator recognise paraphrases.
    wordSimilarity: stores.embedder.wordSimilarity(),
    // The neural sentence encoder picks the sentences that answer the question (cached per sentence text).
    sentenceSimilarity: stores.encoder ? sentenceSimilarityOf(stores.encoder) : undefined,
  };
  const generator = createGenerator(config, generatorDeps);
  const fallbackGenerator = createFallbackGenerator(config, generatorDeps);
  const conversations = new ConversationRepository(stores.database.db);
  const audit = new AuditRepository(stores.database.db);
  const auth = await AuthService.open({ config, accounts: new AccountRepository(stores.database.db), audit, kbState: stores.kbState, cache, log });
  await auth.bootstrap();
  const intentRepository = new IntentRepository(stores.database.db);
  const encoder = stores.encoder;
  const intents = config.routing.intents
    ? new IntentRouter({ repository: intentRepository, encoder: () => encoder ?? stores.embedder.current(), minSimilarity: config.routing.minSimilarity, minConfidence: config.routing.minConfidence })
    : undefined;
  const orders = createOrderLookup(stores);
  const webhookRepo = new WebhookRepository(stores.database.db);
  const webhookSender = new WebhookSender({ repo: webhookRepo, policy: config.urlFetch, ...config.webhooks, metrics, log });
  const webhooks = { repo: webhookRepo, sender: webhookSender, emit: createWebhookEmitter({ repo: webhookRepo, wake: () => webhookSender.wake(), log }) };
  const tickets = new TicketService({
    repo: new TicketRepository(stores.database.db),
    conversations,
    user: (tenantId, id) => auth.accounts.user(tenantId, id),
    audit,
    emit: webhooks.emit,
    ingest: async (req) => {
      const job = await jobs.submit(req);
      await jobs.wait(job.id);
      return (await stores.jobs.get(req.tenantId, job.id)) ?? job;
    },
    metrics,
  });
  const guardrails = new Guardrails({
    configs: guardConfigs,
    encoder: () => stores.encoder,
    judge: generator instanceof LlmGenerator ? new LlmJudge(generator.model) : undefined,
    metrics,
    audit: (r) =>
      audit.add({
        tenantId: r.tenantId,
        action: "guardrail.block",
        actorKind: "system",
        ...(r.target ? { target: r.target } : {}),
        // Rails, rules and scores only: never the text or the personal data it held.
        details: { stage: r.stage, violations: r.violations.slice(0, 20).map((v) => ({ rail: v.rail, rule: v.rule, score: v.score })) },
      }),
  });
  // The exemplar layer needs the encoder loaded: in the background, so start-up and first answers do not wait.
  void guardrails.warm().catch((e) => log(`guardrails: the exemplar layer could not load the encoder: ${(e as Error).message}`));
  const answerPipeline = createAnswerPipeline(
    { config, retriever, generator, fallbackGenerator, conversations, embedder: () => stores.embedder.current(), metrics, orders, intents, tickets, guardrails, log },
  );
  const streamBuffer = new StreamBuffer(cache, { ttlSeconds: config.streaming.bufferTtlSeconds });
  const answers = new AnswerStreams({ pipeline: answerPipeline, buffer: streamBuffer, streaming: config.streaming, log });

  let headingsReady = false;
  void stores.headingsReady.then(() => (headingsReady = true), () => {});
  const healthRegistry = new HealthRegistry()
    .register({ name: "database", critical: true, check: async () => (await stores.database.ping(), { kind: stores.database.kind }) })
    .register({
      name: "vectors",
      critical: true,
      async check() {
        const { problem, ...s } = await stores.vectors().status();
        if (problem) throw problem;
        return s;
      },
    })
    .register({ name: "keywords", critical: true, check: async () => ({ kind: config.retrieval.keywordIndex, docs: await stores.keywords.count() }) })
    .register({
      name: "encoder",
      critical: false,
      check: () => {
        if (!stores.encoder || !stores.headings) return { state: "disabled" };
        const { misses } = stores.headings;
        const s = { id: stores.encoder.id, headings: stores.headings.size.entries, ready: headingsReady, missedChunks: misses.chunks };
        // Chunks the encoder could not index: the heading channel misses them (the other channels have them).
        return misses.chunks ? { ...s, state: "degraded", detail: `the heading index misses ${misses.chunks} chunks: ${misses.lastError}` } : s;
      },
    })
    .register({ name: "embedder", critical: true, check: () => ({ id: stores.embedder.current().id, dimension: stores.embedder.current().dimension }) })
    .register({ name: "cache", critical: false, check: async () => (await cache.ping(), { kind: cache.kind }) })
    // The generator reports its own state (LLM: each backend's health and breaker; down -> overall degraded).
    .register({ name: "generator", critical: false, check: async () => ({ id: generator.id, ...(generator.health ? await generator.health() : { state: "ok" }) }) })
    .register({ name: "ingest", critical: false, check: () => ({ ...jobs.depth }) })
    .register({
      name: "graph",
      critical: false,
      async check() {
        if (!graph) return { state: "disabled", detail: "GRAPH_ENABLED is off" };
        // a round trip to the store (Neo4j or the relational tables)
        await graph.store.entities(config.defaultTenant, { limit: 1 });
        const s = { kind: graph.store.kind, communityRefreshFailures: graph.index.failures, extractionFailures: graph.index.extractionFailures };
        return graph.index.failures ? { ...s, state: "degraded", detail: `${graph.index.failures} community refreshes failed (see the log)` } : s;
      },
    });

  await runStartup(config, stores, pipeline, { sampleKb: opts.sampleKb ?? config.sampleKb, log });
  if (graph) {
    // The graph was just switched on over an existing knowledge base: index what is there (once).
    const n = await graph.backfill();
    if (n) log(`graph: indexed ${n} existing documents`);
  }
  // The start-up ingest (sample KB) writes headings in the background; the first answers should have them.
  await stores.headings?.idle();
  // Deliveries left pending by the last run (or another replica) are picked up now.
  webhookSender.start();

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
    auth,
    audit,
    guardrails,
    guardConfigs,
    intentRepository,
    ...(intents ? { intents } : {}),
    answerPipeline,
    tickets,
    webhooks,
    streamBuffer,
    answers,
    indexSync,
    graph,
    tenantFilter: (tenantId) => ({ tenantId: tenantId ?? config.defaultTenant }),
    healthRegistry,
    health: () => healthRegistry.check(),
    async close() {
      await webhookSender.stop();
      await answers.close();
      await generator.close?.();
      await indexSync?.stop();
      await cache.close();
      await jobs.stop();
      closeIngestWorkers();
      closeEmbedWorkers();
      closePdfWorkers();
      await graph?.close();
      await stores.close();
    },
  };
}

/** Both indexes receive the same rows (index sync). */
function fanOut(a: Pick<KeywordIndex, "add" | "remove">, b: Pick<KeywordIndex, "add" | "remove">): Pick<KeywordIndex, "add" | "remove"> {
  return {
    add: async (docs) => void (await Promise.all([a.add(docs), b.add(docs)])),
    remove: async (sel) => void (await Promise.all([a.remove(sel), b.remove(sel)])),
  };
}

/** Cosine of the question to each sentence on the encoder. */
export function sentenceSimilarityOf(encoder: Embedder): (question: string, sentences: string[]) => Promise<number[]> {
  return async (question, sentences) => {
    const [q, ...vs] = await encoder.embed([question, ...sentences]);
    return vs.map((v) => cosine(q!, v));
  };
}
