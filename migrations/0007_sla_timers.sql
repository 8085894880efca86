CREATE TABLE `sla_timers` (
	`event_id` text PRIMARY KEY NOT NULL,
	`lead_id` text NOT NULL,
	`route_id` text NOT NULL,
	`pool_id` text,
	`owner_id` text NOT NULL,
	`until_outcome` text NOT NULL,
	`then_action` text NOT NULL,
	`notify` text,
	`working_hours_only` integer NOT NULL,
	`within_ms` integer NOT NULL,
	`started_at` integer NOT NULL,
	`due_at` integer NOT NULL,
	`status` text NOT NULL,
	`reassignments` integer DEFAULT 0 NOT NULL,
	`history` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sla_timers_status_due` ON `sla_timers` (`status`,`due_at`);
