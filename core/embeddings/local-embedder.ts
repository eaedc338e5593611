/**
 * The embedded default embedder: no model server, no download. A sentence vector is
 *   [ SIF-weighted average of GloVe word vectors, minus its first principal component | hashed char n-grams ]
 * each part L2-normalised, the n-gram part scaled by `ngramWeight`, the whole L2-normalised again.
 * SIF weight a/(a+p(w)) with p(w) from a Zipf prior over the GloVe frequency rank, blended with the corpus word
 * frequencies once fitted. The n-gram part (3-5 character grams plus the whole token, signed feature hashing)
 * lets out-of-vocabulary codes such as "SKU-1042" or "VB-14X" match each other.
 */
import type { Embedder } from "../ports/embedder";
import { errors } from "../errors";
import { tokenize } from "../text/tokenize";
import { ensureGloveBinary, loadGlove, type EnsureGloveOptions, type GloveStore } from "./glove-store";

/** JSON-able fitted state; `LocalEmbedder.fromState` on the same state gives identical vectors. */
export interface LocalEmbedderState {
  kind: "glove-sif";
  version: 1;
  /** SIF smoothing constant. */
  a: number;
  ngramBuckets: number;
  ngramWeight: number;
  /** Corpus token counts, [token, count] sorted by count desc then token (pruned to count >= 2, top 50k). */
  vocab: [string, number][];
  /** Tokens in the corpus (before pruning). */
  total: number;
  /** Unit first principal component of the corpus' SIF vectors, or null (too few texts / unfitted). */
  pc: number[] | null;
}

export interface LocalEmbedderOptions {
  a?: number;
  ngramBuckets?: number;
  ngramWeight?: number;
}

const PRIOR_MASS = 10_000; // corpus tokens at which corpus frequencies and the Zipf prior weigh the same
const MIN_TEXTS_FOR_PC = 20;
const MAX_FIT_TEXTS = 10_000;
const MAX_VOCAB = 50_000;
const CACHE_LIMIT = 100_000; // tokens whose lookups and n-grams are memoised
const SEPARATORS = /[-_.'/]/;

interface TokenInfo {
  /** GloVe indexes and SIF weights of the token (or of its parts when the whole token is unknown). */
  idx: number[];
  w: number[];
  /** Signed buckets (bucket + 1, negated for a negative sign) of the char grams, then of the whole token. */
  grams: Int32Array;
  /** Weight of each char gram and of the whole-token feature: half the token's n-gram energy each. */
  gw: number;
  ww: number;
  /** SIF weight of the whole token, and how much of it the word vectors cover (1 known, 0.5 by parts, 0 none). */
  sw: number;
  cover: number;
}

function hash8(s: string): string {
  return (Bun.hash.wyhash(s, 0n) & 0xffffffffn).toString(16).padStart(8, "0");
}

export function unfittedState(o: LocalEmbedderOptions = {}): LocalEmbedderState {
  return { kind: "glove-sif", version: 1, a: o.a ?? 1e-3, ngramBuckets: o.ngramBuckets ?? 128, ngramWeight: o.ngramWeight ?? 0.6, vocab: [], total: 0, pc: null };
}

function validState(s: unknown, dims: number): s is LocalEmbedderState {
  const x = s as LocalEmbedderState;
  return (
    !!x && x.kind === "glove-sif" && x.version === 1 && typeof x.a === "number" && x.a > 0 &&
    Number.isInteger(x.ngramBuckets) && x.ngramBuckets >= 0 && x.ngramBuckets <= 4096 &&
    typeof x.ngramWeight === "number" && x.ngramWeight >= 0 && Number.isFinite(x.total) && x.total >= 0 &&
    Array.isArray(x.vocab) && x.vocab.every((e) => Array.isArray(e) && typeof e[0] === "string" && typeof e[1] === "number") &&
    (x.pc === null || (Array.isArray(x.pc) && x.pc.length === dims && x.pc.every(Number.isFinite)))
  );
}

const sharedStores = new Map<string, Promise<GloveStore>>();

export class LocalEmbedder implements Embedder {
  private st!: LocalEmbedderState;
  private counts = new Map<string, number>();
  private pc: Float64Array | null = null;
  private cache = new Map<string, TokenInfo>();
  private harmonic: number;
  private currentId = "";

  constructor(readonly store: GloveStore, state: LocalEmbedderState | LocalEmbedderOptions = {}) {
    this.harmonic = Math.log(store.size) + 0.5772156649 + 1 / (2 * store.size);
    const isOptions = typeof state === "object" && state !== null && !("kind" in state);
    this.apply(isOptions ? unfittedState(state) : state);
  }

  /** Loads (converting once if needed) the GloVe binary in `cacheDir`, shared by every embedder of the process. */
  static async open(cacheDir: string, state?: LocalEmbedderState, glove?: EnsureGloveOptions): Promise<LocalEmbedder> {
    let p = sharedStores.get(cacheDir);
    if (!p) {
      p = ensureGloveBinary(cacheDir, glove).then(loadGlove);
      sharedStores.set(cacheDir, p);
      p.catch(() => sharedStores.delete(cacheDir));
    }
    return new LocalEmbedder(await p, state);
  }

  static fromState(store: GloveStore, state: LocalEmbedderState): LocalEmbedder {
    return new LocalEmbedder(store, state);
  }

  /** `glove-sif-100d+ng128:<hash8 of the state>`: changes whenever the fitted state does. */
  get id(): string {
    return this.currentId;
  }

  get dimension(): number {
    return this.store.dimension + this.st.ngramBuckets;
  }

  get fitted(): boolean {
    return this.st.total > 0;
  }

  state(): LocalEmbedderState {
    return structuredClone(this.st);
  }

  private apply(s: unknown): void {
    if (!validState(s, this.store.dimension))
      throw errors.invalid("EMBEDDER_STATE_INVALID", "local embedder state is malformed or was fitted on other word vectors");
    const st = structuredClone(s);
    this.st = st;
    this.counts = new Map(st.vocab);
    this.pc = st.pc ? Float64Array.from(st.pc) : null;
    this.cache = new Map();
    // Hash a fixed field order: the state may come back from a JSONB column with its keys reordered.
    const canonical = JSON.stringify([st.kind, st.version, st.a, st.ngramBuckets, st.ngramWeight, st.vocab, st.total, st.pc]);
    this.currentId = `glove-sif-${this.store.dimension}d+ng${st.ngramBuckets}:${hash8(canonical)}`;
  }

  /** SIF weight a/(a+p): p blends the corpus frequency with a Zipf prior over the GloVe rank. */
  private weight(token: string, rank: number): number {
    const prior = 1 / ((rank < 0 ? this.store.size : rank + 1) * this.harmonic);
    const { total, a } = this.st;
    const lambda = total / (total + PRIOR_MASS);
    const p = total > 0 ? lambda * ((this.counts.get(token) ?? 0) / total) + (1 - lambda) * prior : prior;
    return a / (a + p);
  }

  private info(token: string): TokenInfo {
    let t = this.cache.get(token);
    if (t) return t;
    const idx: number[] = [];
    const w: number[] = [];
    const rank = this.store.indexOf(token);
    if (rank >= 0) {
      idx.push(rank);
      w.push(this.weight(token, rank));
    } else if (SEPARATORS.test(token)) {
      for (const part of token.split(SEPARATORS)) {
        const r = part ? this.store.indexOf(part) : -1;
        if (r >= 0) {
          idx.push(r);
          w.push(this.weight(part, r));
        }
      }
    }
    const grams = this.grams(token);
    const sw = this.weight(token, rank);
    const n = Math.max(1, grams.length - 1);
    t = { idx, w, grams, gw: sw / Math.sqrt(2 * n), ww: sw / Math.SQRT2, sw, cover: rank >= 0 ? 1 : idx.length ? 0.5 : 0 };
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(token, t);
    return t;
  }

  /** Character 3-5 grams of "<token>" plus the whole token, hashed (FNV-1a) into signed buckets. */
  private grams(token: string): Int32Array {
    const B = this.st.ngramBuckets;
    if (B === 0) return new Int32Array(0);
    const s = `<${token}>`;
    const out: number[] = [];
    const add = (h: number) => out.push((((h >>> 0) % B) + 1) * ((h >>> 0) & 0x80000000 ? -1 : 1));
    for (let n = 3; n <= 5; n++) {
      for (let i = 0; i + n <= s.length; i++) {
        let h = 0x811c9dc5;
        for (let k = i; k < i + n; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
        add(h);
      }
    }
    let h = 0x9e3779b9; // whole-token feature, seeded apart from the grams
    for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
    add(h);
    return Int32Array.from(out);
  }

  /** The SIF average of the word vectors (no PC removal), written into `acc`. */
  private wordPart(tokens: string[], acc: Float64Array): void {
    acc.fill(0);
    for (const tok of tokens) {
      const t = this.info(tok);
      for (let k = 0; k < t.idx.length; k++) this.store.addTo(t.idx[k]!, t.w[k]!, acc);
    }
    if (tokens.length) for (let d = 0; d < acc.length; d++) acc[d]! /= tokens.length;
  }

  /** One text to a vector. Text without any token gives the all-zero vector (never NaN). */
  embedOne(text: string): Float32Array {
    const D = this.store.dimension;
    const B = this.st.ngramBuckets;
    const tokens = tokenize(text);
    const word = new Float64Array(D);
    this.wordPart(tokens, word);
    if (this.pc) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += word[d]! * this.pc[d]!;
      for (let d = 0; d < D; d++) word[d]! -= dot * this.pc[d]!;
    }
    const ng = new Float64Array(B);
    let covered = 0;
    let mass = 0;
    for (const tok of tokens) {
      const t = this.info(tok);
      covered += t.sw * t.cover;
      mass += t.sw;
      for (let k = 0, last = t.grams.length - 1; k <= last; k++) {
        const g = t.grams[k]!;
        const gw = k === last ? t.ww : t.gw;
        if (g > 0) ng[g - 1]! += gw;
        else ng[-g - 1]! -= gw;
      }
    }
    const out = new Float32Array(D + B);
    const wn = norm(word);
    const nn = norm(ng);
    // The word part counts in proportion to the weight the word vectors cover, so a text made of unknown
    // codes ("VB-14X") is matched mostly by its n-grams.
    const scaleW = wn > 1e-12 && mass > 0 ? covered / mass / wn : 0;
    const scaleN = nn > 1e-12 ? this.st.ngramWeight / nn : 0;
    for (let d = 0; d < D; d++) out[d] = word[d]! * scaleW;
    for (let b = 0; b < B; b++) out[D + b] = ng[b]! * scaleN;
    const on = norm(out);
    if (on > 0) for (let i = 0; i < out.length; i++) out[i]! /= on;
    return out;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string"))
      throw errors.invalid("EMBED_INPUT_INVALID", "embed() takes an array of strings");
    for (;;) {
      const id = this.currentId;
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i++) {
        if (i % 64 === 0) {
          signal?.throwIfAborted();
          if (i > 0) await new Promise((r) => setImmediate(r)); // let the server breathe during big batches
        }
        out.push(this.embedOne(texts[i]!));
      }
      signal?.throwIfAborted();
      if (this.currentId === id) return out; // else a fit() finished meanwhile: never mix two states in one batch
    }
  }

  /**
   * Fits word probabilities and the principal component on `corpus` and switches to the new state (the id
   * changes). Returns the state to persist. Fewer than 20 texts: frequencies only, no PC removal.
   */
  async fit(corpus: string[], signal?: AbortSignal): Promise<LocalEmbedderState> {
    if (!Array.isArray(corpus) || corpus.some((t) => typeof t !== "string"))
      throw errors.invalid("EMBEDDER_FIT_INPUT_INVALID", "fit() takes an array of strings");
    const counts = new Map<string, number>();
    let total = 0;
    const tokenized: string[][] = [];
    const stride = Math.max(1, corpus.length / MAX_FIT_TEXTS);
    for (let i = 0; i < corpus.length; i++) {
      if (i % 256 === 0) {
        signal?.throwIfAborted();
        if (i > 0) await new Promise((r) => setImmediate(r));
      }
      const tokens = tokenize(corpus[i]!);
      if (Math.floor(i / stride) !== Math.floor((i - 1) / stride) || i === 0) tokenized.push(tokens);
      for (const tok of tokens) {
        total++;
        counts.set(tok, (counts.get(tok) ?? 0) + 1);
        if (SEPARATORS.test(tok) && this.store.indexOf(tok) < 0)
          for (const part of tok.split(SEPARATORS)) if (part) counts.set(part, (counts.get(part) ?? 0) + 1);
      }
    }
    const vocab = [...counts]
      .filter(([, c]) => c >= 2)
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
      .slice(0, MAX_VOCAB);
    const next: LocalEmbedderState = { ...this.st, vocab, total, pc: null };
    if (tokenized.filter((t) => t.length > 0).length >= MIN_TEXTS_FOR_PC) {
      const probe = new LocalEmbedder(this.store, next); // weights of the new state, no PC yet
      next.pc = await probe.principalComponent(tokenized, signal);
    }
    this.apply(next);
    return this.state();
  }

  /** First principal component (uncentred, as in SIF) of the texts' word parts, by power iteration. */
  private async principalComponent(texts: string[][], signal?: AbortSignal): Promise<number[] | null> {
    const D = this.store.dimension;
    const cov = new Float64Array(D * D);
    const v = new Float64Array(D);
    for (let i = 0; i < texts.length; i++) {
      if (i % 256 === 0) {
        signal?.throwIfAborted();
        if (i > 0) await new Promise((r) => setImmediate(r));
      }
      this.wordPart(texts[i]!, v);
      for (let r = 0; r < D; r++) {
        const vr = v[r]!;
        if (vr !== 0) for (let c = 0; c < D; c++) cov[r * D + c]! += vr * v[c]!;
      }
    }
    let u = new Float64Array(D).fill(1 / Math.sqrt(D));
    for (let it = 0; it < 200; it++) {
      const next = new Float64Array(D);
      for (let r = 0; r < D; r++) {
        let s = 0;
        for (let c = 0; c < D; c++) s += cov[r * D + c]! * u[c]!;
        next[r] = s;
      }
      const n = norm(next);
      if (n < 1e-12) return null;
      for (let d = 0; d < D; d++) next[d]! /= n;
      let delta = 0;
      for (let d = 0; d < D; d++) delta = Math.max(delta, Math.abs(next[d]! - u[d]!));
      u = next;
      if (delta < 1e-10) break;
    }
    // Deterministic sign: the largest component is positive.
    let big = 0;
    for (let d = 1; d < D; d++) if (Math.abs(u[d]!) > Math.abs(u[big]!)) big = d;
    const sign = u[big]! < 0 ? -1 : 1;
    return Array.from(u, (x) => x * sign);
  }
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}
