import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Tests run inside workerd with the real bindings from wrangler.toml (D1, KV,
// Durable Objects, Queues), each test file with its own isolated storage.
export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // The routing and deliveries queues wait 0 s for a batch in wrangler.toml; in
          // the pool that would run their consumers on their own in the middle of a
          // test. Tests call the consumers themselves (createMessageBatch), so here the
          // queues hold messages for a minute or until 100 are waiting.
          queueConsumers: Object.fromEntries(
            ["switchboard-routing", "switchboard-deliveries", "switchboard-dead-letters"].map((queue) => [queue, { maxBatchTimeout: 60, maxBatchSize: 100 }]),
          ),
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
            ADMIN_READ_TOKEN: "test-read-token-0123456789abcdefg",
            // Secrets in the configuration are encrypted with a key derived from this.
            CONFIG_KEY: "test-config-key-0123456789abcdef",
            ALLOW_HTTP_DESTINATIONS: "true",
            // Tests run the inbox flush themselves (runDurableObjectAlarm), so the
            // alarm must not fire on its own in the middle of a test.
            INBOX_FLUSH_DELAY_MS: "3600000",
            // Verification failures are counted in the inbox right after each response
            // (test/ingest/rejections.test.ts sets a window of its own).
            VERIFY_FAILURE_FLUSH_MS: "0",
            // Tests run a bulk retry job's steps themselves (runDurableObjectAlarm).
            RETRY_JOB_STEP_MS: "3600000",
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      exclude: ["test/e2e/**"],
      setupFiles: ["./test/setup.ts"],
      // Node side: serves the CRM contract fakes on 127.0.0.1 (test/fakes), inject("fakes").
      globalSetup: ["./test/global-setup.ts"],
      // The gateway logs a JSON line per request; show it only for failing tests.
      silent: "passed-only",
    },
  };
});
