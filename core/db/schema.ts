/**
 * The relational schema. Every table carries tenant_id from the start (one default tenant for now) and every
 * query filters by it, so accounts and tenants can arrive without migrating each store.
 */
import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, real, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

const now = () => timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow();

export const documents = pgTable(
  "documents",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    title: text().notNull(),
    /** Identity of the document within a tenant: file path/name, URL, or caller-given key. */
    source: text().notNull(),
    sourceType: text().notNull(), // file | upload | url | text
    mimeType: text().notNull(),
    format: text().notNull(), // pdf | markdown | html | text | json | csv
    docType: text().notNull(),
    tags: jsonb().$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    contentHash: text().notNull(),
    /** Active version: readers see only chunks of this version. */
    version: integer().notNull(),
    pageCount: integer(),
    chunkCount: integer().notNull(),
    recordCount: integer().notNull().default(0),
    bytes: integer().notNull(),
    /** Extracted full text; chunk offsets point into it. */
    content: text().notNull(),
    metadata: jsonb().$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: now(),
    updatedAt: now(),
  },
  (t) => [
    uniqueIndex("documents_tenant_source_uq").on(t.tenantId, t.source),
    index("documents_tenant_doc_type_idx").on(t.tenantId, t.docType),
  ],
);

export const chunks = pgTable(
  "chunks",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    documentId: text().notNull(),
    version: integer().notNull(),
    ordinal: integer().notNull(),
    text: text().notNull(),
    page: integer(),
    pageEnd: integer(),
    sectionPath: jsonb().$type<string[]>().notNull(),
    charStart: integer().notNull(),
    charEnd: integer().notNull(),
    tokenCount: integer().notNull(),
    createdAt: now(),
  },
  (t) => [index("chunks_tenant_doc_version_idx").on(t.tenantId, t.documentId, t.version)],
);

/** Structured rows (CSV) kept for tool lookups such as order status. */
export const records = pgTable(
  "records",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    documentId: text().notNull(),
    version: integer().notNull(),
    collection: text().notNull(),
    key: text(),
    rowNumber: integer().notNull(),
    data: jsonb().$type<Record<string, string>>().notNull(),
  },
  (t) => [
    index("records_tenant_collection_key_idx").on(t.tenantId, t.collection, t.key),
    index("records_tenant_doc_version_idx").on(t.tenantId, t.documentId, t.version),
    // The verified order lookup finds a row by key in any personal collection, case-insensitively.
    index("records_tenant_upper_key_idx").on(t.tenantId, sql`upper(${t.key})`),
  ],
);

export const ingestionJobs = pgTable(
  "ingestion_jobs",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    status: text().notNull(), // queued | running | succeeded | unchanged | failed
    source: text().notNull(),
    title: text(),
    documentId: text(),
    errorCode: text(),
    errorMessage: text(),
    progress: jsonb().$type<{ stage: string; done: number; total: number }>(),
    result: jsonb().$type<Record<string, unknown>>(),
    createdAt: now(),
    startedAt: timestamp({ withTimezone: true, mode: "date" }),
    finishedAt: timestamp({ withTimezone: true, mode: "date" }),
  },
  (t) => [index("ingestion_jobs_tenant_created_idx").on(t.tenantId, t.createdAt)],
);

export const conversations = pgTable(
  "conversations",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    sourceType: text(),
    sourceId: text(),
    /** Who opened it: "user:<id>", "widget:<session>", "token:<id>"; customers see only their own. */
    ownerId: text(),
    status: text().notNull().default("open"),
    metadata: jsonb().$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** The assistant message being answered; with lockedUntil, a lease that keeps answers of one conversation apart. */
    activeMessageId: text(),
    lockedUntil: timestamp({ withTimezone: true, mode: "date" }),
    createdAt: now(),
    updatedAt: now(),
  },
  (t) => [index("conversations_tenant_updated_idx").on(t.tenantId, t.updatedAt)],
);

export const messages = pgTable(
  "messages",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    conversationId: text().notNull(),
    role: text().notNull(), // user | assistant | system
    content: text().notNull(),
    status: text().notNull().default("complete"), // complete | partial | streaming | failed
    citations: jsonb().$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
    decision: text(),
    confidence: real(),
    timings: jsonb().$type<Record<string, number>>(),
    metadata: jsonb().$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: now(),
  },
  (t) => [index("messages_tenant_conversation_created_idx").on(t.tenantId, t.conversationId, t.createdAt)],
);

/** Ratings of assistant messages (thumbs up/down with an optional comment). */
export const messageFeedback = pgTable(
  "message_feedback",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    messageId: text().notNull(),
    conversationId: text().notNull(),
    rating: text().notNull(), // up | down
    comment: text(),
    createdAt: now(),
  },
  (t) => [index("message_feedback_tenant_message_idx").on(t.tenantId, t.messageId)],
);

/** Small per-tenant state: fitted embedder parameters, knowledge-base version counter. */
export const kbState = pgTable(
  "kb_state",
  {
    tenantId: text().notNull(),
    key: text().notNull(),
    value: jsonb().$type<unknown>().notNull(),
    updatedAt: now(),
  },
  (t) => [uniqueIndex("kb_state_tenant_key_uq").on(t.tenantId, t.key)],
);

/** Tenants: every other row carries one of these ids. The default tenant (DEFAULT_TENANT) is created at start. */
export const tenants = pgTable("tenants", {
  id: text().primaryKey(),
  name: text().notNull(),
  createdAt: now(),
});

/** Accounts: customers (linked to their orders by email), agents and admins of one tenant. */
export const users = pgTable(
  "users",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    username: text().notNull(),
    /** Bun.password argon2id hash. */
    passwordHash: text().notNull(),
    role: text().notNull(), // customer | agent | admin
    email: text(),
    disabled: integer().notNull().default(0),
    lastLoginAt: timestamp({ withTimezone: true, mode: "date" }),
    createdAt: now(),
    updatedAt: now(),
  },
  (t) => [uniqueIndex("users_tenant_username_uq").on(t.tenantId, t.username)],
);

/** Rotating refresh tokens: one row per issued token; a family is one login. Only the hash is stored. */
export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    userId: text().notNull(),
    familyId: text().notNull(),
    tokenHash: text().notNull(),
    expiresAt: timestamp({ withTimezone: true, mode: "date" }).notNull(),
    usedAt: timestamp({ withTimezone: true, mode: "date" }),
    revokedAt: timestamp({ withTimezone: true, mode: "date" }),
    createdAt: now(),
  },
  (t) => [index("refresh_tokens_family_idx").on(t.familyId), index("refresh_tokens_user_idx").on(t.tenantId, t.userId)],
);

/** API tokens `sk_...`: scoped to a tenant and a role, stored as a hash, revocable, with last-used time. */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    name: text().notNull(),
    /** The first characters of the token, shown in listings so an admin can tell tokens apart. */
    prefix: text().notNull(),
    tokenHash: text().notNull(),
    role: text().notNull(),
    createdBy: text(),
    expiresAt: timestamp({ withTimezone: true, mode: "date" }),
    lastUsedAt: timestamp({ withTimezone: true, mode: "date" }),
    revokedAt: timestamp({ withTimezone: true, mode: "date" }),
    createdAt: now(),
  },
  (t) => [uniqueIndex("api_tokens_hash_uq").on(t.tokenHash), index("api_tokens_tenant_idx").on(t.tenantId, t.createdAt)],
);

/** Who did what: logins, failed logins, admin, document, prompt and token changes. */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    at: now(),
    action: text().notNull(),
    actorKind: text().notNull(), // user | token | widget | anonymous | system
    actorId: text(),
    target: text(),
    ip: text(),
    requestId: text(),
    details: jsonb().$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index("audit_events_tenant_at_idx").on(t.tenantId, t.at), index("audit_events_tenant_action_idx").on(t.tenantId, t.action, t.at)],
);

/** Support tickets: per-tenant numbers (shown as "#1042"), a status workflow, history in ticket_events. */
export const tickets = pgTable(
  "tickets",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    /** Per-tenant sequence from ticket_sequences; what the customer is told. */
    number: integer().notNull(),
    status: text().notNull(), // open | pending | solved | closed
    priority: text().notNull(), // low | normal | high | urgent
    category: text().notNull(),
    subject: text().notNull(),
    summary: text().notNull(),
    /** A user (agent or admin) of the tenant. */
    assigneeId: text(),
    tags: jsonb().$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    conversationId: text(),
    requesterOwnerId: text(),
    requesterEmail: text(),
    source: text().notNull(), // chat | api | agent
    createdAt: now(),
    updatedAt: now(),
    solvedAt: timestamp({ withTimezone: true, mode: "date" }),
    closedAt: timestamp({ withTimezone: true, mode: "date" }),
  },
  (t) => [
    uniqueIndex("tickets_tenant_number_uq").on(t.tenantId, t.number),
    // Lists are newest first, i.e. by number descending (the unique index above serves the unfiltered list).
    index("tickets_tenant_status_number_idx").on(t.tenantId, t.status, t.number),
    index("tickets_tenant_conversation_idx").on(t.tenantId, t.conversationId),
  ],
);

/** The last ticket number given out per tenant (one row per tenant, incremented atomically). */
export const ticketSequences = pgTable("ticket_sequences", {
  tenantId: text().primaryKey(),
  lastNumber: integer().notNull(),
});

/** A ticket's history: created, status, assignment, priority, tags, internal note, public reply, approved answer. */
export const ticketEvents = pgTable(
  "ticket_events",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    ticketId: text().notNull(),
    kind: text().notNull(), // created | status | assignment | priority | tags | note | reply | answer_approved
    actorKind: text().notNull(), // user | token | widget | anonymous | system
    actorId: text(),
    data: jsonb().$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    at: now(),
  },
  (t) => [index("ticket_events_tenant_ticket_at_idx").on(t.tenantId, t.ticketId, t.at)],
);

/** Outbound webhook receivers of a tenant: where events go and the HMAC secret they are signed with. */
export const webhookReceivers = pgTable(
  "webhook_receivers",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    url: text().notNull(),
    events: jsonb().$type<string[]>().notNull(),
    /** HMAC-SHA256 key; shown to the admin once at creation, needed in the clear to sign. */
    secret: text().notNull(),
    active: integer().notNull().default(1),
    createdBy: text(),
    createdAt: now(),
    updatedAt: now(),
  },
  (t) => [index("webhook_receivers_tenant_idx").on(t.tenantId, t.createdAt)],
);

/** One event for one receiver: the body exactly as signed, attempts, the next try, the last outcome. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text().primaryKey(),
    tenantId: text().notNull(),
    receiverId: text().notNull(),
    eventId: text().notNull(),
    eventType: text().notNull(),
    body: text().notNull(),
    status: text().notNull(), // pending | delivered | failed
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true, mode: "date" }).notNull(),
    /** A sender's claim on the delivery while it runs; a claim past this time is free again (crash, restart). */
    lockedUntil: timestamp({ withTimezone: true, mode: "date" }),
    lastStatusCode: integer(),
    lastError: text(),
    createdAt: now(),
    updatedAt: now(),
    deliveredAt: timestamp({ withTimezone: true, mode: "date" }),
  },
  (t) => [
    index("webhook_deliveries_status_next_idx").on(t.status, t.nextAttemptAt),
    index("webhook_deliveries_tenant_receiver_created_idx").on(t.tenantId, t.receiverId, t.createdAt),
  ],
);

/**
 * The entity graph of the embedded graph store (graph/relational-graph-store.ts). Mentions and relations belong to
 * one document version; an entity lives while a mention references it.
 */
export const graphEntities = pgTable(
  "graph_entities",
  {
    tenantId: text().notNull(),
    id: text().notNull(),
    name: text().notNull(),
    type: text().notNull(),
    aliases: jsonb().$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: now(),
  },
  (t) => [uniqueIndex("graph_entities_tenant_id_uq").on(t.tenantId, t.id), index("graph_entities_tenant_lower_name_idx").on(t.tenantId, sql`lower(${t.name})`)],
);

export const graphMentions = pgTable(
  "graph_mentions",
  {
    tenantId: text().notNull(),
    entityId: text().notNull(),
    documentId: text().notNull(),
    version: integer().notNull(),
    chunkId: text().notNull(),
  },
  (t) => [
    uniqueIndex("graph_mentions_uq").on(t.tenantId, t.entityId, t.chunkId),
    index("graph_mentions_tenant_doc_version_idx").on(t.tenantId, t.documentId, t.version),
  ],
);

export const graphRelations = pgTable(
  "graph_relations",
  {
    tenantId: text().notNull(),
    source: text().notNull(),
    target: text().notNull(),
    type: text().notNull(),
    documentId: text().notNull(),
    version: integer().notNull(),
    chunkId: text().notNull(),
  },
  (t) => [
    uniqueIndex("graph_relations_uq").on(t.tenantId, t.source, t.target, t.type, t.chunkId),
    index("graph_relations_tenant_target_idx").on(t.tenantId, t.target),
    index("graph_relations_tenant_doc_version_idx").on(t.tenantId, t.documentId, t.version),
  ],
);

/** Communities of the entity graph (Louvain) with their extractive summaries, per tenant (graph/communities.ts). */
export const graphCommunities = pgTable(
  "graph_communities",
  {
    tenantId: text().notNull(),
    id: text().notNull(),
    entityIds: jsonb().$type<string[]>().notNull(),
    title: text().notNull(),
    summary: text().notNull(),
    chunkIds: jsonb().$type<string[]>().notNull(),
    documentIds: jsonb().$type<string[]>().notNull(),
    updatedAt: now(),
  },
  (t) => [uniqueIndex("graph_communities_tenant_id_uq").on(t.tenantId, t.id)],
);

export const schema = {
  documents,
  chunks,
  records,
  ingestionJobs,
  conversations,
  messages,
  messageFeedback,
  kbState,
  tenants,
  users,
  refreshTokens,
  apiTokens,
  auditEvents,
  tickets,
  ticketSequences,
  ticketEvents,
  webhookReceivers,
  webhookDeliveries,
  graphEntities,
  graphMentions,
  graphRelations,
  graphCommunities,
};
