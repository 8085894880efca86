-- Storage growth (docs/configuration.md "Storage", docs/monitoring.md).
--
-- Bodies over BODY_R2_THRESHOLD_BYTES live in R2 (the BODIES bucket) and the event
-- keeps only the object's key: D1 caps a database at 10 GB, and large bodies are most
-- of it. `body` is null for such an event. A replay copies the key, not the object,
-- so the key can be shared; retention deletes an object only once no event with a
-- kept body uses it, which is what the partial index answers cheaply.
ALTER TABLE `events` ADD `body_ref` text;
--> statement-breakpoint
CREATE INDEX `events_body_ref` ON `events` (`body_ref`) WHERE "events"."body_ref" is not null;
--> statement-breakpoint
-- The database's size at the first scheduled run of each UTC day (`meta.size_after`
-- of that run's query): GET /admin/v1/stats reads growth per day from these rows. A
-- row a day, a few bytes each.
CREATE TABLE `storage_snapshots` (
	`day` integer PRIMARY KEY NOT NULL,
	`size_bytes` integer NOT NULL,
	`taken_at` integer NOT NULL
);
