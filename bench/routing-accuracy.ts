/**
 * Routing on the project's routing set (bench/data/routing-messages.json: 154 messages written for the sample
 * knowledge base over the five routes, some as follow-ups with the conversation before them): the share sent to
 * the expected route, per route and per half (even indexes / odd indexes; nothing was tuned on either, the intent
 * examples were written before the set), the confusions, and the route stage's latency (understand + route, the
 * prepare stages, as POST /v1/route runs them).
 *
 *   npx bun bench/routing-accuracy.ts [--verbose]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../core/config";
import { createServices } from "../api/services";
import { newContext, type HistoryTurn, type Route } from "../api/pipeline/stage";
import { summarize, table } from "./lib/metrics";

interface M {
  message: string;
  route: Route;
  history?: HistoryTurn[];
}
const set = JSON.parse(readFileSync(resolve(import.meta.dir, "data/routing-messages.json"), "utf8")) as M[];
const dir = mkdtempSync(join(tmpdir(), "bench-routing-"));
const services = await createServices(loadConfig({ DATA_DIR: dir }), { inMemoryDatabase: true, sampleKb: true, log: () => {} });
const tenantId = services.config.defaultTenant;
const verbose = process.argv.includes("--verbose");

// Warm: the classifier trains on the first message.
await services.answerPipeline.prepare(newContext({ tenantId, content: "hello" }));

type R = { m: M; i: number; got: Route; intent?: string; reason?: string; routeMs: number; prepareMs: number };
const rows: R[] = [];
for (const [i, m] of set.entries()) {
  const ctx = newContext({ tenantId, content: m.message, history: m.history ?? [] });
  const t = performance.now();
  await services.answerPipeline.prepare(ctx);
  rows.push({ m, i, got: ctx.route, intent: ctx.meta.intent, reason: ctx.meta.routeReason, routeMs: ctx.timings.route ?? NaN, prepareMs: performance.now() - t });
}

const ROUTES: Route[] = ["answer", "tool", "ticket", "handoff", "clarify"];
const share = (xs: R[]) => `${xs.filter((r) => r.got === r.m.route).length}/${xs.length} (${((xs.filter((r) => r.got === r.m.route).length / Math.max(1, xs.length)) * 100).toFixed(1)}%)`;
const halves: [string, R[]][] = [["even", rows.filter((r) => r.i % 2 === 0)], ["odd", rows.filter((r) => r.i % 2 === 1)], ["all", rows]];
console.log(`\nRouting set: ${rows.length} messages (${rows.filter((r) => r.m.history).length} follow-ups), sample knowledge base, default intents\n`);
console.log(table(["expected route", ...halves.map(([n]) => n)], [...ROUTES.map((route) => [route, ...halves.map(([, xs]) => share(xs.filter((r) => r.m.route === route)))]), ["all routes", ...halves.map(([, xs]) => share(xs))]]));
console.log(`\nConfusions (expected -> got):\n`);
const conf = new Map<string, number>();
for (const r of rows) if (r.got !== r.m.route) conf.set(`${r.m.route} -> ${r.got}`, (conf.get(`${r.m.route} -> ${r.got}`) ?? 0) + 1);
console.log(table(["confusion", "messages"], [...conf].sort((a, b) => b[1] - a[1])));
const route = summarize(rows.map((r) => r.routeMs).filter(Number.isFinite));
const prep = summarize(rows.map((r) => r.prepareMs));
console.log(`\nLatency per message (in process, the sentence encoder in its worker):\n`);
console.log(table(["", "p50 ms", "p99 ms"], [["route stage", route.p50, route.p99], ["understand + route (prepare stages)", prep.p50, prep.p99]]));
if (verbose) for (const r of rows.filter((r) => r.got !== r.m.route)) console.log(`- [${r.m.route} -> ${r.got}] ${r.m.message} (${r.intent}, ${r.reason})`);
console.log(`\ncommand: npx bun bench/routing-accuracy.ts${verbose ? " --verbose" : ""}`);
await services.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
