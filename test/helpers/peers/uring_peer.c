// Network activity through io_uring only (and plain write()/read()), so the
// tests can show what a sensor that watches syscalls would miss. Each mode
// prints JSON lines: {"pid",...} first, then what it did.
//   tcp-server HOST                 accept one connection (IORING_OP_ACCEPT), read it to EOF (RECV), close
//   tcp-server-direct HOST          the same with a direct descriptor (a slot of the ring's file table, no fd)
//   tcp-client HOST PORT BYTES      connect (CONNECT), send BYTES (SEND), close
//   udp-sendmsg HOST PORT N SIZE    N datagrams with a destination (SENDMSG) from an unconnected socket
//   udp-recvmsg HOST N              bind, receive N datagrams with their source (RECVMSG)
//   udp-write HOST PORT N SIZE      connect the socket, then write() N datagrams
//   udp-read HOST N                 bind, connect-less, read() N datagrams
//   netlink-sendmsg HEX...          each HEX a netlink message, sent on a NETLINK_NETFILTER socket (SENDMSG)
//   netlink-write HEX...            the same with write()
#include <arpa/inet.h>
#include <liburing.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct io_uring ring;

static int wait_one(void) {
  struct io_uring_cqe *cqe;
  io_uring_submit(&ring);
  if (io_uring_wait_cqe(&ring, &cqe) < 0) exit(2);
  int res = cqe->res;
  io_uring_cqe_seen(&ring, cqe);
  return res;
}

static struct sockaddr_storage addr_of(const char *host, int port, socklen_t *len) {
  struct sockaddr_storage ss = {0};
  if (strchr(host, ':')) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    inet_pton(AF_INET6, host, &a->sin6_addr);
    *len = sizeof(*a);
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    inet_pton(AF_INET, host, &a->sin_addr);
    *len = sizeof(*a);
  }
  return ss;
}

static int port_of(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  getsockname(fd, (struct sockaddr *)&ss, &len);
  return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
}

static int bound(const char *host, int type) {
  socklen_t len;
  struct sockaddr_storage ss = addr_of(host, 0, &len);
  int fd = socket(ss.ss_family, type, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) exit(2);
  return fd;
}

static void hex_to(const char *hex, unsigned char *out, size_t *n) {
  *n = strlen(hex) / 2;
  for (size_t i = 0; i < *n; i++) sscanf(hex + 2 * i, "%2hhx", &out[i]);
}

int main(int argc, char **argv) {
  if (argc < 2 || io_uring_queue_init(8, &ring, 0) < 0) return 2;
  const char *mode = argv[1];
  char buf[65536];
  memset(buf, 'u', sizeof(buf));
  if (!strcmp(mode, "tcp-server") || !strcmp(mode, "tcp-server-direct")) {
    int direct = !strcmp(mode, "tcp-server-direct");
    int lfd = bound(argv[2], SOCK_STREAM);
    listen(lfd, 8);
    if (direct && io_uring_register_files_sparse(&ring, 4) < 0) return 2;
    printf("{\"pid\":%d,\"port\":%d}\n", getpid(), port_of(lfd));
    fflush(stdout);
    struct io_uring_sqe *accept = io_uring_get_sqe(&ring);
    io_uring_prep_accept(accept, lfd, NULL, NULL, 0);
    // the kernel's ABI, not liburing's helper (whose meaning of ALLOC changed between versions): pick a free slot
    if (direct) accept->file_index = IORING_FILE_INDEX_ALLOC;
    int fd = wait_one();
    if (fd < 0) return 3;
    long total = 0;
    for (int n;;) {
      struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
      io_uring_prep_recv(sqe, fd, buf, sizeof(buf), 0);
      if (direct) sqe->flags |= IOSQE_FIXED_FILE;
      if ((n = wait_one()) <= 0) break;
      total += n;
    }
    if (direct) io_uring_prep_close_direct(io_uring_get_sqe(&ring), fd);
    else io_uring_prep_close(io_uring_get_sqe(&ring), fd);
    wait_one();
    printf("{\"pid\":%d,\"received\":%ld}\n", getpid(), total);
  } else if (!strcmp(mode, "tcp-client")) {
    socklen_t len;
    struct sockaddr_storage ss = addr_of(argv[2], atoi(argv[3]), &len);
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    io_uring_prep_connect(io_uring_get_sqe(&ring), fd, (struct sockaddr *)&ss, len);
    if (wait_one() < 0) return 3;
    printf("{\"pid\":%d,\"localPort\":%d}\n", getpid(), port_of(fd));
    fflush(stdout);
    io_uring_prep_send(io_uring_get_sqe(&ring), fd, buf, atoi(argv[4]), 0);
    wait_one();
    io_uring_prep_close(io_uring_get_sqe(&ring), fd);
    wait_one();
  } else if (!strcmp(mode, "udp-sendmsg") || !strcmp(mode, "udp-write")) {
    socklen_t len;
    struct sockaddr_storage ss = addr_of(argv[2], atoi(argv[3]), &len);
    int fd = bound(argv[2], SOCK_DGRAM);
    int n = atoi(argv[4]), size = atoi(argv[5]), sent = 0;
    int use_write = !strcmp(mode, "udp-write");
    if (use_write && connect(fd, (struct sockaddr *)&ss, len) < 0) return 3;
    printf("{\"pid\":%d,\"localPort\":%d}\n", getpid(), port_of(fd));
    fflush(stdout);
    for (int i = 0; i < n; i++) {
      struct iovec iov = {buf, (size_t)size};
      struct msghdr msg = {.msg_name = &ss, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1};
      if (use_write) {
        sent += write(fd, buf, size) == size;
      } else {
        io_uring_prep_sendmsg(io_uring_get_sqe(&ring), fd, &msg, 0);
        sent += wait_one() == size;
      }
    }
    printf("{\"pid\":%d,\"sent\":%d}\n", getpid(), sent);
  } else if (!strcmp(mode, "udp-recvmsg") || !strcmp(mode, "udp-read")) {
    int fd = bound(argv[2], SOCK_DGRAM);
    int n = atoi(argv[3]), got = 0;
    printf("{\"pid\":%d,\"port\":%d}\n", getpid(), port_of(fd));
    fflush(stdout);
    for (int i = 0; i < n; i++) {
      struct sockaddr_storage from;
      struct iovec iov = {buf, sizeof(buf)};
      struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1};
      if (!strcmp(mode, "udp-read")) {
        got += read(fd, buf, sizeof(buf)) > 0;
      } else {
        io_uring_prep_recvmsg(io_uring_get_sqe(&ring), fd, &msg, 0);
        got += wait_one() > 0;
      }
    }
    printf("{\"pid\":%d,\"received\":%d}\n", getpid(), got);
  } else if (!strcmp(mode, "netlink-sendmsg") || !strcmp(mode, "netlink-write")) {
    int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    printf("{\"pid\":%d}\n", getpid());
    fflush(stdout);
    for (int i = 2; i < argc; i++) {
      unsigned char msg[8192];
      size_t len;
      hex_to(argv[i], msg, &len);
      if (!strcmp(mode, "netlink-write")) {
        if (write(fd, msg, len) < 0) return 3;
      } else {
        struct iovec iov = {msg, len};
        struct msghdr mh = {.msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = &iov, .msg_iovlen = 1};
        io_uring_prep_sendmsg(io_uring_get_sqe(&ring), fd, &mh, 0);
        if (wait_one() < 0) return 3;
      }
      // the kernel's answer, so the socket does not fill up
      recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    }
    printf("{\"pid\":%d,\"done\":true}\n", getpid());
  } else {
    return 2;
  }
  io_uring_queue_exit(&ring);
  return 0;
}
