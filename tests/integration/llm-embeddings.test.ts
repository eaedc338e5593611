/**
 * Embeddings on the inference tier: EMBEDDINGS_BASE_URL pointed at the simulator's /v1/embeddings (as it would
 * point at vLLM or Ollama), through createEmbedder and through the whole API (ingest, then vector search).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { loadConfig } from "../../core/config";
import { createEmbedder } from "../../core/embeddings/create-embedder";
import { startSimulator, type SimulatorHandle } from "../../inference/simulator/server";
import { testServices, type TestServices } from "../helpers/services";

let sim: SimulatorHandle;
beforeAll(() => {
  sim = startSimulator({ port: 0, embeddingDim: 64 });
});
afterAll(async () => {
  await sim.stop();
});

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe("embeddings through EMBEDDINGS_BASE_URL", () => {
  test("createEmbedder picks the OpenAI-compatible embedder, learns the dimension and gets normalised vectors", async () => {
    const config = loadConfig({ EMBEDDINGS_BASE_URL: sim.url, EMBEDDINGS_MODEL: "sim-embed", DATA_DIR: "/tmp/unused" });
    const embedder = await createEmbedder(config);
    expect(embedder.id).toBe("openai:sim-embed");
    expect(embedder.dimension).toBe(64);
    const [a, b, c] = await embedder.embed(["warranty lasts two years", "warranty lasts two years", "returns within thirty days"]);
    expect(a!.length).toBe(64);
    expect(dot(a!, a!)).toBeCloseTo(1, 4);
    expect(dot(a!, b!)).toBeCloseTo(1, 4);
    expect(dot(a!, c!)).toBeLessThan(0.9);
  }, 5000);

  test("an unreachable embeddings server is a clear AppError", async () => {
    const dead = startSimulator({ port: 0 });
    const url = dead.url;
    await dead.stop();
    const config = loadConfig({ EMBEDDINGS_BASE_URL: url, DATA_DIR: "/tmp/unused" });
    const err = await createEmbedder(config).then(
      async (e) => e.embed(["x"]),
      (e) => e,
    ).catch((e) => e);
    expect(err?.name).toBe("AppError");
    expect(err.status).toBeGreaterThanOrEqual(500);
  }, 10_000);
});

describe("the API with EMBEDDINGS_BASE_URL -> simulator", () => {
  let t: TestServices;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    t = await testServices("pglite", { EMBEDDINGS_BASE_URL: sim.url, EMBEDDINGS_MODEL: "sim-embed" });
    app = authedApp(t.services);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test("ingests with remote embeddings and finds the document through the vector channel", async () => {
    expect(t.services.stores.embedder.current().id).toBe("openai:sim-embed");
    const post = await app.handle(
      new Request("http://localhost/v1/documents?wait=true", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "Warranty", text: "The warranty lasts two years from delivery and covers manufacturing defects." }),
      }),
    );
    expect(post.status).toBe(200);
    const res = await app.handle(
      new Request("http://localhost/v1/search", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "warranty lasts two years", channels: ["vector"] }),
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { passages: { title: string; ranks: Record<string, number> }[] };
    expect(body.passages[0]).toMatchObject({ title: "Warranty", ranks: { vector: 1 } });
  }, 20_000);
});
