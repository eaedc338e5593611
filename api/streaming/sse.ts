/**
 * Server-sent events: encoding, the Last-Event-ID of a resume, and a streaming Response with a heartbeat.
 * The heartbeat is a comment line (": ping") every `heartbeatMs`, which keeps proxies from closing an idle
 * connection and lets the server notice a client that went away. When the client disconnects, the source
 * iterator is closed (its finally blocks run) and `onClose` is called.
 */
import { errors } from "../../core/errors";
import type { AnswerEvent } from "./events";

export function encodeSse(e: AnswerEvent): string {
  const data = JSON.stringify(e.data).replace(/\r?\n/g, "\\n"); // JSON has no raw newlines; kept defensive
  return `id: ${e.id}\nevent: ${e.event}\ndata: ${data}\n\n`;
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

export interface SseResponseOptions {
  heartbeatMs: number;
  /** Called once when the stream ends: finished (`completed` true) or the client went away. */
  onClose?: (completed: boolean) => void;
  headers?: Record<string, string>;
  /** Reconnection delay suggested to EventSource clients (ms). */
  retryMs?: number;
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

export function sseResponse(source: AsyncIterable<AnswerEvent>, o: SseResponseOptions): Response {
  const it = source[Symbol.asyncIterator]();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  const close = (completed: boolean) => {
    if (closed) return;
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    o.onClose?.(completed);
  };
  const body = directStream(
    async (out) => {
      const send = (s: string) => {
        if (closed) return;
        out.write(s);
        out.flush();
      };
      if (o.retryMs !== undefined) send(`retry: ${o.retryMs}\n\n`);
      heartbeat = setInterval(() => send(sseComment("ping")), o.heartbeatMs);
      try {
        for (;;) {
          const r = await it.next();
          if (r.done || closed) break;
          send(encodeSse(r.value));
        }
      } catch (e) {
        const err = e as { code?: string; message?: string };
        send(encodeSse({ id: 0, event: "error", data: { code: err.code ?? "STREAM_FAILED", message: err.message ?? "the stream failed" } }));
      }
      if (!closed) {
        close(true);
        out.close();
      }
    },
    () => {
      close(false);
      // Not awaited: an async generator's return() waits for its pending next(); queue sources end at once.
      void Promise.resolve(it.return?.()).catch(() => {});
    },
  );
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...o.headers } });
}
