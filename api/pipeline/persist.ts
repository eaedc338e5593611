/**
 * The persist stage: turns the generator's outcome into the final answer (text, citations with their sources,
 * decision, confidence, status, timings) and stores it on the assistant message prepared for this answer, with
 * the standalone question and slots on the user message. Runs however the answer ended: a client that went
 * away, or a backend that died mid-answer, leaves a `partial` answer (with the error in its metadata); a generator
 * error before any text a `failed` one. Without a target (the OpenAI-compatible
 * facade) nothing is stored; the final answer is still built.
 */
import type { ConversationRepository, MessageStatus } from "../../core/db/conversation-repository";
import type { PipelineContext, Stage } from "./answer-pipeline";
import type { Decision } from "./answer-generator";

export interface AnswerCitationView {
  n: number;
  documentId: string;
  title: string;
  page: number | null;
  snippet: string;
  chunkId: string;
  sectionPath: string[];
}

export interface FinalAnswer {
  messageId?: string;
  userMessageId?: string;
  conversationId?: string;
  answer: string;
  citations: AnswerCitationView[];
  decision: Decision;
  confidence: number;
  status: MessageStatus;
  finishReason: "stop" | "length" | "abort" | "error";
  error?: { code: string; message: string };
  question: string;
  rewritten: boolean;
  generatorId: string;
  usage?: { promptTokens: number; completionTokens: number };
  timings: Record<string, number>;
}

/** complete; partial when the client left or the backend died after some text; failed when nothing came. */
export function statusOf(finishReason: FinalAnswer["finishReason"], text = ""): MessageStatus {
  if (finishReason === "abort") return "partial";
  if (finishReason === "error") return text.trim() ? "partial" : "failed";
  return "complete";
}

/** The final answer of a context whose outcome is known. */
export function finalAnswer(ctx: PipelineContext): FinalAnswer {
  const o = ctx.outcome;
  if (!o) throw new Error("finalAnswer() needs ctx.outcome");
  const citations: AnswerCitationView[] = [];
  for (const c of o.citations) {
    const s = ctx.sources[c.passageIndex];
    if (!s || citations.some((x) => x.n === c.n)) continue;
    citations.push({ n: c.n, documentId: s.documentId, title: s.title, page: s.page, snippet: s.snippet, chunkId: s.chunkId, sectionPath: s.sectionPath });
  }
  return {
    messageId: ctx.target?.messageId,
    userMessageId: ctx.target?.userMessageId,
    conversationId: ctx.target?.conversationId,
    answer: o.text,
    citations,
    decision: o.decision,
    confidence: o.confidence,
    status: statusOf(o.finishReason, o.text),
    finishReason: o.finishReason,
    ...(o.error ? { error: o.error } : {}),
    question: ctx.understanding?.question ?? ctx.content,
    rewritten: ctx.understanding?.rewritten ?? false,
    generatorId: o.generatorId,
    ...(o.usage ? { usage: o.usage } : {}),
    timings: { ...ctx.timings, total: Math.round((performance.now() - ctx.startedAt) * 100) / 100 },
  };
}

export function persistStage(repo: Pick<ConversationRepository, "updateMessage">): Stage {
  return {
    name: "persist",
    async run(ctx) {
      const final = finalAnswer(ctx);
      ctx.final = final;
      const t = ctx.target;
      if (!t) return;
      const u = ctx.understanding;
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
          question: final.question,
          ...(final.error ? { error: final.error } : {}),
          ...(final.usage ? { usage: final.usage } : {}),
          ...(t.extraMetadata?.() ?? {}),
        },
      });
      if (u) {
        await repo.updateMessage(ctx.tenantId, t.userMessageId, {
          metadata: { standalone: u.question, rewritten: u.rewritten, slots: u.slots },
        });
      }
    },
  };
}
