// Reading and writing configuration files: YAML for .yaml/.yml, JSON otherwise.
import { readFileSync, writeFileSync } from "node:fs";
import YAML from "yaml";

const isYaml = (file) => /\.ya?ml$/i.test(file);

export function readDocument(file) {
  const text = readFileSync(file, "utf8");
  try {
    return isYaml(file) ? YAML.parse(text) : JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid ${isYaml(file) ? "YAML" : "JSON"}: ${error.message}`);
  }
}

export function writeDocument(file, document) {
  writeFileSync(file, isYaml(file) ? YAML.stringify(document) : `${JSON.stringify(document, null, 2)}\n`);
}

/** An error whose message is for the operator; the CLI prints it and exits 1. */
export class CliError extends Error {}
