/**
 * The answer events the API streams (SSE, WebSocket) and keeps in the resume buffer. `id` counts from 1 within
 * one answer; a client resumes with the last id it saw. A stream ends with exactly one terminal event: `done`
 * (the persisted message) or `error` (with the persisted state when there is one).
 */
import type { MessageInfo } from "../../core/db/conversation-repository";
import type { FinalAnswer } from "../pipeline/persist";

export type AnswerEventType = "meta" | "delta" | "citation" | "done" | "error";

export interface AnswerEvent {
  id: number;
  event: AnswerEventType;
  data: Record<string, unknown>;
}

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
    question: f.question,
    rewritten: f.rewritten,
    ...(f.error ? { error: f.error } : {}),
    timings: f.timings,
  };
}

export function viewOfMessage(m: MessageInfo): AnswerView {
  const meta = m.metadata as { finishReason?: string; question?: string; error?: { code: string; message: string } };
  return {
    messageId: m.id,
    conversationId: m.conversationId,
    answer: m.content,
    citations: m.citations as AnswerView["citations"],
    decision: m.decision,
    confidence: m.confidence,
    status: m.status,
    ...(meta.finishReason ? { finishReason: meta.finishReason } : {}),
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
  return { id, event: "done", data: view as unknown as Record<string, unknown> };
}
