/**
 * The answer pipeline runner: one ordered list of stages over one context, each timed (answer timings and
 * answer_stage_duration_seconds). It knows no stage by name; see stage.ts for the kinds and their order.
 *
 *   start(ctx)   prepare and produce stages in order until one produced the answer's stream; the transform
 *                stages wrap that stream; the reducer follows the final stream. Returns the events to send.
 *   finish(ctx)  waits for the stream to be over (ctx.outcome), then runs the settle stages (decide, persist).
 *   prepare(ctx) only the prepare stages, nothing produced: for benchmarks and debugging endpoints.
 *
 * Timings: each step stage under its name; "firstDelta" from the context's start to the first delta sent; and
 * "generate" from the start of streaming until the stream is over (whatever produced it).
 */
import { errors } from "../../core/errors";
import type { StreamEvent } from "../../core/ports/language-model";
import { reduceStream } from "./reduce-stream";
import { runsFor, type AnswerOutcome, type FinalAnswer, type PipelineContext, type Stage, type StepStage } from "./stage";
import { StageTimer } from "./stage-timer";

export interface AnswerRun {
  /** The final stream; ends with exactly one `finish` or `error`. A failure before the first event is thrown by the first next(). */
  events: AsyncIterable<StreamEvent>;
  /** Settles when the stream is over. */
  outcome: Promise<AnswerOutcome>;
}

const runs = new WeakMap<PipelineContext, AnswerRun>();

export class AnswerPipeline {
  constructor(
    readonly stages: readonly Stage[],
    private readonly timer = new StageTimer(),
  ) {
    const names = new Set<string>();
    for (const s of stages) {
      if (names.has(s.name)) throw new Error(`two stages are named '${s.name}'`);
      names.add(s.name);
    }
  }

  get stageNames(): string[] {
    return this.stages.map((s) => s.name);
  }

  /** A copy of this pipeline with `stage` inserted before the stage named `before` (or at the end). */
  with(stage: Stage, before?: string): AnswerPipeline {
    const list = [...this.stages];
    const at = before === undefined ? -1 : list.findIndex((s) => s.name === before);
    if (before !== undefined && at < 0) throw new Error(`no stage named '${before}'`);
    list.splice(at < 0 ? list.length : at, 0, stage);
    return new AnswerPipeline(list, this.timer);
  }

  async start(ctx: PipelineContext): Promise<AnswerRun> {
    for (const s of this.stages) {
      if (ctx.answer) break;
      if ((s.kind === "prepare" || s.kind === "produce") && runsFor(s, ctx.route)) await this.step(s, ctx);
    }
    const answer = ctx.answer;
    if (!answer) throw errors.internal("NO_ANSWER_PRODUCED", `no stage produced an answer for route '${ctx.route}' (stages: ${this.stageNames.join(", ")})`);
    let events = answer.events;
    for (const s of this.stages) {
      if (s.kind === "transform" && runsFor(s, ctx.route)) events = s.wrap(events, ctx);
    }
    const t0 = performance.now();
    const reduced = reduceStream(events, {
      producer: answer.producer,
      signal: ctx.signal,
      onFirstDelta: () => this.timer.record(ctx.timings, "firstDelta", performance.now() - ctx.startedAt),
    });
    const outcome = reduced.outcome.then((o) => {
      this.timer.record(ctx.timings, "generate", performance.now() - t0);
      ctx.outcome = o;
      return o;
    });
    outcome.catch(() => {});
    const run = { events: reduced.events, outcome };
    runs.set(ctx, run);
    return run;
  }

  async finish(ctx: PipelineContext): Promise<FinalAnswer> {
    const run = runs.get(ctx);
    if (!run) throw new Error("finish() before start()");
    await run.outcome;
    for (const s of this.stages) if (s.kind === "settle" && runsFor(s, ctx.route)) await this.step(s, ctx);
    if (!ctx.final) throw new Error("no settle stage built the final answer");
    return ctx.final;
  }

  async prepare(ctx: PipelineContext): Promise<void> {
    for (const s of this.stages) if (s.kind === "prepare" && runsFor(s, ctx.route)) await this.step(s, ctx);
  }

  private async step(s: StepStage, ctx: PipelineContext): Promise<void> {
    if (s.selfTimed) await s.run(ctx);
    else await this.timer.time(ctx.timings, s.name, () => s.run(ctx));
  }
}
