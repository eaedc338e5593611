/**
 * One WebSocket connection's protocol, independent of Elysia (the route only feeds frames in and out).
 *
 * Client -> server (JSON):
 *   {type: "message", conversationId, content, ref?}   ask; answer events follow (ref is echoed on errors)
 *   {type: "cancel", messageId}                         stop an answer (it is persisted as partial)
 *   {type: "resume", messageId, lastEventId?}           replay after lastEventId and continue live
 *   {type: "ping"} -> {type: "pong", ts};               the server also sends {type: "ping", ts} every SSE_HEARTBEAT_MS
 * Frames are JSON text: a binary frame is answered with an error frame (BINARY_FRAME_UNSUPPORTED), as is a text
 * with a NUL character (INVALID_CHARACTER).
 * Server -> client: the SSE events as {type: meta|delta|citation|done|error, id, messageId, data}, and request
 * errors as {type: "error", ref?, messageId?, data: {code, message, status}}.
 * Closing the socket detaches its streams: an answer nobody follows any more stops after STREAM_ABORT_GRACE_MS
 * unless it is resumed (on this or another connection or replica).
 */
import { randomUUID } from "node:crypto";
import { AppError, errors, isAppError } from "../../../core/errors";
import { assertNoNul } from "../../plugins/edge";
import type { AnswerEvent } from "../../streaming/events";
import type { Scope } from "../../auth/principal";
import { assistantMessage, resumeAnswer, startAnswer, type ConversationServices } from "../conversations/service";

export type OutFrame = Record<string, unknown> & { type: string };

const str = (v: unknown, name: string, max = 200): string => {
  if (typeof v !== "string" || !v.trim() || v.length > max) throw errors.badRequest("INVALID_FRAME", `${name} must be a non-empty string of at most ${max} characters`);
  return v;
};

export function parseFrameLastEventId(v: unknown): number {
  if (v === undefined || v === null) return 0;
  const raw = typeof v === "number" ? String(v) : v;
  if (typeof raw !== "string" || !/^\d{1,9}$/.test(raw.trim())) {
    throw errors.badRequest("INVALID_LAST_EVENT_ID", `lastEventId must be the whole-number id of an event of this stream, got '${String(v).slice(0, 40)}'`);
  }
  return Number(raw);
}

export class WsSession {
  readonly id = randomUUID();
  private readonly streams = new Map<string, AsyncIterableIterator<AnswerEvent>>();
  private closed = false;

  constructor(
    private readonly s: ConversationServices,
    private readonly scope: Scope,
    private readonly send: (frame: OutFrame) => void,
  ) {}

  /** Handles one frame (already JSON-parsed when it was JSON); protocol errors are sent back, never thrown. */
  async handle(frame: unknown): Promise<void> {
    const ref = typeof (frame as { ref?: unknown })?.ref === "string" ? (frame as { ref: string }).ref.slice(0, 200) : undefined;
    try {
      if (frame instanceof ArrayBuffer || ArrayBuffer.isView(frame)) {
        throw errors.badRequest("BINARY_FRAME_UNSUPPORTED", "binary frames are not supported; send JSON text frames with a 'type': message, cancel, resume or ping");
      }
      if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
        throw errors.badRequest("INVALID_FRAME", "frames are JSON objects with a 'type': message, cancel, resume or ping");
      }
      const f = frame as Record<string, unknown>;
      // The same rule as HTTP (api/plugins/edge.ts): no NUL character in any text.
      assertNoNul(f);
      switch (f.type) {
        case "ping":
          return this.send({ type: "pong", ts: Date.now() });
        case "pong":
          return;
        case "message": {
          const consumer = `ws:${this.id}:${randomUUID()}`;
          const live = await startAnswer(this.s, this.scope, str(f.conversationId, "conversationId"), f.content, consumer);
          return this.pump(live.messageId, live.events(consumer));
        }
        case "cancel": {
          const messageId = str(f.messageId, "messageId");
          await assistantMessage(this.s, this.scope, undefined, messageId);
          return this.s.answers.cancel(messageId);
        }
        case "resume": {
          const messageId = str(f.messageId, "messageId");
          const after = parseFrameLastEventId(f.lastEventId);
          return this.pump(messageId, await resumeAnswer(this.s, this.scope, undefined, messageId, after, `ws:${this.id}:${randomUUID()}`));
        }
        default:
          throw errors.badRequest("UNKNOWN_FRAME_TYPE", `unknown frame type '${String(f.type).slice(0, 40)}'; use message, cancel, resume or ping`);
      }
    } catch (e) {
      const err = isAppError(e) ? e : new AppError({ code: "INTERNAL", message: "an internal error occurred; it has been logged", category: "internal", cause: e });
      if (!isAppError(e)) console.error("[WS_INTERNAL]", e);
      const messageId = typeof (frame as { messageId?: unknown })?.messageId === "string" ? (frame as { messageId: string }).messageId : undefined;
      this.send({ type: "error", ...(ref ? { ref } : {}), ...(messageId ? { messageId } : {}), data: { code: err.code, message: err.message, status: err.status } });
    }
  }

  /** Sends a stream's events until its terminal event (or until the socket closes). */
  private pump(messageId: string, events: AsyncIterableIterator<AnswerEvent>): void {
    void this.streams.get(messageId)?.return?.();
    if (this.closed) return void events.return?.();
    this.streams.set(messageId, events);
    void (async () => {
      try {
        for await (const e of events) this.send({ type: e.event, id: e.id, messageId, data: e.data });
      } catch (e) {
        this.send({ type: "error", messageId, data: { code: "STREAM_FAILED", message: (e as Error).message, status: 503 } });
      } finally {
        if (this.streams.get(messageId) === events) this.streams.delete(messageId);
      }
    })();
  }

  /** The socket closed: stop following every stream (the answers themselves go on for the grace period). */
  close(): void {
    this.closed = true;
    for (const it of this.streams.values()) void it.return?.();
    this.streams.clear();
  }
}
