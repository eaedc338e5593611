/**
 * A generator inside the pipeline's stream stages (given passages -> generate -> cite -> decide -> persist
 * without a store), for generator tests: the events as sent, and the outcome, decision and citation stats the
 * pipeline made of them, exactly as the default pipeline would.
 */
import type { AnswerGenerator, AnswerInput } from "../../api/pipeline/answer-generator";
import { AnswerPipeline } from "../../api/pipeline/runner";
import { newContext, type Stage } from "../../api/pipeline/stage";
import { citationSources } from "../../api/pipeline/stages/assemble";
import { citeStage } from "../../api/pipeline/stages/cite";
import { decideStage } from "../../api/pipeline/stages/decide";
import { generateStage } from "../../api/pipeline/stages/generate";
import { persistStage } from "../../api/pipeline/stages/persist";
import type { StreamEvent } from "../../core/ports/language-model";

export function generatorPipeline(gen: AnswerGenerator, input: AnswerInput) {
  const given: Stage = {
    name: "given-passages",
    kind: "prepare",
    routes: "all",
    run(ctx) {
      ctx.passages = input.passages;
      ctx.sources = citationSources(input.passages);
    },
  };
  return new AnswerPipeline([given, generateStage(gen), citeStage(), decideStage(), persistStage({ updateMessage: async () => {} })]);
}

/** Starts the run; `run` is the pipeline's AnswerRun (events as sent, outcome). */
export function startGenerator(gen: AnswerGenerator, input: AnswerInput, signal?: AbortSignal) {
  const p = generatorPipeline(gen, input);
  const ctx = newContext({ tenantId: input.tenantId, content: input.question, history: input.history, signal, maxTokens: input.maxTokens });
  return { p, ctx, run: p.start(ctx) };
}

/** Reads the whole stream (optionally giving up after `timeoutMs`), then settles. */
export async function runGenerator(gen: AnswerGenerator, input: AnswerInput, signal?: AbortSignal, timeoutMs = 10_000) {
  const { p, ctx, run } = startGenerator(gen, input, signal);
  const events: StreamEvent[] = [];
  const read = (async () => {
    for await (const ev of (await run).events) events.push(ev);
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([read, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`stream not over after ${timeoutMs} ms`)), timeoutMs)))]).finally(() => clearTimeout(timer));
  const final = await p.finish(ctx);
  return { events, outcome: { ...ctx.outcome!, ...ctx.decision!, invalidCitations: ctx.citationStats?.invalid ?? [] }, final, ctx };
}
