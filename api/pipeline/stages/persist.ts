/**
 * The persist stage (settle, every route): builds the final answer from what the customer was sent (the reduced
 * final stream, ctx.outcome, after every transform stage) and the decision made on it (ctx.decision), and stores
 * it on the assistant message prepared for this answer, with the standalone question and slots on the user
 * message. Runs however the answer ended: a client that went away, or a backend that died mid-answer, leaves a
 * `partial` answer (with the error in its metadata); an error before any text a `failed` one. Without a target
 * (the OpenAI-compatible facade) nothing is stored; the final answer is still built.
 */
import type { ConversationRepository, MessageStatus } from "../../../core/db/conversation-repository";
import type { AnswerCitationView, FinalAnswer, GuardState, PipelineContext, StepStage } from "../stage";

export type { AnswerCitationView, FinalAnswer } from "../stage";

/** The guard stages' findings as stored with the answer (rails, rules, scores, layer verdicts; no text, no canary). */
export function guardSummary(g: GuardState): Record<string, unknown> {
  return {
    ...(g.input ? { input: { action: g.input.action, layers: g.input.layers, violations: g.input.violations } } : {}),
    ...(g.retrieval ? { retrieval: g.retrieval } : {}),
    ...(g.output ? { output: g.output } : {}),
  };
}

/** complete; partial when the client left or the backend died after some text; failed when nothing came. */
export function statusOf(finishReason: FinalAnswer["finishReason"], text = ""): MessageStatus {
  if (finishReason === "abort") return "partial";
  if (finishReason === "error") return text.trim() ? "partial" : "failed";
  return "complete";
}

/** The final answer of a context whose outcome is known (decision: decide's, else ESCALATE with 0). */
export function finalAnswer(ctx: PipelineContext): FinalAnswer {
  const o = ctx.outcome;
  if (!o) throw new Error("finalAnswer() needs ctx.outcome");
  const citations: AnswerCitationView[] = [];
  for (const c of o.citations) {
    const s = ctx.sources[c.passageIndex];
    if (!s || citations.some((x) => x.n === c.n)) continue;
    citations.push({ n: c.n, documentId: s.documentId, title: s.title, page: s.page, snippet: s.snippet, chunkId: s.chunkId, sectionPath: s.sectionPath });
  }
  const d = ctx.decision ?? { decision: "ESCALATE" as const, confidence: 0 };
  return {
    messageId: ctx.target?.messageId,
    userMessageId: ctx.target?.userMessageId,
    conversationId: ctx.target?.conversationId,
    answer: o.text,
    citations,
    decision: d.decision,
    confidence: d.confidence,
    status: statusOf(o.finishReason, o.text),
    finishReason: o.finishReason,
    ...(o.error ? { error: o.error } : {}),
    question: ctx.understanding?.question ?? ctx.content,
    rewritten: ctx.understanding?.rewritten ?? false,
    route: ctx.route,
    // A fallback or a gate may have answered instead of the producer first chosen (meta says who).
    generatorId: ctx.meta.generator ?? o.producer,
    ...(o.usage ? { usage: o.usage } : {}),
    timings: { ...ctx.timings, total: Math.round((performance.now() - ctx.startedAt) * 100) / 100 },
  };
}

export function persistStage(repo: Pick<ConversationRepository, "updateMessage">): StepStage {
  return {
    name: "persist",
    kind: "settle",
    routes: "all",
    async run(ctx) {
      const final = finalAnswer(ctx);
      ctx.final = final;
      const t = ctx.target;
      if (!t) return;
      const u = ctx.understanding;
      const o = ctx.outcome!;
      await repo.updateMessage(ctx.tenantId, t.messageId, {
        content: final.answer,
        status: final.status,
        citations: final.citations,
        decision: final.decision,
        confidence: final.confidence,
        timings: final.timings,
        metadata: {
          finishReason: final.finishReason,
          generatorId: final.generatorId,
          route: final.route,
          ...(ctx.meta.intent ? { intent: ctx.meta.intent } : {}),
          question: final.question,
          ...(ctx.decision?.reason ? { decisionReason: ctx.decision.reason } : {}),
          ...(ctx.meta.fallback ? { fallback: ctx.meta.fallback } : {}),
          ...(final.error ? { error: final.error } : {}),
          ...(final.usage ? { usage: final.usage } : {}),
          ...(o.prompt ? { prompt: o.prompt } : {}),
          ...(ctx.citationStats?.invalid.length ? { invalidCitations: ctx.citationStats.invalid } : {}),
          ...(ctx.guard ? { guard: guardSummary(ctx.guard) } : {}),
          ...(t.extraMetadata?.() ?? {}),
        },
      });
      // The customer's message is stored as the input guard redacted it (no PII at rest), with the guard's verdicts;
      // except on the tool route, where the email or postcode is the proof a follow-up about the same order is
      // re-verified with (api/orders/order-dialogue.ts earlierProof): the customer's own order lookup needs it.
      const redacted = ctx.route === "tool" ? undefined : ctx.guard?.redacted;
      if (u || redacted !== undefined) {
        await repo.updateMessage(ctx.tenantId, t.userMessageId, {
          ...(redacted !== undefined ? { content: redacted } : {}),
          metadata: {
            ...(u ? { standalone: u.question, rewritten: u.rewritten, slots: u.slots } : {}),
            ...(ctx.guard?.input ? { guard: { action: ctx.guard.input.action, violations: ctx.guard.input.violations } } : {}),
          },
        });
      }
    },
  };
}
