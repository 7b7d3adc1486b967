// The key a guessing limit counts an address under. One IPv6 host is normally given a whole /64 (RFC 4291 §2.5.4,
// RFC 7421), and picks any address in it at will (privacy addresses, RFC 8981): counted per address, an attacker
// there has 2^64 fresh budgets. An IPv4 address seen on an IPv6 socket (::ffff:a.b.c.d) is that IPv4 address.
import { isIPv6 } from 'node:net';

/**
 * `ip` as a limit key: an IPv4 address (or an IPv4-mapped IPv6 one) as dotted IPv4, an IPv6 address as its /64
 * prefix (`2001:db8:1:2::/64`), either without a port a proxy wrote beside it (`1.2.3.4:5678`, `[2001:db8::1]:443`),
 * anything else (an empty or unparsed address) unchanged.
 */
export function addressKey(ip: string): string {
  // Some proxies (Azure Application Gateway) write the client's port too, a new one per connection.
  const withPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(ip) ?? /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (withPort) return addressKey(withPort[1]!);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = ip.split('%')[0]!.split('::');
  const headGroups = head ? head.split(':') : [];
  // Only the first four groups count; an embedded IPv4 tail is in the last two, so its form does not matter here.
  const tailGroups = tail ? tail.split(':') : [];
  const groups = [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'), ...tailGroups];
  return `${groups.slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::/64`;
}
