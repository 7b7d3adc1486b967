// Renders the README's configuration table from src/config/settings.ts, the one list of settings.
//   node scripts/config-table.ts           print the table
//   node scripts/config-table.ts --write   replace the table between the README markers
//   node scripts/config-table.ts --check   exit 1 if the README's table is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { envName, flagName, type Setting, settings } from '../src/config/settings.ts';

export const START_MARKER = '<!-- config-table:start -->';
export const END_MARKER = '<!-- config-table:end -->';
export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));

/** A value in a table cell: code-formatted, `—` when unset. */
function value(text: string | undefined): string {
  if (text === undefined) return '—';
  return text === '' ? '`""`' : `\`${text}\``;
}

/** Pipes would end the cell and newlines the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

export function renderConfigTable(): string {
  // Widen the `as const` tuple so optional fields can be read on every element.
  const list: readonly Setting[] = settings;
  const rows = list.map((s) =>
    [
      `\`${envName(s.key)}\``,
      `\`--${flagName(s.key)}\``,
      value(s.default),
      s.devDefault === undefined ? 'same' : value(s.devDefault),
      cell(s.description),
    ].join(' | '),
  );
  return [
    '| Environment variable | Flag | Default | Dev default | Description |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** Start and end offsets of the text between the markers; throws a clear error if they are missing. */
function markers(readme: string, path: string): { from: number; to: number } {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`${path} must contain ${START_MARKER} followed by ${END_MARKER} where the configuration table goes.`);
  }
  return { from: start + START_MARKER.length, to: end };
}

/** The table currently between the markers, without surrounding blank lines. */
export function extractConfigTable(readme: string, path = 'README.md'): string {
  const { from, to } = markers(readme, path);
  return readme.slice(from, to).trim();
}

/** The README with the text between the markers replaced by `table`. */
export function replaceConfigTable(readme: string, table: string, path = 'README.md'): string {
  const { from, to } = markers(readme, path);
  return `${readme.slice(0, from)}\n${table}\n${readme.slice(to)}`;
}

function main(args: string[]): number {
  if (!args.includes('--write') && !args.includes('--check')) {
    process.stdout.write(`${renderConfigTable()}\n`);
    return 0;
  }
  let readme: string;
  try {
    readme = readFileSync(README_PATH, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read ${README_PATH}: ${(error as Error).message}`, { cause: error });
  }
  const table = renderConfigTable();
  if (args.includes('--check')) {
    if (extractConfigTable(readme, README_PATH) === table) return 0;
    console.error('README.md configuration table is stale: run `npm run docs:config` and commit the result.');
    return 1;
  }
  const updated = replaceConfigTable(readme, table, README_PATH);
  if (updated !== readme) writeFileSync(README_PATH, updated);
  console.error(updated === readme ? 'README.md table already up to date.' : 'README.md table updated.');
  return 0;
}

// Run only as a script, not when imported by a test.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`config-table: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
