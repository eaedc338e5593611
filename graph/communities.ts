/**
 * Communities of the entity graph (Louvain, graphology-communities-louvain) with extractive summaries, kept per
 * tenant in the relational table graph_communities. Incremental: a change touching some entities re-runs
 * Louvain only on the subgraph of the communities those entities belonged to plus the touched entities, and
 * rewrites only those communities; the others keep their members and summaries. The summary is extractive: the
 * most connected members, the typed relations among them, and the opening sentence of the passages that state
 * most of those relations. Global retrieval ranks communities by the question's words in title and summary.
 */
import { and, eq, inArray } from "drizzle-orm";
import { createHash } from "node:crypto";
import Graph from "graphology";
import louvain from "graphology-communities-louvain";
import type { Db } from "../core/db/client";
import { graphCommunities } from "../core/db/schema";
import type { GraphEdge, GraphStore } from "../core/ports/graph-store";
import type { ActiveChunkReader } from "../core/ports/store";
import { splitSentences } from "../core/text/sentences";
import { contentTokens, stem } from "../core/text";

export interface Community {
  id: string;
  entityIds: string[];
  title: string;
  summary: string;
  chunkIds: string[];
  documentIds: string[];
  updatedAt?: Date;
}

export interface CommunitiesOptions {
  db: Db;
  store: GraphStore;
  chunks: ActiveChunkReader;
  /** Members named in a summary (default 8). */
  summaryEntities?: number;
  /** How long a tenant's communities are served from memory (default 60 s; this process's refreshes clear it at once). */
  ttlMs?: number;
}

/** The document id of a chunk id (`<documentId>:<version>:<ordinal>`). */
export const documentOfChunk = (chunkId: string) => chunkId.split(":").slice(0, -2).join(":") || chunkId;

/** A fixed-seed generator so the same graph always gives the same communities. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

export class Communities {
  /** Per tenant, with the time it was read: another replica's refresh is seen within `ttlMs`. */
  private readonly cache = new Map<string, { at: number; list: Community[] }>();

  constructor(private readonly o: CommunitiesOptions) {}

  async list(tenantId: string): Promise<Community[]> {
    const hit = this.cache.get(tenantId);
    if (hit && Date.now() - hit.at < (this.o.ttlMs ?? 60_000)) return hit.list;
    const rows = await this.o.db.select().from(graphCommunities).where(eq(graphCommunities.tenantId, tenantId));
    const list = rows.map(({ tenantId: _t, ...c }) => c).sort((a, b) => b.entityIds.length - a.entityIds.length || a.id.localeCompare(b.id));
    this.cache.set(tenantId, { at: Date.now(), list });
    return list;
  }

  /** Re-runs Louvain on the communities the touched entities belonged to, plus those entities; returns how many it wrote. */
  async refresh(tenantId: string, touched: string[]): Promise<number> {
    const before = await this.list(tenantId);
    const touchedSet = new Set(touched);
    const affected = before.filter((c) => c.entityIds.some((id) => touchedSet.has(id)));
    const scope = new Set([...touched, ...affected.flatMap((c) => c.entityIds)]);
    const alive = new Set<string>();
    const ids = [...scope];
    for (let i = 0; i < ids.length; i += 5000) for (const e of await this.o.store.entities(tenantId, { ids: ids.slice(i, i + 5000), limit: 5000 })) alive.add(e.id);
    // a large scope reads every edge (one statement) rather than a list of thousands of ids
    const edges = (await this.o.store.edges(tenantId, alive.size > 5000 ? undefined : [...alive])).filter((e) => alive.has(e.source) && alive.has(e.target));
    const g = new Graph({ type: "undirected", multi: false });
    for (const e of edges) {
      if (!g.hasNode(e.source)) g.addNode(e.source);
      if (!g.hasNode(e.target)) g.addNode(e.target);
      if (g.hasEdge(e.source, e.target)) g.updateEdgeAttribute(e.source, e.target, "weight", (w: number) => w + e.weight);
      else g.addEdge(e.source, e.target, { weight: e.weight });
    }
    const groups = new Map<number, string[]>();
    if (g.order) {
      const mapping = louvain(g, { getEdgeWeight: "weight", rng: seeded(15) });
      for (const [node, c] of Object.entries(mapping)) {
        let list = groups.get(c);
        if (!list) groups.set(c, (list = []));
        list.push(node);
      }
    }
    const fresh: Community[] = [];
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      members.sort();
      fresh.push(await this.summarise(tenantId, members, edges));
    }
    await this.o.db.transaction(async (tx) => {
      if (affected.length) await tx.delete(graphCommunities).where(and(eq(graphCommunities.tenantId, tenantId), inArray(graphCommunities.id, affected.map((c) => c.id))));
      for (let i = 0; i < fresh.length; i += 500) await tx.insert(graphCommunities).values(fresh.slice(i, i + 500).map((c) => ({ tenantId, ...c }))).onConflictDoNothing();
    });
    this.cache.delete(tenantId);
    return fresh.length;
  }

  private async summarise(tenantId: string, members: string[], allEdges: GraphEdge[]): Promise<Community> {
    const inside = new Set(members);
    const edges = allEdges.filter((e) => inside.has(e.source) && inside.has(e.target));
    const degree = new Map<string, number>();
    for (const e of edges) for (const id of [e.source, e.target]) degree.set(id, (degree.get(id) ?? 0) + e.weight);
    const top = [...members].sort((a, b) => (degree.get(b) ?? 0) - (degree.get(a) ?? 0) || a.localeCompare(b)).slice(0, this.o.summaryEntities ?? 8);
    const names = new Map((await this.o.store.entities(tenantId, { ids: top, limit: top.length })).map((e) => [e.id, e]));
    const chunkScore = new Map<string, number>();
    for (const e of edges) for (const c of e.chunkIds) chunkScore.set(c, (chunkScore.get(c) ?? 0) + 1);
    const chunkIds = [...chunkScore.keys()].sort((a, b) => chunkScore.get(b)! - chunkScore.get(a)! || a.localeCompare(b)).slice(0, 12);
    const typed = edges
      .filter((e) => e.type !== "related_to" && names.has(e.source) && names.has(e.target))
      .sort((a, b) => b.weight - a.weight)
      .slice(0, 6)
      .map((e) => `${names.get(e.source)!.name} ${e.type.replace(/_/g, " ")} ${names.get(e.target)!.name}`);
    const texts = await this.o.chunks.activeChunks(tenantId, chunkIds.slice(0, 3));
    const sentences = texts.map((c) => splitSentences(c.text)[0]?.text ?? "").filter(Boolean).map((s) => (s.length > 240 ? `${s.slice(0, 237)}...` : s));
    const label = (id: string) => names.get(id)?.name ?? id;
    const title = top.slice(0, 3).map(label).join(", ");
    const summary = [
      `${members.length} entities: ${top.map((id) => `${label(id)} (${names.get(id)?.type ?? "entity"})`).join(", ")}.`,
      typed.length ? `Relations: ${typed.join("; ")}.` : "",
      ...sentences,
    ].filter(Boolean).join(" ");
    const id = `c_${createHash("sha1").update(members.join("\u0000")).digest("hex").slice(0, 12)}`;
    return { id, entityIds: members, title, summary, chunkIds, documentIds: [...new Set(chunkIds.map(documentOfChunk))].sort() };
  }

  /** Communities ranked by the question's (stemmed) content words found in their title and summary. */
  async search(tenantId: string, question: string, k: number): Promise<{ community: Community; score: number }[]> {
    const list = await this.list(tenantId);
    if (!list.length) return [];
    const terms = [...new Set(contentTokens(question).map(stem))];
    const docsWith = new Map<string, number>();
    const bags = list.map((c) => new Set(contentTokens(`${c.title} ${c.summary}`).map(stem)));
    for (const bag of bags) for (const t of terms) if (bag.has(t)) docsWith.set(t, (docsWith.get(t) ?? 0) + 1);
    return list
      .map((community, i) => ({ community, score: terms.reduce((s, t) => s + (bags[i]!.has(t) ? Math.log(1 + list.length / docsWith.get(t)!) : 0), 0) }))
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score || a.community.id.localeCompare(b.community.id))
      .slice(0, k);
  }

  forget(tenantId: string): void {
    this.cache.delete(tenantId);
  }
}
