/**
 * Webhooks must never hold up a request: PATCH /v1/tickets/:id latency (in process through app.handle, sequential)
 * for four tenants whose one receiver is (a) absent, (b) a fast local receiver, (c) a receiver that never answers
 * (each attempt runs into WEBHOOK_TIMEOUT_MS), (d) an address nothing listens on. The cases are interleaved per
 * round in one run; the ratio to (a) is the figure. Then the sender's throughput to the fast receiver: D events
 * emitted at once, time until every delivery is recorded delivered, while the hanging and down receivers' backlog
 * from the first part is still being retried by the same sender.
 *
 *   bun run bench/webhooks.ts [--requests 300] [--rounds 3] [--deliveries 2000]   (DATABASE_URL: PostgreSQL, else PGlite in memory)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createApp } from "../api/app";
import { createServices } from "../api/services";
import { loadConfig } from "../core/config";
import { summarize, table } from "./lib/metrics";

const { values } = parseArgs({ options: { requests: { type: "string", default: "300" }, rounds: { type: "string", default: "3" }, deliveries: { type: "string", default: "2000" } } });
const N = Number(values.requests);
const ROUNDS = Number(values.rounds);
const D = Number(values.deliveries);
const PORTS = { fast: 18410, hang: 18411, down: 18412 };

const fast = Bun.serve({ port: PORTS.fast, hostname: "127.0.0.1", fetch: async (req) => (await req.text(), new Response("ok")) });
const held: (() => void)[] = [];
const hang = Bun.serve({ port: PORTS.hang, hostname: "127.0.0.1", fetch: () => new Promise<Response>((r) => held.push(() => r(new Response("late")))) });

const dir = mkdtempSync(join(tmpdir(), "cs-bench-webhooks-"));
const schema = `bench_wh_${Date.now().toString(36)}`;
const config = loadConfig({
  DATA_DIR: dir,
  SAMPLE_KB: "false",
  LOG_LEVEL: "error",
  SENTENCE_ENCODER: "off",
  RATE_LIMIT_PER_IP: "0",
  RATE_LIMIT_PER_TOKEN: "0",
  URL_FETCH_ALLOWED_HOSTS: "127.0.0.1",
  WEBHOOK_TIMEOUT_MS: "5000",
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
});
const services = await createServices(config, { inMemoryDatabase: !process.env.DATABASE_URL, searchPath: process.env.DATABASE_URL ? schema : undefined, sampleKb: false, log: () => {} });
const app = createApp(services);

const CASES = ["no receiver", "fast receiver", "receiver never answers", "receiver down"] as const;
type Case = (typeof CASES)[number];
const urls: Record<Case, string | null> = {
  "no receiver": null,
  "fast receiver": `http://127.0.0.1:${PORTS.fast}/hook`,
  "receiver never answers": `http://127.0.0.1:${PORTS.hang}/hook`,
  "receiver down": `http://127.0.0.1:${PORTS.down}/hook`,
};

const setup = new Map<Case, { token: string; ticket: string; tenantId: string; hook?: string }>();
for (const [i, c] of CASES.entries()) {
  const tenantId = `bench-${i}`;
  await services.auth.accounts.ensureTenant(tenantId, c);
  const token = await services.auth.accessToken({ id: `usr_bench_${i}`, tenantId, role: "admin", username: "bench", email: null }, 3600);
  const req = (method: string, path: string, body: unknown) =>
    app.handle(new Request(`http://local${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) })).then((r) => r.json() as Promise<Record<string, any>>);
  const hook = urls[c] ? (await req("POST", "/v1/admin/webhooks", { url: urls[c], events: ["ticket.created", "ticket.updated"] })).id : undefined;
  const ticket = (await req("POST", "/v1/tickets", { subject: "Bench", summary: "Latency of a change", category: "bench" })).id as string;
  setup.set(c, { token, ticket, tenantId, hook });
}

const samples = new Map<Case, number[]>(CASES.map((c) => [c, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const c of CASES) {
    const { token, ticket } = setup.get(c)!;
    for (let i = 0; i < N; i++) {
      const body = JSON.stringify({ priority: i % 2 ? "normal" : "high" });
      const t0 = performance.now();
      const res = await app.handle(new Request(`http://local/v1/tickets/${ticket}`, { method: "PATCH", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body }));
      await res.text();
      samples.get(c)!.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`PATCH answered ${res.status}`);
    }
  }
}
const base = summarize(samples.get("no receiver")!);
const rows = CASES.map((c) => {
  const s = summarize(samples.get(c)!);
  return [c, samples.get(c)!.length, s.p50, s.p99, s.p50 / base.p50, s.p99 / base.p99];
});

// Throughput to the fast receiver while the other two receivers' backlog is still in the same sender.
const log = (c: Case, status?: "pending" | "delivered" | "failed") =>
  services.webhooks.repo.deliveries({ tenantId: setup.get(c)!.tenantId, receiverId: setup.get(c)!.hook!, status, limit: 1, offset: 0 }).then((r) => r.total);
const backlog = { hang: await log("receiver never answers", "pending"), down: await log("receiver down", "pending") };
const deliveredBefore = await log("fast receiver", "delivered");
const t0 = performance.now();
await Promise.all(Array.from({ length: D }, (_, i) => services.webhooks.emit(setup.get("fast receiver")!.tenantId, "ticket.updated", { ticket: { id: `bench-${i}` } })));
const emitted = performance.now() - t0;
while ((await log("fast receiver", "delivered")) < deliveredBefore + D) await Bun.sleep(20);
const seconds = (performance.now() - t0) / 1000;

const db = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite (in memory)";
console.log(`\nPATCH /v1/tickets/:id, sequential, ${N} per case per round x ${ROUNDS} rounds interleaved, ${db}; each PATCH emits ticket.updated\n`);
console.log(table(["receiver of the tenant", "requests", "p50 ms", "p99 ms", "p50 vs none", "p99 vs none"], rows));
console.log(`\nDelivery throughput to the fast receiver (${db}), with ${backlog.hang} pending deliveries to the never-answering receiver and ${backlog.down} to the down one in the same sender\n`);
console.log(table(["deliveries", "emit (all stored) s", "all delivered s", "deliveries/s"], [[D, emitted / 1000, seconds, D / seconds]]));
console.log(`\ncommand: bun run bench/webhooks.ts --requests ${N} --rounds ${ROUNDS} --deliveries ${D}${process.env.DATABASE_URL ? " (DATABASE_URL set)" : ""}`);

held.splice(0).forEach((r) => r());
fast.stop(true);
hang.stop(true);
if (process.env.DATABASE_URL) await services.stores.database.db.execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
await services.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
