import { describe, expect, test } from "bun:test";
import { AppError } from "../core/errors";
import type { Passage } from "../core/ports/retrieval";
import fragmentsJson from "../tests/fixtures/passages/fragments.json";
import overlappingJson from "../tests/fixtures/passages/overlapping-returns.json";
import returnsJson from "../tests/fixtures/passages/return-policy.json";
import shippingJson from "../tests/fixtures/passages/shipping-policy.json";
import warrantyJson from "../tests/fixtures/passages/warranty.json";
import { composeExtractiveAnswer, composeExtractiveAnswerAsync, DEFAULT_DECLINE, GATE_EVIDENCE, withMarkers, type ExtractiveAnswer } from "./extractive-compose";
import { SENTENCE_SIMILARITY_WEIGHT } from "./extractive-score";
import { sentenceKey } from "./extractive-sentences";

const returns = returnsJson as Passage[];
const shipping = shippingJson as Passage[];
const warranty = warrantyJson as Passage[];
const overlapping = overlappingJson as Passage[];
const fragments = fragmentsJson as unknown as Passage[];
const kb = [...returns, ...shipping, ...warranty];

function expectWellFormed(a: ExtractiveAnswer) {
  const keys = a.sentences.map((s) => sentenceKey(s.text));
  expect(new Set(keys).size).toBe(keys.length);
  expect(a.text).toBe(a.sentences.map((s) => withMarkers(s.text, s.citations)).join(" "));
  expect(a.confidence).toBeGreaterThanOrEqual(0);
  expect(a.confidence).toBeLessThanOrEqual(1);
}

describe("composeExtractiveAnswer: answers", () => {
  test("laptop return window, cited [1]", () => {
    const a = composeExtractiveAnswer("How long do I have to return a laptop?", kb);
    expect(a.decision).toBe("PASS");
    expect(a.sentences[0]!.text).toBe("Laptops, tablets and cameras can be returned within 15 days of delivery.");
    expect(a.sentences[0]!.citations).toEqual([1]);
    expect(a.text.startsWith("Laptops, tablets and cameras can be returned within 15 days of delivery [1].")).toBe(true);
    expect(a.citations[0]).toEqual({ n: 1, passageIndex: 0, passageId: "returns#1" });
    expect(a.text).not.toContain("30 days"); // the general window is not the laptop answer
    expect(a.confidence).toBeGreaterThan(0.7);
    expectWellFormed(a);
  });

  test("shipping to Canada picks the Canada sentence, whatever the passage order", () => {
    for (const ps of [[...shipping, ...returns, ...warranty], [...warranty, ...returns, ...shipping]]) {
      const a = composeExtractiveAnswer("Do you ship to Canada?", ps);
      expect(a.decision).toBe("PASS");
      expect(a.sentences).toHaveLength(1);
      expect(a.sentences[0]!.text).toStartWith("We ship to Canada and Mexico");
      const index = ps.findIndex((p) => p.chunkId === "shipping#1");
      expect(a.sentences[0]!.citations).toEqual([index + 1]);
      expectWellFormed(a);
    }
  });

  test("water damage picks the warranty exclusion sentence", () => {
    const a = composeExtractiveAnswer("Is water damage covered by the warranty?", [...warranty, ...returns, ...shipping]);
    expect(a.decision).toBe("PASS");
    expect(a.sentences[0]!.text).toStartWith("The warranty does not cover accidental damage, water or liquid damage");
    expect(a.citations.map((c) => c.passageId)).toEqual(["warranty#0"]);
    expectWellFormed(a);
  });

  test("refund timing: light verbs do not drag in shipping times", () => {
    const a = composeExtractiveAnswer("How long does a refund take?", [...returns, ...shipping]);
    expect(a.decision).toBe("PASS");
    // Both return-policy sentences with a refund and a duration tie lexically; the lead sentence wins on position.
    expect(a.text).toMatch(/Refunds are issued to the original payment method within 5 business days|Most items can be returned within 30 days of delivery for a full refund/);
    expect(a.text).not.toMatch(/ship/i);
    // Ordered by passage rank, then position: both come from passage 2.
    expect(a.sentences.every((s) => s.citations[0] === 2)).toBe(true);
    expectWellFormed(a);
  });

  test("overlapping chunks: no duplicated sentence", () => {
    const q = "Is there a restocking fee when I return an opened laptop?";
    // Loose selection (every related sentence qualifies); duplicateThreshold 1 leaves only exact-repeat detection.
    for (const extra of [{}, { duplicateThreshold: 1 }]) {
      const a = composeExtractiveAnswer(q, overlapping, { maxSentences: 4, dropRatio: 0.1, minRelativeOverlap: 0, minNewCoverage: 0, ...extra });
      expect(a.decision).toBe("PASS");
      expect(a.sentences.length).toBeGreaterThan(2);
      expect(a.text.match(/restocking fee/g)).toHaveLength(1);
      expect(a.text.match(/15 days of delivery/g)).toHaveLength(1);
      expectWellFormed(a);
    }
    const byDefault = composeExtractiveAnswer(q, overlapping);
    expect(byDefault.sentences[0]!.text).toStartWith("Opened laptops are subject to a 10% restocking fee");
    expectWellFormed(byDefault);
  });

  test("fragments are never selected, even when they match the question best", () => {
    const a = composeExtractiveAnswer("How long do I have to return a laptop?", fragments);
    expect(a.sentences.map((s) => s.text)).toEqual(["Laptops can be returned within 15 days of delivery for a full refund."]);
    expect(a.sentences[0]!.citations).toEqual([2]);
    const onlyFragments = composeExtractiveAnswer("How long do I have to return a laptop?", fragments.slice(0, 1));
    expect(onlyFragments.decision).toBe("ESCALATE");
  });

  test("a second sentence is added when it answers a part of the question the first leaves open", () => {
    const a = composeExtractiveAnswer("How much does express delivery cost, and do big orders ship free?", [...shipping, ...returns]);
    expect(a.sentences.map((s) => s.text)).toEqual([
      "Orders over $50 ship free; smaller orders are charged a flat $5.99 fee.",
      "Express delivery arrives in 1 to 2 business days and costs $14.99.",
    ]);
    expect(a.sentences.map((s) => s.citations)).toEqual([[2], [2]]);
  });

  test("stops when answered: a sentence that covers nothing new is not added, however relevant", () => {
    const a = composeExtractiveAnswer("How much does shipping cost?", [...shipping, ...returns]);
    expect(a.decision).toBe("PASS");
    expect(a.sentences.map((s) => s.text)).toEqual(["Express delivery arrives in 1 to 2 business days and costs $14.99."]);
    // The old rule (about as relevant as the best) added "Orders over $50 ship free..." as well.
  });

  test("a list folded from bullets can answer; title words count toward coverage", () => {
    const gift = composeExtractiveAnswer("Can I get a refund for gift cards?", kb);
    expect(gift.decision).toBe("PASS");
    expect(gift.text).toContain("Final sale items: Gift cards, Opened software and digital downloads, Personalized items [2].");
    // "policy" appears only in the passages' titles ("Return Policy"): half credit, enough with "return".
    const policy = composeExtractiveAnswer("What is your return policy?", kb);
    expect(policy.decision).toBe("PASS");
    expect(policy.citations.map((c) => c.passageId)).toEqual(["returns#1"]);
    const untitled = kb.map((p) => ({ text: p.text, score: p.score }));
    expect(composeExtractiveAnswer("What is your return policy?", untitled).decision).toBe("ESCALATE");
  });

  test("first-use numbering maps back through citations", () => {
    const a = composeExtractiveAnswer("Is water damage covered by the warranty?", [...returns, ...warranty], { numbering: "first-use" });
    expect(a.sentences[0]!.citations).toEqual([1]);
    expect(a.citations[0]).toEqual({ n: 1, passageIndex: 2, passageId: "warranty#0" });
  });
});

describe("composeExtractiveAnswer: grounding gate", () => {
  const weak = [...shipping, ...returns].map((p) => ({ ...p, score: 0.004 }));

  test("unrelated question with weak passages -> ESCALATE with the plain decline", () => {
    const a = composeExtractiveAnswer("What is the capital of France?", weak);
    expect(a.decision).toBe("ESCALATE");
    expect(a.text).toBe(DEFAULT_DECLINE.escalate);
    expect(a.text).toMatch(/knowledge base doesn't cover/);
    // Nothing is promised that the product cannot do yet (no tickets, no human handoff).
    expect(a.text).not.toMatch(/ticket|human|agent/i);
    expect(a.citations).toEqual([]);
    expect(a.confidence).toBeLessThanOrEqual(0.2);
  });

  test("partly covered question (the important term is missing) -> ESCALATE", () => {
    const a = composeExtractiveAnswer("Do you ship to Brazil?", [...shipping, ...returns]);
    expect(a.decision).toBe("ESCALATE");
    expect(a.reason).toContain("brazil");
  });

  test("very short question -> ASK_USER", () => {
    for (const q of ["loyalty points?", "crypto payments", "hello?"]) {
      const a = composeExtractiveAnswer(q, kb);
      expect(a.decision).toBe("ASK_USER");
      expect(a.text).toBe(DEFAULT_DECLINE.askUser);
    }
  });

  test("no passages, weak top score and a raised coverage bar all decline", () => {
    expect(composeExtractiveAnswer("How long do I have to return a laptop?", []).decision).toBe("ESCALATE");
    const gated = composeExtractiveAnswer("How long do I have to return a laptop?", kb, { minTopScore: 0.5 });
    expect(gated.decision).toBe("ESCALATE");
    expect(gated.reason).toContain("below 0.5");
    const unscored = composeExtractiveAnswer("How long do I have to return a laptop?", kb.map((p) => ({ ...p, score: 0 })));
    expect(unscored.decision).toBe("ESCALATE");
    expect(unscored.reason).toContain("not positive");
    const strict = composeExtractiveAnswer("Do you offer free shipping?", [...shipping, ...returns], { minCoverage: 0.9 });
    expect(strict.decision).toBe("ESCALATE");
    expect(strict.reason).toContain("below 90%");
    const lenient = composeExtractiveAnswer("Do you offer free shipping?", [...shipping, ...returns]);
    expect(lenient.decision).toBe("PASS");
    expect(lenient.text).toBe("Orders over $50 ship free; smaller orders are charged a flat $5.99 fee [2].");
  });

  test("custom decline texts", () => {
    const a = composeExtractiveAnswer("What is the capital of France?", weak, { declineText: { escalate: "Not in our docs." } });
    expect(a.text).toBe("Not in our docs.");
  });
});

describe("composeExtractiveAnswer: bad input", () => {
  const cases: [string, unknown, unknown, object][] = [
    ["empty question", "", kb, {}],
    ["blank question", "   ", kb, {}],
    ["non-string question", 42, kb, {}],
    ["passages not an array", "Do you ship?", "nope", {}],
    ["passage without text", "Do you ship?", [{ score: 1 }], {}],
    ["minCoverage out of range", "Do you ship?", kb, { minCoverage: 2 }],
    ["maxSentences 0", "Do you ship?", kb, { maxSentences: 0 }],
    ["unknown numbering", "Do you ship?", kb, { numbering: "roman" }],
  ];
  for (const [name, q, ps, o] of cases) {
    test(`${name} -> 422`, () => {
      try {
        composeExtractiveAnswer(q as string, ps as Passage[], o);
        throw new Error("accepted");
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).status).toBe(422);
      }
    });
  }
});

test("withMarkers puts markers before the final punctuation", () => {
  expect(withMarkers("We ship to Canada.", [3])).toBe("We ship to Canada [3].");
  expect(withMarkers('It says "yes."', [1, 2])).toBe('It says "yes [1][2]."');
  expect(withMarkers("No stop", [1])).toBe("No stop [1]");
  expect(withMarkers("Plain.", [])).toBe("Plain.");
});

describe("composeExtractiveAnswer: wordSimilarity", () => {
  const passages = [
    { chunkId: "a", text: "Headphones can be repaired under the two-year warranty.", score: 0.9, title: "Warranty" },
    { chunkId: "b", text: "Headphones can be returned within 30 days of delivery.", score: 0.8, title: "Returns" },
  ];
  // "send back" means "return"; nothing else is related.
  const sim = (a: string, b: string) => ((a === "send" || a === "back") && b.startsWith("return") ? 0.8 : 0);

  test("a sentence that says a question word in other words is the one chosen", () => {
    const o = { maxSentences: 1, minCoverage: 0 };
    expect(composeExtractiveAnswer("Can I send my headphones back?", passages, o).citations[0]!.passageId).toBe("a");
    const withSim = composeExtractiveAnswer("Can I send my headphones back?", passages, { ...o, wordSimilarity: sim });
    expect(withSim.citations.map((c) => c.passageId)).toEqual(["b"]);
    expect(withSim.text).toContain("returned within 30 days");
  });

  test("the grounding gate still counts only the question's own words", () => {
    const everythingRelated = () => 0.99;
    const a = composeExtractiveAnswer("Can I send my headphones back?", passages, { wordSimilarity: everythingRelated });
    const b = composeExtractiveAnswer("Can I send my headphones back?", passages, {});
    expect(a.decision).toBe("ESCALATE");
    expect(a.reason).toBe(b.reason);
    const offTopic = composeExtractiveAnswer("What is the capital of France?", kb, { wordSimilarity: everythingRelated });
    expect(offTopic.decision).toBe("ESCALATE");
  });
});

describe("composeExtractiveAnswer: structure", () => {
  const P = (chunkId: string, text: string, sectionPath: string[], score = 1): Passage =>
    ({ chunkId, documentId: chunkId, title: sectionPath[0] ?? "", page: null, sectionPath, text, charStart: 0, charEnd: text.length, docType: "", source: "", tags: [], score, ranks: {} }) as Passage;
  const steps = P(
    "manual#7",
    "1. Connect the original charger and check the wall outlet.\n2. Leave the laptop charging for at least 30 minutes.\n3. Press and hold the power button for 10 seconds.\n4. If nothing happens, perform an emergency reset with a paper clip.\n\nIf the laptop still does not turn on, contact support.",
    ["Manual", "7.1 The laptop won't turn on"],
  );
  const storage = P("manual#3", "If you won't use the laptop for more than a month, charge it to about 50% and store it in a cool place.", ["Manual", "3.5 Storing the laptop"], 0.5);

  test("steps under a heading that asks the question come whole and in order, nothing else added", () => {
    const a = composeExtractiveAnswer("My laptop won't turn on", [steps, storage]);
    expect(a.decision).toBe("PASS");
    expect(a.sentences).toHaveLength(1);
    expect(a.text).toBe(
      "1. Connect the original charger and check the wall outlet.\n2. Leave the laptop charging for at least 30 minutes.\n3. Press and hold the power button for 10 seconds.\n4. If nothing happens, perform an emergency reset with a paper clip [1].",
    );
  });

  const products = P(
    "products#1",
    "Product VM-TV-5101: name: Lumis 43-inch 4K LED Smart TV; category: TVs; price usd: 329.99; stock: 74; description: 43-inch 4K smart TV.\n\nProduct VM-TV-5201: name: Brightwave 75-inch Mini-LED TV; category: TVs; price usd: 1799.99; stock: 12; description: 75-inch 4K Mini-LED smart TV.",
    ["products"],
  );
  const faq = P("faq#2", "Yes. A free Voltmart Business account gives you volume pricing on orders of 10 or more units.", ["Do you sell to businesses and schools?"], 0.9);

  test("'do you sell X' is answered with the matching row, said as a sentence", () => {
    const a = composeExtractiveAnswer("Do you sell a 75 inch TV?", [faq, products]);
    expect(a.decision).toBe("PASS");
    expect(a.text).toBe("The Brightwave 75-inch Mini-LED TV (VM-TV-5201) costs $1799.99; 12 in stock [2].");
  });

  test("a record the question names by its key shows its short columns; the long description only when asked", () => {
    const orders = P("orders#1", "Order VM-100251: customer email: a@example.com; status: shipped; carrier: DHL Express; tracking number: 6368222013; estimated delivery: 2026-05-25.", ["orders"]);
    const a = composeExtractiveAnswer("When is my order VM-100251 supposed to arrive?", [orders, faq, products, storage, steps, ...returns]);
    expect(a.text).toContain("Order VM-100251 is shipped");
    expect(a.text).toContain("estimated delivery 2026-05-25");
    expect(a.text).toContain("DHL Express");
    const b = composeExtractiveAnswer("How much is the Lumis 43-inch TV?", [products]);
    expect(b.text).toBe("The Lumis 43-inch 4K LED Smart TV (VM-TV-5101) costs $329.99; 74 in stock [1].");
  });

  test("a table row answers a question its lead-in and header frame", () => {
    const refunds = P(
      "returns#4",
      "We issue your refund within 3 business days of the return passing inspection. How long it takes to reach you after that depends on how you paid:\n\n| Payment method | Time for the refund to appear |\n|---|---|\n| Credit or debit card | 5-10 business days |\n| PayPal | 3-5 business days |",
      ["Returns", "Refund timing"],
    );
    const a = composeExtractiveAnswer("How long does a refund take to reach my card?", [refunds]);
    expect(a.decision).toBe("PASS");
    expect(a.text).toContain("Credit or debit card: 5-10 business days");
    expect(a.text).not.toContain("PayPal");
  });
});

describe("composeExtractiveAnswerAsync: injected sentence similarity", () => {
  test("combined with the lexical score: it can change which grounded sentence is chosen", async () => {
    const q = "How long does a refund take?";
    const lexical = await composeExtractiveAnswerAsync(q, returns);
    const seen: string[][] = [];
    const favour = (needle: string) => async (question: string, sentences: string[]) => {
      expect(question).toBe(q);
      seen.push(sentences);
      return sentences.map((s) => (s.includes(needle) ? 0.9 : 0.1));
    };
    const refunds = await composeExtractiveAnswerAsync(q, returns, { sentenceSimilarity: favour("Refunds are issued") });
    expect(refunds.text).toContain("Refunds are issued to the original payment method within 5 business days");
    const most = await composeExtractiveAnswerAsync(q, returns, { sentenceSimilarity: favour("Most items") });
    expect(most.text).toContain("Most items can be returned within 30 days");
    expect([refunds.text, most.text]).toContain(lexical.text);
    // Only lexically eligible sentences are asked about.
    expect(seen[0]!.every((s) => /refund|take/i.test(s))).toBe(true);
  });

  test("without it, or when it fails, the lexical answer; it never makes an off-topic question answerable", async () => {
    const q = "How long does a refund take?";
    const plain = composeExtractiveAnswer(q, returns);
    expect((await composeExtractiveAnswerAsync(q, returns)).text).toBe(plain.text);
    const failing = async () => {
      throw new Error("worker gone");
    };
    expect((await composeExtractiveAnswerAsync(q, returns, { sentenceSimilarity: failing })).text).toBe(plain.text);
    const all = async (_q: string, s: string[]) => s.map(() => 1);
    expect((await composeExtractiveAnswerAsync("What is the capital of France?", kb, { sentenceSimilarity: all })).decision).toBe("ESCALATE");
    expect(() => composeExtractiveAnswer(q, returns, { sentenceSimilarity: 3 as never })).toThrow(AppError);
  });
});

describe("composeExtractiveAnswerAsync: the encoder in the gate", () => {
  const q = "How long does a refund take for a returned espresso grinder bought abroad?";
  test("a question the sentences cover only partly in words is answered when one is close enough in meaning", async () => {
    const lexical = await composeExtractiveAnswerAsync(q, returns, { minCoverage: 0.9 });
    expect(lexical.decision).not.toBe("PASS");
    const close = async (_q: string, s: string[]) => s.map((x) => (x.includes("Refunds are issued") ? 0.8 : 0.1));
    const a = await composeExtractiveAnswerAsync(q, returns, { minCoverage: 0.9, sentenceSimilarity: close, encoderAnswerMin: 0.7 });
    expect(a.decision).toBe("PASS");
    expect(a.text).toContain("Refunds are issued");
    // Below the threshold it stays declined.
    expect((await composeExtractiveAnswerAsync(q, returns, { minCoverage: 0.9, sentenceSimilarity: close, encoderAnswerMin: 0.85 })).decision).not.toBe("PASS");
  });

  test("a question whose words the sentences share is declined when none is close in meaning", async () => {
    const plain = await composeExtractiveAnswerAsync("How long does a refund take?", returns);
    expect(plain.decision).toBe("PASS");
    const far = async (_q: string, s: string[]) => s.map(() => 0.15);
    const a = await composeExtractiveAnswerAsync("How long does a refund take?", returns, { sentenceSimilarity: far, encoderDeclineBelow: 0.3 });
    expect(a.decision).toBe("ESCALATE");
    expect(a.reason).toContain("close in meaning");
    expect(a.citations).toEqual([]);
  });
});

test("SENTENCE_SIMILARITY_WEIGHT is the one weight of the combination", () => {
  expect(SENTENCE_SIMILARITY_WEIGHT).toBeGreaterThan(0);
  expect(GATE_EVIDENCE).toBe(4);
});

describe("a question that names an identifier", () => {
  const passages = [
    { chunkId: "o", text: "Order VM-100209 was returned on 2026-01-28 and shipped with UPS.", score: 0.5, title: "orders" },
    { chunkId: "m", text: "If the laptop is going to sleep on its own, check the power settings.", score: 0.9, title: "Manual" },
  ];
  test("is answered from the sentence stating it, however few of its other words that sentence has", () => {
    const a = composeExtractiveAnswer("whats the deal with order VM-100209 honestly", passages as never);
    expect(a.decision).toBe("PASS");
    expect(a.text).toContain("VM-100209");
  });
  test("an identifier no sentence states does not make the question answerable", () => {
    const a = composeExtractiveAnswer("whats the deal with order VM-999999 honestly", passages as never);
    expect(a.decision).not.toBe("PASS");
  });
});

describe("composeExtractiveAnswerAsync: conversational words in the gate", () => {
  const passages = [{ chunkId: "s", text: "Every order ships from our fulfillment centers in Reno and Columbus.", score: 1, title: "Shipping" }];
  // Variants of the question (a word left out) are judged by how much the question's meaning moved.
  const sim = (keeps: Record<string, number>) => async (_q: string, texts: string[]) => texts.map((t) => keeps[t] ?? 0.3);
  const q = "where do you guys ship orders from zorblat";

  test("a missing word whose removal leaves the question's meaning is left out, and the question answered", async () => {
    const keeps = { "where do you ship orders from zorblat": 0.97, "where do you guys ship orders from": 0.95 };
    const off = await composeExtractiveAnswerAsync(q, passages as never, { sentenceSimilarity: sim(keeps), encoderFillerMin: 2 });
    expect(off.decision).not.toBe("PASS");
    const on = await composeExtractiveAnswerAsync(q, passages as never, { sentenceSimilarity: sim(keeps), encoderFillerMin: 0.9 });
    expect(on.decision).toBe("PASS");
    expect(on.text).toContain("Reno");
  });

  test("a missing word that carries the question stays, and it is declined", async () => {
    const keeps = { "where do you ship orders from zorblat": 0.97, "where do you guys ship orders from": 0.5 };
    const a = await composeExtractiveAnswerAsync(q, passages as never, { sentenceSimilarity: sim(keeps), encoderFillerMin: 0.9 });
    expect(a.decision).not.toBe("PASS");
  });
});
