import { afterAll, describe, expect, test } from "bun:test";
import { loadConfig, type Config } from "../config";
import { AppError } from "../errors";
import { createEmbedder } from "./create-embedder";
import { LocalEmbedder } from "./local-embedder";
import { OpenAIEmbedder } from "./openai-embedder";

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    const body = (await req.json()) as { input: string[] };
    return Response.json({ data: body.input.map((_, index) => ({ index, embedding: [3, 4, 0, 0, 0] })) });
  },
});
afterAll(() => server.stop(true));

const base = loadConfig();
const withEmbeddings = (e: Partial<Config["embeddings"]>): Config => ({ ...base, embeddings: { ...base.embeddings, ...e } });

describe("createEmbedder", () => {
  test("EMBEDDINGS_BASE_URL set: the OpenAI-compatible embedder, dimension probed up front", async () => {
    const cfg = loadConfig({ EMBEDDINGS_BASE_URL: `http://127.0.0.1:${server.port}/v1`, EMBEDDINGS_MODEL: "bge-small" });
    const e = await createEmbedder(cfg);
    expect(e).toBeInstanceOf(OpenAIEmbedder);
    expect(e.id).toBe("openai:bge-small");
    expect(e.dimension).toBe(5);
    const [v] = await e.embed(["hi"]);
    expect(Array.from(v!)).toEqual(Array.from(Float32Array.of(0.6, 0.8, 0, 0, 0)));
  });

  test("a remote server that is down fails fast with a 503 (or not at all without the probe)", async () => {
    const dead = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const port = dead.port;
    dead.stop(true);
    const cfg = withEmbeddings({ baseUrl: `http://127.0.0.1:${port}/v1` });
    const err = await createEmbedder(cfg).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(503);
    const lazy = await createEmbedder(cfg, undefined, { probe: false });
    expect(lazy.dimension).toBe(0);
  });

  test("no base URL: the local embedder, restored from a fitted state", async () => {
    const cfg = withEmbeddings({ baseUrl: undefined });
    const plain = await createEmbedder(cfg);
    expect(plain).toBeInstanceOf(LocalEmbedder);
    const fitted = plain as LocalEmbedder;
    const other = new LocalEmbedder(fitted.store);
    const state = await other.fit(Array.from({ length: 30 }, (_, i) => `order ${i} shipped to customer number ${i * 7}`));
    const restored = await createEmbedder(cfg, state);
    expect(restored.id).toBe(other.id);
    expect(restored.id).not.toBe(plain.id);
    expect((restored as LocalEmbedder).store).toBe(fitted.store); // the word vectors are loaded once per process
  }, 120_000);
});
