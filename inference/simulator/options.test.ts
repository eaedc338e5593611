import { describe, expect, test } from "bun:test";
import { AppError } from "../../core/errors";
import { decideFaults, seededRandom, validateFaults } from "./faults";
import { DEFAULT_SIMULATOR_OPTIONS, parseSimulatorArgs, resolveSimulatorOptions } from "./options";

const appError = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as AppError;
  }
  throw new Error("expected an AppError");
};

describe("simulator options", () => {
  test("flags parse into options (both --a b and --a=b)", () => {
    const input = parseSimulatorArgs(["--port", "9000", "--max-num-seqs=8", "--itl-alpha", "0.5", "--model", "m", "--error-rate", "0.25"]);
    const o = resolveSimulatorOptions(input);
    expect(o.port).toBe(9000);
    expect(o.maxNumSeqs).toBe(8);
    expect(o.itlAlpha).toBe(0.5);
    expect(o.model).toBe("m");
    expect(o.faults.errorRate).toBe(0.25);
    expect(o.ttftBaseMs).toBe(DEFAULT_SIMULATOR_OPTIONS.ttftBaseMs);
  });

  test("bad flags and values are clear 4xx AppErrors", () => {
    expect(appError(() => parseSimulatorArgs(["--nope", "1"])).status).toBe(400);
    expect(appError(() => parseSimulatorArgs(["--port"])).message).toContain("needs a value");
    expect(appError(() => parseSimulatorArgs(["stray"])).code).toBe("SIM_BAD_FLAG");
    expect(appError(() => resolveSimulatorOptions({ maxNumSeqs: 0 })).status).toBe(422);
    expect(appError(() => resolveSimulatorOptions({ port: 1.5 })).code).toBe("SIM_BAD_OPTION");
    expect(appError(() => resolveSimulatorOptions(parseSimulatorArgs(["--tick-ms", "abc"]))).message).toContain("tickMs");
    expect(appError(() => resolveSimulatorOptions({ faults: { errorRate: 2 } })).code).toBe("SIM_BAD_FAULTS");
  });

  test("fault validation names the field", () => {
    expect(validateFaults({ dropRate: 1, dropAfterTokens: 4 })).toEqual({ dropRate: 1, dropAfterTokens: 4 });
    expect(appError(() => validateFaults({ stallAfterTokens: -1 })).message).toContain("stallAfterTokens");
    expect(appError(() => validateFaults({ surprise: 1 })).message).toContain("surprise");
    expect(appError(() => validateFaults([1])).status).toBe(422);
  });

  test("fault decisions follow the rates and the seed", () => {
    const all = decideFaults({ errorRate: 1, rateLimitRate: 0, malformedRate: 0, dropRate: 1, dropAfterTokens: 2, stallRate: 0, stallAfterTokens: 0 }, seededRandom(1));
    expect(all).toEqual({ immediate: "error", dropAfter: 2, stallAfter: Infinity });
    const none = decideFaults({ errorRate: 0, rateLimitRate: 0, malformedRate: 0, dropRate: 0, dropAfterTokens: 2, stallRate: 0, stallAfterTokens: 0 }, seededRandom(1));
    expect(none).toEqual({ immediate: null, dropAfter: Infinity, stallAfter: Infinity });
    const a = seededRandom(7);
    const b = seededRandom(7);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(draws).toEqual(Array.from({ length: 1000 }, () => b()));
    const share = draws.filter((x) => x < 0.3).length / draws.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
  });
});
