import { describe, expect, it } from 'vitest';

import { addressKey } from '../../src/server/address-key.ts';

describe('addressKey (RFC 4291 §2.5.4: an IPv6 host holds a /64)', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:1:2:3', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2:abcd::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['2001:db8:1:2::10.0.0.1', '2001:db8:1:2::/64'],
    ['203.0.113.7:51234', '203.0.113.7'],
    ['[2001:db8:1:2::1]:443', '2001:db8:1:2::/64'],
    ['[2001:db8:1:2::1]', '2001:db8:1:2::/64'],
    ['[::ffff:203.0.113.7]:80', '203.0.113.7'],
    ['', ''],
  ])('%s counts as %s', (ip, key) => expect(addressKey(ip)).toBe(key));

  it('gives distinct /64s distinct keys', () => expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1')));
});
