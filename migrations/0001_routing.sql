CREATE TABLE `attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`delivery_id` text NOT NULL,
	`event_id` text NOT NULL,
	`destination_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`outcome` text NOT NULL,
	`http_status` integer,
	`latency_ms` integer NOT NULL,
	`excerpt` text,
	`error` text,
	`retry_at` integer,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `attempts_delivery` ON `attempts` (`delivery_id`);--> statement-breakpoint
CREATE INDEX `attempts_event` ON `attempts` (`event_id`);--> statement-breakpoint
CREATE INDEX `attempts_destination_at` ON `attempts` (`destination_id`,`at`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`event_id` text NOT NULL,
	`destination_id` text NOT NULL,
	`action` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`payload` text NOT NULL,
	`external_id` text,
	`last_error` text,
	`lease_until` integer,
	`next_attempt_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deliveries_event` ON `deliveries` (`event_id`);--> statement-breakpoint
CREATE INDEX `deliveries_status_next` ON `deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `leads` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text,
	`phone` text,
	`domain` text,
	`owner_id` text,
	`first_event_id` text NOT NULL,
	`last_event_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `leads_email` ON `leads` (`email`);--> statement-breakpoint
CREATE INDEX `leads_phone` ON `leads` (`phone`);--> statement-breakpoint
CREATE INDEX `leads_domain` ON `leads` (`domain`);--> statement-breakpoint
ALTER TABLE `events` ADD `status_reason` text;--> statement-breakpoint
ALTER TABLE `events` ADD `lead` text;--> statement-breakpoint
ALTER TABLE `events` ADD `trace` text;--> statement-breakpoint
ALTER TABLE `events` ADD `route_id` text;--> statement-breakpoint
ALTER TABLE `events` ADD `owner_id` text;--> statement-breakpoint
ALTER TABLE `events` ADD `lead_id` text;--> statement-breakpoint
ALTER TABLE `events` ADD `decided_at` integer;--> statement-breakpoint
ALTER TABLE `events` ADD `replay_of` text;