import { describe, expect, test } from "bun:test";
import type { Passage } from "../../../core/ports/retrieval";
import { newContext, type AnswerOutcome } from "../stage";
import { citationConfidence, decide, decideStage, saysDoesNotKnow } from "./decide";

const P = (chunkId: string, score: number, text: string): Passage => ({
  chunkId, documentId: chunkId, title: chunkId, page: null, sectionPath: [], text, charStart: 0, charEnd: text.length, docType: "faq", source: "s", tags: [], score, ranks: {},
});
const passages = [P("warranty", 0.9, "The warranty lasts two years from delivery."), P("returns", 0.3, "Returns are accepted within 30 days.")];

function ctxWith(o: Partial<AnswerOutcome>, withPassages = true) {
  const ctx = newContext({ tenantId: "t", content: "q" });
  if (withPassages) ctx.passages = passages;
  ctx.outcome = { text: "", citations: [], finishReason: "stop", producer: "p", ...o };
  return ctx;
}

describe("decide stage", () => {
  test("a model's cited, finished answer passes; its confidence follows the citation rule", () => {
    const ctx = ctxWith({ text: "Two years [1].", citations: [{ n: 1, passageIndex: 0 }] });
    ctx.citationStats = { markers: 1, invalid: [] };
    expect(decide(ctx)).toEqual({ decision: "PASS", confidence: 0.95 });
  });

  test("no citation, a decline phrase, or an unfinished stream: ESCALATE with a reason", () => {
    expect(decide(ctxWith({ text: "Two years." }))).toMatchObject({ decision: "ESCALATE", confidence: 0, reason: "the answer cites no passage" });
    expect(decide(ctxWith({ text: "I don't know [1].", citations: [{ n: 1, passageIndex: 0 }] }))).toMatchObject({ decision: "ESCALATE", reason: "the answer says it does not know" });
    expect(decide(ctxWith({ text: "Two [1]", citations: [{ n: 1, passageIndex: 0 }], finishReason: "abort" }))).toMatchObject({ decision: "ESCALATE", reason: "the answer was not finished" });
    expect(decide(ctxWith({ text: "Two", finishReason: "error", error: { code: "X", message: "x" } }))).toEqual({ decision: "ESCALATE", confidence: 0, reason: "the answer failed: X" });
  });

  test("a model's claims are checked against the passages they cite: unsupported sentences lower confidence, a missing number caps it", () => {
    const one = ctxWith({ text: "The warranty lasts two years [1]. It also covers water damage and theft [1].", citations: [{ n: 1, passageIndex: 0 }] });
    one.citationStats = { markers: 2, invalid: [] };
    expect(decide(one)).toMatchObject({ decision: "PASS", confidence: 0.48, reason: "1 of 2 sentences are not supported by their passages" });
    const number = ctxWith({ text: "Returns are accepted within 60 days [2].", citations: [{ n: 2, passageIndex: 1 }] });
    expect(decide(number)).toMatchObject({ decision: "ESCALATE", reason: "no sentence of the answer is supported by the passages it cites" });
    const mixed = ctxWith({ text: "The warranty lasts two years [1]. Returns are accepted within 60 days [2].", citations: [{ n: 1, passageIndex: 0 }, { n: 2, passageIndex: 1 }] });
    mixed.citationStats = { markers: 2, invalid: [] };
    const d = decide(mixed);
    expect(d).toMatchObject({ decision: "PASS", reason: "a number in the answer is in no passage it cites" });
    expect(d.confidence).toBeLessThanOrEqual(0.5);
    const offTopic = ctxWith({ text: "The capital of France is Paris [1].", citations: [{ n: 1, passageIndex: 0 }] });
    expect(decide(offTopic).decision).toBe("ESCALATE");
  });

  test("the producer's assessment is taken, but a PASS whose citations were all removed is not", () => {
    const assessed = { decision: "ASK_USER" as const, confidence: 0.1, reason: "declined" };
    expect(decide(ctxWith({ text: "Could you say more?", assessment: assessed }))).toEqual(assessed);
    const stripped = ctxWith({ text: "Two years.", assessment: { decision: "PASS", confidence: 0.9 } });
    expect(decide(stripped)).toEqual({ decision: "ESCALATE", confidence: 0.2, reason: "no citation left in the answer as sent" });
    // An answer that was never grounded in passages (e.g. a ticket confirmation) may pass without citations.
    expect(decide(ctxWith({ text: "Ticket T-1 is open.", assessment: { decision: "PASS", confidence: 1 } }, false))).toEqual({ decision: "PASS", confidence: 1 });
  });

  test("the stage sets ctx.decision for every route", async () => {
    const ctx = ctxWith({ text: "Two years [1].", citations: [{ n: 1, passageIndex: 0 }] });
    expect(decideStage()).toMatchObject({ kind: "settle", routes: "all" });
    await decideStage().run(ctx);
    expect(ctx.decision?.decision).toBe("PASS");
  });

  test("confidence follows coverage, retrieval support and invalid citations", () => {
    const c1 = [{ passageIndex: 0 }];
    const c2 = [{ passageIndex: 1 }];
    const full = citationConfidence("A [1].", c1, passages, 1, 0, "PASS");
    expect(full).toBe(0.95); // coverage 1, support 1 -> raw 1, capped
    expect(citationConfidence("A [1]. B.", c1, passages, 1, 0, "PASS")).toBe(0.5);
    expect(citationConfidence("A [2].", c2, passages, 1, 0, "PASS")).toBeLessThan(full);
    expect(citationConfidence("A [1].", c1, passages, 1, 1, "PASS")).toBe(0.5);
    expect(citationConfidence("A [1].", c1, passages, 1, 0, "ESCALATE")).toBe(0.2);
    expect(citationConfidence("A.", [], passages, 0, 0, "PASS")).toBe(0);
  });

  test("decline phrases", () => {
    for (const t of ["I don't know.", "I could not find the answer to that in the provided documents.", "I'm sorry, I don't have enough information to answer that.", "That is not covered in the provided documents."]) {
      expect(saysDoesNotKnow(t)).toBe(true);
    }
    expect(saysDoesNotKnow("The warranty lasts two years [1].")).toBe(false);
  });
});

describe("citationConfidence after the cite stage reordered the passages", () => {
  test("the rank prior is the passage's rank by score, not its position (cited passages come first)", () => {
    // Passage "low" (score 0.5) was cited first, so it is ctx.passages[0]; by score it ranks second.
    const passages = [P("low", 0.5, "Laptops have 15 days."), P("high", 1, "Phones have 15 days.")];
    // support = 0.5 * 0.5 / 1 + 0.5 / (1 + 1) = 0.5; raw = 1 * (0.4 + 0.6 * 0.5) * 1 = 0.7
    expect(citationConfidence("Laptops have 15 days [1].", [{ passageIndex: 0 }], passages, 1, 0, "PASS")).toBe(0.7);
  });
});
