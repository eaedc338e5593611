/**
 * A per-backend circuit breaker. closed -> open after `failureThreshold` consecutive failures (errors or
 * timeouts); open -> half-open once `cooldownMs` has passed, which lets exactly one trial request through;
 * half-open -> closed when the trial succeeds, -> open again (new cool-down) when it fails.
 */
export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  now?: () => number;
  onChange?: (state: BreakerState) => void;
}

export class CircuitBreaker {
  private current: BreakerState = "closed";
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly o: BreakerOptions) {
    this.now = o.now ?? Date.now;
  }

  /** The state now (an open breaker whose cool-down has passed reads as half-open). */
  state(): BreakerState {
    if (this.current === "open" && this.now() - this.openedAt >= this.o.cooldownMs) this.set("half_open");
    return this.current;
  }

  /** Whether a request could be sent now, without reserving anything. */
  canPass(): boolean {
    const s = this.state();
    return s === "closed" || (s === "half_open" && !this.trialInFlight);
  }

  /** Whether the breaker will let requests through now or after its cool-down (false only while open). */
  isOpen(): boolean {
    return this.state() === "open";
  }

  /** Reserves passage for one request; in half-open this is the single trial. */
  tryAcquire(): boolean {
    if (!this.canPass()) return false;
    if (this.current === "half_open") this.trialInFlight = true;
    return true;
  }

  onSuccess(): void {
    this.failures = 0;
    this.trialInFlight = false;
    if (this.current !== "closed") this.set("closed");
  }

  onFailure(): void {
    this.trialInFlight = false;
    if (this.current === "half_open") {
      this.open();
      return;
    }
    this.failures++;
    if (this.current === "closed" && this.failures >= this.o.failureThreshold) this.open();
  }

  /** The request ended with no verdict on the backend (caller abort, 429, bad request): frees the trial. */
  onRelease(): void {
    this.trialInFlight = false;
  }

  /** Milliseconds until an open breaker lets a trial through (0 when not open). */
  retryAfterMs(): number {
    return this.state() === "open" ? Math.max(0, this.openedAt + this.o.cooldownMs - this.now()) : 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  private open(): void {
    this.openedAt = this.now();
    this.failures = 0;
    this.set("open");
  }

  private set(s: BreakerState): void {
    if (s === this.current) return;
    this.current = s;
    this.o.onChange?.(s);
  }
}
