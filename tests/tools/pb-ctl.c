/*
 * tests/tools/pb-ctl.c - send one line to pumpsim's --control socket and
 * print the reply line (what `socat - UNIX-CONNECT:PATH` does by hand).
 *
 *   pb-ctl SOCKET WORD...      exit 0 for "ok ...", 1 for "error: ...",
 *                              2 when the socket cannot be reached
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: pb-ctl SOCKET WORD...\n");
		return 2;
	}
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof a.sun_path) {
		fprintf(stderr, "pb-ctl: %s: path too long\n", argv[1]);
		return 2;
	}
	memcpy(a.sun_path, argv[1], strlen(argv[1]) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		fprintf(stderr, "pb-ctl: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	char line[512] = "";
	size_t n = 0;
	for (int i = 2; i < argc; i++) {
		int k = snprintf(line + n, sizeof line - n, "%s%s",
		    i > 2 ? " " : "", argv[i]);
		if (k < 0 || (size_t)k >= sizeof line - n) {
			fprintf(stderr, "pb-ctl: command too long\n");
			return 2;
		}
		n += (size_t)k;
	}
	line[n++] = '\n';
	if (write(fd, line, n) != (ssize_t)n) {
		fprintf(stderr, "pb-ctl: write: %s\n", strerror(errno));
		return 2;
	}
	char reply[2048];
	size_t got = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (got < sizeof reply - 1 && poll(&p, 1, 10000) > 0) {
		ssize_t r = read(fd, reply + got, sizeof reply - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		if (memchr(reply, '\n', got))
			break;
	}
	close(fd);
	reply[got] = '\0';
	if (got == 0) {
		fprintf(stderr, "pb-ctl: no reply\n");
		return 2;
	}
	fputs(reply, stdout);
	return strncmp(reply, "ok", 2) == 0 ? 0 : 1;
}
