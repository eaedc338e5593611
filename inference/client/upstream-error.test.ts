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
});
