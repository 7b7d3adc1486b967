// `purser server --help` and `purser controller --help`: every flag with its environment variable and default,
// generated from src/config/settings.ts like the README's table, so the two never disagree.
import { envName, flagName, type Setting, settings } from './settings.ts';

/** The first sentence of a description, without Markdown code marks: one line of help per setting. */
function summary(description: string): string {
  const plain = description.replaceAll('`', '');
  const end = plain.search(/\.(\s|$)/);
  return end === -1 ? plain : plain.slice(0, end + 1);
}

/** One setting: `--flag <kind>`, its variable and default(s) on the first line, its meaning indented below. */
function entry(setting: Setting): string {
  const flag = `--${flagName(setting.key)}${setting.kind === 'boolean' ? '' : ` <${setting.kind}>`}`;
  const defaults = [
    setting.default === undefined ? 'no default' : `default ${setting.default === '' ? '""' : setting.default}`,
    ...(setting.devDefault === undefined ? [] : [`with --dev ${setting.devDefault}`]),
  ].join(', ');
  return `  ${flag.padEnd(40)} ${envName(setting.key).padEnd(40)} ${defaults}\n      ${summary(setting.description)}\n`;
}

/** The help text of `purser <command> --help`: usage, then every setting (flags win over environment variables). */
export function settingsHelp(command: 'server' | 'controller'): string {
  const list: readonly Setting[] = settings;
  return [
    `usage: purser ${command} [flags]\n\n`,
    'Every setting is a flag or an environment variable; a flag wins over its variable. Durations: 90s, 15m, 1h, 14d.\n',
    'Settings that start with "Controller:" are read by purser controller; the README explains each in full.\n\n',
    ...list.map(entry),
  ].join('');
}
