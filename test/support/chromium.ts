// A real headless Chromium for tests of the pages a person uses: Debian's chromium, driven by playwright-core (which
// downloads no browser). Each launch gets a fresh profile. Screenshots go to test-output/ (gitignored), never the repo.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`, which .ci/run does); PURSER_CHROMIUM names another binary. */
export const CHROMIUM = process.env.PURSER_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots of `suite` are written. */
export const SCREENSHOTS = (suite: string) => new URL(`../../test-output/${suite}/`, import.meta.url).pathname;

/** Flags for a quiet, offline, sandbox-less (containers) headless browser that phones nowhere. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface RealBrowser {
  context: BrowserContext;
  /** Where this suite's screenshots go (created). */
  screenshots: string;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh --user-data-dir; a missing binary is a failure, never a skip. */
export async function launchChromium(suite: string): Promise<RealBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set PURSER_CHROMIUM`);
  const profile = await mkdtemp(join(tmpdir(), 'purser-chromium-'));
  const screenshots = SCREENSHOTS(suite);
  await mkdir(screenshots, { recursive: true });
  // launchPersistentContext passes the profile as --user-data-dir and adds --headless.
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  return {
    context,
    screenshots,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
