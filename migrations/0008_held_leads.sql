CREATE TABLE `held_leads` (
	`event_id` text PRIMARY KEY NOT NULL,
	`lead_id` text NOT NULL,
	`route_id` text NOT NULL,
	`pool_id` text NOT NULL,
	`status` text NOT NULL,
	`reason` text NOT NULL,
	`plan` text NOT NULL,
	`held_at` integer NOT NULL,
	`wake_at` integer NOT NULL,
	`owner_id` text,
	`released_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `held_leads_status_wake` ON `held_leads` (`status`,`wake_at`);
--> statement-breakpoint
CREATE INDEX `held_leads_pool` ON `held_leads` (`pool_id`,`status`);
