/*
 * tui/simchild.c - pumpsim as a child process (see simchild.h).
 */
#include "tui/simchild.h"

#include "base/datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_WAIT_MS 5000

void pb_simchild_init(struct pb_simchild *c)
{
	memset(c, 0, sizeof *c);
	c->out = c->err = -1;
}

int pb_simchild_find(char *buf, size_t n)
{
	char self[PATH_MAX];
	if (pb_self_exe(self, sizeof self) == 0) {
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			char cand[PATH_MAX + 16];
			snprintf(cand, sizeof cand, "%s/pumpsim", self);
			if (access(cand, X_OK) == 0) {
				snprintf(buf, n, "%s", cand);
				return 0;
			}
		}
	}
	const char *path = getenv("PATH");
	if (!path)
		return -1;
	const char *p = path;
	while (*p) {
		const char *e = strchr(p, ':');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char cand[PATH_MAX + 16];
		snprintf(cand, sizeof cand, "%.*s/pumpsim", (int)len,
		    len ? p : ".");
		if (access(cand, X_OK) == 0) {
			snprintf(buf, n, "%s", cand);
			return 0;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return -1;
}

static void set_cloexec_nonblock(int fd)
{
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void pb_simchild_close_pipes(struct pb_simchild *c)
{
	if (c->out >= 0)
		close(c->out);
	if (c->err >= 0)
		close(c->err);
	c->out = c->err = -1;
}

static void exec_child(const struct pb_simchild_opts *o, int po[2],
    int pe[2])
{
	/* own process group (no terminal signals), dies with us */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	int nul = open("/dev/null", O_RDONLY);
	if (nul >= 0) {
		dup2(nul, 0);
		close(nul);
	}
	dup2(po[1], 1);
	dup2(pe[1], 2);
	close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
	const char *argv[PB_SIMCHILD_MAX_ARGS + 8];
	int ac = 0;
	argv[ac++] = o->prog;
	argv[ac++] = "--profile";
	argv[ac++] = o->profile;
	argv[ac++] = "--link";
	argv[ac++] = o->link_path;
	if (o->factory_key) {
		argv[ac++] = "--factory-key";
		argv[ac++] = o->factory_key;
	}
	for (int i = 0; i < o->nargs && i < PB_SIMCHILD_MAX_ARGS; i++)
		argv[ac++] = o->args[i];
	argv[ac] = NULL;
	execv(o->prog, (char *const *)argv);
	dprintf(2, "cannot run %s: %s\n", o->prog, strerror(errno));
	_exit(127);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void kill_child(struct pb_simchild *c)
{
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	c->pid = 0;
	pb_simchild_close_pipes(c);
}

int pb_simchild_start(struct pb_simchild *c,
    const struct pb_simchild_opts *o, char *err, size_t errlen)
{
	int po[2], pe[2];
	if (pipe(po) < 0)
		goto fail_errno;
	if (pipe(pe) < 0) {
		close(po[0]);
		close(po[1]);
		goto fail_errno;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
		goto fail_errno;
	}
	if (pid == 0)
		exec_child(o, po, pe);
	close(po[1]);
	close(pe[1]);
	c->pid = pid;
	c->out = po[0];
	c->err = pe[0];
	c->pty[0] = '\0';

	/* first line of stdout: the pty path */
	char line[PATH_MAX];
	size_t n = 0;
	struct pollfd pf = { .fd = c->out, .events = POLLIN };
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long ms = ms_since(&t0);
		if (ms >= START_WAIT_MS) {
			snprintf(err, errlen, "%s: no pty path within %d s",
			    o->prog, START_WAIT_MS / 1000);
			kill_child(c);
			return -1;
		}
		int r = poll(&pf, 1, (int)(START_WAIT_MS - ms));
		if (r <= 0)
			continue;   /* EINTR or the time is up: checked above */
		ssize_t k = read(c->out, line + n, 1);
		if (k <= 0) {
			char msg[256] = "";
			ssize_t m = read(c->err, msg, sizeof msg - 1);
			if (m > 0) {
				msg[m] = '\0';
				msg[strcspn(msg, "\n")] = '\0';
			}
			snprintf(err, errlen, "%s --profile %s: exited before "
			    "giving its pty%s%s", o->prog, o->profile,
			    msg[0] ? ": " : "", msg);
			kill_child(c);
			return -1;
		}
		if (line[n] == '\n' || n + 2 >= sizeof line) {
			line[n] = '\0';
			break;
		}
		n++;
	}
	if (n > 0 && line[n - 1] == '\r')
		line[n - 1] = '\0';
	/* "pumpsim: serving s10pro on /dev/pts/3": the last absolute path */
	char *pty = line;
	for (char *tok = line; *tok; tok++)
		if (*tok == '/' && (tok == line || tok[-1] == ' '))
			pty = tok;
	pty[strcspn(pty, " \t")] = '\0';
	snprintf(c->pty, sizeof c->pty, "%s", pty);
	set_cloexec_nonblock(c->out);
	set_cloexec_nonblock(c->err);
	return 0;

fail_errno:
	snprintf(err, errlen, "%s: %s", o->prog, strerror(errno));
	return -1;
}

void pb_simchild_stop(struct pb_simchild *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGTERM);
		for (int i = 0; i < 100; i++) {
			if (waitpid(c->pid, NULL, WNOHANG) == c->pid) {
				c->pid = 0;
				break;
			}
			usleep(10000);
		}
		if (c->pid > 0) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
		}
		c->pid = 0;
	}
	pb_simchild_close_pipes(c);
}

int pb_simchild_pollfds(const struct pb_simchild *c, struct pollfd *fds,
    int max)
{
	int n = 0;
	if (c->err >= 0 && n < max)
		fds[n++] = (struct pollfd){ .fd = c->err, .events = POLLIN };
	if (c->out >= 0 && n < max)
		fds[n++] = (struct pollfd){ .fd = c->out, .events = POLLIN };
	return n;
}

bool pb_simchild_drain(struct pb_simchild *c, char *out, size_t n)
{
	char buf[512];
	bool got = false;
	if (c->err >= 0) {
		ssize_t k;
		while ((k = read(c->err, buf, sizeof buf - 1)) > 0) {
			buf[k] = '\0';
			char *end = buf + k;
			while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
				*--end = '\0';
			char *line = strrchr(buf, '\n');
			line = line ? line + 1 : buf;
			if (*line) {
				snprintf(out, n, "%s", line);
				got = true;
			}
		}
		if (k == 0) {
			close(c->err);
			c->err = -1;
		}
	}
	if (c->out >= 0) {
		ssize_t k;
		while ((k = read(c->out, buf, sizeof buf)) > 0)
			;
		if (k == 0) {
			close(c->out);
			c->out = -1;
		}
	}
	return got;
}

bool pb_simchild_reap(struct pb_simchild *c, char *why, size_t n)
{
	if (c->pid <= 0)
		return false;
	int status;
	if (waitpid(c->pid, &status, WNOHANG) != c->pid)
		return false;
	c->pid = 0;
	if (WIFSIGNALED(status))
		snprintf(why, n, "pumpsim killed by signal %d", WTERMSIG(status));
	else
		snprintf(why, n, "pumpsim exited with status %d",
		    WEXITSTATUS(status));
	return true;
}
