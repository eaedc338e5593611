/**
 * Per-tenant guardrail configuration in kb_state (key "guardrails"), validated on write (guard-config.ts).
 * current() is read on every message: each tenant's configuration is cached for cacheTtlMs (default 5 s), and a
 * change through this store is visible at once in this process (other replicas within the TTL).
 */
import type { KbStateRepository } from "../../core/db/kb-state-repository";
import { errors } from "../../core/errors";
import { DEFAULT_GUARD_CONFIG, validateGuardConfig, type GuardConfig } from "./guard-config";

export const GUARD_CONFIG_KEY = "guardrails";

type KbState = Pick<KbStateRepository, "get" | "set" | "delete">;

export interface GuardConfigView {
  tenantId: string;
  config: GuardConfig;
  isDefault: boolean;
  updatedAt: string | null;
}

interface Stored {
  config: unknown;
  updatedAt: string;
}

export class GuardConfigStore {
  private readonly cache = new Map<string, { view: GuardConfigView; at: number }>();

  constructor(
    private readonly kbState: KbState,
    private readonly o: { cacheTtlMs?: number; now?: () => number } = {},
  ) {}

  private now() {
    return (this.o.now ?? Date.now)();
  }

  async get(tenantId: string): Promise<GuardConfigView> {
    const stored = await this.kbState.get<Stored>(tenantId, GUARD_CONFIG_KEY);
    let view: GuardConfigView = { tenantId, config: DEFAULT_GUARD_CONFIG, isDefault: true, updatedAt: null };
    if (stored && typeof stored === "object" && stored.config) {
      try {
        view = { tenantId, config: validateGuardConfig(stored.config), isDefault: false, updatedAt: stored.updatedAt ?? null };
      } catch {
        // A stored configuration that no longer validates (an older release's): the defaults apply.
      }
    }
    this.cache.set(tenantId, { view, at: this.now() });
    return view;
  }

  async current(tenantId: string): Promise<GuardConfig> {
    const hit = this.cache.get(tenantId);
    if (hit && this.now() - hit.at < (this.o.cacheTtlMs ?? 5000)) return hit.view.config;
    return (await this.get(tenantId)).config;
  }

  /** Replaces the configuration (fields left out take the defaults); 422 GUARD_CONFIG_INVALID names the bad field. */
  async put(tenantId: string, body: unknown): Promise<GuardConfigView> {
    const sections = ["input", "pii", "retrieval", "output", "sensitiveWords"];
    if (typeof body !== "object" || body === null || Array.isArray(body) || !sections.some((k) => k in body)) {
      // An empty (or emptied: unknown fields are dropped) body would silently reset everything: DELETE does that.
      throw errors.invalid("GUARD_CONFIG_EMPTY", `the configuration names none of ${sections.join(", ")}; DELETE /v1/admin/guardrails restores the defaults`);
    }
    const config = validateGuardConfig(body);
    const updatedAt = new Date(this.now()).toISOString();
    await this.kbState.set(tenantId, GUARD_CONFIG_KEY, { config, updatedAt });
    const view = { tenantId, config, isDefault: false, updatedAt };
    this.cache.set(tenantId, { view, at: this.now() });
    return view;
  }

  async reset(tenantId: string): Promise<GuardConfigView> {
    await this.kbState.delete(tenantId, GUARD_CONFIG_KEY);
    const view = { tenantId, config: DEFAULT_GUARD_CONFIG, isDefault: true, updatedAt: null };
    this.cache.set(tenantId, { view, at: this.now() });
    return view;
  }
}
