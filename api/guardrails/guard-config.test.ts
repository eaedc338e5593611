import { describe, expect, test } from "bun:test";
import { isAppError } from "../../core/errors";
import { DEFAULT_GUARD_CONFIG, validateGuardConfig } from "./guard-config";
import { GuardConfigStore } from "./guard-config-store";

const codeOf = (body: unknown) => {
  try {
    validateGuardConfig(body);
    return "ok";
  } catch (e) {
    return isAppError(e) ? `${e.status} ${e.code} ${(e.details as { field?: string })?.field}` : String(e);
  }
};

describe("guard configuration", () => {
  test("an empty body is the defaults; fields left out keep theirs", () => {
    expect(validateGuardConfig({})).toEqual(DEFAULT_GUARD_CONFIG);
    const c = validateGuardConfig({ output: { holdChars: 120 }, sensitiveWords: [{ term: "  Acme  Corp ", action: "mask" }] });
    expect(c.output).toEqual({ ...DEFAULT_GUARD_CONFIG.output, holdChars: 120 });
    expect(c.sensitiveWords).toEqual([{ term: "Acme Corp", action: "mask" }]);
  });

  test("bad values are a 422 naming the field", () => {
    expect(codeOf(null)).toBe("422 GUARD_CONFIG_INVALID body");
    expect(codeOf([])).toBe("422 GUARD_CONFIG_INVALID body");
    expect(codeOf({ input: "x" })).toBe("422 GUARD_CONFIG_INVALID input");
    expect(codeOf({ input: { blockScore: 0 } })).toBe("422 GUARD_CONFIG_INVALID input.blockScore");
    expect(codeOf({ input: { maxChars: 1.5 } })).toBe("422 GUARD_CONFIG_INVALID input.maxChars");
    expect(codeOf({ input: { enabled: "yes" } })).toBe("422 GUARD_CONFIG_INVALID input.enabled");
    expect(codeOf({ input: { exemplarAssist: 0.9, exemplarBlock: 0.8 } })).toBe("422 GUARD_CONFIG_INVALID input.exemplarAssist");
    expect(codeOf({ pii: { kinds: ["email", "dna"] } })).toBe("422 GUARD_CONFIG_INVALID pii.kinds");
    expect(codeOf({ output: { unsupported: "delete" } })).toBe("422 GUARD_CONFIG_INVALID output.unsupported");
    expect(codeOf({ sensitiveWords: [{ term: "x", action: "block" }] })).toBe("422 GUARD_CONFIG_INVALID sensitiveWords[0].term");
    expect(codeOf({ sensitiveWords: [{ term: "acme", action: "ban" }] })).toBe("422 GUARD_CONFIG_INVALID sensitiveWords[0].action");
    expect(codeOf({ sensitiveWords: [{ term: "acme", action: "mask" }, { term: "ACME", action: "block" }] })).toBe("422 GUARD_CONFIG_INVALID sensitiveWords[1].term");
    expect(codeOf({ sensitiveWords: Array.from({ length: 501 }, (_, i) => ({ term: `w${i}x`, action: "mask" })) })).toBe("422 GUARD_CONFIG_INVALID sensitiveWords");
  });

  test("the store keeps one configuration per tenant, cached, and falls back to the defaults", async () => {
    const data = new Map<string, unknown>();
    const kb = {
      get: async <T>(t: string, k: string) => (data.get(`${t}/${k}`) as T) ?? null,
      set: async (t: string, k: string, v: unknown) => void data.set(`${t}/${k}`, v),
      delete: async (t: string, k: string) => void data.delete(`${t}/${k}`),
    };
    const store = new GuardConfigStore(kb);
    expect(await store.get("t1")).toMatchObject({ isDefault: true, config: DEFAULT_GUARD_CONFIG });
    await store.put("t1", { input: { maxChars: 50 } });
    expect((await store.current("t1")).input.maxChars).toBe(50);
    expect((await store.current("t2")).input.maxChars).toBe(DEFAULT_GUARD_CONFIG.input.maxChars);
    data.set("t1/guardrails", { config: { input: { maxChars: -1 } }, updatedAt: "x" }); // corrupt: defaults apply
    expect((await store.get("t1")).config).toEqual(DEFAULT_GUARD_CONFIG);
    await store.reset("t1");
    expect(data.has("t1/guardrails")).toBe(false);
  });
});
