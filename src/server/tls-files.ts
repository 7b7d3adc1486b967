// HTTPS on the server's own port: the certificate and key files (a mounted kubernetes.io/tls Secret), read again
// every interval like the key files, so a renewed certificate (cert-manager) is used for new connections at once.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { Server as HttpsServer } from 'node:https';

import type { Logger } from '../log.ts';
import { pollFile } from './poll-file.ts';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsMaterial {
  cert: string;
  key: string;
}

async function readTls({ certFile, keyFile }: TlsFiles): Promise<{ digest: string; parse(): TlsMaterial }> {
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return {
    digest: createHash('sha256').update(cert).update('\0').update(key).digest('hex'),
    // createSecureContext refuses a key that does not match or cannot be read, before anything uses it.
    parse: () => (createSecureContext({ cert, key }), { cert, key }),
  };
}

export async function readTlsFiles(files: TlsFiles): Promise<{ tls: TlsMaterial; digest: string }> {
  const { digest, parse } = await readTls(files);
  return { tls: parse(), digest };
}

/** Hands every new valid certificate and key to `server`; returns a stop function. */
export function watchTlsFiles(files: TlsFiles, server: HttpsServer, { intervalMs, log, initialDigest }: { intervalMs: number; log: Logger; initialDigest: string }): () => void {
  return pollFile({
    intervalMs,
    log,
    initialDigest,
    read: () => readTls(files),
    onChange: (tls) => server.setSecureContext(tls),
    messages: { changed: () => [{ certFile: files.certFile }, 'TLS certificate changed; new connections use it'], broken: 'TLS certificate files changed but cannot be used; keeping the certificate in use' },
  });
}
