// Linux errno values seen on sockets, by name (error.type wants the name).
const NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 4: 'EINTR', 5: 'EIO', 9: 'EBADF', 11: 'EAGAIN', 12: 'ENOMEM',
  13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 22: 'EINVAL', 24: 'EMFILE',
  28: 'ENOSPC', 32: 'EPIPE', 71: 'EPROTO', 90: 'EMSGSIZE', 92: 'ENOPROTOOPT',
  95: 'EOPNOTSUPP', 97: 'EAFNOSUPPORT', 98: 'EADDRINUSE', 99: 'EADDRNOTAVAIL',
  100: 'ENETDOWN', 101: 'ENETUNREACH', 102: 'ENETRESET', 103: 'ECONNABORTED',
  104: 'ECONNRESET', 105: 'ENOBUFS', 106: 'EISCONN', 107: 'ENOTCONN', 110: 'ETIMEDOUT',
  111: 'ECONNREFUSED', 112: 'EHOSTDOWN', 113: 'EHOSTUNREACH', 114: 'EALREADY',
  115: 'EINPROGRESS', 125: 'ECANCELED',
};

export function errnoName(errno: number): string {
  return NAMES[errno] ?? `E${errno}`;
}
