// Preflight of `npm start` and of the `purser` bin: Purser's sources are TypeScript that Node runs directly (type
// stripping, on by default from 22.18), so an older Node fails on the first import with ERR_UNKNOWN_FILE_EXTENSION,
// which does not say what to do. This says it, from package.json's engines field. Plain JavaScript that any Node
// still in use can run.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
/** The engines field's lower bound, `>=major.minor`: the one form Purser uses. */
const [, major, minor] = /^>=(\d+)\.(\d+)$/.exec(engines.node) ?? [];
if (major === undefined) throw new Error(`package.json engines.node is "${engines.node}": expected >=major.minor`);
const [ownMajor, ownMinor] = process.versions.node.split('.').map(Number);
const tooOld = ownMajor < Number(major) || (ownMajor === Number(major) && ownMinor < Number(minor));
const node = `Node.js ${process.versions.node} (${process.execPath})`;
// The version alone is not enough: Node 23.0-23.5 is newer than 22.18 but strips types only behind a flag, and any
// Node can have it turned off (--no-experimental-strip-types in NODE_OPTIONS).
const problem = tooOld
  ? `this is ${node}. Put a newer node first on PATH`
  : !process.features.typescript
    ? `${node} does not strip types (Node 23.0-23.5, or --no-experimental-strip-types in NODE_OPTIONS). Use Node 24, or drop that option,`
    : undefined;
if (problem) {
  process.stderr.write(
    `purser needs Node.js ${engines.node} (Node 24 LTS recommended), which runs its TypeScript sources directly; ${problem} and run the command again.\n`,
  );
  process.exit(1);
}
