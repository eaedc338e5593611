/**
 * Runs answers as streams that outlive their HTTP connection, one replica producing, any replica following.
 *
 * launch() runs the pipeline up to the first generated event (a failure before it, e.g. 429/503 from the
 * inference gateway, is thrown so the route can answer with its status), then pumps in the background: every
 * event gets the next id, goes to local consumers at once and into the resume buffer (Cache port) behind them;
 * after the outcome, the persist stage stores the answer and a terminal `done` (or `error`) event ends the stream.
 *
 * The resume buffer never holds up delivery: its writes run behind the stream, in order, each within
 * `bufferTimeoutMs`, at most `maxBufferPending` waiting. When one fails or the backlog is full, the stream goes
 * on without resume (the client can still read the finished answer from the database); the next streams try the
 * buffer again, so a cache that comes back is used again by itself. The `meta` event says `resumable`: false
 * while the last buffer write failed. Only the terminal event waits (within the same bound) until the buffer
 * holds everything before it, so a client that resumes right after `done` replays the whole stream.
 *
 * Consumers: the connection that started an answer is its first consumer; resumes attach (via the control
 * channel, from any replica). When the last consumer detaches, the work is aborted after `abortGraceMs` unless
 * a resume attaches first; the aborted answer is persisted as `partial`, which is not a failure and is not
 * logged as one. An answer started without a consumer (the non-streaming POST) always runs to completion.
 * cancel() aborts at once, wherever the answer runs. The conversation lease is renewed while the answer runs
 * and released when it ends.
 */
import type { Config } from "../../core/config";
import type { StreamEvent } from "../../core/ports/language-model";
import { withTimeout } from "../../core/timeout";
import type { AnswerPipeline } from "../pipeline/runner";
import { newContext, type HistoryTurn } from "../pipeline/stage";
import { AsyncQueue } from "./async-queue";
import { isTerminal, terminalEvent, viewOfFinal, type AnswerEvent, type AnswerEventBody, type AnswerView } from "./events";
import type { StreamBuffer } from "./stream-buffer";

export interface AnswerLease {
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export interface LaunchRequest {
  tenantId: string;
  /** The signed-in customer (its email verifies its own orders). */
  customer?: { email?: string };
  conversationId: string;
  messageId: string;
  userMessageId: string;
  content: string;
  history: HistoryTurn[];
  /** The consumer that started the answer; when it (and every resume) goes away, the work stops. */
  consumer?: string;
  lease: AnswerLease;
}

export interface LiveAnswer {
  messageId: string;
  /** Every event from id 1; stopping early detaches `consumer` (when given). */
  events(consumer?: string): AsyncIterableIterator<AnswerEvent>;
  /** Resolves with the persisted answer (also when it was aborted or failed). */
  final: Promise<AnswerView>;
}

export interface AnswerStreamsDeps {
  pipeline: AnswerPipeline;
  buffer: StreamBuffer;
  streaming: Pick<Config["streaming"], "abortGraceMs" | "leaseMs">;
  log?: (line: string) => void;
  /** Longest wait for one resume-buffer write or the control subscription (ms, default 1,000). */
  bufferTimeoutMs?: number;
  /** Most buffer writes waiting per stream before the stream gives up resume (default 512). */
  maxBufferPending?: number;
}

/** Rejects when `p` has not settled within `ms`. */
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => withTimeout(p, ms, () => new Error(`${what} took longer than ${ms} ms`));

class Active {
  seq = 0;
  /** Resume-buffer writes of this stream, in order, behind delivery. */
  buffered: Promise<void> = Promise.resolve();
  pending = 0;
  /** False once a buffer write failed or the backlog was full: the rest of this stream is not buffered. */
  buffering = true;
  readonly log: AnswerEvent[] = [];
  readonly taps = new Set<AsyncQueue<AnswerEvent>>();
  readonly consumers = new Set<string>();
  grace?: ReturnType<typeof setTimeout>;
  constructor(
    readonly controller: AbortController,
    readonly abortable: boolean,
  ) {}
}

export class AnswerStreams {
  private readonly active = new Map<string, Active>();
  private readonly running = new Set<Promise<unknown>>();
  private bufferWarned = false;
  /** Whether the last resume-buffer write succeeded (the `meta` event's `resumable`). */
  private bufferHealthy = true;

  constructor(private readonly deps: AnswerStreamsDeps) {}

  get activeCount(): number {
    return this.active.size;
  }

  async launch(req: LaunchRequest): Promise<LiveAnswer> {
    const a = new Active(new AbortController(), req.consumer !== undefined);
    if (req.consumer) a.consumers.add(req.consumer);
    const renew = setInterval(() => {
      req.lease.renew().then(
        (held) => held || this.log(`[ANSWER_LEASE_LOST] message ${req.messageId}: the conversation lease was taken over`),
        (e) => this.log(`[ANSWER_LEASE_RENEW_FAILED] message ${req.messageId}: ${(e as Error).message}`),
      );
    }, Math.max(50, Math.floor(this.deps.streaming.leaseMs / 3)));
    (renew as { unref?: () => void }).unref?.();
    const ctx = newContext({
      tenantId: req.tenantId,
      customer: req.customer,
      content: req.content,
      history: req.history,
      signal: a.controller.signal,
      target: {
        conversationId: req.conversationId,
        messageId: req.messageId,
        userMessageId: req.userMessageId,
        extraMetadata: () => ({ lastEventId: a.seq + 1 }),
      },
    });
    let it: AsyncIterator<StreamEvent>;
    let first: IteratorResult<StreamEvent>;
    try {
      const run = await this.deps.pipeline.start(ctx);
      it = run.events[Symbol.asyncIterator]();
      first = await it.next();
    } catch (e) {
      clearInterval(renew);
      await req.lease.release().catch(() => {});
      throw e;
    }
    this.active.set(req.messageId, a);
    const timeoutMs = this.deps.bufferTimeoutMs ?? 1000;
    const maxPending = this.deps.maxBufferPending ?? 512;
    // Cancel, attach and detach from other replicas; without it (cache down) this stream is only controlled here.
    const unsubscribe = await within(
      this.deps.buffer.onControl(req.messageId, (m) => (m.type === "cancel" ? a.controller.abort() : m.type === "attach" ? this.attach(a, m.consumer) : this.detach(a, m.consumer))),
      timeoutMs,
      "subscribing to the stream's control channel",
    ).catch((err) => {
      this.bufferFailed(err);
      return async () => {};
    });
    const resumable = this.bufferHealthy;

    const buffer = (e: AnswerEvent) => {
      if (!a.buffering) return;
      if (a.pending >= maxPending) {
        a.buffering = false;
        return this.bufferFailed(new Error(`${maxPending} buffer writes were waiting`));
      }
      a.pending++;
      a.buffered = a.buffered.then(async () => {
        try {
          if (a.buffering) await within(this.deps.buffer.write(req.messageId, e), timeoutMs, "a resume-buffer write");
          if (a.buffering) this.bufferRecovered();
        } catch (err) {
          a.buffering = false;
          this.bufferFailed(err);
        } finally {
          a.pending--;
        }
      });
    };
    const emit = async (body: AnswerEventBody | AnswerEvent) => {
      const e = ("id" in body ? ((a.seq = body.id), body) : { ...body, id: ++a.seq }) as AnswerEvent;
      buffer(e);
      // The terminal event reaches consumers once the buffer holds the whole stream (or gave up on it).
      if (isTerminal(e)) await a.buffered;
      a.log.push(e);
      for (const t of a.taps) t.push(e);
      if (isTerminal(e)) for (const t of a.taps) t.end();
    };

    let released: Promise<void> | undefined;
    const releaseOnce = () =>
      (released ??= req.lease.release().catch((e) => this.log(`[ANSWER_LEASE_RELEASE_FAILED] message ${req.messageId}: ${(e as Error).message}`)));
    const final = (async (): Promise<AnswerView> => {
      try {
        await emit({ event: "meta", data: { messageId: req.messageId, userMessageId: req.userMessageId, conversationId: req.conversationId, ...ctx.meta, resumable } });
        const cited = new Set<number>();
        for (let r = first; !r.done; r = await it.next()) {
          const ev = r.value;
          if (ev.type === "delta" && ev.text) await emit({ event: "delta", data: { text: ev.text } });
          else if (ev.type === "citation" && !cited.has(ev.n)) {
            cited.add(ev.n);
            const s = ctx.sources[ev.n - 1];
            if (s) await emit({ event: "citation", data: { n: ev.n, documentId: s.documentId, title: s.title, page: s.page, snippet: s.snippet, chunkId: s.chunkId, sectionPath: s.sectionPath } });
          }
        }
        let view: AnswerView;
        try {
          view = viewOfFinal(await this.deps.pipeline.finish(ctx));
          if (ctx.timings.persist !== undefined) view.timings = { ...view.timings, persist: ctx.timings.persist };
        } catch (e) {
          this.log(`[ANSWER_PERSIST_FAILED] message ${req.messageId}: ${(e as Error).message}`);
          const o = ctx.outcome;
          view = {
            messageId: req.messageId,
            conversationId: req.conversationId,
            userMessageId: req.userMessageId,
            answer: o?.text ?? "",
            citations: [],
            decision: ctx.decision?.decision ?? null,
            confidence: ctx.decision?.confidence ?? null,
            status: "failed",
            error: { code: "ANSWER_PERSIST_FAILED", message: "the answer could not be stored" },
            timings: ctx.timings,
          };
        }
        if ((view.status === "failed" || view.error) && view.error?.code !== "ANSWER_PERSIST_FAILED") {
          this.log(`[ANSWER_FAILED] message ${req.messageId}: ${view.error?.code ?? "?"} ${view.error?.message ?? ""}`);
        }
        // The conversation is free before the client hears `done`, so it can send the next message at once.
        await releaseOnce();
        await emit(terminalEvent(a.seq + 1, view));
        return view;
      } finally {
        clearInterval(renew);
        if (a.grace) clearTimeout(a.grace);
        this.active.delete(req.messageId);
        for (const t of a.taps) t.end();
        await unsubscribe().catch(() => {});
        await releaseOnce();
      }
    })();
    this.running.add(final);
    void final.finally(() => this.running.delete(final)).catch(() => {});

    return {
      messageId: req.messageId,
      final,
      events: (consumer) => {
        const tap: AsyncQueue<AnswerEvent> = new AsyncQueue(() => {
          a.taps.delete(tap);
          const over = a.log.some(isTerminal);
          if (consumer && !over) this.detach(a, consumer);
        });
        for (const e of a.log) tap.push(e);
        if (a.log.some(isTerminal)) tap.end();
        else a.taps.add(tap);
        return tap;
      },
    };
  }

  /** Stops an answer now, on whichever replica runs it. */
  async cancel(messageId: string): Promise<void> {
    const a = this.active.get(messageId);
    if (a) a.controller.abort();
    else await this.deps.buffer.sendControl(messageId, { type: "cancel" });
  }

  /** Events after `after` from the resume buffer, live until the terminal one; `consumer` is attached meanwhile. */
  follow(messageId: string, after: number, consumer: string, onIdle: (lastId: number) => Promise<AnswerEvent | null>, idleMs = 5000): AsyncIterableIterator<AnswerEvent> {
    const control = (type: "attach" | "detach") => this.deps.buffer.sendControl(messageId, { type, consumer }).catch(() => {});
    void control("attach");
    const inner = this.deps.buffer.follow(messageId, after, { idleMs, onIdle });
    let ended = false;
    const end = () => {
      if (!ended) {
        ended = true;
        void control("detach");
      }
    };
    return {
      async next() {
        const r = await inner.next().catch((e) => (end(), Promise.reject(e)));
        if (r.done) end();
        return r;
      },
      async return() {
        end();
        return inner.return?.() ?? { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Waits for running answers to finish (up to `timeoutMs`), then aborts the rest. */
  async close(timeoutMs = 10_000): Promise<void> {
    const all = Promise.allSettled([...this.running]);
    const timer = new Promise((r) => setTimeout(r, timeoutMs).unref?.());
    await Promise.race([all, timer]);
    for (const a of this.active.values()) a.controller.abort();
    await Promise.allSettled([...this.running]);
  }

  private attach(a: Active, consumer: string): void {
    a.consumers.add(consumer);
    if (a.grace) clearTimeout(a.grace);
    a.grace = undefined;
  }

  private detach(a: Active, consumer: string): void {
    if (!a.consumers.delete(consumer) || a.consumers.size > 0 || !a.abortable) return;
    if (a.grace) clearTimeout(a.grace);
    const grace = this.deps.streaming.abortGraceMs;
    if (grace <= 0) a.controller.abort();
    else a.grace = setTimeout(() => a.consumers.size === 0 && a.controller.abort(), grace);
  }

  private bufferRecovered(): void {
    if (this.bufferHealthy) return;
    this.bufferHealthy = true;
    if (this.bufferWarned) this.log("[STREAM_BUFFER_RECOVERED] the resume buffer works again");
    this.bufferWarned = false;
  }

  private bufferFailed(err: unknown): void {
    this.bufferHealthy = false;
    if (!this.bufferWarned) this.log(`[STREAM_BUFFER_UNAVAILABLE] answers stream without resume while the cache fails: ${(err as Error)?.message ?? String(err)}`);
    this.bufferWarned = true;
  }

  private log(line: string): void {
    (this.deps.log ?? ((l: string) => console.error(l)))(line);
  }
}
