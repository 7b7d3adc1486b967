#!/usr/bin/env node
// purser <command> [flags]: the one entry point of every process Purser runs.
import { parseArgs } from 'node:util';

import { settingsHelp } from './config/help.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { startController } from './controller/index.ts';
import { createLogger, LogFormatError, type Logger } from './log.ts';
import { hashPassword } from './server/accounts/users.ts';
import { generateSigningKeys } from './server/provider/keys.ts';
import { startServer } from './server/start.ts';
import { mintDevToken } from './server/workload/dev-issuer.ts';

const USAGE = `usage: purser <command> [flags]

commands:
  server           run the authorization server (its flags and PURSER_* variables: purser server --help)
  controller       run the OAuthClient controller (Kubernetes → Redis; purser controller --help)
  hash-password    read a password on stdin, print its argon2id hash for the users file
  generate-keys    print a new JSON Web Key Set (ES256 + RS256) for PURSER_JWKS_FILE
  mint-sa-token    dev mode: print a ServiceAccount token from the local issuer (PURSER_DEV_SERVICE_ACCOUNT_ISSUER_KEY)
                   --namespace NS --service-account NAME [--audience URL (default PURSER_ISSUER)] [--expiration-seconds N]
`;

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

/** A fault nothing else caught ends the process with one JSON line, not a stack printed on stderr. */
function logFatalErrors(log: Logger): void {
  const fatal = (error: unknown) => {
    log.fatal({ err: error }, 'uncaught error; exiting');
    process.exit(1);
  };
  process.on('uncaughtException', fatal).on('unhandledRejection', fatal);
}

async function serve(argv: string[]): Promise<void> {
  const config = loadConfig(argv);
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  logFatalErrors(log);
  const running = await startServer(config, log);
  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down');
    running.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', stop).once('SIGINT', stop);
}

async function control(argv: string[]): Promise<void> {
  const config = loadConfig(argv, process.env, 'controller');
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  // A leader that lost its Lease exits; Kubernetes restarts it as a standby with fresh caches.
  logFatalErrors(log);
  const running = await startController(config, log, { onLostLeadership: () => process.exit(1) });
  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down');
    running.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', stop).once('SIGINT', stop);
}

/** `purser mint-sa-token`: a token of dev mode's local ServiceAccount issuer, for trying workload identity. */
async function mintServiceAccountToken(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { namespace: { type: 'string' }, 'service-account': { type: 'string' }, audience: { type: 'string' }, 'expiration-seconds': { type: 'string' } } });
  if (!values.namespace || !values['service-account']) {
    process.stderr.write('purser mint-sa-token: --namespace and --service-account are required\n');
    process.exitCode = 2;
    return;
  }
  const config = loadConfig(['--dev']);
  const token = await mintDevToken(config.devServiceAccountIssuerKey!, {
    namespace: values.namespace,
    serviceAccount: values['service-account'],
    audience: values.audience ?? config.workloadAudience ?? config.issuer,
    ...(values['expiration-seconds'] ? { expirationSeconds: Number(values['expiration-seconds']) } : {}),
  });
  process.stdout.write(`${token}\n`);
}
/** True if `argv` asks for help rather than a run. */
const wantsHelp = (argv: string[]) => argv.includes('--help') || argv.includes('-h');

async function main([command, ...argv]: string[]): Promise<void> {
  if ((command === 'server' || command === 'controller') && wantsHelp(argv)) {
    process.stdout.write(settingsHelp(command));
    return;
  }
  switch (command) {
    case 'server':
      return serve(argv);
    case 'controller':
      return control(argv);
    case 'hash-password': {
      const password = await readStdin();
      // An empty stdin is a mistake (a pipe that produced nothing), never a password anyone meant.
      if (password === '') {
        process.stderr.write('purser hash-password: no password on stdin (e.g. printf %s "$PASSWORD" | purser hash-password)\n');
        process.exitCode = 2;
        return;
      }
      process.stdout.write(`${await hashPassword(password)}\n`);
      return;
    }
    case 'mint-sa-token':
      return mintServiceAccountToken(argv);
    case 'generate-keys':
      process.stdout.write(`${JSON.stringify(generateSigningKeys(), null, 2)}\n`);
      return;
    default:
      process.stderr.write(USAGE);
      process.exitCode = command ? 2 : 0;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const userError = error instanceof ConfigError || error instanceof LogFormatError;
  process.stderr.write(`purser: ${userError ? (error as Error).message : (error as Error).stack}\n`);
  process.exit(userError ? 2 : 1);
});
