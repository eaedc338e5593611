CREATE TABLE "graph_communities" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"entity_ids" jsonb NOT NULL,
	"title" text NOT NULL,
	"summary" text NOT NULL,
	"chunk_ids" jsonb NOT NULL,
	"document_ids" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "graph_entities" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"aliases" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "graph_mentions" (
	"tenant_id" text NOT NULL,
	"entity_id" text NOT NULL,
	"document_id" text NOT NULL,
	"version" integer NOT NULL,
	"chunk_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "graph_relations" (
	"tenant_id" text NOT NULL,
	"source" text NOT NULL,
	"target" text NOT NULL,
	"type" text NOT NULL,
	"document_id" text NOT NULL,
	"version" integer NOT NULL,
	"chunk_id" text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "graph_communities_tenant_id_uq" ON "graph_communities" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "graph_entities_tenant_id_uq" ON "graph_entities" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "graph_entities_tenant_lower_name_idx" ON "graph_entities" USING btree ("tenant_id",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "graph_mentions_uq" ON "graph_mentions" USING btree ("tenant_id","entity_id","chunk_id");--> statement-breakpoint
CREATE INDEX "graph_mentions_tenant_doc_version_idx" ON "graph_mentions" USING btree ("tenant_id","document_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "graph_relations_uq" ON "graph_relations" USING btree ("tenant_id","source","target","type","chunk_id");--> statement-breakpoint
CREATE INDEX "graph_relations_tenant_target_idx" ON "graph_relations" USING btree ("tenant_id","target");--> statement-breakpoint
CREATE INDEX "graph_relations_tenant_doc_version_idx" ON "graph_relations" USING btree ("tenant_id","document_id","version");