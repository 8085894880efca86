CREATE TABLE `enrichment_cache` (
	`enrichment_id` text NOT NULL,
	`key` text NOT NULL,
	`fields` text NOT NULL,
	`fetched_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`enrichment_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `enrichment_cache_expires` ON `enrichment_cache` (`expires_at`);--> statement-breakpoint
CREATE TABLE `outcomes` (
	`id` text PRIMARY KEY NOT NULL,
	`lead_id` text NOT NULL,
	`outcome` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`lead_event_id` text NOT NULL,
	`report_event_id` text NOT NULL,
	`recorded_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outcomes_lead_outcome` ON `outcomes` (`lead_id`,`outcome`);--> statement-breakpoint
CREATE INDEX `outcomes_lead_event` ON `outcomes` (`lead_event_id`);--> statement-breakpoint
CREATE INDEX `outcomes_occurred` ON `outcomes` (`occurred_at`);--> statement-breakpoint
ALTER TABLE `events` ADD `experiment` text;--> statement-breakpoint
ALTER TABLE `events` ADD `arm` text;--> statement-breakpoint
CREATE INDEX `events_lead` ON `events` (`lead_id`);--> statement-breakpoint
CREATE INDEX `deliveries_external` ON `deliveries` (`external_id`);