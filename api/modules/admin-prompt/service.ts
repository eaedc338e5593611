/**
 * The admin-editable system prompt of the LLM answer stage, stored per tenant in kb_state (key
 * "system_prompt") with a version that increments on each change. Version 0 is the built-in default
 * (DEFAULT_SYSTEM_PROMPT); a tenant that never changed it reads that. Writes are serialised per tenant in this
 * process and may be guarded with expectedVersion (409 on mismatch); replicas writing at the same instant can
 * still race (last write wins), which an admin-only endpoint tolerates.
 *
 * current() is what the generator calls on every answer: it caches each tenant's prompt for cacheTtlMs
 * (default 5 s), and a change through this store is visible at once in this process.
 */
import { errors } from "../../../core/errors";
import type { KbStateRepository } from "../../../core/db/kb-state-repository";
import { ANSWER_TEMPLATE_ID, DEFAULT_PROMPT, type SystemPrompt } from "../../pipeline/prompt-template";

export const SYSTEM_PROMPT_KEY = "system_prompt";
export const MAX_PROMPT_CHARS = 8000;

interface StoredValue {
  text: string;
  version: number;
  updatedAt: string;
}

export interface PromptView {
  tenantId: string;
  text: string;
  version: number;
  isDefault: boolean;
  templateId: string;
  updatedAt: string | null;
  maxChars: number;
}

export interface SystemPromptStoreOptions {
  cacheTtlMs?: number;
  maxChars?: number;
  now?: () => number;
}

type KbState = Pick<KbStateRepository, "get" | "set">;

const isStored = (v: unknown): v is StoredValue =>
  typeof v === "object" && v !== null && typeof (v as StoredValue).text === "string" && Number.isInteger((v as StoredValue).version);

export class SystemPromptStore {
  private readonly cache = new Map<string, { prompt: SystemPrompt; at: number }>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly ttl: number;
  readonly maxChars: number;
  private readonly now: () => number;

  constructor(private readonly kbState: KbState, opts: SystemPromptStoreOptions = {}) {
    this.ttl = opts.cacheTtlMs ?? 5000;
    this.maxChars = opts.maxChars ?? MAX_PROMPT_CHARS;
    this.now = opts.now ?? Date.now;
  }

  async get(tenantId: string): Promise<PromptView> {
    const stored = await this.kbState.get<unknown>(tenantId, SYSTEM_PROMPT_KEY);
    const view = this.view(tenantId, isStored(stored) ? stored : null);
    this.cache.set(tenantId, { prompt: { text: view.text, version: view.version }, at: this.now() });
    return view;
  }

  /** The prompt in force (cached for cacheTtlMs). */
  async current(tenantId: string): Promise<SystemPrompt> {
    const hit = this.cache.get(tenantId);
    if (hit && this.now() - hit.at < this.ttl) return hit.prompt;
    const v = await this.get(tenantId);
    return { text: v.text, version: v.version };
  }

  /** Replaces the prompt; the same text again is not a change (version unchanged). */
  async put(tenantId: string, text: unknown, expectedVersion?: number): Promise<PromptView> {
    const clean = this.validate(text);
    if (expectedVersion !== undefined && (!Number.isInteger(expectedVersion) || expectedVersion < 0)) {
      throw errors.invalid("PROMPT_VERSION_INVALID", "expectedVersion must be a whole number >= 0");
    }
    return this.serial(tenantId, async () => {
      const stored = await this.kbState.get<unknown>(tenantId, SYSTEM_PROMPT_KEY);
      const current = isStored(stored) ? stored : null;
      const version = current?.version ?? DEFAULT_PROMPT.version;
      if (expectedVersion !== undefined && expectedVersion !== version) {
        throw errors.conflict("PROMPT_VERSION_CONFLICT", `the system prompt is at version ${version}, not ${expectedVersion}; reload it and try again`);
      }
      const currentText = current?.text ?? DEFAULT_PROMPT.text;
      if (currentText === clean) return this.view(tenantId, current);
      const next: StoredValue = { text: clean, version: version + 1, updatedAt: new Date(this.now()).toISOString() };
      await this.kbState.set(tenantId, SYSTEM_PROMPT_KEY, next);
      this.cache.set(tenantId, { prompt: { text: next.text, version: next.version }, at: this.now() });
      return this.view(tenantId, next);
    });
  }

  private validate(text: unknown): string {
    if (typeof text !== "string") throw errors.invalid("PROMPT_INVALID", "text must be a string");
    const clean = text.replace(/\r\n?/g, "\n").trim();
    if (!clean) throw errors.invalid("PROMPT_EMPTY", "the system prompt must not be empty");
    if (clean.length > this.maxChars) {
      throw errors.invalid("PROMPT_TOO_LONG", `the system prompt has ${clean.length} characters; at most ${this.maxChars} are allowed`, { maxChars: this.maxChars });
    }
    return clean;
  }

  private view(tenantId: string, stored: StoredValue | null): PromptView {
    return {
      tenantId,
      text: stored?.text ?? DEFAULT_PROMPT.text,
      version: stored?.version ?? DEFAULT_PROMPT.version,
      isDefault: stored === null,
      templateId: ANSWER_TEMPLATE_ID,
      updatedAt: stored?.updatedAt ?? null,
      maxChars: this.maxChars,
    };
  }

  private async serial<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(tenantId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => {});
    this.locks.set(tenantId, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(tenantId) === tail) this.locks.delete(tenantId);
    }
  }
}

const stores = new WeakMap<KbState, SystemPromptStore>();

/** The one store per kb_state repository, shared by the admin routes and the generator (one cache). */
export function systemPromptStore(kbState: KbState): SystemPromptStore {
  let s = stores.get(kbState);
  if (!s) stores.set(kbState, (s = new SystemPromptStore(kbState)));
  return s;
}
