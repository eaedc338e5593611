/**
 * The background sender of webhook deliveries. It claims due pending deliveries from the table (a lease, so
 * replicas never send one at the same time; a few per receiver at a time, so a receiver that hangs until the time
 * limit holds up only its own deliveries), posts each signed with a fresh timestamp, and records the outcome:
 * delivered on 2xx; otherwise the next attempt after an exponential backoff with jitter, until WEBHOOK_MAX_ATTEMPTS,
 * then failed. It runs beside requests and never inside one: an emit only writes rows and wakes it. On start it
 * picks up whatever is pending (a restart loses nothing); on stop, attempts in flight are aborted and released.
 */
import { Counter, type Registry } from "prom-client";
import type { ClaimedDelivery, WebhookRepository } from "../../core/db/webhook-repository";
import type { AddressPolicy } from "../../ingest/fetch/address-policy";
import type { Resolver } from "../../ingest/fetch/safe-fetch";
import { postWebhook } from "./webhook-post";
import { SIGNATURE_HEADER, signatureHeader } from "./webhook-signature";

export interface WebhookSenderOptions {
  repo: WebhookRepository;
  policy: AddressPolicy;
  timeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How often to look for due deliveries (others' emits, retries) besides being woken. */
  pollMs: number;
  /** Deliveries in flight at once (default 32). */
  concurrency?: number;
  /** Deliveries in flight to one receiver at once, over every replica (default 8). */
  perReceiver?: number;
  metrics?: Registry;
  fetch?: typeof fetch;
  resolve?: Resolver;
  log?: (line: string) => void;
  random?: () => number;
}

/** Delay before attempt `attempts + 1` after `attempts` failed ones: base * 2^(attempts-1), capped, the upper half jittered. */
export function backoffMs(attempts: number, base: number, max: number, random: () => number = Math.random): number {
  const d = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

/** How long a wake waits for others to share its claim. */
const WAKE_DELAY_MS = 5;

const senders = new WeakMap<Registry, { deliveries: Counter<"event" | "outcome">; attempts: Counter<"outcome"> }>();

function metricsOf(registry: Registry) {
  let m = senders.get(registry);
  if (!m) {
    m = {
      deliveries: new Counter({
        name: "webhook_deliveries_total",
        help: "Webhook deliveries finished, by event type and outcome (delivered, failed: given up after the last attempt).",
        labelNames: ["event", "outcome"],
        registers: [registry],
      }),
      attempts: new Counter({ name: "webhook_delivery_attempts_total", help: "Webhook delivery attempts by outcome (success, error).", labelNames: ["outcome"], registers: [registry] }),
    };
    senders.set(registry, m);
  }
  return m;
}

export class WebhookSender {
  private timer?: ReturnType<typeof setTimeout>;
  private soon?: ReturnType<typeof setTimeout>;
  private claiming = false;
  private stopped = true;
  private again = false;
  private pass?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  private abort = new AbortController();
  private failing = false;
  private readonly metrics?: ReturnType<typeof metricsOf>;

  constructor(private readonly o: WebhookSenderOptions) {
    this.metrics = o.metrics ? metricsOf(o.metrics) : undefined;
  }

  private get concurrency() {
    return this.o.concurrency ?? 32;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.abort = new AbortController();
    this.wake();
  }

  /**
   * Looks for due deliveries shortly (after an emit, or when a slot frees up): wakes within WAKE_DELAY_MS share
   * one claim, so a burst of events or of finished attempts costs one query, not one each.
   */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      if (this.stopped || this.claiming) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.pass = this.fill();
    }, WAKE_DELAY_MS);
  }

  /** Resolves when nothing is being claimed or sent right now (tests, benches). */
  async idle(): Promise<void> {
    while (this.soon || this.claiming || this.inFlight.size) {
      if (this.soon && !this.claiming && !this.inFlight.size) await Bun.sleep(WAKE_DELAY_MS);
      else await Promise.all([this.pass, ...this.inFlight]);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = this.soon = undefined;
    this.abort.abort();
    await this.pass?.catch(() => {});
    await Promise.all(this.inFlight);
  }

  /**
   * Claims due deliveries into free slots (at most `concurrency` in flight, at most `perReceiver` per receiver
   * across every replica) and starts each without waiting for it: a slow receiver holds its own slots only.
   */
  private async fill(): Promise<void> {
    this.claiming = true;
    try {
      do {
        this.again = false;
        const free = this.concurrency - this.inFlight.size;
        if (free <= 0) break;
        const claimed = await this.o.repo.claimDue(free, this.o.timeoutMs + 30_000, { perReceiver: this.o.perReceiver ?? 8 });
        for (const d of claimed) {
          const p: Promise<void> = this.send(d)
            .catch((e) => this.o.log?.(`webhooks: delivery ${d.id} could not be recorded: ${(e as Error).message}`))
            .finally(() => {
              this.inFlight.delete(p);
              this.wake();
            });
          this.inFlight.add(p);
        }
        if (claimed.length >= free) this.again = true;
      } while (this.again && !this.stopped);
      if (this.failing) this.o.log?.("webhooks: the delivery queue is readable again");
      this.failing = false;
    } catch (e) {
      // Once per outage, not at every poll.
      if (!this.failing) this.o.log?.(`webhooks: could not read the delivery queue (retrying every ${this.o.pollMs} ms): ${(e as Error).message}`);
      this.failing = true;
    } finally {
      this.claiming = false;
      if (!this.stopped) this.schedule();
    }
  }

  private schedule() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), this.o.pollMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  private async send(d: ClaimedDelivery): Promise<void> {
    const { receiver } = d;
    if (!receiver || !receiver.active) {
      await this.o.repo.recordAttempt(d.id, { status: "failed", attempts: d.attempts, lastStatusCode: null, lastError: receiver ? "receiver disabled" : "receiver deleted" });
      this.metrics?.deliveries.inc({ event: d.eventType, outcome: "failed" });
      return;
    }
    const outcome = await postWebhook(
      receiver.url,
      d.body,
      { [SIGNATURE_HEADER]: signatureHeader(receiver.secret, d.body), "x-deskpilot-event": d.eventType, "x-deskpilot-delivery": d.id },
      { policy: this.o.policy, timeoutMs: this.o.timeoutMs, fetch: this.o.fetch, resolve: this.o.resolve, signal: this.abort.signal },
    );
    if (!outcome.ok && outcome.aborted) {
      // Shutdown: not an attempt; free the claim so the next start sends it at once.
      await this.o.repo.recordAttempt(d.id, { status: "pending", attempts: d.attempts, nextAttemptAt: new Date(), lastStatusCode: d.lastStatusCode, lastError: d.lastError }).catch(() => {});
      return;
    }
    const attempts = d.attempts + 1;
    this.metrics?.attempts.inc({ outcome: outcome.ok ? "success" : "error" });
    if (outcome.ok) {
      await this.o.repo.recordAttempt(d.id, { status: "delivered", attempts, lastStatusCode: outcome.status, lastError: null });
      this.metrics?.deliveries.inc({ event: d.eventType, outcome: "delivered" });
      return;
    }
    const last = attempts >= this.o.maxAttempts;
    await this.o.repo.recordAttempt(d.id, {
      status: last ? "failed" : "pending",
      attempts,
      nextAttemptAt: last ? undefined : new Date(Date.now() + backoffMs(attempts, this.o.backoffBaseMs, this.o.backoffMaxMs, this.o.random)),
      lastStatusCode: outcome.status,
      lastError: outcome.error,
    });
    if (last) {
      this.metrics?.deliveries.inc({ event: d.eventType, outcome: "failed" });
      this.o.log?.(`webhooks: delivery ${d.id} (${d.eventType}) failed after ${attempts} attempts: ${outcome.error}`);
    }
  }
}
