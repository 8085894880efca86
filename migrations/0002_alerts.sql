CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`rule` text NOT NULL,
	`count` integer NOT NULL,
	`detail` text NOT NULL,
	`delivered` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alerts_rule_at` ON `alerts` (`rule`,`at`);