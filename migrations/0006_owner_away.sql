CREATE TABLE `owner_away` (
	`owner_id` text PRIMARY KEY NOT NULL,
	`from_ms` integer NOT NULL,
	`until_ms` integer NOT NULL,
	`reason` text,
	`set_at` integer NOT NULL
);
