/**
 * The resume buffer of answer streams, kept in the Cache port (Redis across replicas) so any replica can replay
 * a stream and continue it live:
 *   answer:{id}:events   list of the stream's events in id order (ids 1, 2, 3..., so index i holds id i + 1),
 *                        expiring `ttlSeconds` after the last write
 *   answer:{id}:live     pub/sub channel every event is published on after it was appended
 *   answer:{id}:control  pub/sub channel for the replica producing the stream: attach / detach / cancel
 * follow() subscribes before it reads the backlog, then drops what it already delivered, so an event written
 * between the two is neither lost nor repeated; a gap in ids (a lost message) is refilled from the list.
 */
import type { Cache } from "../../core/ports/cache";
import { AsyncQueue } from "./async-queue";
import { isTerminal, type AnswerEvent } from "./events";

export type ControlMessage = { type: "attach" | "detach"; consumer: string } | { type: "cancel" };

export interface FollowOptions {
  /** After this long without an event, `onIdle` is asked whether the stream ended some other way (ms). */
  idleMs: number;
  /** Returns the terminal event when the stream is over (e.g. read from the database), else null to keep waiting. */
  onIdle: (lastId: number) => Promise<AnswerEvent | null>;
}

const parse = (raw: string): AnswerEvent | null => {
  try {
    const e = JSON.parse(raw) as AnswerEvent;
    return typeof e?.id === "number" && typeof e.event === "string" ? e : null;
  } catch {
    return null;
  }
};

export class StreamBuffer {
  constructor(
    private readonly cache: Cache,
    private readonly o: { ttlSeconds: number },
  ) {}

  private keys(id: string) {
    return { events: `answer:${id}:events`, live: `answer:${id}:live`, control: `answer:${id}:control` };
  }

  /** Appends the event, then publishes it to live followers. */
  async write(streamId: string, e: AnswerEvent): Promise<void> {
    const k = this.keys(streamId);
    const raw = JSON.stringify(e);
    await this.cache.append(k.events, raw, this.o.ttlSeconds);
    await this.cache.publish(k.live, raw);
  }

  /** Buffered events with id > after (empty when the stream is unknown or expired). */
  async read(streamId: string, after: number): Promise<AnswerEvent[]> {
    const raw = await this.cache.range(this.keys(streamId).events, after);
    return raw.map(parse).filter((e): e is AnswerEvent => e !== null && e.id > after);
  }

  /** Events with id > after: the backlog, then live ones, ending after the terminal event. */
  follow(streamId: string, after: number, o: FollowOptions): AsyncIterableIterator<AnswerEvent> {
    const k = this.keys(streamId);
    let last = after;
    let ready = false;
    const early: AnswerEvent[] = [];
    let unsubscribe: (() => Promise<void>) | undefined;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const q = new AsyncQueue<AnswerEvent>(() => {
      if (idle) clearTimeout(idle);
      void unsubscribe?.();
    });
    const deliverNow = (e: AnswerEvent) => {
      last = e.id;
      q.push(e);
      if (isTerminal(e)) q.end();
      else armIdle();
    };
    const refill = async () => {
      for (const e of await this.read(streamId, last)) if (!q.closed && e.id === last + 1) deliverNow(e);
    };
    const deliver = (e: AnswerEvent) => {
      if (q.closed || e.id <= last) return;
      if (e.id === last + 1) deliverNow(e);
      else void refill().catch((err) => q.fail(err));
    };
    const armIdle = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(async () => {
        if (q.closed) return;
        try {
          const end = await o.onIdle(last);
          if (q.closed) return;
          if (end) deliverNow({ ...end, id: Math.max(end.id, last + 1) });
          else armIdle();
        } catch (err) {
          q.fail(err);
        }
      }, o.idleMs);
    };
    void (async () => {
      const un = await this.cache.subscribe(k.live, (raw) => {
        const e = parse(raw);
        if (e) (ready ? deliver(e) : early.push(e));
      });
      if (q.closed) return void (await un());
      unsubscribe = un;
      for (const e of await this.read(streamId, after)) deliver(e);
      ready = true;
      for (const e of early) deliver(e);
      if (!q.closed) armIdle();
    })().catch((err) => q.fail(err));
    return q;
  }

  async sendControl(streamId: string, msg: ControlMessage): Promise<void> {
    await this.cache.publish(this.keys(streamId).control, JSON.stringify(msg));
  }

  async onControl(streamId: string, fn: (msg: ControlMessage) => void): Promise<() => Promise<void>> {
    return this.cache.subscribe(this.keys(streamId).control, (raw) => {
      try {
        const m = JSON.parse(raw) as ControlMessage;
        if (m && (m.type === "cancel" || ((m.type === "attach" || m.type === "detach") && typeof m.consumer === "string"))) fn(m);
      } catch {
        /* not a control message */
      }
    });
  }
}
