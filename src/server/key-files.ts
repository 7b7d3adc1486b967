// The key files, read again every interval: a mounted Secret changes in place (the kubelet swaps a symlink), so a
// changed and valid key set is handed on without a restart; a broken one is reported once and the old keys stay.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import type { Logger } from '../log.ts';
import type { KeyMaterial } from './app.ts';
import { pollFile } from './poll-file.ts';
import { parseCookieKeys, parseSigningKeys } from './provider/keys.ts';

export interface KeyFiles {
  jwksFile: string;
  cookieKeysFile: string;
}

interface KeyTexts {
  jwks: string;
  cookieKeys: string;
  /** Identifies the files' contents, to tell a change from a re-read. */
  digest: string;
}

async function readTexts({ jwksFile, cookieKeysFile }: KeyFiles): Promise<KeyTexts> {
  const [jwks, cookieKeys] = await Promise.all([readFile(jwksFile, 'utf8'), readFile(cookieKeysFile, 'utf8')]);
  return { jwks, cookieKeys, digest: createHash('sha256').update(jwks).update('\0').update(cookieKeys).digest('hex') };
}

const parse = (files: KeyFiles, texts: KeyTexts): KeyMaterial => ({
  jwks: parseSigningKeys(texts.jwks, files.jwksFile),
  cookieKeys: parseCookieKeys(texts.cookieKeys, files.cookieKeysFile),
});

export async function readKeyFiles(files: KeyFiles): Promise<{ keys: KeyMaterial; digest: string }> {
  const texts = await readTexts(files);
  return { keys: parse(files, texts), digest: texts.digest };
}

/**
 * Polls the files; `onChange` gets every new valid key set. Two files caught on either side of one swap are at
 * worst used (or refused) for one interval, until the next read sees them consistent. Returns a stop function.
 */
export function watchKeyFiles(files: KeyFiles, { intervalMs, log, initialDigest, onChange }: { intervalMs: number; log: Logger; initialDigest: string; onChange(keys: KeyMaterial): void }): () => void {
  return pollFile({
    intervalMs,
    log,
    initialDigest,
    onChange,
    read: async () => {
      const texts = await readTexts(files);
      return { digest: texts.digest, parse: () => parse(files, texts) };
    },
    messages: {
      changed: (keys) => [{ signingKeys: keys.jwks.keys.map((key) => key.kid), cookieKeys: keys.cookieKeys.length }, 'key files changed; new requests use the new keys'],
      broken: 'key files changed but cannot be used; keeping the keys in use',
    },
  });
}
