/**
 * Real peer processes that fault tests start, kill and restart themselves (a Redis server, a PostgreSQL
 * cluster). A peer whose program is not installed makes its suite skip with a printed reason locally, and fail
 * loudly in CI (CI=true), where .ci/run installs it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function which(program: string): string | null {
  return Bun.which(program);
}

/** True when the suite can run; otherwise prints why it is skipped (and throws in CI). */
export function peerAvailable(program: string, suite: string): boolean {
  if (which(program)) return true;
  const reason = `${suite}: '${program}' is not installed, so this suite is skipped (.ci/run installs it)`;
  if (process.env.CI === "true") throw new Error(reason);
  console.warn(reason);
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitUntil(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await Promise.resolve(check()).catch(() => false)) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** A redis-server of its own on a free loopback port (no persistence), which a test can kill and restart. */
export class RedisPeer {
  private proc?: ReturnType<typeof Bun.spawn>;
  private readonly dir = mkdtempSync(join(tmpdir(), "cs-redis-"));
  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisPeer> {
    const p = new RedisPeer(await freePort());
    await p.restart();
    return p;
  }

  async restart(): Promise<void> {
    this.proc = Bun.spawn([which("redis-server")!, "--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir], {
      stdout: "ignore",
      stderr: "ignore",
    });
    await waitUntil(async () => {
      const s = await Bun.connect({ hostname: "127.0.0.1", port: this.port, socket: { data() {} } }).catch(() => null);
      s?.end();
      return s !== null;
    }, 10_000, `redis-server on port ${this.port}`);
  }

  /** SIGKILL: the server is gone at once, as when its host dies. */
  async kill(): Promise<void> {
    this.proc?.kill("SIGKILL");
    await this.proc?.exited;
    this.proc = undefined;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A TCP proxy on a free loopback port in front of a real server. kill() closes the listener and every open
 * connection (what the clients see when the server's host dies: connections reset, new ones refused);
 * restart() listens again on the same port.
 */
type ProxySide = { upstream?: { write(d: Uint8Array | ArrayBuffer): number; end(): void }; queued: Uint8Array[] };

export class TcpProxy {
  private server?: { stop(closeActive?: boolean): void };
  private readonly sockets = new Set<{ end(): void }>();
  private constructor(
    readonly port: number,
    private readonly target: { hostname: string; port: number },
  ) {}

  static async start(target: { hostname: string; port: number }): Promise<TcpProxy> {
    const p = new TcpProxy(await freePort(), target);
    p.restart();
    return p;
  }

  /** Listens again (nothing to do while it listens). */
  restart(): void {
    if (this.server) return;
    const { hostname, port } = this.target;
    const sockets = this.sockets;
    this.server = Bun.listen<ProxySide>({
      hostname: "127.0.0.1",
      port: this.port,
      socket: {
        open(client) {
          client.data = { queued: [] };
          sockets.add(client);
          Bun.connect({
            hostname,
            port,
            socket: {
              data: (_s, chunk) => void client.write(chunk),
              close: () => void client.end(),
              error: () => void client.end(),
            },
          }).then(
            (up) => {
              sockets.add(up);
              client.data.upstream = up;
              for (const c of client.data.queued) up.write(c);
              client.data.queued = [];
            },
            () => client.end(),
          );
        },
        data(client, chunk) {
          if (client.data.upstream) client.data.upstream.write(chunk);
          else client.data.queued.push(new Uint8Array(chunk));
        },
        close(client) {
          client.data.upstream?.end();
          sockets.delete(client);
        },
        error(client) {
          client.data.upstream?.end();
        },
      },
    });
  }

  kill(): void {
    this.server?.stop(true);
    this.server = undefined;
    for (const s of this.sockets) s.end();
    this.sockets.clear();
  }
}

/** Deletes a test's keys (every key under `prefix`) from the Redis at `url`. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const { default: Redis } = await import("ioredis");
  const r = new Redis(url);
  const keys = await r.keys(`${prefix}*`);
  if (keys.length) await r.del(...keys);
  await r.quit();
}
