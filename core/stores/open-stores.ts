/**
 * Opens every store the product needs from the config and hands them out as ports: relational (PGlite or
 * PostgreSQL) with the chunk cache in front of its chunk reader, the embedder handle (local GloVe/SIF or
 * OpenAI-compatible), vectors (LanceDB behind its exact in-memory mirror while small) and keywords (BM25 or
 * MiniSearch, rebuilt from the chunk table). The one place that names the adapters.
 * Shared by the API server, the ingest CLI and the benchmarks.
 */
import type { Config } from "../config";
import { createDatabase, type Database } from "../db/client";
import { DocumentRepository } from "../db/document-repository";
import { JobRepository } from "../db/job-repository";
import { KbStateRepository } from "../db/kb-state-repository";
import { createEmbedder } from "../embeddings/create-embedder";
import { LocalEmbedder, type LocalEmbedderState } from "../embeddings/local-embedder";
import type { ChunkIndex } from "../ports/chunk-index";
import type { Embedder, EmbedderHandle } from "../ports/embedder";
import type { KeywordDoc, KeywordIndex } from "../ports/keyword-index";
import type { IndexedChunkMeta } from "../ports/filters";
import type { ActiveChunk } from "../ports/store";
import type { SharedVectorIndex } from "../ports/vector-index";
import { Bm25KeywordIndex } from "./bm25-keyword-index";
import { ChunkCache } from "./chunk-cache";
import { headingChunkIndex, keywordChunkIndex, vectorChunkIndex } from "./chunk-indexes";
import { HeadingIndex } from "./heading-index";
import { SentenceEncoder } from "../embeddings/sentence-encoder";
import { LanceVectorIndex } from "./lance-vector-index";
import { MiniSearchKeywordIndex } from "./minisearch-keyword-index";
import { MirroredVectorIndex } from "./mirrored-vector-index";

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
  /** Documents, chunks, records (the one Drizzle implementation for PGlite and PostgreSQL). */
  documents: DocumentRepository;
  /** Active chunks by id for hydration: the chunk cache in front of `documents`. */
  chunks: ChunkCache;
  jobs: JobRepository;
  kbState: KbStateRepository;
  keywords: KeywordIndex & { clear(): void };
  embedder: EmbedderHandle;
  /** The vector index bound to the current embedder (it is reopened when the embedder changes). */
  vectors(): SharedVectorIndex;
  /** What ingestion writes every chunk through (vectors, keywords; the graph joins by being added here). */
  chunkIndexes: ChunkIndex[];
  /** The neural sentence encoder (SENTENCE_ENCODER=use, the default); undefined when off. */
  encoder?: Embedder;
  /** The heading channel's index (sections' key texts on the encoder); undefined when the encoder is off. */
  headings?: HeadingIndex;
  /** Resolves when the heading index holds every active chunk read at open (it is rebuilt in the background). */
  headingsReady: Promise<number>;
  /**
   * Re-reads every active chunk, in one pass, into the in-memory indexes: the keyword index (done when this
   * resolves) and the heading index (queued: `headings.idle()` resolves when it is encoded).
   */
  rebuildMemoryIndexes(): Promise<number>;
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
    const documents = new DocumentRepository(database.db);
    const chunks = new ChunkCache(documents, { ttlMs, maxChunks: chunkCacheMax });
    documents.onVersionChange((tenantId, documentId) => chunks.forget(tenantId, documentId));
    const jobs = new JobRepository(database.db);
    const kbState = new KbStateRepository(database.db);
    if (opts.resetVectors) await kbState.delete(SYSTEM_TENANT, EMBEDDER_STATE);
    const savedState = await kbState.get<LocalEmbedderState>(SYSTEM_TENANT, EMBEDDER_STATE);
    let embedder = await createEmbedder(config, savedState ?? undefined);
    /** The vector index bound to the current embedder (reset: drop what is stored). */
    let lance: LanceVectorIndex;
    const openVectors = async (reset?: boolean): Promise<SharedVectorIndex> => {
      lance = await LanceVectorIndex.open({ uri: config.lancedbUri, storage: config.lancedbStorage, embedderId: embedder.id, dimension: embedder.dimension, reset });
      return MirroredVectorIndex.open(lance, { dimension: embedder.dimension, maxRows: vectorMemoryMaxRows, problem: lance.mismatch });
    };
    let vectors = await openVectors(opts.resetVectors);
    const keywords = config.retrieval.keywordIndex === "minisearch" ? new MiniSearchKeywordIndex() : new Bm25KeywordIndex();
    const encoder = config.retrieval.sentenceEncoder === "use" ? new SentenceEncoder() : undefined;
    const headings = encoder ? new HeadingIndex(encoder, { fullScanMax: config.retrieval.headingFullScanMax }) : undefined;
    let syncing: Promise<boolean> | undefined;

    const handle: EmbedderHandle = {
      current: () => embedder,
      async fit(texts) {
        if (!isFittable(embedder) || embedder.fitted || texts.length < MIN_FIT_TEXTS) return false;
        if ((await vectors.count()) > 0) return false; // vectors exist: refitting would mix embedders
        await embedder.fit(texts); // fits in place; its id changes with the fitted state
        await kbState.set(SYSTEM_TENANT, EMBEDDER_STATE, embedder.state());
        await lance.close();
        vectors = await openVectors(true);
        return true;
      },
      sync() {
        // One reload at a time: changes to several documents may ask at once.
        syncing ??= (async () => {
          if (!isFittable(embedder) || embedder.fitted) return false;
          const saved = await kbState.get<LocalEmbedderState>(SYSTEM_TENANT, EMBEDDER_STATE);
          if (!saved) return false;
          embedder = await createEmbedder(config, saved);
          await lance.close();
          vectors = await openVectors();
          return true;
        })().finally(() => {
          syncing = undefined;
        });
        return syncing;
      },
      wordSimilarity: () => (embedder instanceof LocalEmbedder ? embedder.store.wordSimilarity() : undefined),
    };

    const stores: Stores = {
      config,
      database,
      documents,
      chunks,
      jobs,
      kbState,
      keywords,
      embedder: handle,
      vectors: () => vectors,
      encoder,
      headings,
      headingsReady: Promise.resolve(0),
      chunkIndexes: [vectorChunkIndex(handle, () => vectors), keywordChunkIndex(keywords), ...(headings ? [headingChunkIndex(headings)] : [])],
      async rebuildMemoryIndexes() {
        keywords.clear();
        headings?.clear();
        let n = 0;
        for await (const page of documents.allActiveChunks()) {
          chunks.prime(page);
          const docs = page.map(keywordDocOf);
          await keywords.add(docs);
          // Headings need the title and section only; the encoder works through them in its worker meanwhile.
          headings?.enqueue(docs.map((d) => ({ ...d, text: "" })));
          n += page.length;
        }
        return n;
      },
      async close() {
        encoder?.close();
        await lance.close().catch(() => {});
        await database.close().catch(() => {});
      },
    };
    if (!opts.skipKeywordRebuild) {
      const n = await stores.rebuildMemoryIndexes();
      // Headings are encoded in the encoder's worker: a large corpus takes a while, so this does not hold the start.
      // Until it resolves the heading channel answers from what it holds (the other channels are complete).
      if (headings) stores.headingsReady = headings.idle().then(() => n);
    }
    // Load the model now, off this thread, instead of on the first question or ingest (~0.3 s of CPU).
    if (encoder) void encoder.warm().catch(() => {});
    return stores;
  } catch (e) {
    await database.close().catch(() => {});
    throw e;
  }
}
