// Every library member Purser patches (src/patches.ts) still exists in the installed version, and every library
// behaviour or wording it relies on is still in the library's source: an upgrade that removes one fails here.
import { readFileSync } from 'node:fs';

import { KubeConfig } from '@kubernetes/client-node';
import Provider from 'oidc-provider';
import { describe, expect, it } from 'vitest';

import { generateSigningKeys } from '../../src/server/provider/keys.ts';
import { CLIENT_NODE_PATCHES, LIBRARY_WORDING, OIDC_PROVIDER_PATCHES, type Patch } from '../../src/patches.ts';

const sourceOf = (library: string, file: string): string => readFileSync(new URL(`../../node_modules/${library}/${file}`, import.meta.url), 'utf8');

function checkPatches<Target>(library: string, patches: ReadonlyArray<Patch<Target, never>>, fresh: () => Target): void {
  describe(library, () => {
    it.each(patches.map((patch) => [patch.member, patch] as const))('%s', (_member, patch) => {
      expect(patch.find ?? patch.source, 'a patch names a member or a source to check').toBeDefined();
      if (patch.find) expect(typeof patch.find(fresh()), `${library} ${patch.member}`).toBe('function');
      if (patch.source) expect(sourceOf(library, patch.source.file), `${library}/${patch.source.file}`).toContain(patch.source.text);
      expect(patch.reason.length).toBeGreaterThan(20);
    });
  });
}

/** One unpatched provider (it warns once about its in-memory adapter, which these checks never use). */
let unpatched: Provider | undefined;
const freshProvider = () => (unpatched ??= new Provider('http://127.0.0.1:1', { jwks: generateSigningKeys() as never, features: { devInteractions: { enabled: false } } }));

checkPatches('oidc-provider', OIDC_PROVIDER_PATCHES, freshProvider);
checkPatches('@kubernetes/client-node', CLIENT_NODE_PATCHES, () => new KubeConfig());

describe("oidc-provider's wording that src/server/errors/from-library.ts recognises", () => {
  it.each(LIBRARY_WORDING.map((wording) => [wording.words, wording] as const))('%s', (_words, { words, file, source }) => {
    expect(sourceOf('oidc-provider', file)).toContain(source ?? `'${words}'`);
  });
});
