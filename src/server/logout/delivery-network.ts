// Where a logout token may go. A backchannelLogoutUri is chosen by whoever may edit an OAuthClient, and the POST
// leaves from inside Purser's pod: without a limit, an app team could aim it at the pod's own loopback (a sidecar's
// admin port), the node's link-local cloud metadata service, or internal services, and fire it by logging in and out.
// The check is on the address actually connected to, after DNS resolution, so a name that resolves (or re-resolves:
// DNS rebinding) to a forbidden address is refused too.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

import { Agent } from 'undici';

/** Which kinds of address a delivery may reach besides public ones. */
export interface DeliveryNetworkOptions {
  /** Loopback (127/8, ::1) and the unspecified address (0.0.0.0, ::), which connects to loopback: dev mode and tests. */
  allowLoopback: boolean;
  /** Private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7): receivers inside the cluster. */
  allowPrivateNetworks: boolean;
}

/** A delivery refused because of the address it would reach; the message names the kind of address, never a token. */
export class RefusedAddress extends Error {
  readonly code = 'EPURSER_REFUSED_ADDRESS';
}

/** The dispatcher that connects only to allowed addresses, and the check for an IP literal (never resolved, so never seen by `lookup`). */
export interface DeliveryNetwork {
  dispatcher: Agent;
  /** Why `hostname` (a URL's hostname: an IPv6 literal in brackets) may not be reached, or undefined. */
  refusal(hostname: string): string | undefined;
}

type Family = 'ipv4' | 'ipv6';

function blockList(ranges: Array<[string, number, Family]>): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

// BlockList matches an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against the IPv4 ranges too.
const LOOPBACK = blockList([['127.0.0.0', 8, 'ipv4'], ['0.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6'], ['::', 128, 'ipv6']]);
/** Link-local, where cloud metadata lives (169.254.169.254), and AWS's IPv6 metadata address: never a logout receiver. */
const LINK_LOCAL = blockList([['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6'], ['fd00:ec2::254', 128, 'ipv6']]);
const PRIVATE = blockList([['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['100.64.0.0', 10, 'ipv4'], ['fc00::', 7, 'ipv6']]);

/** Why `address` (an IP address without brackets) may not be reached under `options`, or undefined. */
export function addressRefusal(address: string, options: DeliveryNetworkOptions): string | undefined {
  const family: Family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (LINK_LOCAL.check(address, family)) return `${address} is a link-local or metadata address`;
  if (!options.allowLoopback && LOOPBACK.check(address, family)) return `${address} is a loopback or unspecified address`;
  if (!options.allowPrivateNetworks && PRIVATE.check(address, family)) return `${address} is a private address (PURSER_BACKCHANNEL_LOGOUT_ALLOW_PRIVATE_NETWORKS is false)`;
  return undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls.connect that resolves as usual and fails with RefusedAddress when any resolved address is
 * forbidden: the socket then connects to an address that was checked, with no second resolution in between.
 */
function guardedLookup(options: DeliveryNetworkOptions) {
  return (hostname: string, lookupOptions: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refusal = addresses.map(({ address }) => addressRefusal(address, options)).find(Boolean);
      if (refusal) return callback(new RefusedAddress(`${hostname} resolves to ${refusal}`), []);
      if (lookupOptions.all) return callback(null, addresses);
      const [first] = addresses;
      return first ? callback(null, first.address, first.family) : callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    });
  };
}

/** The network a server delivers logout tokens over (one per process: it pools connections). */
export function deliveryNetwork(options: DeliveryNetworkOptions): DeliveryNetwork {
  return {
    dispatcher: new Agent({ connect: { lookup: guardedLookup(options) } }),
    refusal: (hostname) => {
      const literal = hostname.replace(/^\[(.*)\]$/, '$1');
      return isIP(literal) ? addressRefusal(literal, options) : undefined;
    },
  };
}
