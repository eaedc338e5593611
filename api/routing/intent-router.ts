/**
 * Classifies a message into one of the tenant's intents (api/routing/intent-classifier.ts over the sentence
 * encoder) and names the route it takes. The tenant's set is read from the intent repository (the defaults until
 * an admin edits it); the classifier trained on it is kept per tenant and retrained when the set's version
 * changes (this replica's edits at once, another replica's within `refreshMs`). Training embeds the examples
 * (the encoder's LRU makes a retrain after a small edit cheap) and is shared by concurrent callers.
 *
 * A message is out of scope, intent "other" and the answer route, when the winning intent's nearest example is
 * below its threshold (the intent's own, else `minSimilarity`) or its calibrated confidence is below
 * `minConfidence`.
 */
import type { Embedder } from "../../core/ports/embedder";
import type { IntentRecord, IntentRepository, IntentSet } from "../../core/db/intent-repository";
import type { Route } from "../pipeline/stage";
import { DEFAULT_INTENTS, OUT_OF_SCOPE } from "./default-intents";
import { IntentClassifier } from "./intent-classifier";
import { lexicalFeatures } from "./lexical-features";

export interface IntentScore {
  intent: string;
  route: Route;
  confidence: number;
}

export interface IntentDecision extends IntentScore {
  /** Cosine of the message to the winning intent's nearest example. */
  similarity: number;
  outOfScope: boolean;
  /** The intent's own reply for the clarify route, when it has one. */
  reply?: string;
  /** The next best intents (up to 3), best first. */
  alternatives: IntentScore[];
}

export interface IntentRouterOptions {
  repository: Pick<IntentRepository, "get">;
  /** The sentence encoder (or another embedder) the classifier works on. */
  encoder: () => Embedder;
  /** Default least nearest-example cosine (default 0.5). */
  minSimilarity?: number;
  /** Least calibrated confidence (default 0.3). */
  minConfidence?: number;
  /** How long a tenant's set is trusted before its version is checked again (default 5000 ms). */
  refreshMs?: number;
}

interface Trained {
  version: number;
  classifier?: IntentClassifier;
  byName: Map<string, IntentRecord>;
}

interface Entry {
  checkedAt: number;
  trained: Promise<Trained>;
}

/**
 * The message as the classifier sees it: an email, a URL, or a code with digits (an order number, a SKU, a
 * tracking number) becomes a word naming what it is, so "my email is a.b@c.com" reads like the examples' "my
 * email" and an order number does not pull the message toward whichever example shares its characters.
 */
export function placeholders(text: string): string {
  return text
    .replace(/\b[\w.%+-]+@[\w.-]+\.[a-z]{2,}\b/gi, "email")
    .replace(/\bhttps?:\/\/\S+/gi, "link")
    .replace(/\b(?=[a-z0-9-]*\d{3})[a-z0-9]+(?:-[a-z0-9]+)+\b|\b(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{8,}\b|\b\d{6,}\b/gi, "number");
}

export const DEFAULT_MIN_SIMILARITY = 0.5;
export const DEFAULT_MIN_CONFIDENCE = 0.3;

export class IntentRouter {
  private readonly tenants = new Map<string, Entry>();
  private readonly minSimilarity: number;
  private readonly minConfidence: number;
  private readonly refreshMs: number;

  constructor(private readonly o: IntentRouterOptions) {
    this.minSimilarity = o.minSimilarity ?? DEFAULT_MIN_SIMILARITY;
    this.minConfidence = o.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
    this.refreshMs = o.refreshMs ?? 5000;
  }

  /** Forget a tenant's classifier (its set changed here); the next message retrains. */
  invalidate(tenantId: string): void {
    this.tenants.delete(tenantId);
  }

  async classify(tenantId: string, message: string, signal?: AbortSignal): Promise<IntentDecision> {
    const text = placeholders(message);
    const [trained, [vector]] = await Promise.all([this.trained(tenantId), this.o.encoder().embed([text.trim() || "?"], signal)]);
    return this.decide(trained, text, vector!);
  }

  private decide(t: Trained, text: string, vector: Float32Array): IntentDecision {
    const routeOf = (name: string): Route => (t.byName.get(name)?.route as Route | undefined) ?? "answer";
    if (!t.classifier) return { intent: OUT_OF_SCOPE, route: "answer", confidence: 0, similarity: 0, outOfScope: true, alternatives: [] };
    const ranked = t.classifier.classify({ vector, lexical: lexicalFeatures(text) }).ranked;
    const top = ranked[0]!;
    const threshold = t.byName.get(top.intent)?.threshold ?? this.minSimilarity;
    const outOfScope = top.similarity < threshold || top.confidence < this.minConfidence;
    const alternatives = ranked.slice(outOfScope ? 0 : 1, outOfScope ? 3 : 4).map((s) => ({ intent: s.intent, route: routeOf(s.intent), confidence: s.confidence }));
    return outOfScope
      ? { intent: OUT_OF_SCOPE, route: "answer", confidence: 1 - top.confidence, similarity: top.similarity, outOfScope, alternatives }
      : { intent: top.intent, route: routeOf(top.intent), confidence: top.confidence, similarity: top.similarity, outOfScope, alternatives, ...(t.byName.get(top.intent)?.reply ? { reply: t.byName.get(top.intent)!.reply } : {}) };
  }

  private trained(tenantId: string): Promise<Trained> {
    const now = performance.now();
    const e = this.tenants.get(tenantId);
    if (e && now - e.checkedAt < this.refreshMs) return e.trained;
    const previous = e?.trained;
    const trained = (async () => {
      const set = await this.o.repository.get(tenantId, DEFAULT_INTENTS);
      const before = previous ? await previous.catch(() => undefined) : undefined;
      // Version 0 is the defaults; a stored set starts at 1: the same version is the same set.
      if (before && before.version === set.version) return before;
      return this.train(set);
    })();
    this.tenants.set(tenantId, { checkedAt: now, trained });
    trained.catch(() => {
      if (this.tenants.get(tenantId)?.trained === trained) this.tenants.delete(tenantId);
    });
    return trained;
  }

  private async train(set: IntentSet): Promise<Trained> {
    const byName = new Map(set.intents.map((i) => [i.name, i]));
    const labelled = set.intents.flatMap((i) => i.examples.filter((x) => x.trim()).map((x) => ({ label: i.name, text: x })));
    if (!labelled.length) return { version: set.version, byName };
    const vectors = await this.o.encoder().embed(labelled.map((l) => l.text));
    const classifier = IntentClassifier.train(labelled.map((l, i) => ({ label: l.label, vector: vectors[i]!, lexical: lexicalFeatures(l.text) })));
    return { version: set.version, classifier, byName };
  }
}
