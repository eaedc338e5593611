/**
 * llama.cpp's llama-server as a benchmark child process (the binary and GGUF model .ci/peers/llama-server.sh
 * builds and fetches). Paths come from --engine-bin / --engine-model, else TEST_LLAMA_SERVER_BIN /
 * TEST_LLAMA_MODEL, else the peer script's cache folder.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:net";

const CACHE = "/var/cache/deskpilot";

export function enginePaths(argv: string[]): { bin: string; model: string } {
  const arg = (n: string) => {
    const i = argv.indexOf(`--${n}`);
    return i > 0 ? argv[i + 1] : undefined;
  };
  const bin = arg("engine-bin") ?? process.env.TEST_LLAMA_SERVER_BIN ?? `${CACHE}/llama.cpp-b11434/bin/llama-server`;
  const model = arg("engine-model") ?? process.env.TEST_LLAMA_MODEL ?? `${CACHE}/models/gemma-3-270m-q4_k_m.gguf`;
  for (const p of [bin, model]) if (!existsSync(p)) throw new Error(`${p} does not exist: run 'bash .ci/peers/llama-server.sh install' first`);
  return { bin, model };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface SpawnedEngine {
  url: string;
  kill(): Promise<void>;
}

export async function spawnEngine(bin: string, model: string, args: { parallel: number; ctx: number; threads: number }): Promise<SpawnedEngine> {
  const port = await freePort();
  const proc = Bun.spawn(
    [bin, "-m", model, "--host", "127.0.0.1", "--port", String(port), "--parallel", String(args.parallel), "--ctx-size", String(args.ctx),
      "--threads", String(args.threads), "--alias", "gemma-3-270m", "--no-webui"],
    { stdout: "ignore", stderr: "ignore" },
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error("llama-server did not start within 120 s");
    await Bun.sleep(100);
  }
  return {
    url: `http://127.0.0.1:${port}/v1`,
    kill: async () => {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}
