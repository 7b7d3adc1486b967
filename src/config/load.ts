// Turns environment variables and command-line flags into one typed, validated configuration object.
import { parseArgs } from 'node:util';

import { parseDuration } from '../api/duration.ts';
import { clientIdPatternProblem } from '../api/tenancy.ts';
import { envName, flagName, settings, type Setting } from './settings.ts';

type Settings = typeof settings;
type ValueOf<S extends Setting> = S['kind'] extends 'integer' | 'duration'
  ? number
  : S['kind'] extends 'boolean'
    ? boolean
    : S['kind'] extends 'list'
      ? string[]
      : string;

type Required<S extends Setting> = S extends { default: string } ? ValueOf<S> : ValueOf<S> | undefined;

/** The parsed configuration: durations in seconds. */
export type Config = { readonly [S in Settings[number] as S['key']]: Required<S> };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function convert(setting: Setting, raw: string, source: string): unknown {
  switch (setting.kind) {
    case 'integer': {
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${source}: expected a whole number, got "${raw}"`);
      return value;
    }
    case 'boolean':
      if (!['true', 'false', '1', '0'].includes(raw)) throw new ConfigError(`${source}: expected true or false, got "${raw}"`);
      return raw === 'true' || raw === '1';
    case 'duration': {
      const value = parseDuration(raw);
      if (value === undefined) throw new ConfigError(`${source}: expected a duration such as 90s, 15m, 1h or 14d, got "${raw}"`);
      return value;
    }
    case 'list':
      return raw.split(',').map((item) => item.trim()).filter(Boolean);
    default:
      return raw;
  }
}

const BOOLEAN_FLAGS = new Set(settings.filter((s) => s.kind === 'boolean').map((s) => flagName(s.key)));

/**
 * `--flag=true|false|1|0` of a boolean setting as parseArgs takes it: `--flag` or `--no-flag` (a default-true setting
 * must be possible to turn off with its flag). Anything else is left for parseArgs and `convert` to refuse.
 */
function booleanValues(argv: string[]): string[] {
  return argv.map((arg) => {
    const match = /^--([a-z0-9-]+)=(true|false|1|0)$/.exec(arg);
    if (!match || !BOOLEAN_FLAGS.has(match[1]!)) return arg;
    return match[2] === 'true' || match[2] === '1' ? `--${match[1]}` : `--no-${match[1]}`;
  });
}

/**
 * Reads every setting from `argv` flags first, then `env`, then its default (the dev default in dev mode).
 * Unknown flags are an error, so a typo never silently falls back to a default.
 */
export function loadConfig(argv: string[] = [], env: NodeJS.ProcessEnv = process.env, command: Command = 'server'): Config {
  const options = Object.fromEntries(
    settings.map((s) => [flagName(s.key), { type: s.kind === 'boolean' ? 'boolean' : 'string' } as const]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: booleanValues(argv), options, strict: true, allowPositionals: false, allowNegative: true }));
  } catch (error) {
    // parseArgs names the flag; say where the right ones are listed.
    throw new ConfigError(`${(error as Error).message} (purser ${command} --help lists the flags)`);
  }

  const rawOf = (s: Setting): [string, string] | undefined => {
    const flag = values[flagName(s.key)];
    if (flag !== undefined) return [String(flag), `--${flagName(s.key)}`];
    // An empty variable (a Helm template with no value, say) means "not set", never "true" or port 0.
    const fromEnv = env[envName(s.key)];
    if (fromEnv !== undefined && fromEnv !== '') return [fromEnv, envName(s.key)];
    return undefined;
  };

  const devRaw = rawOf(settings[0]);
  const dev = devRaw ? (convert(settings[0], devRaw[0], devRaw[1]) as boolean) : false;

  const config: Record<string, unknown> = {};
  for (const setting of settings as readonly Setting[]) {
    const given = rawOf(setting);
    const fallback = dev && setting.devDefault !== undefined ? setting.devDefault : setting.default;
    if (given) config[setting.key] = convert(setting, given[0], given[1]);
    else if (fallback !== undefined) config[setting.key] = convert(setting, fallback, `default of ${envName(setting.key)}`);
  }
  // With no issuer given, it is the local address of the port in use: `--port=4001` alone must not advertise :4000.
  if (!rawOf(ISSUER)) config.issuer = `http://localhost:${config.port as number}`;
  return validate(config as Config, command);
}

const ISSUER = settings.find((setting) => setting.key === 'issuer')!;

/** The process the configuration is for: each needs its own files in production. */
export type Command = 'server' | 'controller';

const REQUIRED_IN_PRODUCTION: Record<Command, readonly (keyof Config)[]> = {
  server: ['redisUrl', 'jwksFile', 'cookieKeysFile'],
  controller: ['redisUrl'],
};

function validate(config: Config, command: Command): Config {
  if (!['standalone', 'sentinel', 'cluster'].includes(config.redisMode)) {
    throw new ConfigError(`PURSER_REDIS_MODE: expected standalone, sentinel or cluster, got "${config.redisMode}"`);
  }
  if (!['open', 'enforced'].includes(config.tenancy)) {
    throw new ConfigError(`PURSER_TENANCY: expected enforced or open, got "${config.tenancy}"`);
  }
  if (!['json', 'pretty'].includes(config.logFormat)) {
    throw new ConfigError(`PURSER_LOG_FORMAT: expected json or pretty, got "${config.logFormat}"`);
  }
  try {
    new URL(config.issuer);
  } catch {
    throw new ConfigError(`PURSER_ISSUER: expected an absolute URL such as https://auth.example.com, got "${config.issuer}"`);
  }
  // A key is published one period before it signs: shorter than the propagation, a replica could sign with a key
  // that another replica's JWKS does not list yet.
  if (command === 'controller' && config.manageKeys && config.signingKeyRotationPeriod <= config.keysPropagationDelay) {
    throw new ConfigError('PURSER_SIGNING_KEY_ROTATION_PERIOD must be longer than PURSER_KEYS_PROPAGATION_DELAY, so every server lists a key before any server signs with it');
  }
  if (config.requestTimeout < config.headersTimeout) {
    throw new ConfigError('PURSER_REQUEST_TIMEOUT must be at least PURSER_HEADERS_TIMEOUT: a request\'s headers are part of it');
  }
  if (!['base-20', 'digits'].includes(config.deviceUserCodeCharset)) {
    throw new ConfigError(`PURSER_DEVICE_USER_CODE_CHARSET: expected base-20 or digits, got "${config.deviceUserCodeCharset}"`);
  }
  if (config.devicePollInterval < 1) throw new ConfigError('PURSER_DEVICE_POLL_INTERVAL: expected at least 1s');
  if (config.trustedProxyHops < 1) throw new ConfigError('PURSER_TRUSTED_PROXY_HOPS: expected 1 or more');
  const badPattern = config.clientIdPatterns.map(clientIdPatternProblem).find(Boolean);
  if (badPattern) throw new ConfigError(`PURSER_CLIENT_ID_PATTERNS: ${badPattern}`);
  if (!config.dev) {
    const missing = REQUIRED_IN_PRODUCTION[command].filter((key) => !config[key]);
    if (missing.length) {
      throw new ConfigError(
        `production mode needs ${missing.map(envName).join(', ')} (or run with --dev for a local trial)`,
      );
    }
  }
  return config;
}
