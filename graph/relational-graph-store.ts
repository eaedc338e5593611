/**
 * The embedded GraphStore: entities, mentions and relations in relational tables (core/db/schema.ts, migration
 * 0004) on PGlite or PostgreSQL, one Drizzle implementation for both. k-hop queries walk one hop per statement
 * (relations indexed from both ends), so a hub entity costs one indexed scan, not a join explosion.
 */
import { and, asc, eq, gt, inArray, notInArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "../core/db/client";
import { graphEntities, graphMentions, graphRelations } from "../core/db/schema";
import type { DocumentSelector } from "../core/ports/filters";
import type { EntityQuery, GraphBatch, GraphEdge, GraphEntity, GraphNeighbour, GraphStore, NeighbourhoodQuery } from "../core/ports/graph-store";
import { expandNeighbourhood } from "./neighbourhood";

const SLICE = 1000;

export class RelationalGraphStore implements GraphStore {
  readonly kind = "relational";

  constructor(private readonly db: Db) {}

  async write(b: GraphBatch): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < b.entities.length; i += SLICE) {
        const rows = b.entities.slice(i, i + SLICE).map((e) => ({ tenantId: b.tenantId, id: e.id, name: e.name, type: e.type, aliases: e.aliases }));
        await tx
          .insert(graphEntities)
          .values(rows)
          .onConflictDoUpdate({
            target: [graphEntities.tenantId, graphEntities.id],
            // Aliases from every document that names the entity, each once; name and type stay the first ones.
            set: { aliases: sql`(select coalesce(jsonb_agg(distinct a), '[]'::jsonb) from jsonb_array_elements_text(${graphEntities.aliases} || excluded.aliases) a)` },
          });
      }
      for (let i = 0; i < b.mentions.length; i += SLICE) {
        const rows = b.mentions.slice(i, i + SLICE).map((m) => ({ tenantId: b.tenantId, entityId: m.entityId, documentId: b.documentId, version: b.version, chunkId: m.chunkId }));
        await tx.insert(graphMentions).values(rows).onConflictDoNothing();
      }
      for (let i = 0; i < b.relations.length; i += SLICE) {
        const rows = b.relations.slice(i, i + SLICE).map((r) => ({ tenantId: b.tenantId, ...r, documentId: b.documentId, version: b.version }));
        await tx.insert(graphRelations).values(rows).onConflictDoNothing();
      }
    });
  }

  async remove(sel: DocumentSelector): Promise<string[]> {
    const of = (t: typeof graphMentions | typeof graphRelations): SQL => {
      const conds = [eq(t.tenantId, sel.tenantId), eq(t.documentId, sel.documentId)];
      if (sel.versions) conds.push(sel.versions.length ? inArray(t.version, sel.versions) : sql`false`);
      if (sel.exceptVersion !== undefined) conds.push(sql`${t.version} <> ${sel.exceptVersion}`);
      return and(...conds)!;
    };
    return this.db.transaction(async (tx) => {
      const mentioned = await tx.selectDistinct({ id: graphMentions.entityId }).from(graphMentions).where(of(graphMentions));
      const related = await tx.select({ s: graphRelations.source, t: graphRelations.target }).from(graphRelations).where(of(graphRelations));
      const touched = [...new Set([...mentioned.map((r) => r.id), ...related.flatMap((r) => [r.s, r.t])])];
      await tx.delete(graphMentions).where(of(graphMentions));
      await tx.delete(graphRelations).where(of(graphRelations));
      for (let i = 0; i < touched.length; i += SLICE) {
        const ids = touched.slice(i, i + SLICE);
        // Reference counting: an entity goes when no chunk of any stored version mentions it any more.
        await tx
          .delete(graphEntities)
          .where(
            and(
              eq(graphEntities.tenantId, sel.tenantId),
              inArray(graphEntities.id, ids),
              sql`not exists (select 1 from graph_mentions m where m.tenant_id = graph_entities.tenant_id and m.entity_id = graph_entities.id)`,
            ),
          );
      }
      return touched.sort();
    });
  }

  async entities(tenantId: string, q: EntityQuery): Promise<GraphEntity[]> {
    const conds: SQL[] = [eq(graphEntities.tenantId, tenantId)];
    if (q.ids) {
      if (!q.ids.length) return [];
      conds.push(inArray(graphEntities.id, q.ids));
    }
    if (q.text) {
      const like = `%${q.text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      conds.push(sql`(lower(${graphEntities.name}) like ${like} or lower(${graphEntities.aliases}::text) like ${like})`);
    }
    if (q.after !== undefined) conds.push(gt(graphEntities.id, q.after));
    const rows = await this.db
      .select({
        id: graphEntities.id,
        name: graphEntities.name,
        type: graphEntities.type,
        aliases: graphEntities.aliases,
        mentions: sql<number>`(select count(*)::int from graph_mentions m where m.tenant_id = graph_entities.tenant_id and m.entity_id = graph_entities.id)`,
      })
      .from(graphEntities)
      .where(and(...conds))
      .orderBy(asc(graphEntities.id))
      .limit(q.limit);
    return rows.map((r) => ({ ...r, mentions: Number(r.mentions) }));
  }

  neighbourhood(tenantId: string, q: NeighbourhoodQuery): Promise<GraphNeighbour[]> {
    return expandNeighbourhood(q, {
      entities: (ids) => this.entities(tenantId, { ids, limit: ids.length }),
      step: async (frontier, exclude, max) => {
        const types = q.relationTypes?.length ? inArray(graphRelations.type, q.relationTypes) : undefined;
        const out = (end: "source" | "target") => {
          const here = end === "source" ? graphRelations.source : graphRelations.target;
          const there = end === "source" ? graphRelations.target : graphRelations.source;
          return this.db
            .select({ from: here, to: there, type: graphRelations.type, weight: sql<number>`count(*)::int` })
            .from(graphRelations)
            .where(and(eq(graphRelations.tenantId, tenantId), inArray(here, frontier), exclude.length ? notInArray(there, exclude) : undefined, types))
            .groupBy(here, there, graphRelations.type)
            .orderBy(sql`count(*) desc`, there, graphRelations.type, here)
            .limit(max);
        };
        const [a, b] = await Promise.all([out("source"), out("target")]);
        return [...a, ...b].map((r) => ({ ...r, weight: Number(r.weight) }));
      },
      chunks: async (ids, perEntity) => {
        const rows = await this.db.execute<{ entity_id: string; chunk_id: string }>(sql`
          select entity_id, chunk_id from (
            select entity_id, chunk_id, row_number() over (partition by entity_id order by chunk_id) as rn
            from ${graphMentions} where tenant_id = ${tenantId} and ${inArray(graphMentions.entityId, ids)}
          ) s where rn <= ${perEntity}`);
        return rowsOf<{ entity_id: string; chunk_id: string }>(rows).map((r) => ({ entityId: r.entity_id, chunkId: r.chunk_id }));
      },
    });
  }

  async edges(tenantId: string, entityIds?: string[]): Promise<GraphEdge[]> {
    if (entityIds && !entityIds.length) return [];
    const near = entityIds ? sql`and (${inArray(graphRelations.source, entityIds)} or ${inArray(graphRelations.target, entityIds)})` : sql``;
    const rows = await this.db.execute<{ source: string; target: string; type: string; weight: number; chunk_ids: string[] }>(sql`
      select source, target, type, count(*)::int as weight, array_agg(chunk_id order by chunk_id) as chunk_ids
      from ${graphRelations} where tenant_id = ${tenantId} ${near}
      group by source, target, type order by source, target, type`);
    return rowsOf<{ source: string; target: string; type: string; weight: number; chunk_ids: string[] }>(rows).map((r) => ({ source: r.source, target: r.target, type: r.type, weight: Number(r.weight), chunkIds: r.chunk_ids }));
  }
}

/** postgres.js returns the rows as the result; PGlite's driver returns `{ rows }`. */
function rowsOf<T>(r: unknown): T[] {
  return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
}
