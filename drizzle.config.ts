import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes SQL migrations into migrations/, which wrangler applies
// (`npm run db:migrate:local`, or `--remote` in docs/deploy.md).
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
