// `purser server --help` / `purser controller --help`, generated from src/config/settings.ts.
import { describe, expect, it } from 'vitest';

import { settingCommand, settingsHelp, wrap } from '../../src/config/help.ts';
import { envName, flagName, type Setting, settings } from '../../src/config/settings.ts';

const all: readonly Setting[] = settings;
const byKey = (key: string) => all.find((setting) => setting.key === key)!;
/** The block of help text of one flag: its line(s) up to the next flag. */
const block = (help: string, key: string) => help.split(/\n(?= {2}--)/).find((part) => part.trimStart().startsWith(`--${flagName(key)}`));

describe('settings help', () => {
  it('prints the whole description, past an "e.g." and with the allowed values', () => {
    const help = settingsHelp('server');
    const flat = (text: string) => text.replaceAll('`', '').replace(/\s+/g, ' ').trim();
    for (const key of ['redisUrl', 'tenancy', 'deviceUserCodeCharset']) {
      expect(block(help, key)!.replace(/\s+/g, ' '), key).toContain(flat(byKey(key).description));
    }
    expect(block(help, 'tenancy')).toContain('open: the behaviour before OAuthAPI');
    expect(block(help, 'deviceUserCodeCharset')).toContain('digits: 9 digits');
  });

  it('wraps descriptions to 100 columns, indented under their flag', () => {
    const help = settingsHelp('server');
    const descriptionLines = help.split('\n').filter((line) => line.startsWith('      ') && !line.trimStart().startsWith('PURSER_'));
    expect(descriptionLines.length).toBeGreaterThan(all.length);
    for (const line of descriptionLines) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(wrap('one two three', '  ', 10)).toBe('  one two\n  three\n');
  });

  it('lists each command only the settings it reads: "Controller:" for the controller, server-only prefixes for the server', () => {
    const server = settingsHelp('server');
    const controller = settingsHelp('controller');
    const has = (help: string, key: string) => block(help, key) !== undefined;
    expect(has(server, 'leaderElection')).toBe(false);
    expect(has(controller, 'leaderElection')).toBe(true);
    for (const key of ['workloadAudience', 'deviceCodeTtl', 'backchannelLogoutTimeout', 'devServiceAccountIssuerKey']) {
      expect(has(server, key), key).toBe(true);
      expect(has(controller, key), key).toBe(false);
    }
    for (const key of ['redisUrl', 'logLevel']) expect(has(server, key) && has(controller, key), key).toBe(true);
    for (const setting of all) {
      const reader = settingCommand(setting);
      expect(has(server, setting.key), setting.key).toBe(reader !== 'controller');
      expect(has(controller, setting.key), setting.key).toBe(reader !== 'server');
    }
  });

  it('puts the variable of a flag longer than its column on a line of its own, aligned with the others', () => {
    const lines = settingsHelp('server').split('\n');
    const column = lines.find((line) => line.startsWith('  --port '))!.indexOf(envName('port'));
    const variable = envName('devServiceAccountIssuerKey');
    const at = lines.findIndex((line) => line.includes(variable));
    expect(lines[at - 1]!.trim()).toBe(`--${flagName('devServiceAccountIssuerKey')} <string>`);
    expect(lines[at]!.indexOf(variable)).toBe(column);
  });
});
