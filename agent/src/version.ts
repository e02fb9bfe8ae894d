import { readFileSync } from 'node:fs';

// src/ and dist/ both sit one level below the package root.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Version of this agent build, from package.json. */
export const AGENT_VERSION: string = pkg.version;
