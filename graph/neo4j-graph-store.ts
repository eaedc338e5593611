/**
 * The Neo4j GraphStore (NEO4J_URL): (:Entity {tenantId, id, name, type, aliases}) nodes, (:Chunk {tenantId, id,
 * documentId, version}) nodes they are [:MENTIONED_IN], and [:REL {type, documentId, version, chunkId}] edges
 * between entities. Every write is an idempotent MERGE; constraints and indexes are created at open. Each node
 * carries its tenant and the uniqueness constraints include it, so tenants never share a node.
 */
import neo4j, { type Driver, type ManagedTransaction } from "neo4j-driver";
import { errors } from "../core/errors";
import type { DocumentSelector } from "../core/ports/filters";
import type { EntityQuery, GraphBatch, GraphEdge, GraphEntity, GraphNeighbour, GraphStore, NeighbourhoodQuery } from "../core/ports/graph-store";
import { redactUrl } from "../core/text/redact-url";
import { expandNeighbourhood } from "./neighbourhood";

export interface Neo4jGraphStoreOptions {
  url: string;
  user: string;
  password: string;
  /** Database name (default: the server's default database). */
  database?: string;
}

const SCHEMA = [
  "CREATE CONSTRAINT graph_entity_key IF NOT EXISTS FOR (e:Entity) REQUIRE (e.tenantId, e.id) IS UNIQUE",
  "CREATE CONSTRAINT graph_chunk_key IF NOT EXISTS FOR (c:Chunk) REQUIRE (c.tenantId, c.id) IS UNIQUE",
  "CREATE INDEX graph_chunk_document IF NOT EXISTS FOR (c:Chunk) ON (c.tenantId, c.documentId)",
  "CREATE INDEX graph_rel_document IF NOT EXISTS FOR ()-[r:REL]-() ON (r.tenantId, r.documentId)",
];
const SLICE = 1000;

/** Version condition of a selector on `v` (a Cypher expression). */
const versionCond = (v: string) => `($versions IS NULL OR ${v} IN $versions) AND ($except IS NULL OR ${v} <> $except)`;

export class Neo4jGraphStore implements GraphStore {
  readonly kind = "neo4j";

  private constructor(
    private readonly driver: Driver,
    private readonly database?: string,
  ) {}

  static async open(o: Neo4jGraphStoreOptions): Promise<Neo4jGraphStore> {
    const driver = neo4j.driver(o.url, neo4j.auth.basic(o.user, o.password), { disableLosslessIntegers: true, connectionTimeout: 10_000 });
    const store = new Neo4jGraphStore(driver, o.database);
    try {
      await driver.verifyConnectivity({ database: o.database });
      for (const q of SCHEMA) await driver.executeQuery(q, {}, { database: o.database });
    } catch (cause) {
      await driver.close().catch(() => {});
      throw errors.unavailable("GRAPH_UNAVAILABLE", `Neo4j at ${redactUrl(o.url)} is not usable: ${(cause as Error).message}`, cause);
    }
    return store;
  }

  private write_<T>(fn: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
    return session.executeWrite(fn).finally(() => session.close());
  }

  private async read<T = Record<string, unknown>>(query: string, params: Record<string, unknown>): Promise<T[]> {
    const r = await this.driver.executeQuery(query, params, { database: this.database, routing: neo4j.routing.READ });
    return r.records.map((rec) => rec.toObject() as T);
  }

  async write(b: GraphBatch): Promise<void> {
    const p = { t: b.tenantId, d: b.documentId, v: b.version };
    await this.write_(async (tx) => {
      for (let i = 0; i < b.entities.length; i += SLICE) {
        await tx.run(
          `UNWIND $rows AS x
           MERGE (e:Entity {tenantId: $t, id: x.id})
           ON CREATE SET e.name = x.name, e.type = x.type, e.aliases = x.aliases
           ON MATCH SET e.aliases = reduce(a = e.aliases, s IN x.aliases | CASE WHEN s IN a THEN a ELSE a + s END)`,
          { ...p, rows: b.entities.slice(i, i + SLICE) },
        );
      }
      for (let i = 0; i < b.mentions.length; i += SLICE) {
        await tx.run(
          `UNWIND $rows AS m
           MATCH (e:Entity {tenantId: $t, id: m.entityId})
           MERGE (c:Chunk {tenantId: $t, id: m.chunkId}) ON CREATE SET c.documentId = $d, c.version = $v
           MERGE (e)-[:MENTIONED_IN]->(c)`,
          { ...p, rows: b.mentions.slice(i, i + SLICE) },
        );
      }
      for (let i = 0; i < b.relations.length; i += SLICE) {
        await tx.run(
          `UNWIND $rows AS x
           MATCH (a:Entity {tenantId: $t, id: x.source}), (b:Entity {tenantId: $t, id: x.target})
           MERGE (a)-[r:REL {type: x.type, chunkId: x.chunkId}]->(b)
           ON CREATE SET r.tenantId = $t, r.documentId = $d, r.version = $v`,
          { ...p, rows: b.relations.slice(i, i + SLICE) },
        );
      }
    });
  }

  async remove(sel: DocumentSelector): Promise<string[]> {
    const p = { t: sel.tenantId, d: sel.documentId, versions: sel.versions ?? null, except: sel.exceptVersion ?? null };
    return this.write_(async (tx) => {
      const m = await tx.run(
        `MATCH (c:Chunk {tenantId: $t, documentId: $d}) WHERE ${versionCond("c.version")}
         OPTIONAL MATCH (e:Entity)-[:MENTIONED_IN]->(c)
         WITH c, collect(e.id) AS ids DETACH DELETE c
         WITH ids UNWIND ids AS id RETURN collect(DISTINCT id) AS ids`,
        p,
      );
      const r = await tx.run(
        `MATCH (a:Entity)-[r:REL {tenantId: $t, documentId: $d}]->(b:Entity) WHERE ${versionCond("r.version")}
         WITH a.id AS s, b.id AS o, r DELETE r RETURN collect(DISTINCT s) + collect(DISTINCT o) AS ids`,
        p,
      );
      const touched = [...new Set<string>([...(m.records[0]?.get("ids") ?? []), ...(r.records[0]?.get("ids") ?? [])])].sort();
      // Reference counting: an entity goes when no chunk mentions it any more.
      await tx.run(
        `MATCH (e:Entity {tenantId: $t}) WHERE e.id IN $ids AND NOT (e)-[:MENTIONED_IN]->() DETACH DELETE e`,
        { t: sel.tenantId, ids: touched },
      );
      return touched;
    });
  }

  async entities(tenantId: string, q: EntityQuery): Promise<GraphEntity[]> {
    if (q.ids && !q.ids.length) return [];
    const rows = await this.read<GraphEntity>(
      `MATCH (e:Entity {tenantId: $t})
       WHERE ($ids IS NULL OR e.id IN $ids) AND ($after IS NULL OR e.id > $after)
         AND ($text IS NULL OR toLower(e.name) CONTAINS $text OR any(a IN e.aliases WHERE toLower(a) CONTAINS $text))
       RETURN e.id AS id, e.name AS name, e.type AS type, e.aliases AS aliases, COUNT { (e)-[:MENTIONED_IN]->() } AS mentions
       ORDER BY id LIMIT $limit`,
      { t: tenantId, ids: q.ids ?? null, after: q.after ?? null, text: q.text?.toLowerCase() ?? null, limit: neo4j.int(q.limit) },
    );
    return rows;
  }

  neighbourhood(tenantId: string, q: NeighbourhoodQuery): Promise<GraphNeighbour[]> {
    return expandNeighbourhood(q, {
      entities: (ids) => this.entities(tenantId, { ids, limit: ids.length }),
      step: async (frontier, exclude, max) => {
        const dir = async (pattern: string) =>
          this.read<{ from: string; to: string; type: string; weight: number }>(
            `MATCH ${pattern} WHERE a.id IN $frontier AND NOT b.id IN $exclude AND ($types IS NULL OR r.type IN $types)
             RETURN a.id AS from, b.id AS to, r.type AS type, count(*) AS weight
             ORDER BY weight DESC, to, type, from LIMIT $max`,
            { t: tenantId, frontier, exclude, types: q.relationTypes?.length ? q.relationTypes : null, max: neo4j.int(max) },
          );
        const [a, b] = await Promise.all([dir("(a:Entity {tenantId: $t})-[r:REL]->(b:Entity)"), dir("(a:Entity {tenantId: $t})<-[r:REL]-(b:Entity)")]);
        return [...a, ...b];
      },
      chunks: (ids, perEntity) =>
        this.read<{ entityId: string; chunkId: string }>(
          `MATCH (e:Entity {tenantId: $t})-[:MENTIONED_IN]->(c:Chunk) WHERE e.id IN $ids
           WITH e.id AS entityId, c.id AS chunkId ORDER BY chunkId
           WITH entityId, collect(chunkId)[0..$n] AS cs UNWIND cs AS chunkId RETURN entityId, chunkId`,
          { t: tenantId, ids, n: neo4j.int(perEntity) },
        ),
    });
  }

  async edges(tenantId: string, entityIds?: string[]): Promise<GraphEdge[]> {
    if (entityIds && !entityIds.length) return [];
    return this.read<GraphEdge>(
      `MATCH (a:Entity {tenantId: $t})-[r:REL]->(b:Entity) WHERE $ids IS NULL OR a.id IN $ids OR b.id IN $ids
       WITH a.id AS source, b.id AS target, r.type AS type, r.chunkId AS chunkId ORDER BY chunkId
       RETURN source, target, type, count(*) AS weight, collect(chunkId) AS chunkIds ORDER BY source, target, type`,
      { t: tenantId, ids: entityIds ?? null },
    );
  }

  /** Removes every node of a tenant (tests, tenant deletion). */
  async dropTenant(tenantId: string): Promise<void> {
    await this.write_((tx) => tx.run("MATCH (n {tenantId: $t}) DETACH DELETE n", { t: tenantId }));
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
