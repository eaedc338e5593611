/**
 * A llama.cpp llama-server of a test's own (the binary and GGUF model .ci/peers/llama-server.sh builds and
 * fetches: TEST_LLAMA_SERVER_BIN, TEST_LLAMA_MODEL) on a free loopback port, which the test can kill and restart
 * on the same port. Its /slots and /metrics show what the engine itself is doing.
 */
import { freePort, waitUntil } from "./peers";

export interface LlamaPeerOptions {
  /** Sequences the engine runs at once (--parallel): its real concurrency limit. */
  parallel?: number;
  /** Total context (--ctx-size), split evenly over the slots. */
  ctx?: number;
}

export interface SlotState {
  id: number;
  is_processing: boolean;
}

export class LlamaPeer {
  private proc?: ReturnType<typeof Bun.spawn>;
  private log = "";
  private constructor(
    readonly port: number,
    private readonly bin: string,
    private readonly model: string,
    readonly opts: Required<LlamaPeerOptions>,
  ) {}

  /** The OpenAI base URL (…/v1). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  static async start(bin: string, model: string, opts: LlamaPeerOptions = {}): Promise<LlamaPeer> {
    const p = new LlamaPeer(await freePort(), bin, model, { parallel: opts.parallel ?? 2, ctx: opts.ctx ?? 2048 });
    await p.restart();
    return p;
  }

  async restart(): Promise<void> {
    const { parallel, ctx } = this.opts;
    // One thread: the machine has two cores and the tests run beside other work. Seed and sampling are fixed by
    // the requests (temperature 0), so answers are repeatable.
    this.proc = Bun.spawn(
      [this.bin, "-m", this.model, "--host", "127.0.0.1", "--port", String(this.port), "--parallel", String(parallel),
        "--ctx-size", String(ctx), "--threads", "1", "--threads-http", "4", "--metrics", "--alias", "gemma-3-270m", "--no-webui"],
      { stdout: "ignore", stderr: "pipe" },
    );
    void (async () => {
      const dec = new TextDecoder();
      const reader = (this.proc!.stderr as ReadableStream<Uint8Array>).getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) this.log = (this.log + dec.decode(r.value)).slice(-20_000);
    })().catch(() => {});
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${this.port}/health`)).ok, 60_000, `llama-server on port ${this.port}`).catch((e) => {
      throw new Error(`${(e as Error).message}\n${this.log.slice(-3000)}`);
    });
  }

  /** The engine's slots: which are generating now. */
  async slots(): Promise<SlotState[]> {
    return (await (await fetch(`http://127.0.0.1:${this.port}/slots`)).json()) as SlotState[];
  }

  async processing(): Promise<number> {
    return (await this.slots()).filter((s) => s.is_processing).length;
  }

  /** A counter or gauge from the engine's Prometheus metrics (llamacpp:NAME). */
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text();
    const m = text.match(new RegExp(`^llamacpp:${name} ([0-9.e+-]+)$`, "m"));
    if (!m) throw new Error(`llama-server has no metric llamacpp:${name}`);
    return Number(m[1]);
  }

  /** SIGKILL: the engine is gone at once, as when its host dies. */
  async kill(): Promise<void> {
    this.proc?.kill("SIGKILL");
    await this.proc?.exited;
    this.proc = undefined;
  }

  stop(): Promise<void> {
    return this.kill();
  }
}
