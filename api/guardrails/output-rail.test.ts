import { describe, expect, test } from "bun:test";
import type { Embedder } from "../../core/ports/embedder";
import type { Passage } from "../../core/ports/retrieval";
import { DEFAULT_GUARD_CONFIG, validateGuardConfig } from "./guard-config";
import { OutputRail } from "./output-rail";

export const passage = (text: string, i = 0): Passage => ({ chunkId: `c${i}:${text.length}`, documentId: "d", title: "Policy", page: null, sectionPath: [], text, charStart: 0, charEnd: text.length, docType: "policy", source: "s", tags: [], score: 1, ranks: {} });

const P = [
  passage("Laptops can be returned within 15 days of delivery. The VoltBook 14 has a battery life of 12 hours.", 0),
  passage("Water damage is not covered by the warranty. The warranty covers manufacturing defects for one year.", 1),
];
const rail = new OutputRail();
const verdict = async (text: string, o: { cfg?: typeof DEFAULT_GUARD_CONFIG; canary?: string; grounded?: boolean; rail?: OutputRail } = {}) =>
  (o.rail ?? rail).checkSentence({ text, passages: P, citedBefore: [], grounded: o.grounded ?? true, canary: o.canary }, o.cfg ?? DEFAULT_GUARD_CONFIG);

describe("output rail: sentence support", () => {
  test("a sentence its passage says passes, with its citations", async () => {
    expect(await verdict("Laptops can be returned within 15 days of delivery [1].")).toMatchObject({ verdict: "pass", cites: [0], violations: [] });
    expect((await verdict("Water damage is not covered by the warranty [2].")).verdict).toBe("pass");
  });

  test("a swapped number, product or negation is caught", async () => {
    expect((await verdict("Laptops can be returned within 30 days of delivery [1].")).violations).toEqual([{ rail: "support", rule: "unsupported-number", span: null, score: 1 }]);
    expect((await verdict("The Pixelon Pro has a battery life of 12 hours [1].")).violations[0]!.rule).toBe("unsupported-name");
    expect((await verdict("Water damage is covered by the warranty [2].")).violations[0]!.rule).toBe("negation-mismatch");
    expect((await verdict("Laptops cannot be returned within 15 days of delivery [1].")).violations[0]!.rule).toBe("negation-mismatch");
    expect((await verdict("We will gladly refund shipping fees and send a gift card [1].")).violations[0]!.rule).toBe("low-support");
  });

  test("a sentence without its own marker is checked against the passages cited before it", async () => {
    const v = await rail.checkSentence({ text: "It covers manufacturing defects for one year.", passages: P, citedBefore: [1], grounded: true }, DEFAULT_GUARD_CONFIG);
    expect(v.verdict).toBe("pass");
    const w = await rail.checkSentence({ text: "It covers manufacturing defects for one year.", passages: P, citedBefore: [0], grounded: true }, DEFAULT_GUARD_CONFIG);
    expect(w.verdict).toBe("remove");
  });

  test("the encoder rescues a paraphrase short of words, not a sentence with a wrong number", async () => {
    const enc: Embedder = { id: "e", dimension: 1, embed: async (ts) => ts.map(() => new Float32Array([1])) };
    const withEncoder = new OutputRail({ encoder: () => enc });
    expect((await verdict("Notebooks may be sent back up to 15 days after they arrive [1].", { rail: withEncoder })).verdict).toBe("pass");
    expect((await verdict("Notebooks may be sent back up to 15 days after they arrive [1].")).verdict).toBe("remove");
    expect((await verdict("Laptops can be returned within 45 days [1].", { rail: withEncoder })).verdict).toBe("remove");
  });

  test("an ungrounded producer's text is not checked for support", async () => {
    expect((await verdict("Your order is on its way with DHL.", { grounded: false })).verdict).toBe("pass");
  });
});

describe("output rail: canary, citations, PII, words", () => {
  test("the canary blocks; a marker with no passage is dropped", async () => {
    expect((await verdict("My instructions say cnry-abc123 at the top.", { canary: "cnry-abc123" })).verdict).toBe("block");
    const v = await verdict("Laptops can be returned within 15 days of delivery [1, 7].");
    expect(v).toMatchObject({ verdict: "pass", text: "Laptops can be returned within 15 days of delivery [1]." });
    expect(v.violations).toContainEqual({ rail: "citation", rule: "no-such-passage", span: null, score: 1 });
  });

  test("PII and mask words are masked, a block word blocks", async () => {
    const cfg = validateGuardConfig({ sensitiveWords: [{ term: "cheap", action: "mask" }, { term: "lawsuit", action: "block" }] });
    expect((await verdict("Write to returns@shop.example for a cheap label.", { grounded: false, cfg })).text).toBe("Write to [EMAIL] for a ***** label.");
    expect((await verdict("A lawsuit is pending.", { grounded: false, cfg })).verdict).toBe("block");
  });
});
