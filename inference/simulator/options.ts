/**
 * Simulator options and their CLI flags. Every timing is in milliseconds.
 *
 *   --host 127.0.0.1            bind address
 *   --port 8001                 listen port (0 = any free port)
 *   --model sim-model           model name reported by /v1/models (requests may name any model)
 *   --max-num-seqs 256          sequences decoded at once (vLLM max_num_seqs); the rest wait FIFO
 *   --ttft-base-ms 30           fixed time to first token once a sequence is scheduled
 *   --prefill-ms-per-token 0.02 extra time to first token per prompt token
 *   --itl-base-ms 10            inter-token latency of a batch of one
 *   --itl-alpha 0.01            itl = itl_base * (1 + alpha * running)
 *   --tick-ms 5                 scheduler tick (one loop for all sequences)
 *   --output-tokens 0           >0: every answer is exactly N tokens (like vLLM ignore_eos), for load tests
 *   --default-max-tokens 512    max_tokens when the request gives none
 *   --max-model-len 32768       context window (vLLM --max-model-len): prompt + max_tokens above it is a 400
 *   --embedding-dim 384         dimension of /v1/embeddings vectors (a request's `dimensions` overrides)
 *   --seed 1                    seed of the fault PRNG
 *   --error-rate 0  --rate-limit-rate 0  --malformed-rate 0
 *   --drop-rate 0   --drop-after-tokens 3  --stall-rate 0  --stall-after-tokens 0
 */
import { errors } from "../../core/errors";
import { DEFAULT_FAULTS, validateFaults, type FaultConfig } from "./faults";

export interface TimingOptions {
  maxNumSeqs: number;
  ttftBaseMs: number;
  prefillMsPerToken: number;
  itlBaseMs: number;
  itlAlpha: number;
  tickMs: number;
}

export interface SimulatorOptions extends TimingOptions {
  host: string;
  port: number;
  model: string;
  outputTokens: number;
  defaultMaxTokens: number;
  maxModelLen: number;
  embeddingDim: number;
  seed: number;
  faults: FaultConfig;
}

export const DEFAULT_SIMULATOR_OPTIONS: SimulatorOptions = {
  host: "127.0.0.1",
  port: 8001,
  model: "sim-model",
  maxNumSeqs: 256,
  ttftBaseMs: 30,
  prefillMsPerToken: 0.02,
  itlBaseMs: 10,
  itlAlpha: 0.01,
  tickMs: 5,
  outputTokens: 0,
  defaultMaxTokens: 512,
  maxModelLen: 32_768,
  embeddingDim: 384,
  seed: 1,
  faults: DEFAULT_FAULTS,
};

export type SimulatorInput = Partial<Omit<SimulatorOptions, "faults">> & { faults?: Partial<FaultConfig> };

const NUMERIC: Record<string, { min: number; max: number; int: boolean }> = {
  port: { min: 0, max: 65535, int: true },
  maxNumSeqs: { min: 1, max: 1_000_000, int: true },
  ttftBaseMs: { min: 0, max: 600_000, int: false },
  prefillMsPerToken: { min: 0, max: 1000, int: false },
  itlBaseMs: { min: 0, max: 60_000, int: false },
  itlAlpha: { min: 0, max: 100, int: false },
  tickMs: { min: 1, max: 1000, int: false },
  outputTokens: { min: 0, max: 1_000_000, int: true },
  defaultMaxTokens: { min: 1, max: 1_000_000, int: true },
  maxModelLen: { min: 16, max: 10_000_000, int: true },
  embeddingDim: { min: 1, max: 65_536, int: true },
  seed: { min: 0, max: 2 ** 32 - 1, int: true },
};

/** Merges options over the defaults and validates them; throws a 422 AppError naming the bad option. */
export function resolveSimulatorOptions(input: SimulatorInput = {}): SimulatorOptions {
  const { faults, ...rest } = input;
  const merged: SimulatorOptions = { ...DEFAULT_SIMULATOR_OPTIONS, ...stripUndefined(rest) };
  for (const [key, rule] of Object.entries(NUMERIC)) {
    const v = merged[key as keyof SimulatorOptions] as number;
    if (typeof v !== "number" || !Number.isFinite(v) || v < rule.min || v > rule.max || (rule.int && !Number.isInteger(v))) {
      throw errors.invalid("SIM_BAD_OPTION", `${key} must be ${rule.int ? "a whole number" : "a number"} from ${rule.min} to ${rule.max}`);
    }
  }
  if (!merged.model.trim()) throw errors.invalid("SIM_BAD_OPTION", "model must not be empty");
  merged.faults = { ...DEFAULT_FAULTS, ...validateFaults(faults ?? {}) };
  return merged;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const FAULT_KEYS = new Set(Object.keys(DEFAULT_FAULTS));

/** Parses `--flag value` / `--flag=value` pairs into simulator input. Unknown flags are a 400. */
export function parseSimulatorArgs(argv: string[]): SimulatorInput {
  const out: Record<string, unknown> = {};
  const faults: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw errors.badRequest("SIM_BAD_FLAG", `unexpected argument '${arg}'`);
    let [name, value] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw errors.badRequest("SIM_BAD_FLAG", `--${name} needs a value`);
    }
    const key = camel(name);
    if (FAULT_KEYS.has(key)) faults[key] = Number(value);
    else if (key === "host" || key === "model") out[key] = value;
    else if (key in NUMERIC) out[key] = Number(value);
    else throw errors.badRequest("SIM_BAD_FLAG", `unknown flag --${name}`);
  }
  return { ...(out as SimulatorInput), faults: faults as Partial<FaultConfig> };
}
