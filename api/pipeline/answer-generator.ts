/**
 * The generate stage's contract. An AnswerGenerator turns a question and ranked passages into a stream of
 * StreamEvents (start | delta | citation | finish | error) plus a final outcome the persist stage stores.
 * Two implementations: the extractive generator (no model, the embedded default) and the LLM generator
 * (prompt template + inference gateway, when LLM_BASE_URLS is set). createGenerator() picks one.
 */
import type { ChatMessage, StreamEvent } from "../../core/ports/language-model";
import type { Passage } from "../../core/ports/retrieval";

export type Decision = "PASS" | "ASK_USER" | "ESCALATE";

export interface AnswerInput {
  tenantId: string;
  /** The standalone question (follow-ups already rewritten by the understand stage). */
  question: string;
  /** Ranked passages; citation [n] refers to passages[n-1]. */
  passages: Passage[];
  /** Recent turns of the conversation, oldest first, within the history budget. */
  history: ChatMessage[];
}

export interface AnswerCitation {
  /** The number as it appears in the text ([n]). */
  n: number;
  /** Index into AnswerInput.passages. */
  passageIndex: number;
}

export interface AnswerOutcome {
  text: string;
  citations: AnswerCitation[];
  decision: Decision;
  confidence: number;
  finishReason: "stop" | "length" | "abort" | "error";
  /** Set when the stream ended with an error (the text so far is partial). */
  error?: { code: string; message: string };
  /** Citation numbers in the text that matched no passage (dropped from the text and flagged). */
  invalidCitations?: number[];
  generatorId: string;
  usage?: { promptTokens: number; completionTokens: number };
}

export interface AnswerRun {
  /** Ends with exactly one `finish` or `error` event. */
  events: AsyncIterable<StreamEvent>;
  /** Resolves once the events have been fully consumed (or the run was aborted). */
  outcome: Promise<AnswerOutcome>;
}

export interface AnswerGenerator {
  readonly id: string;
  run(input: AnswerInput, signal?: AbortSignal): AnswerRun;
  /** Health of the generator's backends, for /v1/health. */
  health?(): Promise<{ state: "ok" | "degraded" | "down"; detail?: string; [k: string]: unknown }>;
  close?(): Promise<void>;
}
