// fastify's pattern: every error code and description Purser produces is documented in the README's "Errors"
// section, word for word, and everything documented there exists.
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import * as codes from '../../src/server/errors/codes.ts';
import * as descriptions from '../../src/server/errors/descriptions.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const SECTION = README.slice(README.indexOf('\n## Errors\n'), README.indexOf('\n## ', README.indexOf('\n## Errors\n') + 1));

/** The rows of the section's tables: their cells, without the code-span backticks. */
const rows = SECTION.split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) => line.slice(1, -1).split(' | ').map((cell) => cell.trim().replace(/^`(.*)`$/, '$1')));

const CODES: string[] = Object.values(codes);
const DESCRIPTIONS = (Object.entries(descriptions) as Array<[string, unknown]>).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
const codeRows = rows.filter((cells) => cells.length === 3 && !(cells[0]! in descriptions));
const descriptionRows = new Map(rows.filter((cells) => cells[0]! in descriptions).map(([name, code, text]) => [name!, { code: code!, text: text! }]));

describe('README "Errors"', () => {
  it('has the section', () => {
    expect(SECTION.length).toBeGreaterThan(1000);
  });

  it.each(CODES)('documents the error code %s', (code) => {
    expect(codeRows.map(([documented]) => documented)).toContain(code);
  });

  it('documents no error code that Purser does not raise', () => {
    expect(codeRows.map(([documented]) => documented).filter((code) => !CODES.includes(code!))).toEqual([]);
  });

  it.each(DESCRIPTIONS)('documents %s word for word, under an error code Purser raises', (name, text) => {
    expect(descriptionRows.get(name)?.text).toBe(text);
    expect(CODES).toContain(descriptionRows.get(name)?.code);
  });

  it('documents no description that does not exist', () => {
    expect([...descriptionRows.keys()].filter((name) => typeof (descriptions as Record<string, unknown>)[name] !== 'string')).toEqual([]);
  });
});
