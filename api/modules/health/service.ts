/**
 * Health as a registry of components. Each component has a name, whether the product is down without it
 * (`critical`), and a check that returns what /v1/health shows about it: extra fields, optionally its own
 * `state` (a generator reports "degraded" when some backends are out). A check that throws or takes longer than
 * the timeout is "down" with the reason. Overall: "down" when a critical component is down, "degraded" when any
 * component is not ok (disabled ones aside), else "ok". A new component joins with one register() call.
 */
import { withTimeout } from "../../../core/timeout";

export type ComponentState = "ok" | "degraded" | "down" | "disabled";

export interface ComponentReport {
  state: ComponentState;
  detail?: string;
  [k: string]: unknown;
}

export interface HealthComponent {
  name: string;
  critical: boolean;
  check(): Promise<Record<string, unknown>> | Record<string, unknown>;
}

export interface Health {
  status: "ok" | "degraded" | "down";
  components: Record<string, ComponentReport>;
}

export class HealthRegistry {
  private readonly components: HealthComponent[] = [];

  constructor(private readonly timeoutMs = 2000) {}

  register(c: HealthComponent): this {
    if (this.components.some((x) => x.name === c.name)) throw new Error(`health component '${c.name}' is registered twice`);
    this.components.push(c);
    return this;
  }

  get names(): string[] {
    return this.components.map((c) => c.name);
  }

  async check(): Promise<Health> {
    const reports = await Promise.all(
      this.components.map(async (c): Promise<[HealthComponent, ComponentReport]> => {
        const t = performance.now();
        try {
          const extra = await withTimeout(Promise.resolve(c.check()), this.timeoutMs, () => new Error(`no answer within ${this.timeoutMs} ms`));
          const state = isState(extra.state) ? extra.state : "ok";
          return [c, { ...extra, state, ...(state === "ok" && !("latencyMs" in extra) ? { latencyMs: Math.round(performance.now() - t) } : {}) }];
        } catch (e) {
          return [c, { state: "down", detail: (e as Error).message }];
        }
      }),
    );
    const components: Record<string, ComponentReport> = {};
    for (const [c, r] of reports) components[c.name] = r;
    const down = reports.some(([c, r]) => c.critical && r.state === "down");
    const degraded = reports.some(([, r]) => r.state === "degraded" || r.state === "down");
    return { status: down ? "down" : degraded ? "degraded" : "ok", components };
  }
}

const isState = (s: unknown): s is ComponentState => s === "ok" || s === "degraded" || s === "down" || s === "disabled";
