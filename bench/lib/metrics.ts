/** Ranking metrics for single-relevant-item queries, and latency summaries. */
export interface RankMetrics {
  recallAt1: number;
  recallAt5: number;
  mrrAt10: number;
  ndcgAt10: number;
}

/** rank: 1-based rank of the relevant item, or null when it was not retrieved. */
export function rankMetrics(ranks: (number | null)[]): RankMetrics {
  const n = ranks.length || 1;
  let r1 = 0, r5 = 0, mrr = 0, ndcg = 0;
  for (const r of ranks) {
    if (r === null) continue;
    if (r <= 1) r1++;
    if (r <= 5) r5++;
    if (r <= 10) {
      mrr += 1 / r;
      ndcg += 1 / Math.log2(r + 1); // one relevant item: ideal DCG is 1
    }
  }
  return { recallAt1: r1 / n, recallAt5: r5 / n, mrrAt10: mrr / n, ndcgAt10: ndcg / n };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: number[]): { p50: number; p90: number; p99: number; mean: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), mean, max: s[s.length - 1] ?? NaN };
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const fmt = (v: string | number) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v);
  const lines = [`| ${headers.join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`];
  for (const r of rows) lines.push(`| ${r.map(fmt).join(" | ")} |`);
  return lines.join("\n");
}

export const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
