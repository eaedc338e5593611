import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { AppError } from "../errors";
import { OpenAIEmbedder } from "./openai-embedder";

/**
 * A real OpenAI-compatible server on loopback: POST /v1/embeddings returns, for each input, an unnormalised
 * vector derived from its characters; `mode` switches it into the failure cases.
 */
type Mode = "ok" | "fail500" | "fail401" | "fail400" | "shortdim" | "missing" | "slow" | "garbage";
let mode: Mode = "ok";
let requests: { inputs: string[]; auth: string | null; format: unknown; model: unknown }[] = [];

const DIM = 8;
function vectorFor(text: string, dim = DIM): number[] {
  const v = new Array(dim).fill(0.5);
  for (let i = 0; i < text.length; i++) v[i % dim] += (text.charCodeAt(i) % 17) - 8;
  return v;
}

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    const url = new URL(req.url);
    if (req.method !== "POST" || url.pathname !== "/v1/embeddings") return new Response("not found", { status: 404 });
    const body = (await req.json()) as { input: string[]; model: string; encoding_format?: string };
    requests.push({ inputs: body.input, auth: req.headers.get("authorization"), format: body.encoding_format, model: body.model });
    const json = (status: number, data: unknown) => Response.json(data, { status });
    switch (mode) {
      case "fail500":
        return json(500, { error: { message: "model crashed", type: "server_error" } });
      case "fail401":
        return json(401, { error: { message: "bad key", type: "auth" } });
      case "fail400":
        return json(400, { error: { message: "input too long", type: "invalid_request_error" } });
      case "garbage":
        return json(200, { data: body.input.map((_, i) => ({ index: i, embedding: "not-a-vector" })) });
      case "slow":
        await Bun.sleep(2000);
    }
    const data = body.input.map((t, index) => ({ object: "embedding", index, embedding: vectorFor(t, mode === "shortdim" ? DIM - 2 : DIM) }));
    if (mode === "missing") data.pop();
    data.reverse(); // servers may answer out of order; `index` decides
    return json(200, { object: "list", model: body.model, data, usage: { prompt_tokens: 1, total_tokens: 1 } });
  },
});
const baseUrl = `http://127.0.0.1:${server.port}/v1`;
afterAll(() => server.stop(true));
beforeEach(() => {
  mode = "ok";
  requests = [];
});

const make = (o: Partial<ConstructorParameters<typeof OpenAIEmbedder>[0]> = {}) =>
  new OpenAIEmbedder({ baseUrl, model: "test-embed", apiKey: "sk-test", maxRetries: 0, ...o });

function expectNormalised(v: Float32Array, raw: number[]) {
  const n = Math.hypot(...raw);
  raw.forEach((x, i) => expect(v[i]).toBeCloseTo(x / n, 6));
}

describe("OpenAIEmbedder against a local /v1/embeddings server", () => {
  test("batches, keeps input order, normalises, and learns the dimension", async () => {
    const e = make({ batchSize: 64 });
    expect(e.dimension).toBe(0);
    expect(e.id).toBe("openai:test-embed");
    const texts = Array.from({ length: 150 }, (_, i) => `question number ${i} about refunds`);
    const vs = await e.embed(texts);
    expect(e.dimension).toBe(DIM);
    expect(requests.map((r) => r.inputs.length)).toEqual([64, 64, 22]);
    expect(requests.flatMap((r) => r.inputs)).toEqual(texts);
    expect(requests[0]!.auth).toBe("Bearer sk-test");
    expect(requests[0]!.format).toBe("float");
    expect(requests[0]!.model).toBe("test-embed");
    vs.forEach((v, i) => expectNormalised(v, vectorFor(texts[i]!)));
  });

  test("blank texts get zero vectors without being sent; init() probes the dimension once", async () => {
    const e = make();
    await e.init();
    expect(e.dimension).toBe(DIM);
    expect(requests.length).toBe(1);
    await e.init();
    expect(requests.length).toBe(1);
    const [a, blank, b] = await e.embed(["hello", "  ", "world"]);
    expect(requests[1]!.inputs).toEqual(["hello", "world"]);
    expect(Array.from(blank!)).toEqual(new Array(DIM).fill(0));
    expectNormalised(a!, vectorFor("hello"));
    expectNormalised(b!, vectorFor("world"));

    requests = [];
    const fresh = make();
    const blanks = await fresh.embed(["", " "]); // nothing to send, but the size must be known: one probe
    expect(requests.map((r) => r.inputs)).toEqual([["dimension probe"]]);
    expect(blanks.map((v) => v.length)).toEqual([DIM, DIM]);
  });

  test("an injected fetch is used for the requests", async () => {
    let calls = 0;
    const counting = ((input: RequestInfo | URL, init?: RequestInit) => {
      calls++;
      return fetch(input, init);
    }) as typeof fetch;
    await make({ fetch: counting }).embed(["a", "b"]);
    expect(calls).toBe(1);
  });

  test("a server error (500) becomes a retryable AppError 503 that says what failed", async () => {
    mode = "fail500";
    const err = await make().embed(["x"]).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(503);
    expect(err.retryable).toBe(true);
    expect(err.code).toBe("EMBEDDINGS_UNAVAILABLE");
    expect(err.message).toContain("500");
    expect(err.message).toContain(baseUrl);
  });

  test("the client's retries are used before giving up", async () => {
    mode = "fail500";
    const err = await make({ maxRetries: 1 }).embed(["x"]).catch((e) => e);
    expect(err.status).toBe(503);
    expect(requests.length).toBe(2);
  });

  test("a vector of the wrong dimension is a non-retryable 503", async () => {
    const given = make({ dimension: DIM + 4 });
    const err = await given.embed(["x"]).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(503);
    expect(err.retryable).toBe(false);
    expect(err.code).toBe("EMBEDDINGS_DIMENSION_MISMATCH");
    expect(err.message).toContain(`expected ${DIM + 4}`);

    const learnt = make();
    await learnt.embed(["first"]);
    mode = "shortdim"; // the server was swapped for another model
    const err2 = await learnt.embed(["second"]).catch((e) => e);
    expect(err2.code).toBe("EMBEDDINGS_DIMENSION_MISMATCH");
  });

  test("missing or malformed embeddings in the answer are a 503", async () => {
    mode = "missing";
    const err = await make().embed(["a", "b"]).catch((e) => e);
    expect(err.code).toBe("EMBEDDINGS_BAD_RESPONSE");
    expect(err.status).toBe(503);
    mode = "garbage";
    const err2 = await make().embed(["a"]).catch((e) => e);
    expect(err2.code).toBe("EMBEDDINGS_BAD_RESPONSE");
  });

  test("auth failures are 503 (misconfiguration, not retryable); rejected input is 422", async () => {
    mode = "fail401";
    const auth = await make().embed(["a"]).catch((e) => e);
    expect(auth.status).toBe(503);
    expect(auth.retryable).toBe(false);
    mode = "fail400";
    const bad = await make().embed(["a"]).catch((e) => e);
    expect(bad.status).toBe(422);
    expect(bad.code).toBe("EMBEDDINGS_INPUT_REJECTED");
  });

  test("an unreachable server is a 503", async () => {
    const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const port = probe.port;
    probe.stop(true);
    const err = await make({ baseUrl: `http://127.0.0.1:${port}/v1` }).embed(["a"]).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(503);
    expect(err.message).toContain("unreachable");
  });

  test("the abort signal cancels the request in flight", async () => {
    mode = "slow";
    const ac = new AbortController();
    const started = performance.now();
    setTimeout(() => ac.abort(new Error("client went away")), 50);
    await expect(make().embed(["a"], ac.signal)).rejects.toThrow("client went away");
    expect(performance.now() - started).toBeLessThan(1500);
  });

  test("bad input and bad options are 422", async () => {
    const err = await make().embed("text" as unknown as string[]).catch((e) => e);
    expect(err.status).toBe(422);
    expect(() => make({ dimension: -3 })).toThrow(expect.objectContaining({ status: 422 }));
    expect(() => make({ model: "" })).toThrow(expect.objectContaining({ status: 422 }));
    expect(requests.length).toBe(0);
  });
});
