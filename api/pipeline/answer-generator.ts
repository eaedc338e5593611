/**
 * The generate stage's port. An AnswerGenerator turns a question and ranked passages into the answer's one
 * typed event stream (start | delta | citation | finish | error); it does not decide, map citations or store:
 * the pipeline's cite, decide and persist stages do that on the stream as sent. A generator that knows more
 * about its own answer (the extractive one knows when it declined) says so in `finish.assessment`.
 * Two implementations: the extractive generator (no model, the embedded default) and the LLM generator
 * (prompt template + inference gateway, when LLM_BASE_URLS is set). createGenerator() picks one.
 *
 * A failure before the first event (queue full 429, no backend 503, ...) is thrown by the first next(), so the
 * API can answer with its status; a later one ends the stream with an `error` event.
 */
import type { ChatMessage, StreamEvent } from "../../core/ports/language-model";
import type { Passage } from "../../core/ports/retrieval";

export type { Decision } from "../../core/ports/language-model";

export interface AnswerInput {
  tenantId: string;
  /** The standalone question (follow-ups already rewritten by the understand stage). */
  question: string;
  /** Ranked passages; citation [n] refers to passages[n-1]. */
  passages: Passage[];
  /** Recent turns of the conversation, oldest first, within the history budget. */
  history: ChatMessage[];
  /** Most tokens to generate (the OpenAI facade's max_tokens); the generator's default when absent. */
  maxTokens?: number;
  /** The request's canary for the system prompt (the output guard watches for it); none when absent. */
  canary?: string;
}

export interface AnswerGenerator {
  readonly id: string;
  /**
   * The generator declines by itself when the passages do not cover the question (the extractive one does);
   * otherwise the pipeline puts the grounding gate (stages/ground.ts) in front of it.
   */
  readonly selfGrounded?: boolean;
  run(input: AnswerInput, signal?: AbortSignal): AsyncIterable<StreamEvent>;
  /** Health of the generator's backends, for /v1/health. */
  health?(): Promise<{ state: "ok" | "degraded" | "down"; detail?: string; [k: string]: unknown }>;
  close?(): Promise<void>;
}
