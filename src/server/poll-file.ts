// Polling a mounted file: a mounted Secret changes in place (the kubelet swaps a symlink), and inotify does not see
// the swap reliably; reading every interval and comparing a digest does.
import type { Logger } from '../log.ts';

export interface PollOptions<T> {
  intervalMs: number;
  log: Logger;
  /** Reads and digests the file(s); a failure is a broken change. */
  read(): Promise<{ digest: string; parse(): T }>;
  /** The digest of what is in use. */
  initialDigest: string;
  /** Gets every new value that parses. */
  onChange(value: T): void;
  /** Log lines (never the content: key files hold private keys, users files password hashes). */
  messages: { changed(value: T): [object, string]; broken: string };
}

/** Reads every interval; a changed, valid file is handed on, a broken one reported once and the old value kept. Returns a stop function. */
export function pollFile<T>({ intervalMs, log, read, initialDigest, onChange, messages }: PollOptions<T>): () => void {
  let seen = initialDigest;
  let reading = false;
  const poll = async () => {
    if (reading) return;
    reading = true;
    try {
      const { digest, parse } = await read();
      if (digest === seen) return;
      seen = digest;
      const value = parse();
      onChange(value);
      log.info(...messages.changed(value));
    } catch (error) {
      log.error({ err: error }, messages.broken);
    } finally {
      reading = false;
    }
  };
  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
