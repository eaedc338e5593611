/**
 * Times pipeline stages: each measurement goes into the answer's timings (ms, two decimals) and, when a
 * Prometheus registry is given, into the histogram `answer_stage_duration_seconds{stage}`.
 */
import { Histogram, type Registry } from "prom-client";

export const STAGE_HISTOGRAM = "answer_stage_duration_seconds";

export class StageTimer {
  private readonly histogram?: Histogram<"stage">;

  constructor(registry?: Registry) {
    if (!registry) return;
    const existing = registry.getSingleMetric(STAGE_HISTOGRAM) as Histogram<"stage"> | undefined;
    this.histogram =
      existing ??
      new Histogram({
        name: STAGE_HISTOGRAM,
        help: "Time each answer pipeline stage takes (generate: until the answer is complete)",
        labelNames: ["stage"],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      });
  }

  /** Records `ms` for `stage` into `timings` and the histogram. */
  record(timings: Record<string, number>, stage: string, ms: number): void {
    timings[stage] = Math.round(ms * 100) / 100;
    this.histogram?.observe({ stage }, ms / 1000);
  }

  /** Runs fn, recording its duration (also when it throws). */
  async time<T>(timings: Record<string, number>, stage: string, fn: () => T | Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.record(timings, stage, performance.now() - t);
    }
  }
}
