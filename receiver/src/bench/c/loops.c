// Compiled workloads for the benchmark, so that what is timed is the kernel
// and bpfaudit's probes, not an interpreter.
//   loops connect N        N TCP connections to a local listener (a forked child); the server
//                          closes first, so the client's ports do not run out in TIME_WAIT
//   loops exec N           N times fork + execve(/bin/true) + waitpid
//   loops udp N            N sendto + recvfrom pairs on loopback
//   loops unix N           N sendmsg + recvmsg pairs on a unix stream socketpair
//   loops syscall N        N getppid() calls: what any syscall pays once a syscall tracepoint
//                          (or an audit rule) puts every task on the slow path
// Prints {"ops": N, "seconds": S}.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int listener(struct sockaddr_in *addr) {
  socklen_t len = sizeof(*addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(addr, 0, sizeof(*addr));
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)addr, len) || listen(fd, 512) || getsockname(fd, (struct sockaddr *)addr, &len)) exit(2);
  return fd;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  long n = atol(argv[2]);
  char buf[64] = {0};
  double t0 = now();
  if (!strcmp(argv[1], "connect")) {
    struct sockaddr_in addr;
    int lfd = listener(&addr);
    pid_t server = fork();
    if (server == 0) {
      for (long i = 0; i < n; i++) {
        int c = accept(lfd, NULL, NULL);
        close(c); // the server closes first
      }
      _exit(0);
    }
    close(lfd);
    t0 = now();
    for (long i = 0; i < n; i++) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) return 3;
      while (read(fd, buf, sizeof(buf)) > 0) {
      }
      close(fd);
    }
    waitpid(server, NULL, 0);
  } else if (!strcmp(argv[1], "exec")) {
    for (long i = 0; i < n; i++) {
      pid_t p = fork();
      if (p == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
      }
      waitpid(p, NULL, 0);
    }
  } else if (!strcmp(argv[1], "udp")) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
    if (bind(rx, (struct sockaddr *)&addr, len) || getsockname(rx, (struct sockaddr *)&addr, &len)) return 2;
    for (long i = 0; i < n; i++) {
      struct sockaddr_in from;
      socklen_t flen = sizeof(from);
      sendto(tx, buf, 16, 0, (struct sockaddr *)&addr, len);
      recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
    }
  } else if (!strcmp(argv[1], "unix")) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 2;
    for (long i = 0; i < n; i++) {
      struct iovec iov = {buf, 16};
      struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
      sendmsg(sv[0], &msg, 0);
      recvmsg(sv[1], &msg, 0);
    }
  } else if (!strcmp(argv[1], "syscall")) {
    for (long i = 0; i < n; i++) syscall(SYS_getppid); // not getppid(): no library may answer it
  } else {
    return 2;
  }
  printf("{\"ops\":%ld,\"seconds\":%.6f}\n", n, now() - t0);
  return 0;
}
