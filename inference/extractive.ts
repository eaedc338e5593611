/**
 * The embedded default generator (no model): answers with sentences quoted from the retrieved passages, each
 * carrying its [n] citation, or declines plainly (see extractive-compose.ts for selection, gate and confidence).
 *
 * stream() emits `start`, then deltas of a few words each, a `citation` event right after the delta that
 * carries a sentence's [n] marker, then exactly one `finish` ("stop", "length" when req.maxTokens is reached,
 * "abort" when the signal fires) or one `error` (e.g. no question in the request).
 */
import { errors, isAppError } from "../core/errors";
import type { GenerateRequest, LanguageModel, StreamEvent } from "../core/ports/language-model";
import type { Passage } from "../core/ports/retrieval";
import { estimateTokens } from "../core/text";
import { composeExtractiveAnswer, composeExtractiveAnswerAsync, resolveExtractiveOptions, type ExtractiveAnswer, type ExtractiveOptions } from "./extractive-compose";

export * from "./extractive-compose";

export interface ExtractiveGeneratorOptions extends ExtractiveOptions {
  /** Words per delta event (default 4). */
  wordsPerDelta?: number;
  /** Pause between deltas in ms, to pace the stream like a model (default 0). */
  delayMs?: number;
}

export interface StreamLimits {
  /** Stop with finish reason "length" once the emitted text would exceed this many tokens. */
  maxTokens?: number;
  /** Reported in finish.usage. */
  promptTokens?: number;
}

/**
 * The question in a request: the last user message. When that message is a prompt with a "Question:" line,
 * the text after the last such label is used.
 */
export function questionFromRequest(req: GenerateRequest): string {
  const last = [...(req.messages ?? [])].reverse().find((m) => m.role === "user")?.content ?? "";
  const labelled = [...last.matchAll(/(?:^|\n)\s*(?:question|q)\s*:\s*([^\n]+)/gi)].pop();
  return (labelled?.[1] ?? last).trim();
}

/** Request passages as Passage objects; with no retrieval score given, the score falls with the position. */
export function passagesFromRequest(req: GenerateRequest): Passage[] {
  return (req.passages ?? []).map((p, i) => ({
    chunkId: p.id,
    documentId: p.id,
    title: p.title ?? "",
    page: null,
    sectionPath: [],
    text: p.text,
    charStart: 0,
    charEnd: p.text.length,
    docType: "",
    source: "",
    tags: [],
    score: 1 / (1 + i),
    ranks: { request: i + 1 },
  }));
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** Splits text into consecutive groups of `words` words; a group ends right after a citation marker. */
export function wordGroups(text: string, words: number): string[] {
  const groups: string[] = [];
  let current = "";
  let count = 0;
  for (const piece of text.match(/\S+\s*/g) ?? []) {
    current += piece;
    count++;
    if (count >= words || /\[\d+\]/.test(piece)) {
      groups.push(current);
      current = "";
      count = 0;
    }
  }
  if (current) groups.push(current);
  return groups;
}

export class ExtractiveGenerator implements LanguageModel {
  readonly id = "extractive-v1";
  private readonly options: ExtractiveGeneratorOptions;

  constructor(options: ExtractiveGeneratorOptions = {}) {
    resolveExtractiveOptions(options);
    const { wordsPerDelta, delayMs } = options;
    if (wordsPerDelta !== undefined && (!Number.isInteger(wordsPerDelta) || wordsPerDelta < 1)) {
      throw resolveError("wordsPerDelta must be a whole number >= 1");
    }
    if (delayMs !== undefined && (!Number.isFinite(delayMs) || delayMs < 0)) throw resolveError("delayMs must be a number >= 0");
    this.options = options;
  }

  /** The composed answer for a request (question = last user message, passages = req.passages); lexical only. */
  answer(req: GenerateRequest): ExtractiveAnswer {
    return composeExtractiveAnswer(questionFromRequest(req), passagesFromRequest(req), this.options);
  }

  async *stream(req: GenerateRequest, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    let answer: ExtractiveAnswer;
    try {
      answer = await composeExtractiveAnswerAsync(questionFromRequest(req), passagesFromRequest(req), this.options);
    } catch (e) {
      yield { type: "start", model: this.id };
      yield {
        type: "error",
        code: isAppError(e) ? e.code : "EXTRACTIVE_FAILED",
        message: e instanceof Error ? e.message : String(e),
        retryable: false,
      };
      return;
    }
    const prompt = (req.messages ?? []).map((m) => m.content).join("\n") + (req.passages ?? []).map((p) => p.text).join("\n");
    yield* this.streamAnswer(answer, signal, { maxTokens: req.maxTokens, promptTokens: estimateTokens(prompt) });
  }

  /** Streams an answer composed beforehand (the pipeline composes it to read decision and confidence). */
  async *streamAnswer(answer: ExtractiveAnswer, signal?: AbortSignal, limits: StreamLimits = {}): AsyncIterable<StreamEvent> {
    const delay = this.options.delayMs ?? 0;
    let emitted = "";
    const finish = (reason: "stop" | "length" | "abort"): StreamEvent => ({
      type: "finish",
      reason,
      usage: { promptTokens: limits.promptTokens ?? 0, completionTokens: emitted ? estimateTokens(emitted) : 0 },
    });
    yield { type: "start", model: this.id };
    const idOf = new Map(answer.citations.map((c) => [c.n, c.passageId]));
    for (const group of wordGroups(answer.text, this.options.wordsPerDelta ?? 4)) {
      if (signal?.aborted) return yield finish("abort");
      if (limits.maxTokens !== undefined && estimateTokens(emitted + group) > limits.maxTokens) return yield finish("length");
      emitted += group;
      yield { type: "delta", text: group };
      for (const m of group.matchAll(/\[(\d+)\]/g)) {
        const n = Number(m[1]);
        yield { type: "citation", n, passageId: idOf.get(n) ?? String(n) };
      }
      if (delay > 0) await sleep(delay, signal);
    }
    yield finish("stop");
  }

  async generate(req: GenerateRequest, signal?: AbortSignal): Promise<{ text: string; finishReason: string }> {
    let text = "";
    for await (const ev of this.stream(req, signal)) {
      if (ev.type === "delta") text += ev.text;
      else if (ev.type === "error") throw resolveError(ev.message, ev.code);
      else if (ev.type === "finish") return { text, finishReason: ev.reason };
    }
    return { text, finishReason: "stop" };
  }
}

function resolveError(message: string, code = "INVALID_OPTION") {
  return errors.invalid(code, message);
}
