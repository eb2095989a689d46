/*
 * bpfaudit-tcx: keeps the inbound program attached at tcx ingress of every
 * wanted interface, including interfaces that appear later (a container's
 * veth), for a receiver that has given up the privileges to attach.
 *
 * Started by the receiver before its privilege drop, with the loaded
 * program's descriptor as fd 3. Holds one tcx link per interface and keeps
 * nothing else: the links are descriptors of this process, so when it ends
 * (the receiver stops, or dies: PR_SET_PDEATHSIG) the kernel detaches them;
 * nothing is pinned and no qdisc or filter is created.
 *
 * It ends when its stdin closes: the receiver, no longer root, cannot signal it.
 *
 * usage: bpfaudit-tcx [--loopback] [PATTERN...]   (no pattern: every interface)
 * stdout, one line each: "attached IFINDEX NAME", "failed IFINDEX NAME ERRNO",
 * "skipped IFINDEX NAME REASON", "detached IFINDEX NAME", "ready" once the
 * interfaces present at start are done.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <poll.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Debian 12's UAPI headers predate tcx (Linux 6.6). */
#define ATTACH_TCX_INGRESS 46
#define PROG_FD 3
#define MAX_IFINDEX 4096

static int links[MAX_IFINDEX]; /* link descriptor by ifindex, 0 when none */
static char **patterns;
static int npatterns;
static int loopback;

static int wanted(const char *name, unsigned short type)
{
	int i;

	if (type == ARPHRD_LOOPBACK)
		return loopback;
	if (npatterns == 0)
		return 1;
	for (i = 0; i < npatterns; i++)
		if (fnmatch(patterns[i], name, 0) == 0)
			return 1;
	return 0;
}

static int tcx_attach(int ifindex)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = PROG_FD;
	attr.link_create.target_fd = ifindex; /* target_ifindex for tcx */
	attr.link_create.attach_type = ATTACH_TCX_INGRESS;
	return syscall(SYS_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
}

static void on_link(struct ifinfomsg *ifi, int len, int removed)
{
	struct rtattr *rta;
	const char *name = "?";
	int index = ifi->ifi_index, fd;

	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == IFLA_IFNAME)
			name = RTA_DATA(rta);
	if (index <= 0 || index >= MAX_IFINDEX) {
		printf("skipped %d %s ifindex-out-of-range\n", index, name);
		return;
	}
	if (removed) {
		if (links[index]) {
			close(links[index]);
			links[index] = 0;
			printf("detached %d %s\n", index, name);
		}
		return;
	}
	if (links[index] || !wanted(name, ifi->ifi_type))
		return;
	/* the program reads an Ethernet header: links without one (tun, wireguard) are not ours */
	if (ifi->ifi_type != ARPHRD_ETHER && ifi->ifi_type != ARPHRD_LOOPBACK) {
		printf("skipped %d %s not-ethernet\n", index, name);
		return;
	}
	fd = tcx_attach(index);
	if (fd < 0)
		printf("failed %d %s %d\n", index, name, errno);
	else {
		links[index] = fd;
		printf("attached %d %s\n", index, name);
	}
}

/* Handles one datagram of link messages; returns 1 at the end of a dump. */
static int on_messages(char *buf, int len)
{
	struct nlmsghdr *nh;

	for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		if (nh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nh->nlmsg_type == RTM_NEWLINK || nh->nlmsg_type == RTM_DELLINK)
			on_link(NLMSG_DATA(nh), IFLA_PAYLOAD(nh), nh->nlmsg_type == RTM_DELLINK);
	}
	return 0;
}

/* Nothing but CAP_NET_ADMIN (tcx attach) is kept. */
static int keep_net_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int cap;

	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (cap != CAP_NET_ADMIN && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			return -1;
	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = 1U << CAP_NET_ADMIN;
	return syscall(SYS_capset, &h, d);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	static char buf[1 << 16];
	int sock, i, dumped = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--loopback") == 0)
			loopback = 1;
		else
			break;
	}
	patterns = argv + i;
	npatterns = argc - i;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* the links must not outlive the receiver, however it ends */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
		return 1;
	if (keep_net_admin()) {
		printf("error keep-capabilities %d\n", errno);
		return 1;
	}
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("error netlink %d\n", errno);
		return 1;
	}
	/* subscribed first, then the dump: no interface falls between the two */
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.ifi.ifi_family = AF_UNSPEC;
	if (send(sock, &req, sizeof(req), 0) < 0) {
		printf("error netlink-dump %d\n", errno);
		return 1;
	}
	for (;;) {
		struct pollfd fds[2] = { { .fd = sock, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
		int n;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			printf("error poll %d\n", errno);
			return 1;
		}
		/* anything on stdin, or its end, means stop; exiting closes the links */
		if (fds[1].revents)
			return 0;
		n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS: notifications were lost; a new dump finds what they said */
			if (errno == ENOBUFS && send(sock, &req, sizeof(req), 0) >= 0)
				continue;
			printf("error netlink-receive %d\n", errno);
			return 1;
		}
		if (on_messages(buf, n) && !dumped) {
			dumped = 1;
			printf("ready\n");
		}
	}
}
