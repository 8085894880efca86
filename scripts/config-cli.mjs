#!/usr/bin/env node
// Configuration as code: `npm run config -- <command> FILE [--url URL]`
//
//   check FILE   validate a JSON or YAML file offline, with the gateway's own schemas
//                and checks (ids, references, JSONata, condition values)
//   diff FILE    what pushing FILE would change on the gateway
//   push FILE    check, print the diff, then PUT it (If-Match: the version diffed
//                against, so a concurrent change is refused rather than overwritten)
//   pull FILE    write the active configuration to FILE (secrets masked; pushing
//                the file back keeps them)
//   rekey        after CONFIG_KEY changed (the old key set as CONFIG_KEY_PREVIOUS):
//                re-encrypt every stored secret, active version and history, under
//                the new CONFIG_KEY; then CONFIG_KEY_PREVIOUS can be removed
//
// The gateway is SWITCHBOARD_URL (default http://127.0.0.1:8787), the token
// SWITCHBOARD_ADMIN_TOKEN (or ADMIN_TOKEN). Exit status: 0 ok, 1 problems or errors.
import { apiSettings, fetchConfig, putConfig, rekeyConfig } from "./config-cli/api.mjs";
import { loadOffline } from "./config-cli/bundle.mjs";
import { CliError, readDocument, writeDocument } from "./config-cli/files.mjs";

const usage = "usage: npm run config -- check|diff|push|pull FILE [--url URL]\n       npm run config -- rekey [--url URL]";

function parseArgs(argv) {
  const args = { positional: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--url") args.url = argv[++i];
    else args.positional.push(argv[i]);
  }
  return args;
}

function printProblems(file, problems) {
  console.error(`✗ ${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`);
  for (const p of problems) console.error(`  ${p.pointer || "/"}: ${p.message}`);
}

function printChanges(offline, diff) {
  console.log(offline.describeSummary(diff.summary));
  for (const change of diff.changes) {
    const show = (v) => (v === undefined ? "∅" : JSON.stringify(v));
    console.log(`  ${change.path}: ${show(change.before)} → ${show(change.after)}`);
  }
}

async function checked(offline, file) {
  const result = offline.checkOffline(readDocument(file));
  if (!result.ok) {
    printProblems(file, result.problems);
    return undefined;
  }
  return result.document;
}

async function rekey(settings) {
  const totals = await rekeyConfig(settings);
  console.log(`rekeyed ${totals.rekeyed} stored version${totals.rekeyed === 1 ? "" : "s"} (${totals.unchanged} already under CONFIG_KEY)`);
  if (totals.unreadable.length === 0) {
    console.log("every stored secret is under CONFIG_KEY now: CONFIG_KEY_PREVIOUS can be removed");
    return 0;
  }
  console.error(
    `! versions ${totals.unreadable.join(", ")} open with neither key and were left as they are; rolling back to them is refused until their key is set as CONFIG_KEY_PREVIOUS and rekey runs again`,
  );
  return 1;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const [command, file] = args.positional;
  if (command === "rekey" && !file) return rekey(apiSettings(args));
  if (!command || !file || !["check", "diff", "push", "pull"].includes(command)) throw new CliError(usage);
  const settings = apiSettings(args);

  if (command === "pull") {
    const { document, version } = await fetchConfig(settings);
    writeDocument(file, document);
    console.log(`pulled version ${version} into ${file} (secrets masked)`);
    return 0;
  }

  const offline = await loadOffline();
  const document = await checked(offline, file);
  if (!document) return 1;
  if (command === "check") {
    const counts = ["sources", "pools", "destinations", "routes"].map((k) => `${document[k].length} ${k}`).join(", ");
    console.log(`✓ ${file} is valid (${counts})`);
    return 0;
  }

  const remote = await fetchConfig(settings);
  const diff = offline.diffDocuments(document, remote.document);
  console.log(`against version ${remote.version} at ${settings.url}:`);
  printChanges(offline, diff);
  if (command === "diff") return 0;

  if (offline.isEmptySummary(diff.summary)) {
    console.log("nothing to push");
    return 0;
  }
  const result = await putConfig(settings, readDocument(file), remote.version);
  console.log(result.unchanged ? `unchanged: version ${result.version}` : `pushed: version ${result.version}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof CliError ? error.message : error.stack);
    process.exit(1);
  },
);
