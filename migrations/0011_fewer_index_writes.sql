-- Fewer D1 rows written per lead. D1 bills every row a write touches, and every
-- index entry it adds or removes is such a row (developers.cloudflare.com/d1/platform/pricing/);
-- `npm run cost` counts them per statement (docs/benchmarks.md, "Cost per lead").
-- Written by hand, like 0005 and 0009.
--
-- Nothing looks attempts up by delivery, or by destination and time (the stats read
-- attempts by id range, the event page by event): two entries per attempt for no reader.
DROP INDEX IF EXISTS `attempts_delivery`;
--> statement-breakpoint
DROP INDEX IF EXISTS `attempts_destination_at`;
--> statement-breakpoint
-- Looked up by value only (`= ?`, `IN (…)`), which SQLite knows implies IS NOT NULL,
-- so a partial index serves the same queries. An event has no lead until it is
-- decided and a delivery no record id until the CRM answers: a full index writes an
-- entry for the NULL on insert and moves it on update (three rows), a partial one
-- writes a single entry when the value arrives. Many leads have no phone or no
-- company domain (free-mail addresses): no entry at all for those.
DROP INDEX IF EXISTS `events_lead`;
--> statement-breakpoint
CREATE INDEX `events_lead` ON `events` (`lead_id`) WHERE `lead_id` IS NOT NULL;
--> statement-breakpoint
DROP INDEX IF EXISTS `deliveries_external`;
--> statement-breakpoint
CREATE INDEX `deliveries_external` ON `deliveries` (`external_id`) WHERE `external_id` IS NOT NULL;
--> statement-breakpoint
DROP INDEX IF EXISTS `leads_phone`;
--> statement-breakpoint
CREATE INDEX `leads_phone` ON `leads` (`phone`) WHERE `phone` IS NOT NULL;
--> statement-breakpoint
DROP INDEX IF EXISTS `leads_domain`;
--> statement-breakpoint
CREATE INDEX `leads_domain` ON `leads` (`domain`) WHERE `domain` IS NOT NULL;
--> statement-breakpoint
-- Events by status are looked up for two statuses only: `queued` (the sweeper, the
-- replay backlog) and `dead` (the stats, the dead-letter list); the other statuses
-- are listed by id (the console's filters, bounded by their page). An index over every
-- status moved each routed event's entry twice (queued → delivering → routed); one
-- partial index per looked-up status holds an event only while it is in that status.
-- A query's `status = ?` bound to the same value can use it (SQLite compares the
-- bound value with the index's WHERE term).
DROP INDEX IF EXISTS `events_status_updated`;
--> statement-breakpoint
CREATE INDEX `events_queued_updated` ON `events` (`updated_at`) WHERE `status` = 'queued';
--> statement-breakpoint
CREATE INDEX `events_dead_updated` ON `events` (`updated_at`) WHERE `status` = 'dead';
