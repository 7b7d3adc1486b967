#!/usr/bin/env node
// The `purser` command as npm links it (`npx purser`): the Node version check first (require-node.js beside it), so an
// older Node says which version Purser needs instead of failing on a .ts import, then the CLI itself.
import './require-node.js';

await import('../src/cli.ts');
