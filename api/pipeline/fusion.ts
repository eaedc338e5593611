/**
 * Fusion of ranked lists from several retrieval channels.
 * - rrf: score(d) = sum over channels of w_c / (k + rank_c(d)) (reciprocal rank fusion, Cormack et al. 2009).
 * - weighted: score(d) = sum over channels of w_c * normalised score (min-max within the channel's list).
 */
export interface ChannelResult {
  channel: string;
  hits: { id: string; score: number }[];
}

export interface FusedHit {
  id: string;
  score: number;
  /** 1-based rank of the id in each channel that returned it. */
  ranks: Record<string, number>;
  /** Raw score in each channel that returned it. */
  channelScores: Record<string, number>;
}

export interface FusionOptions {
  method: "rrf" | "weighted";
  rrfK: number;
  weights: Record<string, number>;
}

export function fuse(results: ChannelResult[], opts: FusionOptions): FusedHit[] {
  const byId = new Map<string, FusedHit>();
  for (const { channel, hits } of results) {
    const w = opts.weights[channel] ?? 1;
    if (w === 0 || !hits.length) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const h of hits) {
      lo = Math.min(lo, h.score);
      hi = Math.max(hi, h.score);
    }
    hits.forEach((h, i) => {
      const rank = i + 1;
      let entry = byId.get(h.id);
      if (!entry) byId.set(h.id, (entry = { id: h.id, score: 0, ranks: {}, channelScores: {} }));
      if (entry.ranks[channel] !== undefined) return; // a channel listing an id twice counts once
      entry.ranks[channel] = rank;
      entry.channelScores[channel] = h.score;
      entry.score += opts.method === "rrf" ? w / (opts.rrfK + rank) : w * (hi > lo ? (h.score - lo) / (hi - lo) : 1);
    });
  }
  return [...byId.values()].sort((a, b) => b.score - a.score || bestRank(a) - bestRank(b) || a.id.localeCompare(b.id));
}

function bestRank(h: FusedHit): number {
  let best = Infinity;
  for (const r of Object.values(h.ranks)) best = Math.min(best, r);
  return best;
}
