/**
 * The generate stage (produce, answer route): the answer generator's event stream over the standalone question,
 * the assembled passages and the recent turns becomes the answer's stream. The generator only streams; citation
 * mapping, the decision and storing happen in later stages on what is actually sent.
 */
import type { AnswerGenerator } from "../answer-generator";
import { questionOf, type StepStage } from "../stage";

export function generateStage(generator: AnswerGenerator, o: { historyTurns?: number } = {}): StepStage {
  return {
    name: "generate",
    kind: "produce",
    routes: ["answer"],
    // Timed by the runner as "generate" (until the stream is over) and "firstDelta".
    selfTimed: true,
    run(ctx) {
      ctx.meta.generator = generator.id;
      const history = ctx.history.slice(-(o.historyTurns ?? 6)).map((t) => ({ role: t.role, content: t.content }));
      const events = generator.run({ tenantId: ctx.tenantId, question: questionOf(ctx), passages: ctx.passages, history, ...(ctx.maxTokens !== undefined ? { maxTokens: ctx.maxTokens } : {}) }, ctx.signal);
      ctx.answer = { producer: generator.id, events };
    },
  };
}
