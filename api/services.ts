/**
 * The composition root: builds every service the API needs from the config. Adapters are chosen here and
 * nowhere else, so later issues (cache, guardrails, graph, inference gateway) plug in by adding to this file.
 */
import { Registry } from "prom-client";
import type { Config } from "../core/config";
import type { IndexFilter } from "../core/ports/filters";
import { keywordChannel, vectorChannel } from "../core/stores/channels";
import { openStores, type OpenStoresOptions, type Stores } from "../core/stores/open-stores";
import { JobRunner } from "../ingest/job-runner";
import { closePdfWorkers } from "../ingest/loaders";
import { IngestionPipeline } from "../ingest/pipeline";
import { sampleKbRequests } from "../ingest/sample-kb";
import { HybridRetriever } from "./pipeline/retrieve";

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
  tenantFilter(tenantId?: string): IndexFilter;
  health(): Promise<Health>;
  close(): Promise<void>;
}

export interface ServicesOptions extends OpenStoresOptions {
  /** Overrides config.sampleKb (tests usually pass false). */
  sampleKb?: boolean;
  log?: (line: string) => void;
}

export async function createServices(config: Config, opts: ServicesOptions = {}): Promise<Services> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const stores = await openStores(config, opts);
  const metrics = new Registry();
  const pipeline = new IngestionPipeline({
    config,
    documents: stores.documents,
    embedder: stores.embedder,
    vectors: stores.vectors,
    keywords: stores.keywords,
    fitEmbedder: (texts) => stores.fitEmbedder(texts),
  });
  const jobs = new JobRunner(pipeline, stores.jobs, { concurrency: 1, maxQueued: 1000 });
  const retriever = new HybridRetriever({
    channels: [vectorChannel(stores.embedder, stores.vectors), keywordChannel(stores.keywords)],
    documents: stores.documents,
    fusion: { method: config.retrieval.fusion, rrfK: config.retrieval.rrfK, weights: config.retrieval.weights },
  });

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
    tenantFilter: (tenantId) => ({ tenantId: tenantId ?? config.defaultTenant }),
    health: () => checkHealth(config, stores, jobs),
    async close() {
      await jobs.drain();
      await closePdfWorkers();
      await stores.close();
    },
  };
}

async function checkHealth(config: Config, stores: Stores, jobs: JobRunner): Promise<Health> {
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
      return { kind: "lancedb", rows: await v.count() };
    }),
    timed("keywords", async () => ({ kind: "minisearch", docs: await stores.keywords.count() })),
    timed("embedder", async () => ({ id: stores.embedder().id, dimension: stores.embedder().dimension })),
  ]);
  components.ingest = { state: "ok", ...jobs.depth };
  components.cache = { state: config.redisUrl ? "degraded" : "ok", kind: config.redisUrl ? "redis (not wired yet)" : "in-process" };
  components.generator = config.llm.backends.length
    ? { state: "degraded", detail: "LLM backends are configured but the inference gateway is not wired yet", backends: config.llm.backends.length }
    : { state: "ok", kind: "extractive" };
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
