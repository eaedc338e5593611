/**
 * Opens GraphRAG over the stores when GRAPH_ENABLED: the GraphStore (Neo4j with NEO4J_URL, else the relational
 * tables in the product's database), the entity resolver, communities, the graph chunk index (added to the
 * stores' ingestion list) and the retrieval channel. The one place that names the graph adapters. When the graph
 * is empty but the knowledge base is not (the graph was just switched on), `backfill()` indexes every active
 * document once.
 */
import type { Config } from "../core/config";
import type { GraphStore } from "../core/ports/graph-store";
import type { Stores } from "../core/stores/open-stores";
import { Communities } from "./communities";
import { EntityResolver } from "./entity-resolver";
import { GraphChannel } from "./graph-channel";
import { GraphChunkIndex, type ChunkExtractor } from "./graph-chunk-index";
import { Neo4jGraphStore } from "./neo4j-graph-store";
import { RelationalGraphStore } from "./relational-graph-store";

export interface Graph {
  store: GraphStore;
  resolver: EntityResolver;
  communities: Communities;
  index: GraphChunkIndex;
  channel: GraphChannel;
  /** Indexes every active document of every tenant whose graph is empty; returns the documents indexed. */
  backfill(): Promise<number>;
  close(): Promise<void>;
}

export interface OpenGraphOptions {
  /** Another store (tests, benchmarks); default from the config. */
  store?: GraphStore;
  extract?: ChunkExtractor;
  log?: (line: string) => void;
}

export async function openGraphStore(config: Pick<Config, "neo4j">, stores: Pick<Stores, "database">): Promise<GraphStore> {
  return config.neo4j ? Neo4jGraphStore.open(config.neo4j) : new RelationalGraphStore(stores.database.db);
}

/** Opens the graph and puts its index in `stores.chunkIndexes` (before the ingestion pipeline is built). */
export async function openGraph(stores: Stores, o: OpenGraphOptions = {}): Promise<Graph> {
  const config = stores.config;
  const store = o.store ?? (await openGraphStore(config, stores));
  const resolver = new EntityResolver({ store, encoder: stores.encoder, domainTerms: config.graph.domainTerms });
  const communities = new Communities({ db: stores.database.db, store, chunks: stores.chunks });
  const index = new GraphChunkIndex({ store, resolver, communities, extract: o.extract, log: o.log });
  const channel = new GraphChannel({ store, resolver, chunks: stores.chunks, communities, encoder: stores.encoder, hops: config.graph.hops });
  if (!stores.chunkIndexes.some((i) => i.name === index.name)) stores.chunkIndexes.push(index);
  return {
    store,
    resolver,
    communities,
    index,
    channel,
    async backfill() {
      let n = 0;
      for (const tenantId of await stores.documents.tenants()) {
        if ((await store.entities(tenantId, { limit: 1 })).length) continue;
        const docs = await stores.documents.liveVersions(tenantId);
        for (const documentId of docs.keys()) {
          const chunks = await stores.documents.activeChunksOfDocument(tenantId, documentId);
          const first = chunks[0];
          if (!first) continue;
          const ref = { tenantId, documentId, version: first.version };
          await index.write({ ...ref, title: first.title, docType: first.docType, source: first.source, tags: first.tags, chunks });
          await index.commit(ref);
          n++;
        }
      }
      await index.idle();
      return n;
    },
    async close() {
      await index.idle();
      if (store instanceof Neo4jGraphStore) await store.close();
    },
  };
}
