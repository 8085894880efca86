import { GatewayError } from "../errors";
import { type ConfigEnv, commitConfig, readConfigVersion, type VersionInfo } from "./store";

/**
 * Stores version `version`'s document (secrets included) as a new version, marked
 * `rollbackOf`: the history stays append-only. Throws `config_version_not_found`, or
 * `config_version_conflict` when `expectedVersion` is no longer the active one. The
 * admin API and the console's rollback button both call this.
 */
export async function rollbackConfig(env: ConfigEnv, version: number, options: { actor: string; expectedVersion?: number }): Promise<VersionInfo> {
  const target = await readConfigVersion(env, version);
  if (!target) throw new GatewayError("config_version_not_found", `There is no configuration version ${version}.`);
  const stored = await commitConfig(env, target.document, {
    updatedBy: options.actor,
    rollbackOf: version,
    expectedVersion: options.expectedVersion,
  });
  const { document: _document, ...info } = stored;
  return info;
}
