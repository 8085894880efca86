import { expect, it } from "vitest";
import configurationDoc from "../../docs/configuration.md?raw";
import { simulateBody } from "../../src/admin/routes/simulate";

it("docs/configuration.md names the fields POST /simulate takes, and only those", () => {
  const row = configurationDoc.split("\n").find((line) => line.startsWith("| `POST /simulate` |"));
  // `{ source, payload \| rawBody, headers? }`: fields split by commas, alternatives by an escaped bar.
  const fields = row
    ?.match(/`\{([^}]*)\}`/)?.[1]
    ?.split(/,|\\\|/)
    .map((field) => field.trim().replace(/\?$/, ""));
  expect(fields?.sort()).toEqual(Object.keys(simulateBody.shape).sort());
});
