import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { MountContext } from '@wsgi-bridge/core/adapter';

/**
 * gunicorn's `forwarded_allow_ips`: the peers (proxies) trusted to say, in
 * `X-Forwarded-Proto` and `X-Forwarded-For`, what the client's scheme and address were.
 * `'*'` trusts every peer. A Unix socket peer is always trusted, as in gunicorn: only a
 * process on this machine can connect to it.
 */
export interface TrustedProxies {
  trusts(address: string | undefined): boolean;
}

const EVERYONE: TrustedProxies = { trusts: () => true };
const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * Read the option: a comma-separated string or a list of IP addresses, CIDR networks
 * (`10.0.0.0/8`) or `'*'`. Throws a TypeError naming a bad entry.
 */
export function trustedProxies(option: string | readonly string[]): TrustedProxies {
  const entries = (typeof option === 'string' ? option.split(',') : option).map((entry) => entry.trim()).filter(Boolean);
  if (entries.includes('*')) return EVERYONE;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? null : Number(prefix);
    if (family === 0 || (bits !== null && !(Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128)))) {
      throw new TypeError(`forwardedAllowIps: ${JSON.stringify(entry)} is not an IP address, a network (10.0.0.0/8) or '*'`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === null) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return {
    trusts(address) {
      if (address === undefined) return true;
      const plain = unmapped(address);
      return list.check(plain, isIP(plain) === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** `::ffff:127.0.0.1`, as a dual-stack socket reports an IPv4 peer, is `127.0.0.1`. */
function unmapped(address: string): string {
  return IPV4_MAPPED.exec(address)?.[1] ?? address;
}

/**
 * The scheme and client address a trusted proxy forwarded, as environ overrides; undefined
 * when the peer is not trusted or sent neither header. The client is the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy (each proxy appends the peer it
 * saw, so entries left of the last untrusted one may be forged by the client).
 */
export function forwardedContext(req: IncomingMessage, proxies: TrustedProxies): MountContext | undefined {
  const proto = req.headers['x-forwarded-proto'];
  const forwardedFor = req.headers['x-forwarded-for'];
  if ((proto === undefined && forwardedFor === undefined) || !proxies.trusts(req.socket.remoteAddress)) return undefined;
  const scheme = typeof proto === 'string' ? proto.trim().toLowerCase() : undefined;
  return {
    urlScheme: scheme === 'https' || scheme === 'http' ? scheme : undefined,
    remoteAddr: forwardedFor === undefined ? undefined : clientOf(forwardedFor, proxies),
  };
}

function clientOf(forwardedFor: string | string[], proxies: TrustedProxies): string | undefined {
  // Node joins repeated X-Forwarded-For headers with ', '; the type allows a list.
  const hops = String(forwardedFor).split(',').map((hop) => hop.trim()).filter((hop) => isIP(hop) !== 0);
  for (let i = hops.length - 1; i > 0; i--) {
    if (!proxies.trusts(hops[i])) return hops[i];
  }
  return hops[0];
}
