import { t } from "elysia";

const id = t.String({ minLength: 1, maxLength: 200 });

export const createConversationBody = t.Optional(
  t.Object({
    sourceType: t.Optional(t.String({ minLength: 1, maxLength: 64, description: "Where the conversation comes from, e.g. web, email, whatsapp" })),
    sourceId: t.Optional(t.String({ minLength: 1, maxLength: 200, description: "The id of the conversation in that source" })),
    // Checked by the service (a JSON object of at most 16 KB): t.Record would coerce a string into an object.
    metadata: t.Optional(t.Unknown({ description: "Free-form JSON object (at most 16 KB)" })),
  }),
);

export const listConversationsQuery = t.Object({
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, default: 50 })),
  offset: t.Optional(t.Integer({ minimum: 0, default: 0 })),
  sourceType: t.Optional(t.String({ maxLength: 64 })),
  sourceId: t.Optional(t.String({ maxLength: 200 })),
});

export const conversationParams = t.Object({ id });
export const messageParams = t.Object({ id, messageId: id });

export const messageBody = t.Object({
  content: t.String({ description: "The customer's message (not empty; at most MAX_MESSAGE_CHARS characters)" }),
});

export const resumeQuery = t.Object({
  lastEventId: t.Optional(t.String({ description: "Id of the last event received (the Last-Event-ID header takes precedence)" })),
  access_token: t.Optional(t.String({ description: "The credential, for clients that cannot set an Authorization header (EventSource)" })),
});

export type CreateConversationBody = Omit<NonNullable<typeof createConversationBody.static>, "metadata"> & { metadata?: unknown };
export type ListConversationsQuery = typeof listConversationsQuery.static;
