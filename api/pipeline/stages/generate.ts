/**
 * The generate stage (produce, answer route): the answer generator's event stream over the standalone question,
 * the assembled passages and the recent turns becomes the answer's stream. The generator only streams; citation
 * mapping, the decision and storing happen in later stages on what is actually sent.
 *
 * Fallback: when the generator fails before its first event because its backend cannot serve (a 503-class
 * error: no backend up, every breaker open, no first token in time), the fallback generator (the extractive
 * one) answers instead, and meta says so (`generator` is the fallback's id, `fallback` {from, code, reason}); it
 * is stored with the message. Overload (429, the gateway shedding load) is not a reason: the client retries.
 */
import { isAppError } from "../../../core/errors";
import type { StreamEvent } from "../../../core/ports/language-model";
import type { AnswerGenerator, AnswerInput } from "../answer-generator";
import { questionOf, type PipelineContext, type StepStage } from "../stage";

export interface GenerateStageOptions {
  historyTurns?: number;
  /** Answers when `generator` cannot serve (LLM_FALLBACK=extractive). */
  fallback?: AnswerGenerator;
}

/** A failure that means the backend cannot serve now (as opposed to a bad request or load shedding). */
export const cannotServe = (e: unknown): boolean => isAppError(e) && e.category === "unavailable";

async function* withFallback(primary: AnswerGenerator, fallback: AnswerGenerator, input: AnswerInput, ctx: PipelineContext): AsyncIterable<StreamEvent> {
  const it = primary.run(input, ctx.signal)[Symbol.asyncIterator]();
  let first: IteratorResult<StreamEvent>;
  try {
    first = await it.next();
  } catch (e) {
    if (!cannotServe(e) || ctx.signal.aborted) throw e;
    const err = e as { code: string; message: string };
    ctx.meta.generator = fallback.id;
    ctx.meta.fallback = { from: primary.id, code: err.code, reason: err.message };
    yield* fallback.run(input, ctx.signal);
    return;
  }
  if (first.done) return;
  yield first.value;
  yield* { [Symbol.asyncIterator]: () => it };
}

export function generateStage(generator: AnswerGenerator, o: GenerateStageOptions = {}): StepStage {
  return {
    name: "generate",
    kind: "produce",
    routes: ["answer"],
    // Timed by the runner as "generate" (until the stream is over) and "firstDelta".
    selfTimed: true,
    run(ctx) {
      ctx.meta.generator = generator.id;
      const history = ctx.history.slice(-(o.historyTurns ?? 6)).map((t) => ({ role: t.role, content: t.content }));
      const input: AnswerInput = { tenantId: ctx.tenantId, question: questionOf(ctx), passages: ctx.passages, history, ...(ctx.maxTokens !== undefined ? { maxTokens: ctx.maxTokens } : {}), ...(ctx.guard?.canary ? { canary: ctx.guard.canary } : {}) };
      const events = o.fallback ? withFallback(generator, o.fallback, input, ctx) : generator.run(input, ctx.signal);
      ctx.answer = { producer: generator.id, events };
    },
  };
}
