/**
 * Failure injection for the simulator: rates are per request (0..1), drawn from a seeded PRNG so a run with the
 * same seed and the same request order injects the same faults. Set through options or POST /admin/faults.
 */
import { errors } from "../../core/errors";

export interface FaultConfig {
  /** Share of chat requests answered with HTTP 500. */
  errorRate: number;
  /** Share of chat requests answered with HTTP 429 (Retry-After: 1). */
  rateLimitRate: number;
  /** Share of chat requests answered 200 with a body that is not valid JSON (or a malformed SSE chunk). */
  malformedRate: number;
  /** Share of requests whose connection is reset after `dropAfterTokens` tokens. */
  dropRate: number;
  dropAfterTokens: number;
  /** Share of requests that stop producing tokens after `stallAfterTokens` tokens and never finish. */
  stallRate: number;
  stallAfterTokens: number;
}

export const DEFAULT_FAULTS: FaultConfig = {
  errorRate: 0,
  rateLimitRate: 0,
  malformedRate: 0,
  dropRate: 0,
  dropAfterTokens: 3,
  stallRate: 0,
  stallAfterTokens: 0,
};

const RATE_KEYS = ["errorRate", "rateLimitRate", "malformedRate", "dropRate", "stallRate"] as const;
const COUNT_KEYS = ["dropAfterTokens", "stallAfterTokens"] as const;

/** Checks a partial fault config (from JSON or flags); throws a 422 AppError naming the bad field. */
export function validateFaults(input: unknown): Partial<FaultConfig> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw errors.invalid("SIM_BAD_FAULTS", "faults must be a JSON object");
  }
  const out: Partial<FaultConfig> = {};
  for (const [key, value] of Object.entries(input)) {
    if ((RATE_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
        throw errors.invalid("SIM_BAD_FAULTS", `${key} must be a number from 0 to 1`);
      }
      out[key as (typeof RATE_KEYS)[number]] = value;
    } else if ((COUNT_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        throw errors.invalid("SIM_BAD_FAULTS", `${key} must be a whole number >= 0`);
      }
      out[key as (typeof COUNT_KEYS)[number]] = value;
    } else {
      throw errors.invalid("SIM_BAD_FAULTS", `unknown fault '${key}'`);
    }
  }
  return out;
}

export { seededRandom } from "../../core/numeric";

export type ImmediateFault = "error" | "rate_limit" | "malformed";

export interface FaultDecision {
  /** A fault answered before any token; null when the request is served. */
  immediate: ImmediateFault | null;
  /** Tokens after which the connection is reset (Infinity = never). */
  dropAfter: number;
  /** Tokens after which the sequence stalls forever (Infinity = never). */
  stallAfter: number;
}

/** Draws the faults for one request. Immediate faults are exclusive; drop and stall are drawn independently. */
export function decideFaults(f: FaultConfig, rand: () => number): FaultDecision {
  let immediate: ImmediateFault | null = null;
  if (f.errorRate > 0 && rand() < f.errorRate) immediate = "error";
  else if (f.rateLimitRate > 0 && rand() < f.rateLimitRate) immediate = "rate_limit";
  else if (f.malformedRate > 0 && rand() < f.malformedRate) immediate = "malformed";
  const dropAfter = f.dropRate > 0 && rand() < f.dropRate ? f.dropAfterTokens : Infinity;
  const stallAfter = f.stallRate > 0 && rand() < f.stallRate ? f.stallAfterTokens : Infinity;
  return { immediate, dropAfter, stallAfter };
}
