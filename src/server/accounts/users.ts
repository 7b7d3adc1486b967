// The people who can log in: read from a YAML users file (a mounted Secret in production, read again every interval
// like the key files), passwords as argon2id.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { hash, verify } from '@node-rs/argon2';
import { parse } from 'yaml';

import type { Logger } from '../../log.ts';
import { pollFile } from '../poll-file.ts';

export interface User {
  username: string;
  passwordHash: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  groups?: string[];
}

export class UsersFileError extends Error {
  override name = 'UsersFileError';
}

// Verifying against this when the username is unknown makes both failures take as long.
const UNKNOWN_USER_HASH = '$argon2id$v=19$m=19456,t=2,p=1$x8ShqIMnbO+3lEd942E+nw$JZEZ07tY5ZoivshGjFUwnuWFgvStAk0M5g0dYqhSG/o';

export class UserDirectory {
  #users: Map<string, User>;

  constructor(users: User[]) {
    this.#users = new Map(users.map((user) => [user.username, user]));
  }

  /** Replaces every user at once (a reloaded users file): a sign-in under way sees the old list or the new one. */
  replace(users: User[]): void {
    this.#users = new Map(users.map((user) => [user.username, user]));
  }


  /** The user whose password this is, or `undefined`; takes the same time whether or not the user exists. */
  async authenticate(username: string, password: string): Promise<User | undefined> {
    const user = this.#users.get(username);
    const ok = await verify(user?.passwordHash ?? UNKNOWN_USER_HASH, password).catch(() => false);
    return ok && user ? user : undefined;
  }

  find(username: string): User | undefined {
    return this.#users.get(username);
  }
}

/** The prefix of Kubernetes' own identities (ServiceAccount subjects among them), never a user's. */
export const RESERVED_USERNAME_PREFIX = 'system:';

export function parseUsers(text: string, source: string): User[] {
  const document: unknown = parse(text);
  const list = Array.isArray(document) ? document : (document as { users?: unknown } | null)?.users;
  if (!Array.isArray(list)) throw new UsersFileError(`${source}: expected a list of users (or a "users:" list)`);
  return list.map((entry: Record<string, unknown>, index) => {
    const where = `${source}: user #${index + 1}`;
    if (typeof entry?.username !== 'string' || !entry.username) throw new UsersFileError(`${where} has no username`);
    // A user's username is the sub of its tokens; a token exchanged for a ServiceAccount's token has
    // system:serviceaccount:<namespace>:<name> there (Kubernetes reserves system: too), which no user may pass for.
    if (entry.username.startsWith(RESERVED_USERNAME_PREFIX)) throw new UsersFileError(`${where} (${entry.username}): usernames starting with ${RESERVED_USERNAME_PREFIX} are reserved for Kubernetes identities`);
    if (typeof entry.passwordHash !== 'string' || !entry.passwordHash.startsWith('$argon2id$')) {
      throw new UsersFileError(`${where} (${entry.username}): passwordHash must be an argon2id hash (run: purser hash-password)`);
    }
    return entry as unknown as User;
  });
}

async function readUsersFile(path: string): Promise<{ digest: string; parse(): User[] }> {
  const text = await readFile(path, 'utf8');
  return { digest: createHash('sha256').update(text).digest('hex'), parse: () => parseUsers(text, path) };
}

/** The users of the file, and a function that reads it again every `intervalMs` (a mounted Secret changes in place) and returns a stop function. */
export async function loadUsersFile(path: string): Promise<{ users: UserDirectory; watch(intervalMs: number, log: Logger): () => void }> {
  const first = await readUsersFile(path);
  const users = new UserDirectory(first.parse());
  return {
    users,
    watch: (intervalMs, log) =>
      pollFile({
        intervalMs,
        log,
        initialDigest: first.digest,
        read: () => readUsersFile(path),
        onChange: (list) => users.replace(list),
        messages: { changed: (list) => [{ users: list.length }, 'users file changed; sign-ins use the new list'], broken: 'users file changed but cannot be used; keeping the users in use' },
      }),
  };
}

export function hashPassword(password: string): Promise<string> {
  // 2 is Algorithm.Argon2id, a const enum that type stripping cannot import.
  return hash(password, { algorithm: 2 });
}
