/** The API as its own process (`bun run api/server.ts`), for tests and benches that signal or measure it from outside. */
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");

export interface ServerProcess {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe" | "ignore">;
  base: string;
  /** Authorization header of the first admin (ADMIN_USERNAME/ADMIN_PASSWORD set for the process). */
  auth(): Promise<{ authorization: string }>;
}

export const SERVER_ADMIN = { username: "admin", password: "server-process-admin-password" };

/** Starts the server on a free loopback port with DATA_DIR `dir` and no sample KB; resolves once it listens. */
export async function startServerProcess(dir: string, env: Record<string, string> = {}, o: { stderr?: "pipe" | "ignore" } = {}): Promise<ServerProcess> {
  const proc = Bun.spawn([process.execPath, "run", "api/server.ts"], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dir, SAMPLE_KB: "false", PORT: "0", HOST: "127.0.0.1", ADMIN_USERNAME: SERVER_ADMIN.username, ADMIN_PASSWORD: SERVER_ADMIN.password, ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: o.stderr ?? "ignore",
  });
  const reader = proc.stdout.getReader();
  let out = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before listening: ${out}`);
    out += new TextDecoder().decode(value);
    const m = /listening on (http:\/\/[^\s:]+:\d+)/.exec(out);
    if (m) {
      reader.releaseLock();
      void proc.stdout.pipeTo(new WritableStream()).catch(() => {});
      const base = m[1]!;
      let header: Promise<{ authorization: string }> | undefined;
      const auth = () =>
        (header ??= fetch(`${base}/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(SERVER_ADMIN) })
          .then((r) => r.json() as Promise<{ token: string }>)
          .then((j) => ({ authorization: `Bearer ${j.token}` })));
      return { proc, base, auth };
    }
  }
}
