// The chart on a real single-node cluster (scripts/cluster.sh, started by test/e2e/global-setup.ts), step by step
// in this order: each step works on what the ones before it installed.
import { Figures } from './support/figures.ts';
import { install } from './steps/install.ts';
import { keyRotation } from './steps/key-rotation.ts';
import { readmeToken } from './steps/readme-token.ts';
import { redisRestart } from './steps/redis-restart.ts';
import { rollout } from './steps/rollout.ts';
import { signIn } from './steps/sign-in.ts';
import { teardown } from './steps/teardown.ts';
import { upgradeUninstall } from './steps/upgrade-uninstall.ts';

const figures = new Figures();

install(figures);
readmeToken(figures);
signIn();
keyRotation(figures);
rollout(figures);
redisRestart();
upgradeUninstall();
teardown(figures);
