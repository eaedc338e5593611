/**
 * The simulator's engine: continuous batching like vLLM. At most `maxNumSeqs` sequences run; the rest wait in
 * a FIFO queue and start as soon as a slot frees. One tick loop drives every sequence (no timer per token or
 * per request), so ten thousand open streams cost one loop over an array every `tickMs`.
 *
 * Timing model: a sequence admitted at time a emits its first token at a + ttftBase + prefill * promptTokens
 * (so TTFT also includes the time it waited); each later token follows after itl = itlBase * (1 + alpha * running).
 */
import type { TimingOptions } from "./options";

export interface SequenceSink {
  /** New tokens, in order (several when a tick fell behind). */
  tokens(texts: string[]): void;
  /** All planned tokens sent. */
  finish(): void;
  /** The injected mid-stream drop: reset the connection. */
  drop(): void;
}

export interface Sequence {
  readonly id: number;
  readonly promptTokens: number;
  readonly tokens: string[];
  readonly stallAfter: number;
  readonly dropAfter: number;
  readonly finishReason: "stop" | "length";
  readonly sink: SequenceSink;
  emitted: number;
  state: "new" | "waiting" | "running" | "done";
  enqueuedAt: number;
  startedAt: number;
  nextAt: number;
}

export interface SchedulerObserver {
  admitted(queueSeconds: number): void;
  firstToken(ttftSeconds: number): void;
  decoded(itlSeconds: number, count: number): void;
  finished(seq: Sequence, e2eSeconds: number): void;
}

export interface SchedulerStats {
  running: number;
  waiting: number;
  maxRunningSeen: number;
  maxWaitingSeen: number;
  admitted: number;
  completed: number;
  aborted: number;
  dropped: number;
  stalled: number;
  generatedTokens: number;
}

let nextId = 1;

export function newSequence(init: Pick<Sequence, "promptTokens" | "tokens" | "stallAfter" | "dropAfter" | "finishReason" | "sink">): Sequence {
  return { id: nextId++, ...init, emitted: 0, state: "new", enqueuedAt: 0, startedAt: 0, nextAt: 0 };
}

export class Scheduler {
  private readonly running = new Set<Sequence>();
  private waitQueue: Sequence[] = [];
  private waitHead = 0;
  private waitingCount = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly counters = { maxRunningSeen: 0, maxWaitingSeen: 0, admitted: 0, completed: 0, aborted: 0, dropped: 0, stalled: 0, generatedTokens: 0 };

  constructor(
    private readonly timing: TimingOptions,
    private readonly observer: SchedulerObserver,
  ) {}

  submit(seq: Sequence): void {
    seq.state = "waiting";
    seq.enqueuedAt = performance.now();
    this.waitQueue.push(seq);
    this.waitingCount++;
    if (this.waitingCount > this.counters.maxWaitingSeen) this.counters.maxWaitingSeen = this.waitingCount;
    if (seq.stallAfter !== Infinity) this.counters.stalled++;
    this.admit(seq.enqueuedAt);
    this.ensureTicking();
  }

  /** The client went away: free the slot (or the queue place) now. Idempotent. */
  cancel(seq: Sequence): void {
    if (seq.state === "running") {
      this.running.delete(seq);
      this.counters.aborted++;
      this.admit(performance.now());
    } else if (seq.state === "waiting") {
      this.waitingCount--;
      this.counters.aborted++;
    }
    seq.state = "done";
  }

  stats(): SchedulerStats {
    return { running: this.running.size, waiting: this.waitingCount, ...this.counters };
  }

  get runningCount(): number {
    return this.running.size;
  }

  get waitingLength(): number {
    return this.waitingCount;
  }

  /** Stops the tick loop and forgets every sequence (their connections are closed by the server). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const s of this.running) s.state = "done";
    this.running.clear();
    this.waitQueue = [];
    this.waitHead = 0;
    this.waitingCount = 0;
  }

  private ensureTicking(): void {
    this.timer ??= setInterval(() => this.tick(), this.timing.tickMs);
  }

  private admit(now: number): void {
    const t = this.timing;
    while (this.running.size < t.maxNumSeqs && this.waitingCount > 0) {
      const seq = this.waitQueue[this.waitHead++]!;
      if (seq.state !== "waiting") continue; // cancelled while waiting
      this.waitingCount--;
      seq.state = "running";
      seq.startedAt = now;
      seq.nextAt = now + t.ttftBaseMs + t.prefillMsPerToken * seq.promptTokens;
      this.running.add(seq);
      this.counters.admitted++;
      this.observer.admitted((now - seq.enqueuedAt) / 1000);
    }
    if (this.waitHead > 1024 && this.waitHead * 2 > this.waitQueue.length) {
      this.waitQueue = this.waitQueue.slice(this.waitHead);
      this.waitHead = 0;
    }
    if (this.running.size > this.counters.maxRunningSeen) this.counters.maxRunningSeen = this.running.size;
  }

  private tick(): void {
    const now = performance.now();
    this.admit(now);
    const itl = this.timing.itlBaseMs * (1 + this.timing.itlAlpha * this.running.size);
    for (const seq of this.running) {
      if (now < seq.nextAt) continue;
      const limit = Math.min(seq.tokens.length, seq.stallAfter, seq.dropAfter);
      const batch: string[] = [];
      while (now >= seq.nextAt && seq.emitted < limit) {
        batch.push(seq.tokens[seq.emitted]!);
        if (seq.emitted === 0) this.observer.firstToken((now - seq.enqueuedAt) / 1000);
        seq.emitted++;
        seq.nextAt += itl;
      }
      if (batch.length > 0) {
        this.counters.generatedTokens += batch.length;
        const decodedCount = seq.emitted === batch.length ? batch.length - 1 : batch.length;
        if (decodedCount > 0) this.observer.decoded(itl / 1000, decodedCount);
        seq.sink.tokens(batch);
        if (seq.state !== "running") continue; // the sink found its client gone and cancelled
      }
      if (seq.emitted >= seq.dropAfter && seq.emitted < seq.tokens.length) {
        this.finish(seq, now);
        this.counters.dropped++;
        seq.sink.drop();
      } else if (seq.emitted >= seq.tokens.length) {
        this.finish(seq, now);
        this.counters.completed++;
        seq.sink.finish();
      } // else it reached stallAfter: it stays running, silent, until its client goes away
    }
    this.admit(performance.now());
    if (this.running.size === 0 && this.waitingCount === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private finish(seq: Sequence, now: number): void {
    this.running.delete(seq);
    seq.state = "done";
    this.observer.finished(seq, (now - seq.enqueuedAt) / 1000);
  }
}
