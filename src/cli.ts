#!/usr/bin/env node
// purser <command> [flags]: the one entry point of every process Purser runs.
import { readFileSync } from 'node:fs';

import { settingsHelp } from './config/help.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { createLogger, LogFormatError, type Logger } from './log.ts';

// Each command imports only what it runs: the controller never loads the server (oidc-provider, Koa, argon2), which
// was a third of its heap (bench/controller-sync).

const USAGE = `usage: purser <command> [flags]

commands:
  server           run the authorization server (its flags and PURSER_* variables: purser server --help)
  controller       run the OAuthClient controller (Kubernetes → Redis; purser controller --help)
  hash-password    read a password on stdin, print its argon2id hash for the users file
  generate-keys    print a new JSON Web Key Set (ES256 + RS256) for PURSER_JWKS_FILE
  mint-sa-token    dev mode: print a ServiceAccount token from the local issuer (PURSER_DEV_SERVICE_ACCOUNT_ISSUER_KEY)
                   --namespace NS --service-account NAME [--audience URL] [--expiration-seconds N] (purser mint-sa-token --help)
  help, --help     print this help; --version prints Purser's version
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
  const { startServer } = await import('./server/start.ts');
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
  const { startController } = await import('./controller/index.ts');
  const running = await startController(config, log, { onLostLeadership: () => process.exit(1) });
  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down');
    running.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', stop).once('SIGINT', stop);
}

/** `purser mint-sa-token`: a token of dev mode's local ServiceAccount issuer, for trying workload identity. */
async function mintServiceAccountToken(argv: string[]): Promise<void> {
  const [{ MINT_USAGE, parseMintArgs }, { mintDevToken }] = await Promise.all([import('./server/workload/mint-args.ts'), import('./server/workload/dev-issuer.ts')]);
  const request = parseMintArgs(argv);
  if (request.kind === 'help') {
    process.stdout.write(MINT_USAGE);
    return;
  }
  if (request.kind === 'error') {
    process.stderr.write(`purser mint-sa-token: ${request.message}\n`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig(['--dev']);
  const token = await mintDevToken(config.devServiceAccountIssuerKey!, {
    namespace: request.namespace,
    serviceAccount: request.serviceAccount,
    audience: request.audience ?? config.workloadAudience ?? config.issuer,
    ...(request.expirationSeconds ? { expirationSeconds: request.expirationSeconds } : {}),
  });
  process.stdout.write(`${token}\n`);
}

/** The `version` of package.json, which sits one folder above this file (in the repository and in the image). */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
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
      const { hashPassword } = await import('./server/accounts/users.ts');
      process.stdout.write(`${await hashPassword(password)}\n`);
      return;
    }
    case 'mint-sa-token':
      return mintServiceAccountToken(argv);
    case 'generate-keys': {
      const { generateSigningKeys } = await import('./server/provider/keys.ts');
      process.stdout.write(`${JSON.stringify(generateSigningKeys(), null, 2)}\n`);
      return;
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    case '--version':
      process.stdout.write(`${version()}\n`);
      return;
    default:
      // No command or an unknown one is a mistake (a script that lost its argument): usage on stderr, exit 2.
      process.stderr.write(command ? `purser: unknown command "${command}"\n${USAGE}` : USAGE);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const userError = error instanceof ConfigError || error instanceof LogFormatError;
  process.stderr.write(`purser: ${userError ? (error as Error).message : (error as Error).stack}\n`);
  process.exit(userError ? 2 : 1);
});
