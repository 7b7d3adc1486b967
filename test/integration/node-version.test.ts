// README "Quick start": on a Node older than package.json's engines (Node 20, still the default on many machines),
// `npm start` and `npx purser` say which Node Purser needs (scripts/require-node.js) instead of failing with
// ERR_UNKNOWN_FILE_EXTENSION on the first .ts import. The old Node comes from scripts/old-node.sh.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { cachedTool, PROVISION_TIMEOUT_MS } from '../support/cached-tool.ts';

const REPO = new URL('../../', import.meta.url).pathname;

/** npm with `node` resolved from `nodeDir` first: npm itself and the scripts it runs use that Node. */
function npm(nodeDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npm', args, { cwd: REPO, env: { ...process.env, PATH: `${nodeDir}:${process.env.PATH}` } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

let oldNode: string;
let required: string;

beforeAll(async () => {
  oldNode = await cachedTool('old-node.sh');
  required = (JSON.parse(await readFile(`${REPO}package.json`, 'utf8')) as { engines: { node: string } }).engines.node;
}, PROVISION_TIMEOUT_MS);

describe('README commands on a Node older than package.json engines', () => {
  it.each([
    ['npm start', ['start']],
    ['npx purser', ['exec', '--no', '--', 'purser', '--version']],
  ])('%s fails with a message naming the Node version Purser needs', async (_command, args) => {
    const { code, stderr } = await npm(dirname(oldNode), args);
    expect(code).not.toBe(0);
    expect(stderr).toContain(`purser needs Node.js ${required} (Node 24 LTS recommended)`);
    expect(stderr).toMatch(/this is Node\.js 20\.\d+\.\d+/);
    expect(stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
  });

  it('a Node new enough by version but with type stripping off is told so, not sent to upgrade', async () => {
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--no-experimental-strip-types', 'scripts/purser.js', '--version'], { cwd: REPO }, (error, _stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stderr });
      });
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`Node.js ${process.versions.node}`);
    expect(stderr).toContain('does not strip types');
    expect(stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
  });

  it('npx purser still runs the CLI on the Node running the tests', async () => {
    const { code, stdout } = await npm(dirname(process.execPath), ['exec', '--no', '--', 'purser', '--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
