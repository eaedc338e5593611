import { describe, expect, test } from "bun:test";
import { IntentClassifier, NearestCentroid, type LabelledVector } from "./intent-classifier";
import { lexicalFeatures } from "./lexical-features";

/** Unit vectors near one of `k` random directions (a cluster per label), reproducible. */
function clusters(k: number, perLabel: number, noise: number, seed = 3): { data: LabelledVector[]; centre: Float32Array[] } {
  let a = seed;
  const rand = () => ((a = (a * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const unit = (v: Float32Array) => v.map((x) => x / Math.hypot(...v));
  const centre = Array.from({ length: k }, () => unit(Float32Array.from({ length: 32 }, rand)));
  const data = centre.flatMap((c, i) => Array.from({ length: perLabel }, () => ({ label: `intent_${i}`, vector: unit(c.map((x) => x + noise * rand())) })));
  return { data, centre };
}

describe("IntentClassifier", () => {
  test("separates clusters, ranks every label, and its confidences sum to 1", () => {
    const { data, centre } = clusters(4, 20, 0.6);
    const clf = IntentClassifier.train(data);
    centre.forEach((c, i) => expect(clf.classify({ vector: c }).ranked[0]!.intent).toBe(`intent_${i}`));
    const r = clf.classify({ vector: centre[0]! }).ranked;
    expect(r.map((s) => s.intent).sort()).toEqual(["intent_0", "intent_1", "intent_2", "intent_3"]);
    expect(r.reduce((s, x) => s + x.confidence, 0)).toBeCloseTo(1, 5);
    expect(r[0]!.confidence).toBeGreaterThan(r[1]!.confidence);
  });

  test("similarity is the cosine to the winning intent's nearest example: low for a vector far from every example", () => {
    const { data, centre } = clusters(3, 15, 0.3);
    const clf = IntentClassifier.train(data);
    expect(clf.classify({ vector: centre[1]! }).ranked[0]!.similarity).toBeGreaterThan(0.8);
    const opposite = centre[0]!.map((x, i) => -(x + centre[1]![i]! + centre[2]![i]!));
    const norm = Math.hypot(...opposite);
    expect(clf.classify({ vector: opposite.map((x) => x / norm) }).ranked[0]!.similarity).toBeLessThan(0.3);
  });

  test("the same data trains the same model (seeded); a single label always wins", () => {
    const { data, centre } = clusters(3, 10, 0.8);
    const a = IntentClassifier.train(data).classify({ vector: centre[2]! }).ranked;
    const b = IntentClassifier.train(data).classify({ vector: centre[2]! }).ranked;
    expect(a).toEqual(b);
    const one = IntentClassifier.train(data.filter((d) => d.label === "intent_0"));
    expect(one.classify({ vector: centre[2]! }).ranked).toEqual([expect.objectContaining({ intent: "intent_0", confidence: 1 })]);
    expect(() => IntentClassifier.train([])).toThrow();
  });

  test("lexical features tell apart labels whose vectors are the same", () => {
    const v = clusters(1, 1, 0).centre[0]!;
    const texts: [string, string][] = [["freeze my card", "card"], ["block my card now", "card"], ["my card is lost", "card"], ["top up my account", "topup"], ["add money by top up", "topup"], ["top up failed", "topup"]];
    const clf = IntentClassifier.train(texts.map(([t, label]) => ({ label, vector: v, lexical: lexicalFeatures(t) })), { calibrationShare: 0 });
    expect(clf.classify({ vector: v, lexical: lexicalFeatures("please freeze the card") }).ranked[0]!.intent).toBe("card");
    expect(clf.classify({ vector: v, lexical: lexicalFeatures("why did my top up fail") }).ranked[0]!.intent).toBe("topup");
  });

  test("nearest centroid baseline picks the closest centroid", () => {
    const { data, centre } = clusters(3, 10, 0.5);
    const nc = new NearestCentroid(data);
    centre.forEach((c, i) => expect(nc.classify(c).intent).toBe(`intent_${i}`));
  });
});
