/**
 * Maximal marginal relevance over retrieved passages: pick k passages that are relevant and unlike each other,
 * and drop near-duplicates (e.g. overlapping chunks of one document) outright.
 *
 *   relevance(p) = score / max score when no score is negative (RRF, cosine, BM25 keep their proportions),
 *                  else (score - min) / (max - min); 1 for all when the scores are equal
 *   next = argmax  lambda * relevance(p) - (1 - lambda) * max similarity(p, already selected)
 *   a candidate whose similarity to a selected passage exceeds duplicateThreshold (0.9) is dropped.
 *
 * Similarity: a given function; else cosine of the given embedding vectors (aligned with the passages); else
 * cosine of content-token term-frequency vectors of the texts. Returned passages keep their objects, in
 * selection order (best first).
 */
import { errors } from "../../core/errors";
import { contentTokens } from "../../core/text";

export interface MmrItem {
  text: string;
  score: number;
}

export type Similarity<T> = (a: T, b: T) => number;

export interface MmrOptions<T extends MmrItem> {
  /** How many passages to keep (whole number >= 1). */
  k: number;
  /** Relevance versus diversity, 0-1 (default 0.7; 1 = scores only). */
  lambda?: number;
  similarity?: Similarity<T>;
  /** Embedding vectors aligned with the passages (same length); a missing vector falls back to text similarity. */
  vectors?: ReadonlyArray<ArrayLike<number> | null | undefined>;
  /** Term vector of a passage for text similarity (default: termVectorOf(text)); lets callers cache them. */
  termVectorOf?: (item: T) => TermVector;
  /** Similarity above which a candidate counts as a duplicate of a selected passage (default 0.9). */
  duplicateThreshold?: number;
}

/** Term frequencies as parallel arrays sorted by an interned term number, with their norm: dot products are a merge. */
export interface TermVector {
  ids: Int32Array;
  tfs: Float64Array;
  norm: number;
}

/** Term -> number, shared by every TermVector of the process (grows with the vocabulary of the passages seen). */
const termIds = new Map<string, number>();

/** Content-token term vector of a text in the merge-friendly form (what mmrSelect compares). */
export function termVectorOf(text: string): TermVector {
  const counts = new Map<number, number>();
  for (const t of contentTokens(text)) {
    let id = termIds.get(t);
    if (id === undefined) termIds.set(t, (id = termIds.size));
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const ids = Int32Array.from(counts.keys()).sort();
  const tfs = Float64Array.from(ids, (id) => counts.get(id)!);
  let n = 0;
  for (const x of tfs) n += x * x;
  return { ids, tfs, norm: Math.sqrt(n) };
}

/** Cosine of two TermVectors (0 when either is empty). */
export function termCosine(a: TermVector, b: TermVector): number {
  if (!a.norm || !b.norm) return 0;
  let dot = 0;
  for (let i = 0, j = 0; i < a.ids.length && j < b.ids.length; ) {
    const x = a.ids[i]!;
    const y = b.ids[j]!;
    if (x === y) dot += a.tfs[i++]! * b.tfs[j++]!;
    else if (x < y) i++;
    else j++;
  }
  return dot / (a.norm * b.norm);
}

/** Content-token term frequencies of a text. */
export function termVector(text: string): Map<string, number> {
  const v = new Map<string, number>();
  for (const t of contentTokens(text)) v.set(t, (v.get(t) ?? 0) + 1);
  return v;
}

/** Cosine of two sparse term-frequency vectors (0 when either is empty). */
export function sparseCosine(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [t, x] of small) dot += x * (large.get(t) ?? 0);
  return dot / (norm(a.values()) * norm(b.values()));
}

import { cosine } from "../../core/numeric";

export { cosine };

/** Term-frequency cosine of two texts. */
export function textSimilarity(a: string, b: string): number {
  return sparseCosine(termVector(a), termVector(b));
}

function norm(values: Iterable<number>): number {
  let s = 0;
  for (const x of values) s += x * x;
  return Math.sqrt(s);
}

function validate<T extends MmrItem>(passages: readonly T[], o: MmrOptions<T>): void {
  if (!Array.isArray(passages)) throw errors.invalid("INVALID_PASSAGES", "passages must be an array");
  if (!Number.isInteger(o.k) || o.k < 1) throw errors.invalid("INVALID_OPTION", "k must be a whole number >= 1");
  const share = (name: string, v: number | undefined, lowOpen: boolean) => {
    if (v !== undefined && (typeof v !== "number" || !(lowOpen ? v > 0 : v >= 0) || v > 1)) {
      throw errors.invalid("INVALID_OPTION", `${name} must be a number ${lowOpen ? "above 0" : "from 0"} to 1`);
    }
  };
  share("lambda", o.lambda, false);
  share("duplicateThreshold", o.duplicateThreshold, true);
  if (o.vectors && o.vectors.length !== passages.length) {
    throw errors.invalid("INVALID_OPTION", `vectors has ${o.vectors.length} entries for ${passages.length} passages`);
  }
  passages.forEach((p, i) => {
    if (!p || typeof p.text !== "string" || typeof p.score !== "number" || Number.isNaN(p.score)) {
      throw errors.invalid("INVALID_PASSAGES", `passage ${i + 1} needs a text and a numeric score`);
    }
  });
}

export function mmrSelect<T extends MmrItem>(passages: readonly T[], options: MmrOptions<T>): T[] {
  validate(passages, options);
  const lambda = options.lambda ?? 0.7;
  const dup = options.duplicateThreshold ?? 0.9;
  const n = passages.length;
  if (n === 0) return [];

  const tf: (TermVector | undefined)[] = new Array(n);
  const tfOf = options.termVectorOf ?? ((p: T) => termVectorOf(p.text));
  const sim = (i: number, j: number): number => {
    if (options.similarity) return options.similarity(passages[i]!, passages[j]!);
    const va = options.vectors?.[i];
    const vb = options.vectors?.[j];
    if (va && vb) return cosine(va, vb);
    tf[i] ??= tfOf(passages[i]!);
    tf[j] ??= tfOf(passages[j]!);
    return termCosine(tf[i]!, tf[j]!);
  };

  const scores = passages.map((p) => (Number.isFinite(p.score) ? p.score : p.score > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE));
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  const relevance = scores.map((s) => (hi === lo ? 1 : lo >= 0 ? s / hi : (s - lo) / (hi - lo)));

  const selected: number[] = [];
  const maxSim = new Array<number>(n).fill(0);
  const open = new Set(passages.keys());
  while (selected.length < options.k && open.size > 0) {
    let best = -1;
    let bestValue = -Infinity;
    for (const i of open) {
      const value = selected.length === 0 ? relevance[i]! : lambda * relevance[i]! - (1 - lambda) * maxSim[i]!;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    selected.push(best);
    open.delete(best);
    for (const i of [...open]) {
      const s = sim(i, best);
      if (s > dup) open.delete(i);
      else if (s > maxSim[i]!) maxSim[i] = s;
    }
  }
  return selected.map((i) => passages[i]!);
}
