// The key files, read again every interval: a mounted Secret changes in place (the kubelet swaps a symlink), so a
// changed and valid key set is handed on without a restart; a broken one is reported once and the old keys stay.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import type { Logger } from '../log.ts';
import type { KeyMaterial } from './app.ts';
import { parseCookieKeys, parseSigningKeys } from './provider/keys.ts';

export interface KeyFiles {
  jwksFile: string;
  cookieKeysFile: string;
}

export interface ReadKeys {
  keys: KeyMaterial;
  /** Identifies the files' contents, to tell a change from a re-read. */
  digest: string;
}

const digestOf = (...texts: string[]) => texts.reduce((hash, text) => hash.update(text).update('\0'), createHash('sha256')).digest('hex');

export async function readKeyFiles({ jwksFile, cookieKeysFile }: KeyFiles): Promise<ReadKeys> {
  const [jwksText, cookieText] = await Promise.all([readFile(jwksFile, 'utf8'), readFile(cookieKeysFile, 'utf8')]);
  return {
    keys: { jwks: parseSigningKeys(jwksText, jwksFile), cookieKeys: parseCookieKeys(cookieText, cookieKeysFile) },
    digest: digestOf(jwksText, cookieText),
  };
}

/** Polls the files; `onChange` gets every new valid key set. Returns a function that stops polling. */
export function watchKeyFiles(files: KeyFiles, { intervalMs, log, initialDigest, onChange }: { intervalMs: number; log: Logger; initialDigest: string; onChange(keys: KeyMaterial): void }): () => void {
  let seen = initialDigest;
  let reading = false;
  const poll = async () => {
    if (reading) return;
    reading = true;
    try {
      const [jwksText, cookieText] = await Promise.all([readFile(files.jwksFile, 'utf8'), readFile(files.cookieKeysFile, 'utf8')]);
      const digest = digestOf(jwksText, cookieText);
      if (digest === seen) return;
      seen = digest;
      // Read again as a whole: the two files may have been caught on either side of one swap.
      const read = await readKeyFiles(files);
      seen = read.digest;
      onChange(read.keys);
      log.info({ signingKeys: read.keys.jwks.keys.map((key) => key.kid), cookieKeys: read.keys.cookieKeys.length }, 'key files changed; new requests use the new keys');
    } catch (error) {
      log.error({ err: error }, 'key files changed but cannot be used; keeping the keys in use');
    } finally {
      reading = false;
    }
  };
  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
