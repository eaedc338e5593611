/**
 * The embedded default AnswerGenerator (no model configured): composeExtractiveAnswer picks the sentences (or
 * a plain decline), ExtractiveGenerator.streamAnswer streams them as deltas carrying their [n] markers (n is
 * the passage's number; the cite stage renumbers them in order of first appearance). With `sentenceSimilarity`
 * (a sentence encoder) the composer combines it with its lexical score. What the composer found out about its answer (PASS, or a decline as ASK_USER /
 * ESCALATE, and its coverage confidence) travels on the `finish` event as the assessment; the pipeline's
 * decide stage reads it.
 */
import { isAppError } from "../../core/errors";
import type { Assessment, StreamEvent } from "../../core/ports/language-model";
import { estimateTokens } from "../../core/text";
import { composeExtractiveAnswerAsync, ExtractiveGenerator, type ExtractiveAnswer, type ExtractiveGeneratorOptions } from "../../inference/extractive";
import type { AnswerGenerator, AnswerInput } from "./answer-generator";

export type ExtractiveAnswerGeneratorOptions = Omit<ExtractiveGeneratorOptions, "numbering">;

export class ExtractiveAnswerGenerator implements AnswerGenerator {
  readonly id: string;
  readonly selfGrounded = true;
  private readonly model: ExtractiveGenerator;
  private readonly options: ExtractiveGeneratorOptions;

  constructor(options: ExtractiveAnswerGeneratorOptions = {}) {
    this.options = { ...options, numbering: "passage" };
    this.model = new ExtractiveGenerator(this.options);
    this.id = this.model.id;
  }

  async *run(input: AnswerInput, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    let answer: ExtractiveAnswer;
    try {
      answer = await composeExtractiveAnswerAsync(input.question, input.passages, this.options);
    } catch (e) {
      yield { type: "start", model: this.id };
      yield { type: "error", code: isAppError(e) ? e.code : "EXTRACTIVE_FAILED", message: e instanceof Error ? e.message : String(e), retryable: false };
      return;
    }
    const prompt = [input.question, ...input.history.map((m) => m.content), ...input.passages.map((p) => p.text)].join("\n");
    const assessment: Assessment = { decision: answer.decision, confidence: answer.confidence, ...(answer.reason ? { reason: answer.reason } : {}) };
    for await (const ev of this.model.streamAnswer(answer, signal, { promptTokens: estimateTokens(prompt), maxTokens: input.maxTokens })) {
      yield ev.type === "finish" ? { ...ev, assessment } : ev;
    }
  }
}
