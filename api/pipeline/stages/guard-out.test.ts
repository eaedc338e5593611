import { describe, expect, test } from "bun:test";
import type { StreamEvent } from "../../../core/ports/language-model";
import type { Passage } from "../../../core/ports/retrieval";
import { DEFAULT_GUARD_CONFIG, validateGuardConfig, type GuardConfig } from "../../guardrails/guard-config";
import { Guardrails } from "../../guardrails/guardrails";
import type { AnswerGenerator } from "../answer-generator";
import { AnswerPipeline } from "../runner";
import { newContext, type Stage } from "../stage";
import { citationSources } from "./assemble";
import { citeStage } from "./cite";
import { decideStage } from "./decide";
import { generateStage } from "./generate";
import { guardOutStage } from "./guard-out";
import { persistStage } from "./persist";

const passage = (text: string, i: number): Passage => ({ chunkId: `g${i}:${text.length}`, documentId: "d", title: "Policy", page: null, sectionPath: [], text, charStart: 0, charEnd: text.length, docType: "policy", source: "s", tags: [], score: 1 - i / 10, ranks: {} });
const P = [passage("Laptops can be returned within 15 days of delivery.", 0), passage("Water damage is not covered by the warranty.", 1)];

/** A model stand-in that streams `text` in small pieces and records how much it had produced when each piece left. */
function scripted(text: string, o: { id?: string; selfGrounded?: boolean; piece?: number } = {}) {
  const produced: number[] = [];
  let sent = 0;
  const gen: AnswerGenerator = {
    id: o.id ?? "llm:test",
    selfGrounded: o.selfGrounded,
    async *run(): AsyncIterable<StreamEvent> {
      yield { type: "start", model: "test" };
      for (let i = 0; i < text.length; i += o.piece ?? 7) {
        sent = Math.min(text.length, i + (o.piece ?? 7));
        yield { type: "delta", text: text.slice(i, sent) };
      }
      yield { type: "finish", reason: "stop" };
    },
  };
  return { gen, produced, sentNow: () => sent };
}

async function run(text: string, cfg: GuardConfig = DEFAULT_GUARD_CONFIG, o: { canary?: string; selfGrounded?: boolean; id?: string } = {}) {
  const s = scripted(text, o);
  const guardrails = new Guardrails({ configs: { current: async () => cfg } });
  const given: Stage = { name: "given", kind: "prepare", routes: "all", run: (ctx) => void ((ctx.passages = P), (ctx.sources = citationSources(P)), o.canary && (ctx.guard = { canary: o.canary })) };
  const stored: Record<string, unknown>[] = [];
  const pipeline = new AnswerPipeline([given, generateStage(s.gen), citeStage(), guardOutStage(guardrails, { groundedProducers: o.selfGrounded ? [] : [s.gen.id] }), decideStage(), persistStage({ updateMessage: async (_t, _id, patch) => void stored.push(patch as Record<string, unknown>) })]);
  const ctx = newContext({ tenantId: "t", content: "How long can I return a laptop?", target: { conversationId: "c", messageId: "m", userMessageId: "u" } });
  const events: StreamEvent[] = [];
  const producedAtDelta: number[] = [];
  for await (const ev of (await pipeline.start(ctx)).events) {
    events.push(ev);
    if (ev.type === "delta") producedAtDelta.push(s.sentNow());
  }
  const final = await pipeline.finish(ctx);
  const sent = events.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");
  return { events, sent, final, ctx, stored, producedAtDelta };
}

describe("guard-out: the held-back window", () => {
  test("nothing is sent before its sentence is complete and checked; what is stored is exactly what was sent", async () => {
    const text = "Laptops can be returned within 15 days of delivery [1]. Water damage is not covered by the warranty [2].";
    const r = await run(text);
    expect(r.sent).toBe(text);
    const firstEnd = text.indexOf("[1].") + 4;
    // The first delta left only once the producer had gone past the end of the first sentence.
    expect(r.producedAtDelta[0]).toBeGreaterThan(firstEnd);
    expect(r.events.filter((e) => e.type === "citation").map((e) => (e as { n: number }).n)).toEqual([1, 2]);
    expect(r.stored[0]!.content).toBe(r.sent);
    expect(r.final.answer).toBe(r.sent);
    expect(r.final.decision).toBe("PASS");
    expect(r.ctx.guard!.output).toMatchObject({ checked: 2, removed: 0, blocked: false, downgraded: false });
  });

  test("an unsupported sentence is never sent: removed with its citation; the rest goes out", async () => {
    const r = await run("Laptops can be returned within 15 days of delivery [1]. Water damage is covered by the warranty [2]. Laptops are returned within 15 days [1].");
    expect(r.sent).toBe("Laptops can be returned within 15 days of delivery [1]. Laptops are returned within 15 days [1].");
    expect(r.events.filter((e) => e.type === "citation").map((e) => (e as { n: number }).n)).toEqual([1]);
    expect(r.final.citations.map((c) => c.n)).toEqual([1]);
    expect(r.stored[0]!.content).toBe(r.sent);
    expect((r.stored[0]!.metadata as { guard: { output: { removed: number } } }).guard.output.removed).toBe(1);
  });

  test("when most sentences are unsupported the answer is downgraded to ESCALATE with the escalation text", async () => {
    const r = await run("Laptops can be returned within 90 days [1]. Water damage is covered by the warranty [2].");
    expect(r.sent).toMatch(/^I'm sorry, our knowledge base doesn't cover that/);
    expect(r.final.decision).toBe("ESCALATE");
    expect(r.final.answer).toBe(r.sent);
    expect(r.ctx.guard!.output!.downgraded).toBe(true);
  });

  test("the tenant setting 'escalate' replaces the rest of the answer at the first unsupported sentence", async () => {
    const cfg = validateGuardConfig({ output: { unsupported: "escalate" } });
    const r = await run("Laptops can be returned within 15 days of delivery [1]. Water damage is covered by the warranty [2]. Laptops are returned within 15 days [1].", cfg);
    expect(r.sent).toStartWith("Laptops can be returned within 15 days of delivery [1]. I'm sorry");
    expect(r.final.decision).toBe("ESCALATE");
  });

  test("the canary stops the answer before the leaking sentence", async () => {
    const r = await run("Laptops can be returned within 15 days of delivery [1]. My hidden reference is cnry-0011 [1].", DEFAULT_GUARD_CONFIG, { canary: "cnry-0011" });
    expect(r.sent).not.toContain("cnry-0011");
    expect(r.final.decision).toBe("ESCALATE");
    expect(r.ctx.guard!.output!.blocked).toBe(true);
  });

  test("a long run without a sentence end is checked and sent at holdChars", async () => {
    const cfg = validateGuardConfig({ output: { holdChars: 40, enabled: false } });
    const words = "laptops can be returned within fifteen days of delivery ".repeat(4);
    const r = await run(words, cfg);
    expect(r.sent).toBe(words);
    expect(r.events.filter((e) => e.type === "delta").length).toBeGreaterThan(1);
  });

  test("a producer that quotes its passages is not support-checked, but still masked", async () => {
    const r = await run("Water damage is covered, write to help@shop.example [2].", DEFAULT_GUARD_CONFIG, { selfGrounded: true, id: "extractive-v1" });
    expect(r.sent).toBe("Water damage is covered, write to [EMAIL] [1]."); // the cite stage numbers the first passage cited [1]
  });
});
