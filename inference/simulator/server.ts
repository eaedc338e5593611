/**
 * An OpenAI-compatible server with vLLM-like timing, for load and failure tests without a GPU.
 *
 *   bun run inference/simulator/server.ts --port 8001 [--max-num-seqs 256 --itl-base-ms 10 ...]
 *
 * Routes: GET /v1/models, POST /v1/chat/completions (stream and non-stream), POST /v1/embeddings,
 * GET /metrics (vLLM names), GET /health, GET|POST /admin/faults, GET /admin/stats.
 * Flags and their defaults: see options.ts (header) and README.md beside this file.
 * In tests use `startSimulator({ port: 0, ... })`; its `url` is the OpenAI base URL (ending in /v1).
 */
import { isAppError } from "../../core/errors";
import { handleChat, parseChatRequest, type ChatContext } from "./chat-handler";
import { hashedEmbedding, toBase64 } from "./embeddings";
import { seededRandom, validateFaults, type FaultConfig } from "./faults";
import { errorResponse, jsonResponse, modelsBody } from "./openai-format";
import { parseSimulatorArgs, resolveSimulatorOptions, type SimulatorInput, type SimulatorOptions } from "./options";
import { Scheduler, type SchedulerStats } from "./scheduler";
import { createSimulatorMetrics } from "./sim-metrics";

export interface SimulatorStats extends SchedulerStats {
  requests: number;
  errors: number;
  rateLimited: number;
  malformed: number;
}

export interface SimulatorHandle {
  /** OpenAI base URL, e.g. http://127.0.0.1:8001/v1 */
  readonly url: string;
  readonly port: number;
  readonly options: SimulatorOptions;
  setFaults(faults: Partial<FaultConfig>): FaultConfig;
  stats(): SimulatorStats;
  /** Closes every open connection (clients see a reset) and stops the tick loop. */
  stop(): Promise<void>;
}

async function readJson(req: Request): Promise<unknown | Response> {
  try {
    return await req.json();
  } catch {
    return errorResponse(400, "request body is not valid JSON", "BadRequestError");
  }
}

export function startSimulator(input: SimulatorInput = {}): SimulatorHandle {
  const options = resolveSimulatorOptions(input);
  let faults: FaultConfig = { ...options.faults };
  let scheduler!: Scheduler;
  const metrics = createSimulatorMetrics(options.model, () => ({ running: scheduler.runningCount, waiting: scheduler.waitingLength }));
  scheduler = new Scheduler(options, metrics.observer);
  const counts = { requests: 0, errors: 0, rateLimited: 0, malformed: 0 };
  const ctx: ChatContext = {
    scheduler,
    metrics,
    faults: () => faults,
    rand: seededRandom(options.seed),
    outputTokens: options.outputTokens,
    defaultMaxTokens: options.defaultMaxTokens,
    maxModelLen: options.maxModelLen,
    counts,
  };
  const created = Math.floor(Date.now() / 1000);
  const setFaults = (f: Partial<FaultConfig>) => (faults = { ...faults, ...validateFaults(f) });

  const routes: Record<string, Record<string, (req: Request) => Response | Promise<Response>>> = {
    "/health": { GET: () => new Response("ok") },
    "/v1/models": { GET: () => jsonResponse(modelsBody(options.model, created)) },
    "/metrics": {
      GET: async () => new Response(await metrics.registry.metrics(), { headers: { "content-type": metrics.registry.contentType } }),
    },
    "/admin/stats": { GET: () => jsonResponse(stats()) },
    "/admin/faults": {
      GET: () => jsonResponse(faults),
      POST: async (req) => {
        const body = await readJson(req);
        if (body instanceof Response) return body;
        try {
          return jsonResponse(setFaults(body as Partial<FaultConfig>));
        } catch (e) {
          if (isAppError(e)) return jsonResponse(e.toJSON(), e.status);
          throw e;
        }
      },
    },
    "/v1/chat/completions": {
      POST: async (req) => {
        const body = await readJson(req);
        if (body instanceof Response) return body;
        const parsed = parseChatRequest(body);
        return parsed instanceof Response ? parsed : handleChat(ctx, parsed, req.signal);
      },
    },
    "/v1/embeddings": {
      POST: async (req) => {
        const body = (await readJson(req)) as Record<string, unknown> | Response;
        if (body instanceof Response) return body;
        return embeddings(body, options);
      },
    },
  };

  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    idleTimeout: 0, // stalls and long queues must not be cut by the server
    fetch(req) {
      const path = new URL(req.url).pathname.replace(/\/+$/, "") || "/";
      const route = routes[path];
      if (!route) return errorResponse(404, `no route ${path}`, "NotFoundError");
      const handler = route[req.method];
      if (!handler) return errorResponse(405, `${req.method} not allowed on ${path}`, "MethodNotAllowed");
      return handler(req);
    },
    error(e) {
      return errorResponse(500, e instanceof Error ? e.message : String(e), "InternalServerError");
    },
  });

  function stats(): SimulatorStats {
    return { ...scheduler.stats(), ...counts };
  }

  const port = server.port ?? options.port;
  return {
    url: `http://${options.host}:${port}/v1`,
    port,
    options,
    setFaults,
    stats,
    async stop() {
      scheduler.stop();
      await server.stop(true);
    },
  };
}

function embeddings(body: Record<string, unknown>, options: SimulatorOptions): Response {
  const input = body.input;
  const texts = typeof input === "string" ? [input] : Array.isArray(input) && input.every((t) => typeof t === "string") ? (input as string[]) : undefined;
  if (!texts || texts.length === 0) return errorResponse(400, "input must be a string or a non-empty array of strings", "BadRequestError");
  const dim = body.dimensions ?? options.embeddingDim;
  if (typeof dim !== "number" || !Number.isInteger(dim) || dim < 1 || dim > 65_536) return errorResponse(400, "dimensions must be a positive integer", "BadRequestError");
  const format = body.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") return errorResponse(400, "encoding_format must be float or base64", "BadRequestError");
  let tokens = 0;
  const data = texts.map((text, index) => {
    const v = hashedEmbedding(text, dim);
    tokens += Math.max(1, Math.ceil(text.length / 4));
    return { object: "embedding", index, embedding: format === "base64" ? toBase64(v) : Array.from(v) };
  });
  return jsonResponse({ object: "list", data, model: typeof body.model === "string" ? body.model : options.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

if (import.meta.main) {
  let sim: SimulatorHandle;
  try {
    sim = startSimulator(parseSimulatorArgs(Bun.argv.slice(2)));
  } catch (e) {
    console.error(`simulator: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  const o = sim.options;
  console.log(`simulator listening on ${sim.url} (model ${o.model}, max_num_seqs ${o.maxNumSeqs}, itl ${o.itlBaseMs}ms x (1 + ${o.itlAlpha} x running))`);
  const shutdown = () => void sim.stop().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
