CREATE TABLE "message_feedback" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"message_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"rating" text NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "active_message_id" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "locked_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "message_feedback_tenant_message_idx" ON "message_feedback" USING btree ("tenant_id","message_id");