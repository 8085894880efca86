-- Console sessions and spent form nonces (src/db/console-sessions.ts). Written by
-- hand, not by drizzle-kit: these tables are read with plain D1 statements and are
-- not part of src/db/schema.ts, so `drizzle-kit generate` leaves them alone.
--
-- A session row exists from sign-in until it expires; sign-out sets `ended_at`, and
-- a cookie whose row is missing or ended is signed out, whatever its signature.
CREATE TABLE `console_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`ended_at` integer
);
--> statement-breakpoint
CREATE INDEX `console_sessions_expires_at` ON `console_sessions` (`expires_at`);
--> statement-breakpoint
-- Every console POST carries a signed, single-use nonce; its row is written when the
-- POST is accepted, so the same form cannot be sent twice. Rows go with their session.
CREATE TABLE `console_form_nonces` (
	`nonce` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `console_form_nonces_expires_at` ON `console_form_nonces` (`expires_at`);
