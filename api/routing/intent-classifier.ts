/**
 * The intent classifier over sentence-encoder vectors (L2-normalised, e.g. Universal Sentence Encoder lite).
 *
 * Two scorers, trained from the same labelled examples:
 *   - a multinomial logistic regression (softmax over one weight vector per intent, L2-regularised, trained with
 *     Adam on mini-batches): the probabilities are the confidence, sharpened or flattened by a temperature fitted on
 *     the predictions of a second model for a held-back share of the examples (so "0.8" means right about 80% of the time on examples it was not trained on);
 *   - the nearest examples (cosine): the best similarity to any example of the winning intent decides out-of-scope
 *     rejection, because a probability over known intents is high even for a message none of them covers.
 * A message is out of scope when the winning intent's nearest example is below `minSimilarity` (or the intent's own
 * threshold) or its probability is below `minConfidence`.
 *
 * Pure arithmetic over Float32Arrays; no encoder calls here (the router embeds), so it is testable with any vectors.
 */
import { seededRandom } from "../../core/numeric";
import { LEXICAL_BUCKETS, type SparseVector } from "./lexical-features";

export interface LabelledVector {
  label: string;
  vector: Float32Array;
  /** Hashed lexical features (lexical-features.ts); used when every example has them. */
  lexical?: SparseVector;
}

/** What the classifier scores: the encoder's vector and, for a model trained with them, the lexical features. */
export interface Features {
  vector: Float32Array;
  lexical?: SparseVector;
}

export interface TrainOptions {
  /** Passes over the data (default 60). */
  epochs?: number;
  /** Adam step size (default 0.05). */
  learningRate?: number;
  /** L2 weight penalty (default 1e-4). */
  l2?: number;
  batchSize?: number;
  /** Share of the examples held back to fit the temperature on (0: temperature 1; default 0.2). */
  calibrationShare?: number;
  /** Seed of the shuffles (default 1): the same data trains the same model. */
  seed?: number;
  /** Hash buckets of the lexical features (must match lexical-features.ts; default LEXICAL_BUCKETS). */
  lexicalBuckets?: number;
}

export interface ScoredIntent {
  intent: string;
  /** Calibrated probability over the known intents. */
  confidence: number;
  /** Cosine to the intent's nearest example. */
  similarity: number;
}

export interface Classification {
  /** Ranked, best first (all known intents). */
  ranked: ScoredIntent[];
}

const rng = seededRandom;

function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

const dot = (a: Float32Array, b: Float32Array, bOffset = 0): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[bOffset + i]!;
  return s;
};

/**
 * Weights of a softmax regression: row c of `w` (dimension d) and bias `b[c]` score class c; with lexical
 * features, `u` (h buckets x classes, bucket-major) adds their part.
 */
interface Softmax {
  w: Float32Array;
  b: Float32Array;
  d: number;
  classes: number;
  u?: Float32Array;
  h: number;
}

function logits(m: Softmax, x: Features, out: Float64Array): void {
  for (let c = 0; c < m.classes; c++) out[c] = dot(x.vector, m.w, c * m.d) + m.b[c]!;
  if (m.u && x.lexical) {
    // Bucket-major: a bucket's weights for every class are adjacent (one cache line per feature, not per class).
    const { index, value } = x.lexical;
    for (let k = 0; k < index.length; k++) {
      const off = index[k]! * m.classes;
      for (let c = 0; c < m.classes; c++) out[c]! += m.u[off + c]! * value[k]!;
    }
  }
}

function softmaxInPlace(z: Float64Array, temperature = 1): void {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v / temperature);
  let sum = 0;
  for (let i = 0; i < z.length; i++) sum += z[i] = Math.exp(z[i]! / temperature - max);
  for (let i = 0; i < z.length; i++) z[i]! /= sum;
}

function trainSoftmax(xs: Features[], ys: number[], classes: number, o: Required<TrainOptions>): Softmax {
  const d = xs[0]!.vector.length;
  const lexical = xs.every((x) => x.lexical);
  const h = o.lexicalBuckets;
  const m: Softmax = { w: new Float32Array(classes * d), b: new Float32Array(classes), d, classes, h, ...(lexical ? { u: new Float32Array(classes * h) } : {}) };
  // Lazy Adam for the sparse weights: only the buckets a batch touched are updated.
  const mu = lexical ? new Float32Array(classes * h) : undefined, vu = lexical ? new Float32Array(classes * h) : undefined;
  const gu = lexical ? new Float32Array(classes * h) : undefined;
  const touched = new Set<number>();
  const n = xs.length;
  // Adam state.
  const mw = new Float32Array(m.w.length), vw = new Float32Array(m.w.length);
  const mb = new Float32Array(classes), vb = new Float32Array(classes);
  const gw = new Float32Array(m.w.length), gb = new Float32Array(classes);
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const rand = rng(o.seed);
  const order = Array.from({ length: n }, (_, i) => i);
  const p = new Float64Array(classes);
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, rand);
    for (let start = 0; start < n; start += o.batchSize) {
      const batch = order.slice(start, start + o.batchSize);
      gw.fill(0);
      gb.fill(0);
      touched.clear();
      for (const i of batch) {
        const f = xs[i]!;
        const x = f.vector;
        logits(m, f, p);
        softmaxInPlace(p);
        p[ys[i]!]! -= 1;
        for (let c = 0; c < classes; c++) {
          const g = p[c]!;
          if (Math.abs(g) < 1e-6) continue;
          gb[c]! += g;
          const off = c * d;
          for (let k = 0; k < d; k++) gw[off + k]! += g * x[k]!;
        }
        if (gu && f.lexical) {
          const { index, value } = f.lexical;
          for (let k = 0; k < index.length; k++) {
            const off = index[k]! * classes;
            touched.add(index[k]!);
            for (let c = 0; c < classes; c++) gu[off + c]! += p[c]! * value[k]!;
          }
        }
      }
      step++;
      const scale = 1 / batch.length;
      const lr = o.learningRate * Math.sqrt(1 - b2 ** step) / (1 - b1 ** step);
      for (let k = 0; k < m.w.length; k++) {
        const g = gw[k]! * scale + o.l2 * m.w[k]!;
        mw[k] = b1 * mw[k]! + (1 - b1) * g;
        vw[k] = b2 * vw[k]! + (1 - b2) * g * g;
        m.w[k]! -= (lr * mw[k]!) / (Math.sqrt(vw[k]!) + eps);
      }
      for (let c = 0; c < classes; c++) {
        const g = gb[c]! * scale;
        mb[c] = b1 * mb[c]! + (1 - b1) * g;
        vb[c] = b2 * vb[c]! + (1 - b2) * g * g;
        m.b[c]! -= (lr * mb[c]!) / (Math.sqrt(vb[c]!) + eps);
      }
      if (m.u && gu && mu && vu)
        for (const bkt of touched)
          for (let c = 0; c < classes; c++) {
            const k = bkt * classes + c;
            const g = gu[k]! * scale;
            gu[k] = 0;
            mu[k] = b1 * mu[k]! + (1 - b1) * g;
            vu[k] = b2 * vu[k]! + (1 - b2) * g * g;
            m.u[k]! -= (lr * mu[k]!) / (Math.sqrt(vu[k]!) + eps);
          }
    }
  }
  return m;
}

/** The temperature minimising the negative log-likelihood of out-of-fold logits (golden-section search on log T). */
function fitTemperature(z: Float64Array[], ys: number[]): number {
  const nll = (t: number) => {
    let s = 0;
    for (let i = 0; i < z.length; i++) {
      const p = Float64Array.from(z[i]!);
      softmaxInPlace(p, t);
      s -= Math.log(Math.max(p[ys[i]!]!, 1e-12));
    }
    return s;
  };
  let lo = Math.log(0.05), hi = Math.log(20);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 40; it++) {
    const a = hi - g * (hi - lo), b = lo + g * (hi - lo);
    if (nll(Math.exp(a)) < nll(Math.exp(b))) hi = b;
    else lo = a;
  }
  return Math.exp((lo + hi) / 2);
}

const DEFAULTS: Required<TrainOptions> = { epochs: 15, learningRate: 0.02, l2: 0, batchSize: 32, calibrationShare: 0.2, seed: 1, lexicalBuckets: LEXICAL_BUCKETS };

export class IntentClassifier {
  private constructor(
    readonly labels: string[],
    private readonly model: Softmax,
    readonly temperature: number,
    /** The examples by label index, for nearest-example similarity. */
    private readonly examples: Float32Array[][],
  ) {}

  static train(data: LabelledVector[], options: TrainOptions = {}): IntentClassifier {
    if (data.length === 0) throw new Error("an intent classifier needs at least one example");
    const o = { ...DEFAULTS, ...options };
    const labels = [...new Set(data.map((e) => e.label))].sort();
    const index = new Map(labels.map((l, i) => [l, i]));
    const xs: Features[] = data.map((e) => ({ vector: e.vector, ...(e.lexical ? { lexical: e.lexical } : {}) }));
    const ys = data.map((e) => index.get(e.label)!);
    const examples = labels.map(() => [] as Float32Array[]);
    data.forEach((e, i) => examples[ys[i]!]!.push(e.vector));
    if (labels.length === 1) return new IntentClassifier(labels, { w: new Float32Array(xs[0]!.vector.length), b: new Float32Array(1), d: xs[0]!.vector.length, classes: 1, h: 0 }, 1, examples);
    const model = trainSoftmax(xs, ys, labels.length, o);
    let temperature = 1;
    if (o.calibrationShare > 0 && data.length * o.calibrationShare >= 2 * labels.length) {
      // Logits of held-back examples from a model that did not see them (a fixed share, by the seed).
      const order = shuffle(Array.from({ length: data.length }, (_, i) => i), rng(o.seed + 7));
      const k = Math.floor(data.length * o.calibrationShare);
      const held = order.slice(0, k), rest = order.slice(k);
      const fm = trainSoftmax(rest.map((i) => xs[i]!), rest.map((i) => ys[i]!), labels.length, o);
      const z = held.map((i) => {
        const out = new Float64Array(labels.length);
        logits(fm, xs[i]!, out);
        return out;
      });
      temperature = fitTemperature(z, held.map((i) => ys[i]!));
    }
    return new IntentClassifier(labels, model, temperature, examples);
  }

  classify(features: Features): Classification {
    const vector = features.vector;
    const p = new Float64Array(this.labels.length);
    if (this.labels.length > 1) {
      logits(this.model, features, p);
      softmaxInPlace(p, this.temperature);
    } else p[0] = 1;
    const ranked = this.labels.map((intent, c) => {
      let similarity = -1;
      for (const e of this.examples[c]!) similarity = Math.max(similarity, dot(vector, e));
      return { intent, confidence: p[c]!, similarity };
    });
    ranked.sort((a, b) => b.confidence - a.confidence);
    return { ranked };
  }
}

/** The plain baseline of the benchmark: the intent whose example centroid is nearest (cosine). */
export class NearestCentroid {
  private readonly centroids: { label: string; v: Float32Array }[];

  constructor(data: LabelledVector[]) {
    const sums = new Map<string, { v: Float32Array; n: number }>();
    for (const e of data) {
      const s = sums.get(e.label) ?? { v: new Float32Array(e.vector.length), n: 0 };
      for (let i = 0; i < e.vector.length; i++) s.v[i]! += e.vector[i]!;
      s.n++;
      sums.set(e.label, s);
    }
    this.centroids = [...sums].map(([label, { v }]) => {
      const norm = Math.hypot(...v) || 1;
      return { label, v: v.map((x) => x / norm) };
    });
  }

  classify(vector: Float32Array): { intent: string; similarity: number } {
    let best = { intent: "", similarity: -Infinity };
    for (const c of this.centroids) {
      const s = dot(vector, c.v);
      if (s > best.similarity) best = { intent: c.label, similarity: s };
    }
    return best;
  }
}
