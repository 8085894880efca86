-- The record map: each lead's record ids in each destination, once a delivery
-- learned them, so later deliveries update by id instead of searching again.
CREATE TABLE `crm_records` (
	`destination_id` text NOT NULL,
	`lead_id` text NOT NULL,
	`kind` text NOT NULL,
	`external_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`destination_id`, `lead_id`, `kind`)
);
--> statement-breakpoint
CREATE INDEX `crm_records_external` ON `crm_records` (`destination_id`,`kind`,`external_id`);--> statement-breakpoint
-- Deliveries carry their lead, so that one lead's deliveries to one destination run
-- one at a time and in order (claimDeliveries); older rows take their event's lead.
ALTER TABLE `deliveries` ADD `lead_id` text;--> statement-breakpoint
UPDATE `deliveries` SET `lead_id` = (SELECT `lead_id` FROM `events` WHERE `events`.`id` = `deliveries`.`event_id`);--> statement-breakpoint
CREATE INDEX `deliveries_lead_destination` ON `deliveries` (`lead_id`,`destination_id`);
