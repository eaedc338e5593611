import { describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { classifyUpstreamError, isRetryable, verdictOf } from "./upstream-error";

describe("classifyUpstreamError", () => {
  test("running out of file descriptors is local: retried elsewhere, no verdict on the backend", () => {
    const cause = Object.assign(new Error("connect EMFILE 127.0.0.1:8001"), { code: "EMFILE" });
    const f = classifyUpstreamError(new OpenAI.APIConnectionError({ message: "Connection error.", cause }));
    expect(f.kind).toBe("local");
    expect(f.message).toMatch(/file descriptors/);
    expect(verdictOf(f.kind)).toBe("neutral");
    expect(isRetryable(f.kind)).toBe(true);
  });

  test("a refused connection still counts against the backend", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const f = classifyUpstreamError(new OpenAI.APIConnectionError({ message: "Connection error.", cause }));
    expect(f.kind).toBe("connect");
    expect(verdictOf(f.kind)).toBe("failure");
  });

  test("a prompt over the context window, as llama.cpp, vLLM and OpenAI say it: not retried, no verdict", () => {
    const apiError = (status: number, body: object) => OpenAI.APIError.generate(status, { error: body }, undefined, new Headers());
    const cases = [
      apiError(400, { code: 400, message: "the request exceeds the available context size, try increasing it", type: "exceed_context_size_error" }),
      // vLLM's body has no `error` wrapper: the SDK keeps the raw body text as the message.
      (() => {
        const body = { object: "error", message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.", type: "BadRequestError", code: 400 };
        return OpenAI.APIError.generate(400, body, JSON.stringify(body), new Headers());
      })(),
      apiError(400, { message: "too long", type: "invalid_request_error", code: "context_length_exceeded" }),
    ];
    for (const e of cases) {
      const f = classifyUpstreamError(e);
      expect(f.kind).toBe("context_length");
      expect(isRetryable(f.kind)).toBe(false);
      expect(verdictOf(f.kind)).toBe("neutral");
    }
    expect(classifyUpstreamError(apiError(400, { message: "temperature must be a number", type: "invalid_request_error" })).kind).toBe("bad_request");
  });
});
