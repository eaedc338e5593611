import { describe, expect, test } from "bun:test";
import { AppError } from "../../core/errors";
import type { GenerateRequest } from "../../core/ports/language-model";
import { renderPassages, toChatParams } from "./chat-request";
import { resolveLimits, validateBackends } from "./client-options";

const user = (content: string) => ({ role: "user" as const, content });

function rejects(fn: () => unknown, code: string, status = 422) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe(code);
    expect((e as AppError).status).toBe(status);
    return;
  }
  throw new Error("expected an AppError");
}

describe("toChatParams", () => {
  test("passes messages and options through", () => {
    const p = toChatParams({ messages: [{ role: "system", content: "be brief" }, user("hi")], maxTokens: 10, temperature: 0.2 });
    expect(p).toEqual({ messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }], max_tokens: 10, temperature: 0.2 });
  });

  test("renders passages as a numbered system message after the caller's system messages", () => {
    const p = toChatParams({
      messages: [{ role: "system", content: "rules" }, user("How long is the warranty?")],
      passages: [
        { id: "a", text: "The warranty lasts\ntwo years.", title: "Warranty" },
        { id: "b", text: "Returns within 30 days." },
      ],
    });
    expect(p.messages).toHaveLength(3);
    expect(p.messages[1]).toEqual({ role: "system", content: "Passages:\n[1] Warranty: The warranty lasts two years.\n[2] Returns within 30 days." });
    expect(p.messages[2]!.role).toBe("user");
    expect(renderPassages([])).toBe("Passages:\n");
  });

  test("bad requests are 422 LLM_BAD_REQUEST", () => {
    rejects(() => toChatParams({ messages: [] }), "LLM_BAD_REQUEST");
    rejects(() => toChatParams({ messages: [{ role: "tool", content: "x" }] } as unknown as GenerateRequest), "LLM_BAD_REQUEST");
    rejects(() => toChatParams({ messages: [{ role: "user", content: 5 }] } as unknown as GenerateRequest), "LLM_BAD_REQUEST");
    rejects(() => toChatParams({ messages: [{ role: "system", content: "only system" }] }), "LLM_BAD_REQUEST");
    rejects(() => toChatParams({ messages: [user("x")], maxTokens: 0 }), "LLM_BAD_REQUEST");
    rejects(() => toChatParams({ messages: [user("x")], maxTokens: 1.5 }), "LLM_BAD_REQUEST");
    rejects(() => toChatParams({ messages: [user("x")], temperature: 3 }), "LLM_BAD_REQUEST");
    rejects(() => toChatParams({ messages: [user("x")], passages: [{ text: "no id" }] } as unknown as GenerateRequest), "LLM_BAD_REQUEST");
  });
});

describe("client options", () => {
  test("backends are required and must be valid", () => {
    rejects(() => validateBackends([]), "LLM_NO_BACKENDS");
    rejects(() => validateBackends([{ url: "not a url", model: "m", weight: 1 }]), "LLM_BAD_OPTIONS");
    rejects(() => validateBackends([{ url: "ftp://x/v1", model: "m", weight: 1 }]), "LLM_BAD_OPTIONS");
    rejects(() => validateBackends([{ url: "http://x/v1", model: "m", weight: 0 }]), "LLM_BAD_OPTIONS");
    rejects(() => validateBackends([{ url: "http://x/v1", model: "", weight: 1 }]), "LLM_BAD_OPTIONS");
    expect(() => validateBackends([{ url: "http://x:8000/v1", model: "m", weight: 2 }])).not.toThrow();
  });

  test("limits merge over defaults and reject nonsense", () => {
    expect(resolveLimits({ maxQueue: 0, ttftTimeoutMs: 50 }).maxQueue).toBe(0);
    rejects(() => resolveLimits({ ttftTimeoutMs: 0 }), "LLM_BAD_OPTIONS");
    rejects(() => resolveLimits({ maxInFlightPerBackend: Number.NaN }), "LLM_BAD_OPTIONS");
    rejects(() => resolveLimits({ bogus: 1 } as never), "LLM_BAD_OPTIONS");
  });
});
