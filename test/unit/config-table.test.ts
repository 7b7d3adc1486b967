// The README's configuration table is generated from src/config/settings.ts; this keeps the two in step.
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { envName, flagName, settings } from '../../src/config/settings.ts';
import { README_PATH, extractConfigTable, renderConfigTable, replaceConfigTable } from '../../scripts/config-table.ts';

describe('configuration table', () => {
  it('README.md shows the table generated from settings.ts (run `npm run docs:config`)', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(extractConfigTable(readme)).toBe(renderConfigTable());
  });

  it('names every setting PURSER_*, with unique environment variables and flags', () => {
    const envs = settings.map((s) => envName(s.key));
    for (const env of envs) expect(env).toMatch(/^PURSER_[A-Z0-9_]+$/);
    expect(new Set(envs).size).toBe(envs.length);
    const flags = settings.map((s) => flagName(s.key));
    expect(new Set(flags).size).toBe(flags.length);
  });

  it('renders one row per setting and replaces only the text between the markers', () => {
    const table = renderConfigTable();
    expect(table.split('\n')).toHaveLength(settings.length + 2);
    expect(table).toContain('| `PURSER_REDIS_URL` | `--redis-url` | — | same |');
    const doc = 'intro\n<!-- config-table:start -->\nold\n<!-- config-table:end -->\noutro\n';
    const updated = replaceConfigTable(doc, table);
    expect(updated.startsWith('intro\n<!-- config-table:start -->\n| Environment variable')).toBe(true);
    expect(updated.endsWith(`\n<!-- config-table:end -->\noutro\n`)).toBe(true);
    expect(extractConfigTable(updated)).toBe(table);
    expect(() => extractConfigTable('no markers')).toThrow(/config-table:start/);
  });
});
