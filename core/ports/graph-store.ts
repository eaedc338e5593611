/** Entities and relations extracted from chunks, for GraphRAG (entities -> k-hop -> chunks). */
export interface GraphEntity {
  id: string;
  tenantId: string;
  name: string;
  type: string;
  chunkIds: string[];
}

export interface GraphRelation {
  tenantId: string;
  source: string;
  target: string;
  type: string;
  chunkId: string;
  weight?: number;
}

export interface GraphStore {
  upsert(entities: GraphEntity[], relations: GraphRelation[]): Promise<void>;
  /** Entities within `hops` of the seeds, nearest first, with the chunks that mention them. */
  neighbourhood(tenantId: string, seedNames: string[], hops: number, limit: number): Promise<GraphEntity[]>;
  removeDocument(tenantId: string, documentId: string): Promise<void>;
}
