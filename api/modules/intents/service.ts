/**
 * The tenant's intents as data (admin CRUD): validated here, stored by the intent repository (one versioned set
 * per tenant; the defaults until the first change), and the router told to retrain. Names are lower-case
 * identifiers; "other" is reserved for messages no intent covers.
 */
import { errors } from "../../../core/errors";
import type { IntentRecord, IntentRepository } from "../../../core/db/intent-repository";
import { DEFAULT_INTENTS, OUT_OF_SCOPE } from "../../routing/default-intents";
import type { IntentRouter } from "../../routing/intent-router";
import { ROUTES } from "../../pipeline/stage";

export const MAX_INTENTS = 200;
export const MAX_EXAMPLES = 500;
const MAX_TEXT = 500;
const NAME = /^[a-z][a-z0-9_]{0,63}$/;

export interface IntentInput {
  name?: string;
  description?: string;
  route?: string;
  examples?: string[];
  threshold?: number | null;
  reply?: string | null;
}

function check(i: IntentInput, creating: boolean): void {
  if (creating || i.name !== undefined) {
    if (!i.name || !NAME.test(i.name)) throw errors.invalid("INVALID_INTENT_NAME", "name must be a lower-case identifier (a-z, 0-9, _; at most 64 characters, starting with a letter)");
    if (i.name === OUT_OF_SCOPE) throw errors.invalid("RESERVED_INTENT_NAME", `"${OUT_OF_SCOPE}" is the name of messages no intent covers`);
  }
  if ((creating || i.route !== undefined) && !(ROUTES as readonly string[]).includes(i.route ?? "")) {
    throw errors.invalid("UNKNOWN_ROUTE", `route must be one of ${ROUTES.join(", ")}; got ${JSON.stringify(i.route ?? null)}`);
  }
  if (creating || i.examples !== undefined) {
    const xs = i.examples ?? [];
    if (!xs.length || xs.length > MAX_EXAMPLES) throw errors.invalid("INVALID_EXAMPLES", `an intent needs 1 to ${MAX_EXAMPLES} examples`);
    if (xs.some((x) => !x.trim() || x.length > MAX_TEXT)) throw errors.invalid("INVALID_EXAMPLES", `every example must be non-empty text of at most ${MAX_TEXT} characters`);
  }
  if (i.description !== undefined && i.description.length > MAX_TEXT) throw errors.invalid("INVALID_DESCRIPTION", `description is at most ${MAX_TEXT} characters`);
  if (i.reply != null && (!i.reply.trim() || i.reply.length > 2000)) throw errors.invalid("INVALID_REPLY", "reply must be non-empty text of at most 2000 characters");
  if (i.threshold != null && !(i.threshold >= 0 && i.threshold <= 1)) throw errors.invalid("INVALID_THRESHOLD", "threshold must be between 0 and 1");
}

const clean = (xs: string[]) => [...new Set(xs.map((x) => x.trim()))];

export class IntentService {
  constructor(
    private readonly repo: IntentRepository,
    private readonly router?: Pick<IntentRouter, "invalidate">,
  ) {}

  list(tenantId: string) {
    return this.repo.get(tenantId, DEFAULT_INTENTS);
  }

  async get(tenantId: string, name: string): Promise<IntentRecord> {
    const found = (await this.list(tenantId)).intents.find((i) => i.name === name);
    if (!found) throw errors.notFound("intent", name);
    return found;
  }

  async create(tenantId: string, input: IntentInput): Promise<IntentRecord> {
    check(input, true);
    const now = new Date().toISOString();
    const { result } = await this.repo.update(tenantId, DEFAULT_INTENTS, (intents) => {
      if (intents.some((i) => i.name === input.name)) throw errors.conflict("INTENT_EXISTS", `an intent named "${input.name}" exists`);
      if (intents.length >= MAX_INTENTS) throw errors.invalid("TOO_MANY_INTENTS", `a tenant has at most ${MAX_INTENTS} intents`);
      const created: IntentRecord = {
        name: input.name!,
        description: input.description ?? "",
        route: input.route!,
        examples: clean(input.examples!),
        ...(input.threshold != null ? { threshold: input.threshold } : {}),
        ...(input.reply != null ? { reply: input.reply } : {}),
        createdAt: now,
        updatedAt: now,
      };
      return { intents: [...intents, created], result: created };
    });
    this.router?.invalidate(tenantId);
    return result;
  }

  async update(tenantId: string, name: string, patch: IntentInput): Promise<IntentRecord> {
    check(patch, false);
    const { result } = await this.repo.update(tenantId, DEFAULT_INTENTS, (intents) => {
      const at = intents.findIndex((i) => i.name === name);
      if (at < 0) throw errors.notFound("intent", name);
      if (patch.name !== undefined && patch.name !== name && intents.some((i) => i.name === patch.name)) throw errors.conflict("INTENT_EXISTS", `an intent named "${patch.name}" exists`);
      const { threshold: _t, reply: _r, ...before } = intents[at]!;
      const threshold = patch.threshold === undefined ? intents[at]!.threshold : patch.threshold ?? undefined;
      const reply = patch.reply === undefined ? intents[at]!.reply : patch.reply ?? undefined;
      const updated: IntentRecord = {
        ...before,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.route !== undefined ? { route: patch.route } : {}),
        ...(patch.examples !== undefined ? { examples: clean(patch.examples) } : {}),
        ...(threshold !== undefined ? { threshold } : {}),
        ...(reply !== undefined ? { reply } : {}),
        updatedAt: new Date().toISOString(),
      };
      const next = [...intents];
      next[at] = updated;
      return { intents: next, result: updated };
    });
    this.router?.invalidate(tenantId);
    return result;
  }

  async remove(tenantId: string, name: string): Promise<void> {
    await this.repo.update(tenantId, DEFAULT_INTENTS, (intents) => {
      if (!intents.some((i) => i.name === name)) throw errors.notFound("intent", name);
      return { intents: intents.filter((i) => i.name !== name), result: undefined };
    });
    this.router?.invalidate(tenantId);
  }

  async reset(tenantId: string) {
    await this.repo.reset(tenantId);
    this.router?.invalidate(tenantId);
    return this.list(tenantId);
  }
}
