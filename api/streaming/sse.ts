/**
 * The one server-sent-events writer, used by every streaming route (conversation answers, their resume, the
 * OpenAI-compatible chat completions).
 *
 *   encodeSse({id?, event?, data, retry?})  one message: `id:`/`event:` lines (CR or LF in them is refused, as
 *                                           it would break the framing), each line of `data` its own `data:`
 *                                           line, `retry:` when given
 *   sseStream(run, o)                       a streaming Response: `run` gets a writer; a `: ping` comment every
 *                                           `heartbeatMs` keeps proxies from closing an idle connection; the
 *                                           client going away closes the writer and calls `onCancel`
 *   answerEventResponse(events, o)          AnswerEvents (id, event, JSON data); a source that fails ends the
 *                                           stream with an `error` event whose id continues the sequence, so
 *                                           Last-Event-ID resume stays exact
 * Bodies are Bun "direct" streams: each write goes straight to the socket, no per-chunk queue (one per token).
 */
import { errors } from "../../core/errors";
import type { AnswerEvent } from "./events";

export interface SseMessage {
  id?: string | number;
  event?: string;
  /** Sent as one `data:` line per line (LF, CRLF or CR). */
  data: string;
  /** Reconnection delay suggested to EventSource clients (ms). */
  retry?: number;
}

const BREAKS = /[\r\n]/;

function field(name: "id" | "event", value: string | number): string {
  const s = String(value);
  if (BREAKS.test(s)) throw new TypeError(`an SSE ${name} must not contain CR or LF`);
  return `${name}: ${s}\n`;
}

export function encodeSse(m: SseMessage): string {
  let out = "";
  if (m.id !== undefined) out += field("id", m.id);
  if (m.event !== undefined) out += field("event", m.event);
  if (m.retry !== undefined) out += `retry: ${Math.max(0, Math.trunc(m.retry))}\n`;
  // JSON data has no raw line breaks: one line, no split (the per-token path).
  out += BREAKS.test(m.data) ? m.data.split(/\r\n|\r|\n/).map((l) => `data: ${l}\n`).join("") : `data: ${m.data}\n`;
  return `${out}\n`;
}

export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}

/**
 * The id to resume after: the Last-Event-ID header, else the `lastEventId` query parameter, else 0 (replay
 * everything). Anything but a whole number is a 400.
 */
export function parseLastEventId(header: string | null | undefined, query: string | null | undefined): number {
  const raw = header?.trim() || query?.trim();
  if (raw === undefined || raw === "") return 0;
  if (!/^\d{1,9}$/.test(raw)) {
    throw errors.badRequest("INVALID_LAST_EVENT_ID", `Last-Event-ID must be the whole-number id of an event of this stream, got '${raw.slice(0, 40)}'`);
  }
  return Number(raw);
}

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
};

/** Bun's controller of a `type: "direct"` ReadableStream. */
export interface DirectStreamController {
  write(data: string | ArrayBufferView): number | Promise<number>;
  flush(): number | Promise<number>;
  close(): void;
}

/**
 * A Bun "direct" ReadableStream: `run` writes each chunk straight to the socket (no per-chunk queue, which
 * matters at one chunk per token); `cancel` runs when the client goes away. The stream ends when `run` settles.
 */
export function directStream(run: (out: DirectStreamController) => Promise<void>, cancel: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream({ type: "direct", pull: run, cancel } as unknown as UnderlyingDefaultSource<Uint8Array>);
}

export interface SseWriter {
  /** Writes one message (ignored once the client is gone). */
  send(m: SseMessage): void;
  /** Writes pre-encoded SSE text (e.g. a chunk template filled per token). */
  raw(text: string): void;
  comment(text: string): void;
  /** True once the client went away (or the stream ended). */
  readonly closed: boolean;
}

export interface SseStreamOptions {
  heartbeatMs: number;
  headers?: Record<string, string>;
  status?: number;
  /** Called once when the client goes away before `run` finished. */
  onCancel?: () => void;
  /** Called once when the stream ends: `completed` true when `run` finished, false when the client left. */
  onClose?: (completed: boolean) => void;
}

/** A streaming SSE Response; the stream ends when `run` settles (a `run` that throws just ends it). */
export function sseStream(run: (w: SseWriter) => Promise<void>, o: SseStreamOptions): Response {
  let closed = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const end = (completed: boolean) => {
    if (closed) return false;
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    o.onClose?.(completed);
    return true;
  };
  const body = directStream(
    async (out) => {
      const raw = (s: string) => {
        if (closed) return;
        out.write(s);
        out.flush();
      };
      const w: SseWriter = {
        send: (m) => raw(encodeSse(m)),
        raw,
        comment: (t) => raw(sseComment(t)),
        get closed() {
          return closed;
        },
      };
      heartbeat = setInterval(() => w.comment("ping"), o.heartbeatMs);
      try {
        await run(w);
      } catch {
        /* run owns its error reporting; the stream just ends */
      } finally {
        if (end(true)) out.close();
      }
    },
    () => {
      if (end(false)) o.onCancel?.();
    },
  );
  return new Response(body, { status: o.status ?? 200, headers: { ...SSE_HEADERS, ...o.headers } });
}

export interface AnswerEventResponseOptions {
  heartbeatMs: number;
  /** Reconnection delay suggested to EventSource clients (ms). */
  retryMs?: number;
  headers?: Record<string, string>;
  onClose?: (completed: boolean) => void;
}

/** AnswerEvents as SSE. When the client goes away the source iterator is closed (its finally blocks run). */
export function answerEventResponse(source: AsyncIterable<AnswerEvent>, o: AnswerEventResponseOptions): Response {
  const it = source[Symbol.asyncIterator]();
  return sseStream(
    async (w) => {
      if (o.retryMs !== undefined) w.raw(`retry: ${o.retryMs}\n\n`);
      let lastId = 0;
      try {
        for (;;) {
          const r = await it.next();
          if (r.done || w.closed) break;
          lastId = r.value.id;
          w.send({ id: r.value.id, event: r.value.event, data: JSON.stringify(r.value.data) });
        }
      } catch (e) {
        const err = e as { code?: string; message?: string };
        w.send({ id: lastId + 1, event: "error", data: JSON.stringify({ code: err.code ?? "STREAM_FAILED", message: err.message ?? "the stream failed" }) });
      }
    },
    {
      heartbeatMs: o.heartbeatMs,
      headers: o.headers,
      onClose: o.onClose,
      // Not awaited: an async generator's return() waits for its pending next(); queue sources end at once.
      onCancel: () => void Promise.resolve(it.return?.()).catch(() => {}),
    },
  );
}
