/**
 * The one way to build the ingestion pipeline from the stores (server, CLI, benchmarks, tests): the relational
 * store, every chunk index the stores list, and the embedder handle's first-corpus fit.
 */
import type { ChunkIndex } from "../core/ports/chunk-index";
import type { Stores } from "../core/stores/open-stores";
import { IngestionPipeline, type IngestionDeps } from "./pipeline";

export interface CreateIngestionOptions {
  /** Called once a document's new version is live, or once it is deleted (other replicas re-read it). */
  onChange?: IngestionDeps["onChange"];
  /** Replaces the stores' chunk indexes (tests wrap one to inject a failure). */
  indexes?: readonly ChunkIndex[];
  /** Fields for a new version's document metadata from its chunks (the retrieval guard's flags). */
  inspectChunks?: IngestionDeps["inspectChunks"];
}

export function createIngestion(stores: Stores, o: CreateIngestionOptions = {}): IngestionPipeline {
  return new IngestionPipeline({
    config: stores.config,
    documents: stores.documents,
    indexes: o.indexes ?? stores.chunkIndexes,
    fitEmbedder: (texts) => stores.embedder.fit(texts),
    onChange: o.onChange,
    inspectChunks: o.inspectChunks,
  });
}
