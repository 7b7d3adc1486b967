// The chart on a real single-node cluster (scripts/cluster.sh, started by test/e2e/global-setup.ts), step by step
// in this order: each step works on what the ones before it installed.
import { beforeAll } from 'vitest';

import { Figures } from './support/figures.ts';
import { NEEDS_ROOT } from './support/scripts.ts';
import { install } from './steps/install.ts';
import { keyRotation } from './steps/key-rotation.ts';
import { readmeToken } from './steps/readme-token.ts';
import { redisRestart } from './steps/redis-restart.ts';
import { rollout } from './steps/rollout.ts';
import { signIn } from './steps/sign-in.ts';
import { teardown } from './steps/teardown.ts';
import { upgradeUninstall } from './steps/upgrade-uninstall.ts';

const figures = new Figures();

// Every step fails, never skips, without root (test/e2e/global-setup.ts started no cluster).
beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error(NEEDS_ROOT);
});

install(figures);
readmeToken(figures);
signIn();
keyRotation(figures);
rollout(figures);
redisRestart();
upgradeUninstall();
teardown(figures);
