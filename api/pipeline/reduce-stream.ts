/**
 * The one reducer: follows the final answer stream (after every transform stage) as the consumer reads it and
 * settles the outcome once, from exactly what passed through: the text of the deltas, the citation events, the
 * terminal event's reason, usage and the producer's assessment.
 *
 * It also normalises the stream for the consumer:
 *   - a failure thrown before the first event is thrown again by the first next() and rejects the outcome (the
 *     API can still answer with that status, e.g. 429 or 503 from the inference gateway);
 *   - a failure after it becomes one final `error` event (outcome: finishReason "error", the text so far);
 *   - a stream that ends without `finish` or `error` gets an `error` event (STREAM_INTERRUPTED);
 *   - nothing after the terminal event is passed on;
 *   - a consumer that stops early, or a signal that fires before anyone read the stream, settles "abort".
 */
import { isAppError } from "../../core/errors";
import type { StreamEvent } from "../../core/ports/language-model";
import type { AnswerOutcome } from "./stage";

export interface ReducedStream {
  /** The stream to hand to the consumer (read it once). */
  events: AsyncIterable<StreamEvent>;
  /** Settles when the stream is over; rejects only for a failure before the first event. */
  outcome: Promise<AnswerOutcome>;
}

export interface ReduceOptions {
  producer: string;
  signal?: AbortSignal;
  /** Called once, at the first delta. */
  onFirstDelta?: () => void;
}

const errorOf = (e: unknown) => ({
  code: isAppError(e) ? e.code : "GENERATION_FAILED",
  message: e instanceof Error ? e.message : String(e),
  retryable: isAppError(e) ? e.retryable : false,
});

export function reduceStream(source: AsyncIterable<StreamEvent>, o: ReduceOptions): ReducedStream {
  const acc: AnswerOutcome = { text: "", citations: [], finishReason: "abort", producer: o.producer };
  let settled = false;
  let resolve!: (x: AnswerOutcome) => void;
  let reject!: (e: unknown) => void;
  const outcome = new Promise<AnswerOutcome>((res, rej) => ((resolve = res), (reject = rej)));
  outcome.catch(() => {}); // the consumer sees the failure first; nobody has to await the outcome
  const settle = () => {
    if (!settled) (settled = true), resolve(acc);
  };
  let started = false;
  const onAbort = () => {
    if (!started) settle();
  };
  o.signal?.addEventListener("abort", onAbort, { once: true });
  if (o.signal?.aborted) onAbort();

  async function* events(): AsyncIterable<StreamEvent> {
    started = true;
    o.signal?.removeEventListener("abort", onAbort);
    if (settled) return; // aborted before anyone read it
    let seen = 0;
    let firstDelta = false;
    let ended = false;
    try {
      for await (const ev of source) {
        seen++;
        switch (ev.type) {
          case "start":
            acc.model = ev.model;
            if (ev.prompt) acc.prompt = ev.prompt;
            break;
          case "delta":
            if (!ev.text) continue;
            if (!firstDelta) (firstDelta = true), o.onFirstDelta?.();
            acc.text += ev.text;
            break;
          case "citation":
            if (acc.citations.some((c) => c.n === ev.n)) continue;
            acc.citations.push({ n: ev.n, passageIndex: ev.n - 1 });
            break;
          case "finish":
            acc.finishReason = ev.reason;
            if (ev.usage) acc.usage = ev.usage;
            if (ev.assessment) acc.assessment = ev.assessment;
            ended = true;
            break;
          case "error":
            acc.finishReason = "error";
            acc.error = { code: ev.code, message: ev.message };
            ended = true;
            break;
        }
        yield ev;
        if (ended) return;
      }
      const error = { code: "STREAM_INTERRUPTED", message: "the answer's stream ended without a finish event", retryable: false };
      acc.finishReason = "error";
      acc.error = { code: error.code, message: error.message };
      ended = true;
      yield { type: "error", ...error };
    } catch (e) {
      if (seen === 0) {
        settled = true;
        reject(e);
        throw e;
      }
      const error = errorOf(e);
      acc.finishReason = "error";
      acc.error = { code: error.code, message: error.message };
      ended = true;
      yield { type: "error", ...error };
    } finally {
      if (!ended) acc.finishReason = "abort"; // the consumer stopped reading
      settle();
    }
  }
  return { events: events(), outcome };
}
