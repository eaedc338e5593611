/**
 * The simulator's /metrics: vLLM's metric names and buckets, so dashboards and alerts built for vLLM work
 * against the simulator unchanged. Each simulator has its own prom-client Registry.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Sequence, SchedulerObserver } from "./scheduler";

const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
const TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const E2E_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

export interface SimulatorMetrics {
  readonly registry: Registry;
  readonly observer: SchedulerObserver;
  promptTokens(n: number): void;
  fault(kind: string): void;
}

export function createSimulatorMetrics(model: string, load: () => { running: number; waiting: number }): SimulatorMetrics {
  const registry = new Registry();
  const registers = [registry];
  const labels = { model_name: model };
  const ttft = new Histogram({ name: "vllm:time_to_first_token_seconds", help: "Histogram of time to first token in seconds.", labelNames: ["model_name"], buckets: TTFT_BUCKETS, registers }).labels(labels);
  const tpot = new Histogram({ name: "vllm:time_per_output_token_seconds", help: "Histogram of time per output token in seconds.", labelNames: ["model_name"], buckets: TPOT_BUCKETS, registers }).labels(labels);
  const e2e = new Histogram({ name: "vllm:e2e_request_latency_seconds", help: "Histogram of end to end request latency in seconds.", labelNames: ["model_name"], buckets: E2E_BUCKETS, registers }).labels(labels);
  const queue = new Histogram({ name: "vllm:request_queue_time_seconds", help: "Histogram of time spent in the WAITING phase for request.", labelNames: ["model_name"], buckets: E2E_BUCKETS, registers }).labels(labels);
  new Gauge({
    name: "vllm:num_requests_running",
    help: "Number of requests in model execution batches.",
    labelNames: ["model_name"],
    registers,
    collect() {
      this.set(labels, load().running);
    },
  });
  new Gauge({
    name: "vllm:num_requests_waiting",
    help: "Number of requests waiting to be processed.",
    labelNames: ["model_name"],
    registers,
    collect() {
      this.set(labels, load().waiting);
    },
  });
  const prompt = new Counter({ name: "vllm:prompt_tokens_total", help: "Number of prefill tokens processed.", labelNames: ["model_name"], registers }).labels(labels);
  const generation = new Counter({ name: "vllm:generation_tokens_total", help: "Number of generation tokens processed.", labelNames: ["model_name"], registers }).labels(labels);
  const success = new Counter({ name: "vllm:request_success_total", help: "Count of successfully processed requests.", labelNames: ["model_name", "finished_reason"], registers });
  const faults = new Counter({ name: "simulator_faults_injected_total", help: "Faults injected by the simulator, by kind.", labelNames: ["kind"], registers });

  const observer: SchedulerObserver = {
    admitted: (s) => queue.observe(s),
    firstToken: (s) => {
      ttft.observe(s);
      generation.inc();
    },
    decoded: (s, count) => {
      for (let i = 0; i < count; i++) tpot.observe(s);
      generation.inc(count);
    },
    finished: (seq: Sequence, s: number) => {
      e2e.observe(s);
      if (seq.emitted >= seq.tokens.length) success.inc({ ...labels, finished_reason: seq.finishReason });
    },
  };
  return {
    registry,
    observer,
    promptTokens: (n) => prompt.inc(n),
    fault: (kind) => faults.inc({ kind }),
  };
}
