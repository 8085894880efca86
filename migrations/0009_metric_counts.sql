-- Counters for GET /admin/v1/metrics (src/db/metrics.ts). Written by hand, not by
-- drizzle-kit, like 0005: triggers are not part of src/db/schema.ts.
--
-- A scrape reads this table (one row per series) instead of counting events: D1
-- bills every row a query reads, and events grow without bound. The triggers keep it
-- in the same transaction as the write they count, whichever code path writes, so a
-- counter never drifts from the rows; a status set to the value it already has
-- (settling an event that is still delivering) counts nothing.
--
-- metric: `events` (a = source, b = status entered), `deliveries` (a = destination,
-- b = status entered; entering `pending` = created), `webhook_to_crm_ms` (a = the
-- bucket's upper bound in ms, `+Inf` last, not cumulative; `total` sums the values).
CREATE TABLE `metric_counts` (
	`metric` text NOT NULL,
	`a` text NOT NULL,
	`b` text NOT NULL,
	`value` integer NOT NULL DEFAULT 0,
	`total` real NOT NULL DEFAULT 0,
	PRIMARY KEY (`metric`, `a`, `b`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Rows stored before this migration: every event entered `queued`, every delivery
-- `pending`, and each also its current status (the statuses in between are not
-- known any more, and the histogram starts empty). This keeps the pending backlog,
-- read as entries into `pending` minus entries into any other status, exact.
INSERT INTO metric_counts (metric, a, b, value)
SELECT 'events', source_id, 'queued', count(*) FROM events GROUP BY source_id;
--> statement-breakpoint
INSERT INTO metric_counts (metric, a, b, value)
SELECT 'events', source_id, status, count(*) FROM events WHERE status <> 'queued' GROUP BY source_id, status;
--> statement-breakpoint
INSERT INTO metric_counts (metric, a, b, value)
SELECT 'deliveries', destination_id, 'pending', count(*) FROM deliveries GROUP BY destination_id;
--> statement-breakpoint
INSERT INTO metric_counts (metric, a, b, value)
SELECT 'deliveries', destination_id, status, count(*) FROM deliveries WHERE status <> 'pending' GROUP BY destination_id, status;
--> statement-breakpoint
CREATE TRIGGER `metric_events_insert` AFTER INSERT ON `events`
BEGIN
	INSERT INTO metric_counts (metric, a, b, value) VALUES ('events', new.source_id, new.status, 1)
	ON CONFLICT (metric, a, b) DO UPDATE SET value = value + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `metric_events_status` AFTER UPDATE OF `status` ON `events` WHEN old.status IS NOT new.status
BEGIN
	INSERT INTO metric_counts (metric, a, b, value) VALUES ('events', new.source_id, new.status, 1)
	ON CONFLICT (metric, a, b) DO UPDATE SET value = value + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `metric_deliveries_insert` AFTER INSERT ON `deliveries`
BEGIN
	INSERT INTO metric_counts (metric, a, b, value) VALUES ('deliveries', new.destination_id, new.status, 1)
	ON CONFLICT (metric, a, b) DO UPDATE SET value = value + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `metric_deliveries_status` AFTER UPDATE OF `status` ON `deliveries` WHEN old.status IS NOT new.status
BEGIN
	INSERT INTO metric_counts (metric, a, b, value) VALUES ('deliveries', new.destination_id, new.status, 1)
	ON CONFLICT (metric, a, b) DO UPDATE SET value = value + 1;
END;
--> statement-breakpoint
-- Webhook arrival to the CRM's answer, for CRM upserts that succeeded. The bounds
-- must match webhookToCrmBucketsMs in src/db/metrics.ts (test/admin/metrics.test.ts
-- checks that each bound lands in its own bucket).
CREATE TRIGGER `metric_webhook_to_crm` AFTER UPDATE OF `status` ON `deliveries`
WHEN new.status = 'succeeded' AND old.status IS NOT 'succeeded' AND new.action = 'upsert'
BEGIN
	INSERT INTO metric_counts (metric, a, b, value, total)
	SELECT 'webhook_to_crm_ms',
		CASE
			WHEN ms <= 100 THEN '100'
			WHEN ms <= 250 THEN '250'
			WHEN ms <= 500 THEN '500'
			WHEN ms <= 1000 THEN '1000'
			WHEN ms <= 2500 THEN '2500'
			WHEN ms <= 5000 THEN '5000'
			WHEN ms <= 10000 THEN '10000'
			WHEN ms <= 30000 THEN '30000'
			WHEN ms <= 60000 THEN '60000'
			WHEN ms <= 300000 THEN '300000'
			WHEN ms <= 900000 THEN '900000'
			WHEN ms <= 3600000 THEN '3600000'
			WHEN ms <= 21600000 THEN '21600000'
			WHEN ms <= 86400000 THEN '86400000'
			ELSE '+Inf'
		END, '', 1, ms
	FROM (SELECT max(0, new.updated_at - received_at) AS ms FROM events WHERE id = new.event_id)
	WHERE true
	ON CONFLICT (metric, a, b) DO UPDATE SET value = value + 1, total = total + excluded.total;
END;
--> statement-breakpoint
-- The age of each destination's oldest waiting delivery: one index entry per pending
-- delivery only, so the scrape reads one entry per destination.
CREATE INDEX `deliveries_pending_created` ON `deliveries` (`destination_id`, `created_at`) WHERE `status` = 'pending';
