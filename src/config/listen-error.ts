// A port a process cannot listen on is a fault of its configuration (another process holds it, a low port without
// the privilege, an address that is not the machine's): told in one line that names the setting, not as a stack.
import { ConfigError } from './load.ts';
import { envName, flagName } from './settings.ts';

const REASONS: Record<string, string> = {
  EADDRINUSE: 'the address is already in use (another process listens on it)',
  EACCES: 'permission denied (a port below 1024 needs privileges)',
  EADDRNOTAVAIL: 'the address is not one of this machine\'s',
};

/**
 * The error to throw for `error`, raised by listening on `host`:`port`: a ConfigError naming the setting `key` that
 * chose the port (and PURSER_HOST) for the causes above; any other error unchanged.
 */
export function listenError(error: unknown, host: string, port: number, key: string): unknown {
  const reason = REASONS[(error as NodeJS.ErrnoException | undefined)?.code ?? ''];
  if (!reason) return error;
  return new ConfigError(`cannot listen on ${host}:${port}: ${reason}; choose another with --${flagName(key)} or ${envName(key)} (the address: --host or PURSER_HOST)`);
}
