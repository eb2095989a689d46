// ipset's own error codes (enum ipset_errno and the per-type codes that
// start at IPSET_ERR_TYPE_SPECIFIC) by name; everything below 4096 is an errno.
import { errnoName } from '../mapping/errno';

const COMMON: Record<number, string> = {
  4097: 'IPSET_ERR_PROTOCOL',
  4098: 'IPSET_ERR_FIND_TYPE',
  4099: 'IPSET_ERR_MAX_SETS',
  4100: 'IPSET_ERR_BUSY',
  4101: 'IPSET_ERR_EXIST_SETNAME2',
  4102: 'IPSET_ERR_TYPE_MISMATCH',
  4103: 'IPSET_ERR_EXIST',
  4104: 'IPSET_ERR_INVALID_CIDR',
  4105: 'IPSET_ERR_INVALID_NETMASK',
  4106: 'IPSET_ERR_INVALID_FAMILY',
  4107: 'IPSET_ERR_TIMEOUT',
  4108: 'IPSET_ERR_REFERENCED',
  4109: 'IPSET_ERR_IPADDR_IPV4',
  4110: 'IPSET_ERR_IPADDR_IPV6',
  4111: 'IPSET_ERR_COUNTER',
  4112: 'IPSET_ERR_COMMENT',
  4113: 'IPSET_ERR_INVALID_MARKMASK',
  4114: 'IPSET_ERR_SKBINFO',
  4115: 'IPSET_ERR_BITMASK_NETMASK_EXCL',
};

const TYPE_SPECIFIC = 4352;
const BY_FAMILY: Record<string, string[]> = {
  hash: ['IPSET_ERR_HASH_FULL', 'IPSET_ERR_HASH_ELEM', 'IPSET_ERR_INVALID_PROTO', 'IPSET_ERR_MISSING_PROTO', 'IPSET_ERR_HASH_RANGE_UNSUPPORTED', 'IPSET_ERR_HASH_RANGE'],
  bitmap: ['IPSET_ERR_BITMAP_RANGE', 'IPSET_ERR_BITMAP_RANGE_SIZE'],
  list: ['IPSET_ERR_NAME', 'IPSET_ERR_LOOP', 'IPSET_ERR_BEFORE', 'IPSET_ERR_NAMEREF', 'IPSET_ERR_LIST_FULL', 'IPSET_ERR_REF_EXIST'],
};

/** code is positive (4103, 2); setType ("hash:ip") names the per-type codes when known. */
export function ipsetErrorName(code: number, setType?: string): string {
  if (code < 4096) return errnoName(code);
  if (COMMON[code]) return COMMON[code];
  if (code >= TYPE_SPECIFIC) {
    const family = setType?.split(':')[0];
    const name = family ? BY_FAMILY[family]?.[code - TYPE_SPECIFIC] : undefined;
    return name ?? `IPSET_ERR_TYPE_SPECIFIC+${code - TYPE_SPECIFIC}`;
  }
  return `IPSET_ERR_${code}`;
}
