import { t } from "elysia";

export const putPromptBody = t.Object({
  text: t.String({ description: "The new system prompt (not empty; at most MAX_PROMPT_CHARS characters)" }),
  expectedVersion: t.Optional(
    t.Integer({ minimum: 0, description: "When given, the change applies only if the current version is this one (else 409)" }),
  ),
});

export type PutPromptBody = typeof putPromptBody.static;

export const promptResponse = t.Object({
  tenantId: t.String(),
  text: t.String(),
  version: t.Integer({ description: "0 = the built-in default; each change adds one" }),
  isDefault: t.Boolean(),
  templateId: t.String({ description: "The prompt template the system prompt is used in" }),
  updatedAt: t.Union([t.String(), t.Null()]),
  maxChars: t.Integer(),
});
