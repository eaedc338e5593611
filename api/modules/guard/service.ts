/** The guard routes' logic: a check through one rail, and the tenant's rail configuration (audited on change). */
import type { GuardConfigView } from "../../guardrails/guard-config-store";
import type { Services } from "../../services";
import type { GuardCheckBody } from "./model";

/** Who made a change, as the audit log records it. */
export interface AuditActor {
  actorKind: "user" | "token" | "widget" | "anonymous";
  actorId: string | null;
  ip?: string | null;
  requestId?: string | null;
}

export type GuardServices = Pick<Services, "guardrails" | "guardConfigs" | "audit">;

export async function checkText(s: GuardServices, tenantId: string, body: GuardCheckBody) {
  const r = await s.guardrails.check(tenantId, body);
  return { allowed: r.allowed, action: r.action, violations: r.violations, layers: r.layers, text: r.text };
}

/** What the audit log keeps of a configuration change: its shape, not the words of the dictionary. */
const changeSummary = (v: GuardConfigView) => ({
  input: v.config.input.enabled,
  retrieval: v.config.retrieval.enabled,
  output: v.config.output.enabled,
  pii: v.config.pii.enabled,
  sensitiveWords: v.config.sensitiveWords.length,
});

export async function putGuardConfig(s: GuardServices, tenantId: string, body: unknown, actor: AuditActor) {
  const v = await s.guardConfigs.put(tenantId, body);
  await s.audit.add({ tenantId, action: "guardrails.update", ...actor, details: changeSummary(v) });
  return v;
}

export async function resetGuardConfig(s: GuardServices, tenantId: string, actor: AuditActor) {
  const v = await s.guardConfigs.reset(tenantId);
  await s.audit.add({ tenantId, action: "guardrails.reset", ...actor, details: changeSummary(v) });
  return v;
}
