/**
 * KeywordIndex with Okapi BM25 over typed-array posting lists and top-k selection, one index per tenant in each
 * replica (rebuilt from the chunk table at start, updated on ingest and delete).
 *
 * Why not MiniSearch (the stack's default keyword library, still available as KEYWORD_INDEX=minisearch):
 * MiniSearch builds a result object for every matching document, so a query with a common word ("order") over
 * 50,000 chunks costs ~90 ms of the single JS thread and caps a replica at ~10 searches/s (BENCHMARKS.md). Here a
 * query costs one pass over the query terms' postings into a dense score array, then a bounded heap.
 *
 * Fields (title 2, section 1.5, text 1) are scored separately, each with its own document frequency, average
 * length and saturation, and summed with their weights (an optional BM25+ delta is off by default: it lost
 * nDCG on StackFAQ). Per-field counts are packed into one 32-bit value per posting (8/8/16 bits).
 *
 * For short, misspelled user questions against FAQ-form knowledge bases (bench/faq-retrieval.ts):
 * - terms: possessives lose their "'s" and compound words also index their parts ("sign-up" -> sign-up, sign,
 *   up, signup), see forEachTerm; phrasal-verb particles and negations are not stop words (KEYWORD_STOP_WORDS);
 * - a query term absent from the vocabulary (5+ characters) is matched, weighted down, by the most frequent
 *   vocabulary term one edit away (a typo fallback; a term that is in the vocabulary never gets one);
 * - a mild coordination factor: score x (distinct query terms matched)^0.25, so matching more of the question
 *   beats repeating one of its words (MiniSearch multiplies by the count itself).
 */
import type { DocumentSelector, IndexFilter, IndexHit, IndexedChunkMeta } from "../ports/filters";
import type { KeywordDoc, KeywordIndex } from "../ports/keyword-index";
import { stem } from "../text/stem";
import { STOP_WORDS, tokenize } from "../text/tokenize";
import { matchesFilter } from "./filter-sql";
import { grow, MinHeap } from "./top-k";

const FIELDS = ["title", "section", "text"] as const;
const WEIGHTS = [2, 1.5, 1] as const;

/**
 * STOP_WORDS except phrasal-verb particles and negations, which change what a support question asks ("log in" /
 * "log out", "sign up", "turn off", "not working"). A generic English class, not taken from any question set.
 */
export const KEYWORD_STOP_WORDS: ReadonlySet<string> = new Set([...STOP_WORDS].filter((w) => !["up", "down", "in", "out", "on", "off", "over", "no", "not"].includes(w)));
const pack = (t: number, s: number, x: number) => ((Math.min(t, 255) << 24) | (Math.min(s, 255) << 16) | Math.min(x, 65535)) >>> 0;

export interface Bm25Options {
  /** A query naming an identifier the index has (isIdentifier: an order number, a SKU) only matches chunks with it. */
  identifiers?: boolean;
  k1?: number;
  b?: number;
  /** BM25+ lower bound: every matching term adds at least idf*delta (rewards matching more query terms). */
  delta?: number;
  /** Field weights [title, section, text]. */
  weights?: readonly [number, number, number];
  /** A chunk's score is multiplied by (distinct query terms it matches)^coordination (MiniSearch uses 1). */
  coordination?: number;
  /** Typo fallback for query terms absent from the vocabulary: vocabulary terms at edit distance 1, weighted down. */
  fuzzy?: FuzzyOptions | false;
  /** Possessives and the parts of compound words as terms (see forEachTerm). */
  words?: boolean;
  stopWords?: ReadonlySet<string>;
}

/**
 * Defaults chosen with bench/faq-retrieval.ts --ablation on the TUNING halves only (StackFAQ even threads,
 * bitext-faq 80% of queries; figures in bench/faq-retrieval.md): each of words, the stop-word list, the typo
 * fallback and coordination raised nDCG@10 on both tuning halves (the stop-word list only ties on StackFAQ).
 * Fuzzy weight 0.3-0.8 and minimum length 4-6 were within 0.001 of each other there; 0.5 and 5 are the
 * conservative middle. Coordination 0.25 beat 0 on both, tied 0.5 on StackFAQ and beat it on bitext-faq; 1
 * (MiniSearch's) lost on both. The title weight stays 2: lower weights won on these tuning halves, but
 * there bare MiniSearch also loses with a title boost, while on the real FAQ set it gains (0.70 -> 0.74), so
 * these sets do not speak for the title of a real FAQ.
 */
export const BM25_DEFAULTS: Required<Bm25Options> = {
  k1: 1.2,
  b: 0.75,
  delta: 0,
  weights: WEIGHTS,
  coordination: 0.25,
  fuzzy: { minLength: 5, weight: 0.5 },
  identifiers: true,
  words: true,
  stopWords: KEYWORD_STOP_WORDS,
};

/** The options of the index before FAQ tuning (bench/faq-retrieval.ts compares against them). */
export const BM25_PLAIN: Bm25Options = { coordination: 0, fuzzy: false, words: false, stopWords: STOP_WORDS, identifiers: false };

export interface FuzzyOptions {
  /** Only query terms (as typed) at least this long get a fallback. */
  minLength: number;
  /** Multiplies the score of a fallback term. */
  weight: number;
}

interface Postings {
  slots: Int32Array;
  tfs: Uint32Array;
  n: number;
  /** Live documents containing the term, per field [title, section, text]. */
  df: [number, number, number];
  /** Live documents containing the term in any field. */
  live: number;
}

interface Doc extends IndexedChunkMeta {
  terms: Postings[];
  /** Packed per-field counts, aligned with `terms`. */
  packed: number[];
}

/** Index terms of a text: tokenised, stop words dropped, Porter-stemmed (codes kept verbatim). */
export function indexTerms(text: string, words = true, stop: ReadonlySet<string> = KEYWORD_STOP_WORDS): string[] {
  const out: string[] = [];
  forEachTerm(text, words, stop, (term) => out.push(term));
  return out;
}

const POSSESSIVE = /'s?$/;
const JOINERS = /[-_./']+/;

/**
 * Calls `emit(term, token)` for each index term of `text`. With `words`, a possessive loses its "'s" ("company's"
 * is "company"), and a compound word without digits ("sign-up", "e-mail", "settings/privacy") also yields its
 * parts of 2+ characters and, when hyphenated, the parts joined ("signup", "email"); codes with digits
 * ("SKU-1042") stay one verbatim term.
 */
export function forEachTerm(text: string, words: boolean, stop: ReadonlySet<string>, emit: (term: string, token: string) => void): void {
  for (let t of tokenize(text)) {
    if (stop.has(t)) continue;
    if (words && t.length > 2 && POSSESSIVE.test(t)) {
      t = t.replace(POSSESSIVE, "");
      if (stop.has(t)) continue;
    }
    emit(stem(t), t);
    if (!words || !JOINERS.test(t) || /\d/.test(t)) continue;
    const parts = t.split(JOINERS);
    for (const part of parts) if (part.length > 1 && !stop.has(part)) emit(stem(part), part);
    if (t.includes("-")) {
      const joined = parts.join("");
      emit(stem(joined), joined);
    }
  }
}

class TenantBm25 {
  private docs: (Doc | null)[] = [];
  /** Field lengths per slot: [title, section, text] at 3*slot. */
  private lens = new Float32Array(3 * 1024);
  private readonly fieldTotals = [0, 0, 0];
  private readonly slotOf = new Map<string, number>();
  private readonly terms = new Map<string, Postings>();
  private live = 0;
  private dead = 0;
  private scores = new Float32Array(1024);

  /** Distinct query terms matched per slot (for coordination). */
  private matched = new Uint16Array(1024);

  constructor(private readonly opts: Required<Bm25Options>) {}

  get size(): number {
    return this.live;
  }

  add(d: KeywordDoc): void {
    if (this.slotOf.has(d.id)) this.removeSlot(this.slotOf.get(d.id)!);
    const tf = new Map<string, [number, number, number]>();
    const len = [0, 0, 0];
    FIELDS.forEach((field, f) => {
      for (const term of indexTerms(d[field], this.opts.words, this.opts.stopWords)) {
        let counts = tf.get(term);
        if (!counts) tf.set(term, (counts = [0, 0, 0]));
        counts[f]!++;
        len[f]!++;
      }
    });
    const slot = this.docs.length;
    if (3 * slot + 3 > this.lens.length) {
      this.lens = grow(this.lens, 3 * slot + 3);
      this.scores = new Float32Array(this.lens.length / 3);
      this.matched = new Uint16Array(this.lens.length / 3);
    }
    const doc: Doc = { id: d.id, tenantId: d.tenantId, documentId: d.documentId, version: d.version, docType: d.docType, source: d.source, tags: d.tags, terms: [], packed: [] };
    for (const [term, [t, sec, x]] of tf) {
      let p = this.terms.get(term);
      if (!p) this.terms.set(term, (p = { slots: new Int32Array(4), tfs: new Uint32Array(4), n: 0, df: [0, 0, 0], live: 0 }));
      if (p.n === p.slots.length) {
        p.slots = grow(p.slots, p.n + 1);
        p.tfs = grow(p.tfs, p.n + 1);
      }
      p.slots[p.n] = slot;
      const packed = pack(t, sec, x);
      p.tfs[p.n] = packed;
      p.n++;
      p.live++;
      if (t) p.df[0]++;
      if (sec) p.df[1]++;
      if (x) p.df[2]++;
      doc.terms.push(p);
      doc.packed.push(packed);
    }
    this.docs.push(doc);
    for (let f = 0; f < 3; f++) {
      this.lens[3 * slot + f] = len[f]!;
      this.fieldTotals[f]! += len[f]!;
    }
    this.slotOf.set(d.id, slot);
    this.live++;
  }

  remove(match: (d: Doc) => boolean): void {
    for (let slot = 0; slot < this.docs.length; slot++) {
      const d = this.docs[slot];
      if (d && match(d)) this.removeSlot(slot);
    }
    // Dead postings cost time on every query that touches them: compact once they are a quarter of the index.
    if (this.dead > 1000 && this.dead > this.live / 3) this.compact();
  }

  search(query: string, k: number, filter: IndexFilter): IndexHit[] {
    if (!this.live) return [];
    const { k1, b, delta, weights, coordination, fuzzy, words, stopWords } = this.opts;
    const { lens, scores, matched } = this;
    const avg = this.fieldTotals.map((t) => t / this.live || 1);
    const touched: number[] = [];
    const count = coordination !== 0;
    const anyDead = this.dead > 0;
    // The query's posting lists and weights first (exact terms, then typo stand-ins), then one scoring loop.
    const lists: Postings[] = [];
    const listWeights: number[] = [];
    const exact = new Set<string>();
    const unknown: string[] = [];
    // An identifier the index knows (an order number, a SKU) makes the query a lookup: only chunks that have it.
    let required: Postings | undefined;
    forEachTerm(query, words, stopWords, (term, token) => {
      if (exact.has(term)) return;
      exact.add(term);
      const p = this.terms.get(term);
      if (p && p.live) {
        if (this.opts.identifiers && isIdentifier(term) && (!required || p.live < required.live)) required = p;
        lists.push(p);
        listWeights.push(1);
      } else if (fuzzy && token.length >= fuzzy.minLength && /^[a-z]+$/.test(term)) unknown.push(term);
    });
    // A query term not in the vocabulary is likely a typo: the most frequent live vocabulary term one edit away
    // (not one the query has itself) stands in for it, weighted down.
    for (const term of unknown) {
      let best: Postings | undefined;
      let bestTerm = "";
      for (const alt of editsOne(term)) {
        const p = exact.has(alt) ? undefined : this.terms.get(alt);
        if (p && p.live && (!best || p.live > best.live || (p.live === best.live && alt < bestTerm))) {
          best = p;
          bestTerm = alt;
        }
      }
      if (best) {
        exact.add(bestTerm);
        lists.push(best);
        listWeights.push((fuzzy as FuzzyOptions).weight);
      }
    }
    // A posting list holds a chunk once, and each list stands for one query term: one list, one count.
    for (let t = 0; t < lists.length; t++) {
      const p = lists[t]!;
      const w = listWeights[t]!;
      const idf = p.df.map((df, f) => w * weights[f]! * Math.log(1 + (this.live - df + 0.5) / (df + 0.5)));
      const { slots, tfs, n } = p;
      for (let i = 0; i < n; i++) {
        const slot = slots[i]!;
        if (anyDead && this.docs[slot] === null) continue;
        const packed = tfs[i]!;
        const o = 3 * slot;
        const tfT = packed >>> 24;
        const tfS = (packed >>> 16) & 0xff;
        const tfX = packed & 0xffff;
        let score = 0;
        if (tfT) score += idf[0]! * (delta + (tfT * (k1 + 1)) / (tfT + k1 * (1 - b + (b * lens[o]!) / avg[0]!)));
        if (tfS) score += idf[1]! * (delta + (tfS * (k1 + 1)) / (tfS + k1 * (1 - b + (b * lens[o + 1]!) / avg[1]!)));
        if (tfX) score += idf[2]! * (delta + (tfX * (k1 + 1)) / (tfX + k1 * (1 - b + (b * lens[o + 2]!) / avg[2]!)));
        if (scores[slot] === 0) touched.push(slot);
        scores[slot]! += score;
        if (count) matched[slot]!++;
      }
    }
    let keep: Set<number> | undefined;
    if (required) {
      keep = new Set<number>();
      for (let i = 0; i < required.n; i++) keep.add(required.slots[i]!);
    }
    const coord = this.coordTable(coordination);
    const plain = !filter.docTypes?.length && !filter.sources?.length && !filter.tags?.length && !filter.documentIds?.length;
    const heap = new MinHeap(k);
    for (const slot of touched) {
      const m = matched[slot]!;
      const s = count ? scores[slot]! * (m < coord.length ? coord[m]! : Math.pow(m, coordination)) : scores[slot]!;
      scores[slot] = 0;
      matched[slot] = 0;
      if (keep && !keep.has(slot)) continue;
      if (!heap.wouldAccept(s)) continue;
      if (!plain && !matchesFilter(this.docs[slot]!, filter)) continue;
      heap.push(slot, s);
    }
    return heap.sortedDesc().map(([slot, score]) => {
      const d = this.docs[slot]!;
      return { id: d.id, documentId: d.documentId, version: d.version, score };
    });
  }

  private coordCache?: { c: number; table: Float64Array };
  /** m^coordination for m < 32, computed once. */
  private coordTable(c: number): Float64Array {
    if (this.coordCache?.c !== c) this.coordCache = { c, table: Float64Array.from({ length: 32 }, (_, m) => Math.pow(m, c)) };
    return this.coordCache.table;
  }

  docsMatching(sel: DocumentSelector): (d: Doc) => boolean {
    return (d) =>
      d.documentId === sel.documentId &&
      (!sel.versions || sel.versions.includes(d.version)) &&
      (sel.exceptVersion === undefined || d.version !== sel.exceptVersion);
  }

  private removeSlot(slot: number): void {
    const d = this.docs[slot];
    if (!d) return;
    d.terms.forEach((p, i) => {
      const packed = d.packed[i]!;
      p.live--;
      if (packed >>> 24) p.df[0]--;
      if ((packed >>> 16) & 0xff) p.df[1]--;
      if (packed & 0xffff) p.df[2]--;
    });
    this.docs[slot] = null;
    this.slotOf.delete(d.id);
    for (let f = 0; f < 3; f++) this.fieldTotals[f]! -= this.lens[3 * slot + f]!;
    this.live--;
    this.dead++;
  }

  /** Drops postings of removed documents (slots stay stable; dead slots are just no longer referenced). */
  private compact(): void {
    for (const [term, p] of this.terms) {
      let w = 0;
      for (let i = 0; i < p.n; i++) {
        if (this.docs[p.slots[i]!] === null) continue;
        p.slots[w] = p.slots[i]!;
        p.tfs[w] = p.tfs[i]!;
        w++;
      }
      p.n = w;
      if (!w) this.terms.delete(term);
    }
    this.dead = 0;
  }
}

export class Bm25KeywordIndex implements KeywordIndex {
  private readonly byTenant = new Map<string, TenantBm25>();
  private readonly opts: Required<Bm25Options>;

  constructor(opts: Bm25Options = {}) {
    const set = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.opts = { ...BM25_DEFAULTS, ...set };
  }

  async add(docs: KeywordDoc[]): Promise<void> {
    for (const d of docs) {
      let t = this.byTenant.get(d.tenantId);
      if (!t) this.byTenant.set(d.tenantId, (t = new TenantBm25(this.opts)));
      t.add(d);
    }
  }

  async search(query: string, k: number, filter: IndexFilter): Promise<IndexHit[]> {
    return this.byTenant.get(filter.tenantId)?.search(query, k, filter) ?? [];
  }

  async remove(sel: DocumentSelector): Promise<void> {
    const t = this.byTenant.get(sel.tenantId);
    t?.remove(t.docsMatching(sel));
  }

  async count(tenantId?: string): Promise<number> {
    if (tenantId !== undefined) return this.byTenant.get(tenantId)?.size ?? 0;
    let n = 0;
    for (const t of this.byTenant.values()) n += t.size;
    return n;
  }

  clear(): void {
    this.byTenant.clear();
  }
}

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

/** Distinct strings one deletion, transposition, substitution or insertion (a-z) away from `w`. */
export function editsOne(w: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i <= w.length; i++) {
    const head = w.slice(0, i);
    const tail = w.slice(i);
    if (tail) out.add(head + tail.slice(1));
    if (tail.length > 1) out.add(head + tail[1] + tail[0] + tail.slice(2));
    for (const c of LETTERS) {
      if (tail && c !== tail[0]) out.add(head + c + tail.slice(1));
      out.add(head + c + tail);
    }
  }
  out.delete(w);
  return out;
}

/** Code-like terms: at least two letters and four digits ("vm-100209", "sku12345", "vm-tv-5201"; not "1080p", "4k"). */
export function isIdentifier(term: string): boolean {
  let letters = 0;
  let digits = 0;
  for (const ch of term) {
    if (ch >= "0" && ch <= "9") digits++;
    else if (ch >= "a" && ch <= "z") letters++;
  }
  return letters >= 2 && digits >= 4;
}
