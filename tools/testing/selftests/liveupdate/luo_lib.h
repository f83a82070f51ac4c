/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the live update selftests: the /dev/liveupdate ioctls, the
 * test file type of CONFIG_LIVEUPDATE_TEST and its debugfs knobs.
 * Every wrapper returns the new fd or 0 on success and -errno on failure.
 */
#ifndef LUO_LIB_H
#define LUO_LIB_H

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/liveupdate.h>

#define LUO_DEV		"/dev/liveupdate"
#define LUO_TEST_DEV0	"/dev/liveupdate_test0"
#define LUO_TEST_DEV1	"/dev/liveupdate_test1"
#define LUO_TEST_DIR	"/sys/kernel/debug/liveupdate_test"
#define LUO_TEST_SIZE	4096

static inline int luo_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static inline int luo_create_session(int lu, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };
	int ret;

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	ret = luo_ioctl(lu, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg);
	return ret ? ret : arg.fd;
}

static inline int luo_retrieve_session(int lu, const char *name)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = sizeof(arg) };
	int ret;

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	ret = luo_ioctl(lu, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg);
	return ret ? ret : arg.fd;
}

static inline int luo_preserve(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return luo_ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &arg);
}

static inline int luo_retrieve(int session, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};
	int ret;

	ret = luo_ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg);
	return ret ? ret : arg.fd;
}

static inline int luo_finish(int session)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return luo_ioctl(session, LIVEUPDATE_SESSION_FINISH, &arg);
}

static inline int luo_get_name(int session, char *name)
{
	struct liveupdate_session_get_name arg = { .size = sizeof(arg) };
	int ret;

	ret = luo_ioctl(session, LIVEUPDATE_SESSION_GET_NAME, &arg);
	if (!ret)
		memcpy(name, arg.name, sizeof(arg.name));
	return ret;
}

/* A new test file of device @dev whose tag (first 8 bytes) is @tag. */
static inline int luo_test_file(int dev, uint64_t tag)
{
	char buf[LUO_TEST_SIZE];
	int fd;

	fd = open(dev ? LUO_TEST_DEV1 : LUO_TEST_DEV0, O_RDWR);
	if (fd < 0)
		return -errno;
	for (int i = 0; i < LUO_TEST_SIZE; i++)
		buf[i] = (char)(tag * 31 + i);
	memcpy(buf, &tag, sizeof(tag));
	if (pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* Whether @fd holds the data luo_test_file() wrote for @tag. */
static inline int luo_test_check(int fd, uint64_t tag)
{
	char buf[LUO_TEST_SIZE];
	uint64_t have;

	if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf))
		return 0;
	memcpy(&have, buf, sizeof(have));
	if (have != tag)
		return 0;
	for (int i = sizeof(tag); i < LUO_TEST_SIZE; i++)
		if (buf[i] != (char)(tag * 31 + i))
			return 0;
	return 1;
}

/* Write @val to the test knob @knob ("fail_freeze", ...). */
static inline int luo_knob(const char *knob, uint64_t val)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), LUO_TEST_DIR "/%s", knob);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ret = fprintf(f, "%llu\n", (unsigned long long)val) < 0 ? -EIO : 0;
	if (fclose(f))
		ret = -errno;
	return ret;
}

/* Clear the test event log. */
static inline int luo_events_clear(void)
{
	FILE *f = fopen(LUO_TEST_DIR "/events", "w");

	if (!f)
		return -errno;
	fputs("x\n", f);
	return fclose(f) ? -errno : 0;
}

/* The test event log, joined with ',' (e.g. "preserve 0x1,flb-preserve"). */
static inline char *luo_events(void)
{
	static char buf[1 << 16];
	size_t n = 0;
	FILE *f;
	int c;

	buf[0] = '\0';
	f = fopen(LUO_TEST_DIR "/events", "r");
	if (!f)
		return buf;
	while ((c = fgetc(f)) != EOF && n < sizeof(buf) - 1)
		buf[n++] = c == '\n' ? ',' : c;
	fclose(f);
	if (n && buf[n - 1] == ',')
		n--;
	buf[n] = '\0';
	return buf;
}

/* Whether a line of /sys/kernel/debug/liveupdate/state contains @text. */
static inline int luo_state_has(const char *text)
{
	char line[512];
	int found = 0;
	FILE *f;

	f = fopen("/sys/kernel/debug/liveupdate/state", "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = !!strstr(line, text);
	fclose(f);
	return found;
}

/* Number of lines of the event log that are @line, or start with it. */
static inline int luo_events_match(const char *line, int prefix)
{
	char *ev = luo_events(), *tok, *save;
	int n = 0;

	for (tok = strtok_r(ev, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		n += prefix ? !strncmp(tok, line, strlen(line)) : !strcmp(tok, line);
	return n;
}

static inline int luo_events_count(const char *line)
{
	return luo_events_match(line, 0);
}

static inline int luo_events_prefix(const char *prefix)
{
	return luo_events_match(prefix, 1);
}

#endif /* LUO_LIB_H */
