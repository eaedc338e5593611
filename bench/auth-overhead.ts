/**
 * The cost of authentication per request: POST /v1/search on the sample knowledge base through app.handle (no
 * network; rate limits off, they are not auth), in one process and one run, with (a) a JWT access token, (b) an API token sk_..., and (c) no
 * credential on the same route made public for the run. Phases are interleaved per round so drift hits all alike.
 *
 *   npx bun bench/auth-overhead.ts [--requests 2000] [--rounds 3]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createApp } from "../api/app";
import { ACCESS_POLICY } from "../api/auth/access-policy";
import { createServices } from "../api/services";
import { loadConfig } from "../core/config";
import { summarize, table } from "./lib/metrics";

const { values } = parseArgs({ options: { requests: { type: "string", default: "2000" }, rounds: { type: "string", default: "3" } } });
const N = Number(values.requests);
const ROUNDS = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), "bench-auth-"));
const services = await createServices(loadConfig({ DATA_DIR: dir, SAMPLE_KB: "true", ADMIN_PASSWORD: "bench-admin-password-0", LOG_LEVEL: "warn", RATE_LIMIT_PER_TOKEN: "0", RATE_LIMIT_PER_IP: "0" }), { inMemoryDatabase: true, log: () => {} });
const app = createApp(services);
const jwt = await services.auth.accessToken({ id: "usr_bench", tenantId: services.config.defaultTenant, role: "agent", username: "bench", email: null }, 3600);
const { token: sk } = await services.auth.createApiToken(services.config.defaultTenant, { name: "bench", role: "agent" }, null);
const queries = ["How long do I have to return a laptop?", "Do you ship to Canada?", "What does the warranty cover?", "How do I reset my VoltBook?", "refund to my card"];

async function phase(credential: string | null): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    const res = await app.handle(
      new Request("http://localhost/v1/search", {
        method: "POST",
        headers: { "content-type": "application/json", ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
        body: JSON.stringify({ query: queries[i % queries.length], k: 8 }),
      }),
    );
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    lat.push(performance.now() - t);
  }
  return lat;
}

const rule = ACCESS_POLICY["POST /v1/search"]!;
const samples: Record<string, number[]> = { "JWT access token": [], "API token sk_": [], "no credential (route public)": [] };
await phase(jwt); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  samples["JWT access token"]!.push(...(await phase(jwt)));
  samples["API token sk_"]!.push(...(await phase(sk)));
  ACCESS_POLICY["POST /v1/search"] = "public";
  samples["no credential (route public)"]!.push(...(await phase(null)));
  ACCESS_POLICY["POST /v1/search"] = rule;
}
const base = summarize(samples["no credential (route public)"]!);
const rows = Object.entries(samples).map(([name, s]) => {
  const m = summarize(s);
  return [name, s.length, m.p50.toFixed(3), m.p99.toFixed(3), (m.p50 - base.p50).toFixed(3), (m.p99 - base.p99).toFixed(3)];
});
console.log(table(["credential", "requests", "p50 ms", "p99 ms", "p50 vs none", "p99 vs none"], rows));
console.log(`\nnpx bun bench/auth-overhead.ts --requests ${N} --rounds ${ROUNDS}`);
await services.close();
rmSync(dir, { recursive: true, force: true });
