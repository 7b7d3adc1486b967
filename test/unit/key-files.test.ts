// Parsing the mounted key files: a broken file is refused with a message that says where, and that message goes
// to the log, so it must never quote the file (private keys).
import { describe, expect, it } from 'vitest';

import { KeyFileError, parseSigningKeys } from '../../src/server/provider/keys.ts';

const refusal = (detail: string) => new KeyFileError(`jwks.json: cannot read a JSON Web Key Set (${detail})`);

describe('parseSigningKeys', () => {
  it('refuses a file that is not JSON without quoting any of it', () => {
    expect(() => parseSigningKeys('{"keys": [{"kty": "EC", "crv": "P-256", "d": PRIVATEKEYMATERIAL}]}', 'jwks.json')).toThrow(refusal('not valid JSON'));
  });

  it('keeps the position when the parser gives one', () => {
    expect(() => parseSigningKeys('{"keys": [{"d": "PRIVATE" "x"}]}', 'jwks.json')).toThrow(refusal('not valid JSON at position 26'));
  });
});
