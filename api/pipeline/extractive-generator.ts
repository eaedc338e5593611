/**
 * The embedded default AnswerGenerator (no model configured): composeExtractiveAnswer picks the sentences and
 * the decision (PASS, or a plain decline with ASK_USER / ESCALATE), ExtractiveGenerator.streamAnswer streams
 * them as deltas with a citation event per [n] marker. Citation [n] is passage n (numbering "passage"), so the
 * outcome's passageIndex is n - 1. The outcome is settled when the stream ends, when the consumer stops early
 * (abort), or when the signal fires before anyone consumed the events.
 */
import { isAppError } from "../../core/errors";
import type { StreamEvent } from "../../core/ports/language-model";
import { estimateTokens } from "../../core/text";
import {
  composeExtractiveAnswer,
  ExtractiveGenerator,
  type ExtractiveAnswer,
  type ExtractiveGeneratorOptions,
} from "../../inference/extractive";
import type { AnswerCitation, AnswerGenerator, AnswerInput, AnswerOutcome, AnswerRun } from "./answer-generator";

export type ExtractiveAnswerGeneratorOptions = Omit<ExtractiveGeneratorOptions, "numbering">;

export class ExtractiveAnswerGenerator implements AnswerGenerator {
  readonly id: string;
  private readonly model: ExtractiveGenerator;
  private readonly options: ExtractiveGeneratorOptions;

  constructor(options: ExtractiveAnswerGeneratorOptions = {}) {
    this.options = { ...options, numbering: "passage" };
    this.model = new ExtractiveGenerator(this.options);
    this.id = this.model.id;
  }

  run(input: AnswerInput, signal?: AbortSignal): AnswerRun {
    let settle!: (o: AnswerOutcome) => void;
    const outcome = new Promise<AnswerOutcome>((resolve) => {
      let done = false;
      settle = (o) => {
        if (!done) {
          done = true;
          resolve(o);
        }
      };
    });
    let answer: ExtractiveAnswer | undefined;
    let failure: { code: string; message: string } | undefined;
    try {
      answer = composeExtractiveAnswer(input.question, input.passages, this.options);
    } catch (e) {
      failure = { code: isAppError(e) ? e.code : "EXTRACTIVE_FAILED", message: e instanceof Error ? e.message : String(e) };
    }
    const prompt = [input.question, ...input.history.map((m) => m.content), ...input.passages.map((p) => p.text)].join("\n");
    const promptTokens = estimateTokens(prompt);
    const base = { generatorId: this.id, decision: answer?.decision ?? ("ESCALATE" as const), confidence: answer?.confidence ?? 0 };
    let started = false;
    const onAbort = () => {
      if (!started) settle({ ...base, text: "", citations: [], finishReason: "abort", usage: { promptTokens, completionTokens: 0 } });
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const model = this.model;
    const id = this.id;

    async function* events(): AsyncIterable<StreamEvent> {
      started = true;
      let text = "";
      const citations: AnswerCitation[] = [];
      let finishReason: AnswerOutcome["finishReason"] = "abort";
      let usage: AnswerOutcome["usage"];
      try {
        if (failure || !answer) {
          yield { type: "start", model: id };
          finishReason = "error";
          yield { type: "error", code: failure?.code ?? "EXTRACTIVE_FAILED", message: failure?.message ?? "no answer", retryable: false };
          return;
        }
        for await (const ev of model.streamAnswer(answer, signal, { promptTokens })) {
          if (ev.type === "delta") text += ev.text;
          else if (ev.type === "citation" && !citations.some((c) => c.n === ev.n)) citations.push({ n: ev.n, passageIndex: ev.n - 1 });
          else if (ev.type === "finish") {
            finishReason = ev.reason;
            usage = ev.usage;
          }
          yield ev;
        }
      } finally {
        signal?.removeEventListener("abort", onAbort);
        settle({
          ...base,
          text,
          citations,
          finishReason,
          ...(failure ? { error: failure } : {}),
          usage: usage ?? { promptTokens, completionTokens: text ? estimateTokens(text) : 0 },
        });
      }
    }
    return { events: events(), outcome };
  }
}
