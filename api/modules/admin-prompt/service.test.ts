import { describe, expect, test } from "bun:test";
import { AppError } from "../../../core/errors";
import { DEFAULT_SYSTEM_PROMPT } from "../../pipeline/prompt-template";
import { SYSTEM_PROMPT_KEY, SystemPromptStore, systemPromptStore } from "./service";

/** kb_state in memory, counting reads. */
function memoryKbState() {
  const rows = new Map<string, unknown>();
  const state = {
    reads: 0,
    rows,
    async get<T>(tenantId: string, key: string): Promise<T | null> {
      state.reads++;
      return (rows.get(`${tenantId}/${key}`) as T | undefined) ?? null;
    },
    async set(tenantId: string, key: string, value: unknown): Promise<void> {
      await Bun.sleep(1);
      rows.set(`${tenantId}/${key}`, structuredClone(value));
    },
  };
  return state;
}

const errorOf = async (p: Promise<unknown>) => (await p.then(() => null, (e) => e)) as AppError;

describe("SystemPromptStore", () => {
  test("a tenant that never changed it reads the default at version 0", async () => {
    const v = await new SystemPromptStore(memoryKbState()).get("t1");
    expect(v).toMatchObject({ tenantId: "t1", text: DEFAULT_SYSTEM_PROMPT, version: 0, isDefault: true, templateId: "answer-v2", updatedAt: null });
  });

  test("each change increments the version; the same text again is not a change", async () => {
    const kb = memoryKbState();
    const s = new SystemPromptStore(kb);
    expect((await s.put("t1", "  Be brief.\r\nCite [n].  ")).version).toBe(1);
    expect((await s.get("t1")).text).toBe("Be brief.\nCite [n].");
    expect((await s.put("t1", "Be brief.\nCite [n].")).version).toBe(1);
    const v2 = await s.put("t1", "Be very brief.");
    expect(v2).toMatchObject({ version: 2, isDefault: false, text: "Be very brief." });
    expect(v2.updatedAt).toBeString();
    expect(kb.rows.get(`t1/${SYSTEM_PROMPT_KEY}`)).toMatchObject({ text: "Be very brief.", version: 2 });
    expect((await s.get("t2")).version).toBe(0); // per tenant
  });

  test("concurrent changes in one process each get their own version", async () => {
    const s = new SystemPromptStore(memoryKbState());
    const views = await Promise.all(["a", "b", "c", "d"].map((t) => s.put("t1", t)));
    expect(views.map((v) => v.version).sort()).toEqual([1, 2, 3, 4]);
    expect((await s.get("t1")).version).toBe(4);
  });

  test("expectedVersion guards against a stale editor (409)", async () => {
    const s = new SystemPromptStore(memoryKbState());
    await s.put("t1", "one", 0);
    const e = await errorOf(s.put("t1", "two", 0));
    expect(e.status).toBe(409);
    expect(e.code).toBe("PROMPT_VERSION_CONFLICT");
    expect((await s.put("t1", "two", 1)).version).toBe(2);
    expect((await errorOf(s.put("t1", "x", -1))).status).toBe(422);
  });

  test("empty, too long or non-string text is a 422", async () => {
    const s = new SystemPromptStore(memoryKbState(), { maxChars: 10 });
    for (const [text, code] of [["   ", "PROMPT_EMPTY"], ["x".repeat(11), "PROMPT_TOO_LONG"], [42, "PROMPT_INVALID"]] as const) {
      const e = await errorOf(s.put("t1", text));
      expect(e).toBeInstanceOf(AppError);
      expect(e.status).toBe(422);
      expect(e.code).toBe(code);
    }
    expect((await s.put("t1", "x".repeat(10))).version).toBe(1);
  });

  test("current() caches for the TTL and sees this process's changes at once", async () => {
    let now = 1_000;
    const kb = memoryKbState();
    const s = new SystemPromptStore(kb, { cacheTtlMs: 100, now: () => now });
    expect(await s.current("t1")).toEqual({ text: DEFAULT_SYSTEM_PROMPT, version: 0 });
    await s.current("t1");
    expect(kb.reads).toBe(1);
    await s.put("t1", "New.");
    expect(await s.current("t1")).toEqual({ text: "New.", version: 1 });
    kb.rows.set(`t1/${SYSTEM_PROMPT_KEY}`, { text: "From another replica.", version: 2, updatedAt: "x" });
    expect((await s.current("t1")).version).toBe(1);
    now += 101;
    expect(await s.current("t1")).toEqual({ text: "From another replica.", version: 2 });
  });

  test("a malformed stored value reads as the default", async () => {
    const kb = memoryKbState();
    kb.rows.set(`t1/${SYSTEM_PROMPT_KEY}`, { nonsense: true });
    expect((await new SystemPromptStore(kb).get("t1")).isDefault).toBe(true);
  });

  test("systemPromptStore() returns one store per repository", () => {
    const kb = memoryKbState();
    expect(systemPromptStore(kb)).toBe(systemPromptStore(kb));
    expect(systemPromptStore(memoryKbState())).not.toBe(systemPromptStore(kb));
  });
});
