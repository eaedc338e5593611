/**
 * The grounding gate (produce, answer route), in front of a generator that does not gate itself (a model):
 * before anything is generated, the passages must cover the question, by the same rule the extractive
 * generator applies (inference/extractive-compose.ts: IDF-weighted coverage of the question's own words by the
 * best sentences, a retrieval score above zero). A question they do not cover ("What is the capital of
 * France?", an instruction to ignore the rules) is declined here, plainly (ESCALATE, or ASK_USER for a one- or
 * two-word message), and the model is never asked; otherwise the stage produces nothing and generate runs.
 */
import type { Assessment, StreamEvent } from "../../../core/ports/language-model";
import { composeExtractiveAnswer, type ExtractiveOptions } from "../../../inference/extractive";
import { questionOf, type StepStage } from "../stage";

export const GROUNDING_GATE = "grounding-gate";

export type GroundOptions = Pick<ExtractiveOptions, "minCoverage" | "minTopScore" | "askUserMaxWords" | "declineText" | "wordSimilarity">;

async function* decline(text: string, assessment: Assessment): AsyncIterable<StreamEvent> {
  yield { type: "start", model: GROUNDING_GATE };
  yield { type: "delta", text };
  yield { type: "finish", reason: "stop", assessment };
}

export function groundStage(o: GroundOptions = {}): StepStage {
  return {
    name: "ground",
    kind: "produce",
    routes: ["answer"],
    run(ctx) {
      const a = composeExtractiveAnswer(questionOf(ctx), ctx.passages, { ...o, numbering: "passage" });
      if (a.decision === "PASS") return;
      ctx.meta.generator = GROUNDING_GATE;
      ctx.answer = { producer: GROUNDING_GATE, events: decline(a.text, { decision: a.decision, confidence: a.confidence, reason: `declined before generation: ${a.reason}` }) };
    },
  };
}
