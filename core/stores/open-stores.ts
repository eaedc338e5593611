/**
 * Opens every store the product needs from the config: relational (PGlite or PostgreSQL), embedder (local
 * GloVe/SIF or OpenAI-compatible), vectors (LanceDB, with an exact in-memory mirror while small) and keywords (BM25
 * or MiniSearch, rebuilt from the chunk table).
 * Shared by the API server, the ingest CLI and the benchmarks.
 */
import type { Config } from "../config";
import { createDatabase, type Database } from "../db/client";
import { DocumentRepository } from "../db/document-repository";
import { JobRepository } from "../db/job-repository";
import { KbStateRepository } from "../db/kb-state-repository";
import { createEmbedder } from "../embeddings/create-embedder";
import type { LocalEmbedderState } from "../embeddings/local-embedder";
import type { Embedder } from "../ports/embedder";
import type { KeywordDoc, KeywordIndex } from "../ports/keyword-index";
import type { IndexedChunkMeta } from "../ports/filters";
import type { ActiveChunk } from "../ports/store";
import { Bm25KeywordIndex } from "./bm25-keyword-index";
import { LanceVectorIndex } from "./lance-vector-index";
import { MiniSearchKeywordIndex } from "./minisearch-keyword-index";

/** kb_state rows that are not per tenant live under this key. */
export const SYSTEM_TENANT = "_system";
const EMBEDDER_STATE = "embedder";
/** Below this many chunks a corpus is too small to fit SIF weights and a principal component on. */
const MIN_FIT_TEXTS = 20;

interface Fittable extends Embedder {
  readonly fitted: boolean;
  fit(corpus: string[], signal?: AbortSignal): Promise<unknown>;
  state(): unknown;
}

const isFittable = (e: Embedder): e is Fittable => typeof (e as Partial<Fittable>).fit === "function";

export interface Stores {
  config: Config;
  database: Database;
  documents: DocumentRepository;
  jobs: JobRepository;
  kbState: KbStateRepository;
  keywords: KeywordIndex & { clear(): void };
  embedder(): Embedder;
  vectors(): LanceVectorIndex;
  /** Fits an unfitted local embedder on a first corpus; true when the embedder (and so the index) changed. */
  fitEmbedder(texts: string[]): Promise<boolean>;
  /**
   * Another replica fitted the local embedder (on the first corpus it ingested): load that fitted state and
   * reopen the vector index with it; true when something changed.
   */
  syncEmbedder(): Promise<boolean>;
  /** Re-reads every active chunk into the keyword index. */
  rebuildKeywordIndex(): Promise<number>;
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  /** Drop vectors and fitted embedder state first (re-index). */
  resetVectors?: boolean;
  /** Use an in-memory PGlite instead of DATA_DIR/pg (tests). */
  inMemoryDatabase?: boolean;
  /** Postgres schema for isolation (tests). */
  searchPath?: string;
  /** Skip rebuilding the keyword index at open. */
  skipKeywordRebuild?: boolean;
}

/** What every index row carries, for an active chunk. */
export function indexMetaOf(c: ActiveChunk): IndexedChunkMeta {
  return { id: c.id, tenantId: c.tenantId, documentId: c.documentId, version: c.version, docType: c.docType, source: c.source, tags: c.tags };
}

/** The keyword index's document for an active chunk. */
export function keywordDocOf(c: ActiveChunk): KeywordDoc {
  return { ...indexMetaOf(c), title: c.title, section: c.sectionPath.join(" > "), text: c.text };
}

export async function openStores(config: Config, opts: OpenStoresOptions = {}): Promise<Stores> {
  const database = await createDatabase({
    url: config.databaseUrl,
    dataDir: opts.inMemoryDatabase ? undefined : `${config.dataDir}/pg`,
    searchPath: opts.searchPath,
  });
  try {
    const { chunkCacheTtlMs, chunkCacheMax, vectorMemoryMaxRows } = config.retrieval;
    // An embedded database is locked to this process (core/db/dir-lock.ts): no other replica can change which
    // versions are active, so the cached view never needs re-checking.
    const ttlMs = database.kind === "pglite" && chunkCacheTtlMs > 0 ? Number.POSITIVE_INFINITY : chunkCacheTtlMs;
    const documents = new DocumentRepository(database.db, { ttlMs, maxChunks: chunkCacheMax });
    const jobs = new JobRepository(database.db);
    const kbState = new KbStateRepository(database.db);
    if (opts.resetVectors) await kbState.delete(SYSTEM_TENANT, EMBEDDER_STATE);
    const savedState = await kbState.get<LocalEmbedderState>(SYSTEM_TENANT, EMBEDDER_STATE);
    let embedder = await createEmbedder(config, savedState ?? undefined);
    /** The vector index bound to the current embedder (reset: drop what is stored). */
    const openVectors = (reset?: boolean) =>
      LanceVectorIndex.open({ uri: config.lancedbUri, embedderId: embedder.id, dimension: embedder.dimension, reset, memoryMaxRows: vectorMemoryMaxRows });
    let vectors = await openVectors(opts.resetVectors);
    const keywords = config.retrieval.keywordIndex === "minisearch" ? new MiniSearchKeywordIndex() : new Bm25KeywordIndex();
    let syncing: Promise<boolean> | undefined;

    const stores: Stores = {
      config,
      database,
      documents,
      jobs,
      kbState,
      keywords,
      embedder: () => embedder,
      vectors: () => vectors,
      async fitEmbedder(texts) {
        if (!isFittable(embedder) || embedder.fitted || texts.length < MIN_FIT_TEXTS) return false;
        if ((await vectors.count()) > 0) return false; // vectors exist: refitting would mix embedders
        await embedder.fit(texts); // fits in place; its id changes with the fitted state
        await kbState.set(SYSTEM_TENANT, EMBEDDER_STATE, embedder.state());
        await vectors.close();
        vectors = await openVectors(true);
        return true;
      },
      syncEmbedder() {
        // One reload at a time: changes to several documents may ask at once.
        syncing ??= (async () => {
          if (!isFittable(embedder) || embedder.fitted) return false;
          const saved = await kbState.get<LocalEmbedderState>(SYSTEM_TENANT, EMBEDDER_STATE);
          if (!saved) return false;
          embedder = await createEmbedder(config, saved);
          await vectors.close();
          vectors = await openVectors();
          return true;
        })().finally(() => {
          syncing = undefined;
        });
        return syncing;
      },
      async rebuildKeywordIndex() {
        keywords.clear();
        let n = 0;
        for await (const page of documents.allActiveChunks()) {
          documents.primeChunkCache(page);
          await keywords.add(page.map(keywordDocOf));
          n += page.length;
        }
        return n;
      },
      async close() {
        await vectors.close().catch(() => {});
        await database.close().catch(() => {});
      },
    };
    if (!opts.skipKeywordRebuild) await stores.rebuildKeywordIndex();
    return stores;
  } catch (e) {
    await database.close().catch(() => {});
    throw e;
  }
}
