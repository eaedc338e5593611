/**
 * The entity graph GraphRAG retrieves over: entities (products, plans, policies, error codes, places, time
 * spans...) mentioned by chunks, and typed relations between them, each relation and mention owned by one
 * version of one document. Writing a version adds its mentions and relations; removing a version takes them
 * away, and an entity that no mention references any more goes with them (reference counting: an entity shared
 * by two documents survives the removal of one). Every entity belongs to one tenant: two tenants naming the same
 * thing have two nodes.
 */
import type { DocumentSelector } from "./filters";

export interface GraphEntityInput {
  /** Stable id within the tenant: the resolved key of the name (graph/entity-key.ts). */
  id: string;
  name: string;
  type: string;
  /** Other names the entity goes by (abbreviations, plural, SKU...). */
  aliases: string[];
}

export interface GraphEntity extends GraphEntityInput {
  /** Chunks (of any version still stored) that mention it. */
  mentions: number;
}

export interface GraphRelationInput {
  source: string;
  target: string;
  /** covers, excludes, includes, brand, category, applies_to, related_to... */
  type: string;
  chunkId: string;
}

/** What one version of one document contributes to the graph. */
export interface GraphBatch {
  tenantId: string;
  documentId: string;
  version: number;
  entities: GraphEntityInput[];
  mentions: { entityId: string; chunkId: string }[];
  relations: GraphRelationInput[];
}

/** One step of a path: an edge walked from `from` to `to` (in either direction of the stored relation). */
export interface GraphStep {
  from: string;
  to: string;
  type: string;
}

export interface GraphNeighbour {
  entity: GraphEntity;
  /** 0 for a seed. */
  hops: number;
  /** The steps from a seed to this entity (empty for a seed). */
  path: GraphStep[];
  /** Up to `chunksPerEntity` chunks that mention it. */
  chunkIds: string[];
}

export interface NeighbourhoodQuery {
  seeds: string[];
  hops: number;
  /** At most this many entities in the answer (seeds first, then by hops and edge weight). */
  limit: number;
  chunksPerEntity?: number;
  /** Only walk edges of these types (all when omitted). */
  relationTypes?: string[];
}

export interface GraphEdge {
  source: string;
  target: string;
  type: string;
  /** How many chunks state it. */
  weight: number;
  chunkIds: string[];
}

export interface EntityQuery {
  ids?: string[];
  /** Name or alias containing this text (case-insensitive). */
  text?: string;
  limit: number;
  /** Entities with an id after this one (paging through every entity in id order). */
  after?: string;
}

export interface GraphStore {
  readonly kind: string;
  write(batch: GraphBatch): Promise<void>;
  /** Removes the selected versions' mentions and relations, then the entities nothing mentions; returns the entities touched. */
  remove(selector: DocumentSelector): Promise<string[]>;
  entities(tenantId: string, q: EntityQuery): Promise<GraphEntity[]>;
  /** The seeds and the entities within `hops` of them, nearest first, with the path that reached each. */
  neighbourhood(tenantId: string, q: NeighbourhoodQuery): Promise<GraphNeighbour[]>;
  /** Edges with an end among the given entities (every edge of the tenant when omitted), merged over chunks. */
  edges(tenantId: string, entityIds?: string[]): Promise<GraphEdge[]>;
}
