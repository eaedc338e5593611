/**
 * The answer events the API streams (SSE, WebSocket) and keeps in the resume buffer. `id` counts from 1 within
 * one answer; a client resumes with the last id it saw. A stream ends with exactly one terminal event: `done`
 * (the persisted message) or `error` (with the persisted state when there is one).
 */
import type { MessageInfo } from "../../core/db/conversation-repository";
import type { AnswerCitationView, AnswerMeta, FinalAnswer } from "../pipeline/stage";

/** `meta`: who answers and how, sent first. */
/** `resumable`: false when the resume buffer (the cache) is failing: a dropped connection cannot resume this stream. */
export type MetaData = AnswerMeta & { messageId: string; userMessageId: string; conversationId: string; resumable: boolean };
export type CitationData = AnswerCitationView;
export interface ErrorData {
  code: string;
  message: string;
  messageId?: string;
  /** The answer as stored, when the error ended a stored answer. */
  final?: AnswerView;
}

export type AnswerEvent =
  | { id: number; event: "meta"; data: MetaData }
  | { id: number; event: "delta"; data: { text: string } }
  | { id: number; event: "citation"; data: CitationData }
  | { id: number; event: "done"; data: AnswerView }
  | { id: number; event: "error"; data: ErrorData };

export type AnswerEventType = AnswerEvent["event"];
/** An event before its id is given. */
type WithoutId<E> = E extends { id: number } ? Omit<E, "id"> : never;
export type AnswerEventBody = WithoutId<AnswerEvent>;

export const isTerminal = (e: Pick<AnswerEvent, "event">): boolean => e.event === "done" || e.event === "error";

/** What clients get for an answered message (the POST response, the `done` event, a replay from the database). */
export interface AnswerView {
  messageId: string;
  conversationId: string;
  userMessageId?: string;
  answer: string;
  citations: { n: number; documentId: string; title: string; page: number | null; snippet: string; chunkId?: string; sectionPath?: string[] }[];
  decision: string | null;
  confidence: number | null;
  status: string;
  finishReason?: string;
  route?: string;
  question?: string;
  rewritten?: boolean;
  error?: { code: string; message: string };
  timings: Record<string, number>;
}

export function viewOfFinal(f: FinalAnswer): AnswerView {
  return {
    messageId: f.messageId ?? "",
    conversationId: f.conversationId ?? "",
    userMessageId: f.userMessageId,
    answer: f.answer,
    citations: f.citations,
    decision: f.decision,
    confidence: f.confidence,
    status: f.status,
    finishReason: f.finishReason,
    route: f.route,
    question: f.question,
    rewritten: f.rewritten,
    ...(f.error ? { error: f.error } : {}),
    timings: f.timings,
  };
}

export function viewOfMessage(m: MessageInfo): AnswerView {
  const meta = m.metadata as { finishReason?: string; route?: string; question?: string; error?: { code: string; message: string } };
  return {
    messageId: m.id,
    conversationId: m.conversationId,
    answer: m.content,
    citations: m.citations as AnswerView["citations"],
    decision: m.decision,
    confidence: m.confidence,
    status: m.status,
    ...(meta.finishReason ? { finishReason: meta.finishReason } : {}),
    ...(meta.route ? { route: meta.route } : {}),
    ...(meta.question ? { question: meta.question } : {}),
    ...(meta.error ? { error: meta.error } : {}),
    timings: m.timings ?? {},
  };
}

/** The terminal event for a finished answer: `done`, or `error` when it failed. */
export function terminalEvent(id: number, view: AnswerView): AnswerEvent {
  // Failed outright, or cut short by a backend error after some text (status partial, error set).
  if (view.status === "failed" || view.error) {
    const err = view.error ?? { code: "ANSWER_FAILED", message: "the answer could not be completed" };
    return { id, event: "error", data: { code: err.code, message: err.message, messageId: view.messageId, final: view } };
  }
  return { id, event: "done", data: view };
}
