/**
 * The retrieve stage: every channel (vector, keyword, later graph) queried in parallel (a reranking channel such as
 * heading on the others' candidates once they answered), hits hydrated from the
 * relational store (which drops chunks of inactive document versions), ranks fused, top k returned as passages.
 */
import { databaseError } from "../../core/db/db-errors";
import { errors } from "../../core/errors";
import type { IndexFilter } from "../../core/ports/filters";
import type { ChannelHit, Passage, RetrievalChannel } from "../../core/ports/retrieval";
import type { ActiveChunkReader } from "../../core/ports/store";
import { fuse, type FusionOptions } from "./fusion";

export interface RetrieveRequest {
  query: string;
  k: number;
  filter: IndexFilter;
  /** Channel names to use; all when omitted. */
  channels?: string[];
  fusion?: Partial<FusionOptions>;
  signal?: AbortSignal;
}

export interface RetrieveResult {
  passages: Passage[];
  /** Per-channel hit counts and timings, for the search test page and metrics. */
  channels: Record<string, { hits: number; ms: number; error?: string }>;
  tookMs: number;
}

export interface RetrieverDeps {
  channels: RetrievalChannel[];
  /** Hydrates hits; drops chunks of inactive document versions (the chunk cache in front of the database). */
  chunks: ActiveChunkReader;
  fusion: FusionOptions;
  /** Each channel fetches this many candidates per requested passage (at least `minCandidates`). */
  candidateFactor?: number;
  minCandidates?: number;
}

export class HybridRetriever {
  constructor(private readonly deps: RetrieverDeps) {}

  get channelNames(): string[] {
    return this.deps.channels.map((c) => c.name);
  }

  async retrieve(req: RetrieveRequest): Promise<RetrieveResult> {
    const t0 = performance.now();
    const wanted = req.channels?.length ? req.channels : this.channelNames;
    const unknown = wanted.filter((c) => !this.channelNames.includes(c));
    if (unknown.length) {
      throw errors.invalid("UNKNOWN_CHANNEL", `unknown retrieval channel(s): ${unknown.join(", ")}; available: ${this.channelNames.join(", ")}`);
    }
    const active = this.deps.channels.filter((c) => wanted.includes(c.name));
    const candidates = Math.max(req.k * (this.deps.candidateFactor ?? 4), this.deps.minCandidates ?? 40);
    const stats: RetrieveResult["channels"] = {};
    // Channels that rerank get the other channels' ids once those have answered.
    let others: Promise<string[]> | undefined;
    const candidateIds = () =>
      (others ??= Promise.all(independent).then((rs) => [...new Set(rs.flatMap((r) => r.hits.map((h) => h.id)))]));
    const independent: Promise<{ channel: string; hits: ChannelHit[] }>[] = [];
    const run = async (c: RetrievalChannel) => {
      const t = performance.now();
      try {
        const hits = await c.search(req.query, candidates, req.filter, req.signal, c.usesCandidates ? candidateIds() : undefined);
        stats[c.name] = { hits: hits.length, ms: round(performance.now() - t) };
        return { channel: c.name, hits };
      } catch (e) {
        // One failing channel degrades the answer; it does not fail it (unless it was the only one).
        stats[c.name] = { hits: 0, ms: round(performance.now() - t), error: databaseError(e)?.message ?? (e as Error).message };
        if (active.length === 1) throw e;
        return { channel: c.name, hits: [] };
      }
    };
    for (const c of active) if (!c.usesCandidates) independent.push(run(c));
    const dependent = active.filter((c) => c.usesCandidates).map(run);
    const settled = [...(await Promise.all(independent)), ...(await Promise.all(dependent))];
    const ids = [...new Set(settled.flatMap((s) => s.hits.map((h) => h.id)))];
    const chunks = await this.deps.chunks.activeChunks(req.filter.tenantId, ids);
    const live = new Map(chunks.map((c) => [c.id, c]));
    // Ranks are computed over live chunks only, so a stale version never pushes a live one down.
    const liveResults = settled.map((s) => ({ channel: s.channel, hits: s.hits.filter((h) => live.has(h.id)) }));
    const fused = fuse(liveResults, { ...this.deps.fusion, ...req.fusion });
    // What a channel said about a hit (the graph's path), by chunk id.
    const evidence = new Map<string, Record<string, string>>();
    for (const s of liveResults) {
      for (const h of s.hits) {
        if (!h.evidence) continue;
        const e = evidence.get(h.id) ?? {};
        e[s.channel] ??= h.evidence;
        evidence.set(h.id, e);
      }
    }
    const passages: Passage[] = fused.slice(0, req.k).map((f) => {
      const c = live.get(f.id)!;
      return {
        chunkId: c.id,
        documentId: c.documentId,
        title: c.title,
        page: c.page,
        sectionPath: c.sectionPath,
        text: c.text,
        charStart: c.charStart,
        charEnd: c.charEnd,
        docType: c.docType,
        source: c.source,
        tags: c.tags,
        score: f.score,
        ranks: f.ranks,
        channelScores: f.channelScores,
        ...(evidence.has(f.id) ? { evidence: evidence.get(f.id) } : {}),
      };
    });
    return { passages, channels: stats, tookMs: round(performance.now() - t0) };
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
