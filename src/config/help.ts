// `purser server --help` and `purser controller --help`: every flag with its environment variable and default,
// generated from src/config/settings.ts like the README's table, so the two never disagree.
import { envName, flagName, type Setting, settings } from './settings.ts';

/** Width the descriptions are wrapped to, in columns. */
const WIDTH = 100;
/** Column the environment variable starts at; a longer flag puts its variable on a line of its own. */
const FLAG_COLUMN = 40;
const INDENT = '      ';

/** Description prefixes of settings only `purser server` reads; "Controller:" marks the controller's own. */
const SERVER_ONLY = /^(Server|Dev mode|Device flow|Back-channel logout)\b/;

/**
 * Which command reads `setting`, from its description's prefix: "Controller:" → controller; "Server:", "Dev
 * mode:", "Device flow" and "Back-channel logout:" → server; no prefix → both (Redis, logging, lifetimes...).
 */
export function settingCommand(setting: Setting): 'server' | 'controller' | 'both' {
  if (setting.description.startsWith('Controller:')) return 'controller';
  return SERVER_ONLY.test(setting.description) ? 'server' : 'both';
}

/** `text` without Markdown code marks, wrapped at word boundaries to WIDTH columns, each line indented. */
export function wrap(text: string, indent = INDENT, width = WIDTH): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replaceAll('`', '').split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.map((text) => `${indent}${text}\n`).join('');
}

/** One setting: `--flag <kind>`, its variable and default(s), then its whole description wrapped and indented. */
function entry(setting: Setting): string {
  const flag = `--${flagName(setting.key)}${setting.kind === 'boolean' ? '' : ` <${setting.kind}>`}`;
  const defaults = [
    setting.default === undefined ? 'no default' : `default ${setting.default === '' ? '""' : setting.default}`,
    ...(setting.devDefault === undefined ? [] : [`with --dev ${setting.devDefault}`]),
  ].join(', ');
  const variable = `${envName(setting.key).padEnd(FLAG_COLUMN)} ${defaults}`;
  const head = flag.length < FLAG_COLUMN
    ? `  ${flag.padEnd(FLAG_COLUMN)} ${variable}\n`
    : `  ${flag}\n  ${' '.repeat(FLAG_COLUMN)} ${variable}\n`;
  return `${head}${wrap(setting.description)}`;
}

/** The help text of `purser <command> --help`: usage, then the settings that command reads. */
export function settingsHelp(command: 'server' | 'controller'): string {
  const list: readonly Setting[] = settings;
  return [
    `usage: purser ${command} [flags]\n\n`,
    'Every setting is a flag or an environment variable; a flag wins over its variable. Durations: 90s, 15m, 1h, 14d.\n',
    'The README explains each setting in full.\n\n',
    ...list.filter((setting) => [command, 'both'].includes(settingCommand(setting))).map(entry),
  ].join('');
}
