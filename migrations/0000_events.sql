CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`source_id` text NOT NULL,
	`status` text NOT NULL,
	`dedup_key` text,
	`request_id` text,
	`content_type` text,
	`headers` text NOT NULL,
	`body` blob,
	`body_size` integer NOT NULL,
	`verification` text NOT NULL,
	`received_at` integer NOT NULL,
	`stored_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_source_received` ON `events` (`source_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `events_status_updated` ON `events` (`status`,`updated_at`);