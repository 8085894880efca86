// The secrets the gateway needs before it can be administered: asked for on a
// terminal, read from the environment otherwise, or generated. Secrets already on
// the Worker are never replaced (rotating CONFIG_KEY has its own steps in
// docs/deploy.md).
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";

/** Same floor as the gateway's (src/admin/token-policy.ts): shorter admin tokens are refused at runtime. */
export const minSecretLength = 32;

export const requiredSecrets = [
  { name: "ADMIN_TOKEN", env: "SWITCHBOARD_ADMIN_TOKEN", what: "admin API and console token", show: true },
  { name: "CONFIG_KEY", env: "SWITCHBOARD_CONFIG_KEY", what: "key that encrypts configuration secrets", show: true },
];

export const generateSecret = () => randomBytes(32).toString("base64");

/** Asks without echoing what is typed; an empty answer means "generate one". */
async function askHidden(question) {
  // _writeToOutput is readline's undocumented hook for echoing what is typed.
  const rl = /** @type {import("node:readline").Interface & { _writeToOutput?: (text: string) => void }} */ (
    createInterface({ input: process.stdin, output: process.stdout, terminal: true })
  );
  const write = rl._writeToOutput?.bind(rl);
  let asked = false;
  rl._writeToOutput = (text) => {
    if (!asked) {
      write?.(text);
      asked = true;
    }
  };
  const answer = await new Promise((resolve) => rl.question(question, resolve));
  rl.close();
  process.stdout.write("\n");
  return answer.trim();
}

/**
 * The values to upload for the missing secrets: from `SWITCHBOARD_*` variables, from
 * the terminal, or generated (and printed once, since nobody else will know them).
 * @param {string[]} missing names of secrets the Worker lacks
 */
export async function collectSecrets(missing, { interactive, env = process.env, say }) {
  const values = {};
  for (const secret of requiredSecrets.filter((s) => missing.includes(s.name))) {
    let value = env[secret.env]?.trim();
    if (!value && interactive) value = await askHidden(`${secret.name} (${secret.what}; Enter generates one): `);
    let generated = false;
    if (!value) {
      value = generateSecret();
      generated = true;
    }
    if (value.length < minSecretLength) throw new Error(`${secret.name} must be at least ${minSecretLength} characters (openssl rand -base64 32 gives 44)`);
    values[secret.name] = value;
    if (generated && secret.show) say(`generated ${secret.name}: ${value}   <- store it in your password manager now; it is not shown again`);
  }
  return values;
}
