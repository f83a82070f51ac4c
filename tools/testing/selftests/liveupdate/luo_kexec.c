// SPDX-License-Identifier: GPL-2.0
/*
 * Live update tests across real kexecs: luo_kexec TEST STAGE.
 *
 * Stage 1 sets sessions up with files of the LIVEUPDATE_TEST type and
 * leaves a daemon holding the session file descriptors, so that they are
 * open at the reboot; later stages check what came back.  Exit codes are
 * those of the harness's /init: 0 passed, 1 failed, 75 go on to the next
 * stage (kexec).  A failure says why on stderr and on the result channel.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <linux/falloc.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "luo_lib.h"

#define NEXT_STAGE	75
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *test_name;

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	FILE *res;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "luo_kexec %s: FAIL: %s\n", test_name, msg);
	res = fopen(getenv("LU_RES") ? getenv("LU_RES") : "/dev/ttyS1", "w");
	if (res) {
		fprintf(res, "LU-REASON %s: %s\n", test_name, msg);
		fclose(res);
	}
	exit(1);
}

#define CHECK(cond, ...) do { if (!(cond)) die(__VA_ARGS__); } while (0)
#define CHECK_RET(expect, call) do {					\
	int __r = (call);						\
	if (__r != (expect))						\
		die("%s returned %d (%s), expected %d", #call, __r,	\
		    __r < 0 ? strerror(-__r) : "ok", (expect));		\
} while (0)

static void bench(const char *name, double value, const char *unit)
{
	FILE *res = fopen(getenv("LU_RES") ? getenv("LU_RES") : "/dev/ttyS1", "w");

	printf("BENCH %s %.3f %s\n", name, value, unit);
	if (res) {
		fprintf(res, "BENCH %s %.3f %s\n", name, value, unit);
		fclose(res);
	}
}

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	FILE *res = fopen(getenv("LU_RES") ? getenv("LU_RES") : "/dev/ttyS1", "w");
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("lu: %s\n", msg);
	if (res) {
		fprintf(res, "LU-SAY %s\n", msg);
		fclose(res);
	}
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void raise_nofile(void)
{
	struct rlimit rl = { 8192, 8192 };

	CHECK(!setrlimit(RLIMIT_NOFILE, &rl), "setrlimit: %s", strerror(errno));
}

static int open_lu(void)
{
	int lu = open(LUO_DEV, O_RDWR);

	CHECK(lu >= 0, "open " LUO_DEV ": %s", strerror(errno));
	return lu;
}

/*
 * Keep every open file descriptor (the sessions) in a daemon until the
 * reboot, and go on to the next stage.  /dev/liveupdate is closed first,
 * so that the next step of the same stage can open it.
 */
static int __attribute__((noreturn)) hold(int lu)
{
	pid_t pid;

	close(lu);
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		setsid();
		for (;;)
			pause();
	}
	exit(NEXT_STAGE);
}

/* A session named @name with a test file for each tag; tokens are 1, 2.. */
static int make_session(int lu, const char *name, const uint64_t *tags, int n)
{
	int s = luo_create_session(lu, name), fd, i;

	CHECK(s >= 0, "create session %s: %s", name, strerror(-s));
	for (i = 0; i < n; i++) {
		fd = luo_test_file(tags[i] & 1, tags[i]);
		CHECK(fd >= 0, "test file: %s", strerror(-fd));
		CHECK_RET(0, luo_preserve(s, fd, i + 1));
		close(fd);
	}
	return s;
}

/* Retrieve file @token of @s and check it holds @tag's data. */
static int check_file(int s, uint64_t token, uint64_t tag)
{
	int fd = luo_retrieve(s, token);

	CHECK(fd >= 0, "retrieve token %llu: %s", (unsigned long long)token,
	      strerror(-fd));
	CHECK(luo_test_check(fd, tag), "token %llu: wrong data",
	      (unsigned long long)token);
	return fd;
}

/* Retrieve session @name and check all its files. */
static int check_session(int lu, const char *name, const uint64_t *tags, int n)
{
	char got[LIVEUPDATE_SESSION_NAME_LENGTH];
	int s = luo_retrieve_session(lu, name), i;

	CHECK(s >= 0, "retrieve session %s: %s", name, strerror(-s));
	CHECK_RET(0, luo_get_name(s, got));
	CHECK(!strcmp(got, name), "GET_NAME gave '%s', not '%s'", got, name);
	for (i = 0; i < n; i++)
		close(check_file(s, i + 1, tags[i]));
	return s;
}

static void expect_events(const char *want)
{
	char *have = luo_events();

	CHECK(!strcmp(have, want), "events '%s', expected '%s'", have, want);
}

/* ------------------------------------------------------------------------
 * memfds: data patterns
 */

#define MB		(1024UL * 1024)
#define SPARSE_SIZE	(64 * MB)
#define BIG_SIZE	(256 * MB)
#define GIB		(1024 * MB)

static const off_t sparse_at[] = { 0, MB + 123, 33 * MB, SPARSE_SIZE - 4096 };

static uint64_t pattern(uint64_t seed, size_t i)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + i;

	x ^= x >> 31;
	return x * 0xbf58476d1ce4e5b9ULL;
}

/* Fill [off, off + len) of @fd with the pattern of @seed, by pages. */
static void fill(int fd, off_t off, size_t len, uint64_t seed)
{
	static uint64_t buf[4096 / 8];
	size_t done, n, i;

	for (done = 0; done < len; done += n) {
		n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		for (i = 0; i < n / 8; i++)
			buf[i] = pattern(seed, (off + done) / 8 + i);
		CHECK(pwrite(fd, buf, n, off + done) == (ssize_t)n, "fill: %s",
		      strerror(errno));
	}
}

/* The seed that stands for a hole: same() then expects zeroes. */
#define HOLE	UINT64_MAX

/* Whether [off, off + len) of @fd holds the pattern of @seed. */
static int same(int fd, off_t off, size_t len, uint64_t seed)
{
	static uint64_t buf[4096 / 8];
	size_t done, n, i;

	for (done = 0; done < len; done += n) {
		n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		if (pread(fd, buf, n, off + done) != (ssize_t)n)
			return 0;
		for (i = 0; i < n / 8; i++)
			if (buf[i] != (seed == HOLE ? 0 :
				       pattern(seed, (off + done) / 8 + i)))
				return 0;
	}
	return 1;
}

static int new_memfd(size_t size, unsigned int flags)
{
	int fd = memfd_create("lu", flags);

	CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
	CHECK(!ftruncate(fd, size), "ftruncate: %s", strerror(errno));
	return fd;
}

/* Preserve in @s, as @token, a new memfd of @size filled with @seed. */
static void preserve_filled(int s, size_t size, uint64_t seed, uint64_t token)
{
	int fd = new_memfd(size, 0);

	fill(fd, 0, size, seed);
	CHECK_RET(0, luo_preserve(s, fd, token));
	close(fd);
}

/* ------------------------------------------------------------------------
 * The tests
 */

static const uint64_t one_tags[] = { 0x11, 0x12 };

/* Written into the second file after it was preserved: must be carried. */
#define LATE_OFF	1024
#define LATE_LEN	512
#define LATE_BYTE	0xa5

/* Whether @fd holds @tag's data with the late write over it. */
static int one_late_check(int fd, uint64_t tag)
{
	char have[LUO_TEST_SIZE], want[LUO_TEST_SIZE];

	if (pread(fd, have, sizeof(have), 0) != sizeof(have))
		return 0;
	for (int i = 0; i < LUO_TEST_SIZE; i++)
		want[i] = (char)(tag * 31 + i);
	memcpy(want, &tag, sizeof(tag));
	memset(want + LATE_OFF, LATE_BYTE, LATE_LEN);
	return !memcmp(have, want, sizeof(have));
}

static int one_session(int stage)
{
	char late[LATE_LEN], name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int lu = open_lu(), s, a, b, fd;
	struct stat sa, sb;

	if (stage == 1) {
		s = make_session(lu, "one", one_tags, 1);
		fd = luo_test_file(one_tags[1] & 1, one_tags[1]);
		CHECK(fd >= 0, "test file: %s", strerror(-fd));
		CHECK_RET(0, luo_preserve(s, fd, 2));
		memset(late, LATE_BYTE, sizeof(late));
		CHECK(pwrite(fd, late, sizeof(late), LATE_OFF) == sizeof(late),
		      "write after preserve: %s", strerror(errno));
		close(fd);
		hold(lu);
	}

	s = luo_retrieve_session(lu, "one");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC, "session fd is not close-on-exec");
	CHECK_RET(0, luo_get_name(s, name));
	CHECK(!strcmp(name, "one"), "GET_NAME gave '%s', not 'one'", name);
	CHECK_RET(-EINVAL, luo_retrieve_session(lu, "one"));
	CHECK_RET(-EINVAL, luo_preserve(s, 0, 5));
	/* Out of order, and twice. */
	b = luo_retrieve(s, 2);
	CHECK(b >= 0, "retrieve token 2: %s", strerror(-b));
	CHECK(one_late_check(b, 0x12), "token 2: the write after preserve was not carried");
	CHECK(fcntl(b, F_GETFD) & FD_CLOEXEC, "retrieved fd is not close-on-exec");
	a = check_file(s, 1, 0x11);
	close(a);
	a = check_file(s, 1, 0x11);
	CHECK(!fstat(a, &sa) && !fstat(luo_retrieve(s, 1), &sb) &&
	      sa.st_ino == sb.st_ino, "a second retrieve gave another file");
	CHECK_RET(-ENOENT, luo_retrieve(s, 99));
	CHECK_RET(0, luo_finish(s));
	expect_events("retrieve 0x12,flb-retrieve,retrieve 0x11,"
		      "can_finish 0x11,can_finish 0x12,"
		      "finish 0x12,finish 0x11,flb-finish");
	CHECK_RET(0, luo_finish(s));
	CHECK_RET(-ENOENT, luo_retrieve(s, 1));
	/* Retrieved files belong to userspace now. */
	CHECK(luo_test_check(a, 0x11) && one_late_check(b, 0x12),
	      "data changed at finish");
	close(s);
	CHECK_RET(-ENOENT, luo_retrieve_session(lu, "one"));
	return 0;
}

static const uint64_t multi_one[] = { 0x21 };
static const uint64_t multi_three[] = { 0x31, 0x32, 0x33 };

static int multi_session(int stage)
{
	int lu = open_lu(), s[4], i, again;

	if (stage == 1) {
		make_session(lu, "empty-a", NULL, 0);
		make_session(lu, "one-file", multi_one, 1);
		make_session(lu, "three-files", multi_three, 3);
		make_session(lu, "empty-b", NULL, 0);
		hold(lu);
	}
	s[0] = check_session(lu, "empty-b", NULL, 0);
	s[1] = check_session(lu, "three-files", multi_three, 3);
	s[2] = check_session(lu, "one-file", multi_one, 1);
	s[3] = check_session(lu, "empty-a", NULL, 0);
	/* Incoming names do not stop outgoing sessions. */
	i = luo_create_session(lu, "one-file");
	CHECK(i >= 0, "create a session named like an incoming one: %s",
	      strerror(-i));
	close(i);
	/* Kept past the finish, to go into the next live update. */
	again = luo_retrieve(s[2], 1);
	CHECK(again >= 0, "retrieve token 1 again: %s", strerror(-again));
	for (i = 0; i < 4; i++) {
		CHECK_RET(0, luo_finish(s[i]));
		close(s[i]);
	}
	CHECK(luo_events_prefix("finish ") == 4, "not every file finished: %s",
	      luo_events());
	/* A retrieved test file is a test file again: it can be preserved. */
	i = luo_create_session(lu, "next-update");
	CHECK(i >= 0, "create session: %s", strerror(-i));
	CHECK_RET(0, luo_preserve(i, again, 1));
	CHECK(luo_events_count("preserve 0x21") == 1,
	      "the retrieved file was not preserved by its handler: %s", luo_events());
	close(i);
	CHECK(luo_events_count("unpreserve 0x21") == 1,
	      "the retrieved file was not given back: %s", luo_events());
	CHECK(luo_test_check(again, 0x21), "data changed");
	close(again);
	return 0;
}

static const uint64_t a_tags[] = { 0x41 };
static const uint64_t b_tags[] = { 0x42 };

static int unretrieved(int stage)
{
	int lu = open_lu(), s;

	switch (stage) {
	case 1:
		make_session(lu, "A", a_tags, 1);
		make_session(lu, "B", b_tags, 1);
		hold(lu);
	case 2:
		s = check_session(lu, "A", a_tags, 1);
		close(s);	/* finishes A */
		CHECK(!luo_events_count("finish 0x42"), "B was finished");
		close(lu);
		return NEXT_STAGE;
	}
	CHECK_RET(-ENOENT, luo_retrieve_session(lu, "A"));
	CHECK_RET(-ENOENT, luo_retrieve_session(lu, "B"));
	return 0;
}

static const uint64_t freeze_tags[] = { 1, 2, 3 };
static const uint64_t freeze_all[] = { 1, 2, 3, 4 };
static const uint64_t freeze_early[] = { 9 };

/*
 * Two sessions: "early" (created first, so frozen first) and "frozen",
 * whose second file fails to freeze.  What was frozen in both is unfrozen.
 */
static int freeze_fail(int stage)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int lu = open_lu(), s, fd, ret;

	if (stage == 2) {
		close(check_session(lu, "early", freeze_early, 1));
		close(check_session(lu, "frozen", freeze_all, 4));
		return 0;
	}
	make_session(lu, "early", freeze_early, 1);
	s = make_session(lu, "frozen", freeze_tags, 3);
	CHECK_RET(0, luo_knob("fail_freeze", 2));
	CHECK(!system("/lu/bin/lu_kexec --load-only"), "lu_kexec --load-only failed");
	CHECK_RET(0, luo_events_clear());
	ret = reboot(RB_KEXEC);
	CHECK(ret == -1 && errno == EAGAIN,
	      "reboot returned %d (%s), not EAGAIN", ret, strerror(errno));
	expect_events("freeze 0x9,freeze 0x1,freeze 0x2,unfreeze 0x1,unfreeze 0x9");
	/* The session is intact and usable. */
	CHECK_RET(0, luo_get_name(s, name));
	CHECK(!strcmp(name, "frozen"), "GET_NAME gave '%s'", name);
	fd = luo_test_file(0, 4);
	CHECK_RET(0, luo_preserve(s, fd, 4));
	close(fd);
	CHECK_RET(0, luo_knob("fail_freeze", 0));
	hold(lu);
}

static const uint64_t close_tags[] = { 0x51, 0x52, 0x53 };

static int close_finish(int stage)
{
	int lu = open_lu(), s, fd;

	if (stage == 1) {
		make_session(lu, "closing", close_tags, 3);
		hold(lu);
	}

	s = luo_retrieve_session(lu, "closing");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	fd = check_file(s, 2, 0x52);
	CHECK_RET(0, luo_knob("busy_finish", 0x53));
	CHECK_RET(-EBUSY, luo_finish(s));
	CHECK(!luo_events_prefix("finish "), "a file finished: %s", luo_events());
	/* A close that cannot finish leaves the session retrievable. */
	close(s);
	s = luo_retrieve_session(lu, "closing");
	CHECK(s >= 0, "retrieve after a refused close: %s", strerror(-s));
	CHECK_RET(-EBUSY, luo_finish(s));
	CHECK_RET(0, luo_knob("busy_finish", 0));
	CHECK_RET(0, luo_events_clear());
	close(s);
	expect_events("can_finish 0x51,can_finish 0x52,can_finish 0x53,"
		      "finish 0x53,finish 0x52,finish 0x51,flb-finish");
	CHECK_RET(-ENOENT, luo_retrieve_session(lu, "closing"));
	CHECK(luo_test_check(fd, 0x52), "the retrieved file changed");
	return 0;
}

static const uint64_t fa_tags[] = { 0x62, 0x61 };	/* test0, test1 */
static const uint64_t fb_tags[] = { 0x63 };

/*
 * An FLB that no handed-over file depends on stays behind, even while a
 * driver holds a reference to it (flb_hold): nothing in the next kernel
 * could ever finish it.
 */
static int flb_held(int lu)
{
	int s;

	s = make_session(lu, "fc", (const uint64_t[]){ 0x64 }, 1);
	CHECK_RET(0, luo_knob("flb_hold", 1));
	close(s);	/* its only file: the FLB is held by the reference alone */
	CHECK(luo_state_has("out preserved files 0 users 1"),
	      "the held FLB is not preserved with no files");
	hold(lu);
}

static int flb(int stage)
{
	int lu = open_lu(), a, b;
	char *ev;

	if (stage == 3) {
		CHECK(luo_state_has("in none files 0"),
		      "an FLB no file depends on was handed over");
		CHECK(!luo_events_prefix("flb-"), "FLB callbacks ran: %s",
		      luo_events());
		return 0;
	}
	if (stage == 1) {
		make_session(lu, "fa", fa_tags, 2);
		make_session(lu, "fb", fb_tags, 1);
		CHECK(luo_events_count("flb-preserve") == 1,
		      "FLB preserved other than once: %s", luo_events());
		hold(lu);
	}
	a = luo_retrieve_session(lu, "fa");
	CHECK(a >= 0, "retrieve fa: %s", strerror(-a));
	close(check_file(a, 2, 0x61));
	expect_events("retrieve 0x61,flb-retrieve");
	close(check_file(a, 1, 0x62));
	CHECK(luo_events_count("flb-retrieve") == 1, "FLB retrieved twice");
	CHECK_RET(0, luo_finish(a));
	CHECK(!luo_events_count("flb-finish"), "FLB finished while fb holds it");
	b = luo_retrieve_session(lu, "fb");
	CHECK(b >= 0, "retrieve fb: %s", strerror(-b));
	CHECK_RET(0, luo_finish(b));	/* its file never retrieved */
	CHECK(luo_events_count("flb-finish") == 1, "FLB not finished once");
	ev = luo_events();
	CHECK(strlen(ev) > 22 &&
	      !strcmp(ev + strlen(ev) - 22, "finish 0x63,flb-finish"),
	      "FLB finished before its last file: %s", ev);
	close(a);
	close(b);
	return flb_held(lu);
}

/*
 * Make the next new file descriptor fail with EMFILE: the limit becomes the
 * lowest free descriptor.  Returns the limit to put back.
 */
static struct rlimit no_more_fds(void)
{
	struct rlimit old, rl;
	int lowest = dup(0);

	CHECK(lowest >= 0, "dup: %s", strerror(errno));
	close(lowest);
	CHECK(!getrlimit(RLIMIT_NOFILE, &old), "getrlimit: %s", strerror(errno));
	rl = old;
	rl.rlim_cur = lowest;
	CHECK(!setrlimit(RLIMIT_NOFILE, &rl), "setrlimit: %s", strerror(errno));
	return old;
}

static void more_fds(struct rlimit old)
{
	CHECK(!setrlimit(RLIMIT_NOFILE, &old), "setrlimit: %s", strerror(errno));
}

/*
 * A copy of the @size bytes at @arg in a read-only page: an ioctl can read
 * its argument there but not write its result back (EFAULT).
 */
static void *read_only(const void *arg, size_t size)
{
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(page != MAP_FAILED, "mmap: %s", strerror(errno));
	memcpy(page, arg, size);
	CHECK(!mprotect(page, 4096, PROT_READ), "mprotect: %s", strerror(errno));
	return page;
}

/*
 * A failed retrieve leaves the file with LUO: it fails while the cause
 * lasts, the other file is unaffected, and once the cause is gone the next
 * retrieve succeeds with the file intact.  First, RETRIEVE_SESSION and
 * RETRIEVE_FD fail after they found what they were asked for (no file
 * descriptor left, no room for the result) and change nothing: nothing is
 * finished or freed, and every byte of a memfd is there afterwards.
 */
static const uint64_t retry_tags[] = { 0x71, 0x72 };
#define RETRY_TOKEN_MEMFD	3
#define RETRY_MEMFD		(8 * MB)

static int retry_late_failures(int lu)
{
	struct liveupdate_ioctl_retrieve_session rs = { .size = sizeof(rs) };
	struct liveupdate_session_retrieve_fd rf = {
		.size = sizeof(rf), .token = RETRY_TOKEN_MEMFD,
	};
	struct rlimit old;
	int s, fd;

	strcpy((char *)rs.name, "retry");
	old = no_more_fds();
	CHECK_RET(-EMFILE, luo_retrieve_session(lu, "retry"));
	more_fds(old);
	CHECK_RET(-EFAULT, luo_ioctl(lu, LIVEUPDATE_IOCTL_RETRIEVE_SESSION,
				     read_only(&rs, sizeof(rs))));
	CHECK(!luo_events_prefix("finish"), "a failed retrieve finished files: %s",
	      luo_events());

	s = luo_retrieve_session(lu, "retry");
	CHECK(s >= 0, "retrieve session after its failures: %s", strerror(-s));
	old = no_more_fds();
	CHECK_RET(-EMFILE, luo_retrieve(s, RETRY_TOKEN_MEMFD));
	more_fds(old);
	CHECK_RET(-EFAULT, luo_ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD,
				     read_only(&rf, sizeof(rf))));
	fd = luo_retrieve(s, RETRY_TOKEN_MEMFD);
	CHECK(fd >= 0, "retrieve the memfd after its failures: %s", strerror(-fd));
	CHECK(same(fd, 0, RETRY_MEMFD, 0x7e), "the memfd changed");
	close(fd);
	return s;
}

static int retry_retrieve(int stage)
{
	int lu = open_lu(), s;

	if (stage == 1) {
		s = make_session(lu, "retry", retry_tags, 2);
		preserve_filled(s, RETRY_MEMFD, 0x7e, RETRY_TOKEN_MEMFD);
		hold(lu);
	}

	s = retry_late_failures(lu);
	CHECK_RET(0, luo_knob("fail_retrieve", 0x71));
	CHECK_RET(-EIO, luo_retrieve(s, 1));
	CHECK_RET(-EIO, luo_retrieve(s, 1));
	CHECK(luo_state_has("token 0x1 handler liveupdate-test-1-v1 state retrieve-failed"),
	      "the failed file is not listed as such");
	close(check_file(s, 2, 0x72));
	CHECK_RET(0, luo_knob("fail_retrieve", 0));
	close(check_file(s, 1, 0x71));
	CHECK(luo_events_count("retrieve 0x71") == 3,
	      "retrieve not tried again: %s", luo_events());
	CHECK(luo_state_has("token 0x1 handler liveupdate-test-1-v1 state retrieved"),
	      "the file is not listed as retrieved");
	CHECK_RET(0, luo_finish(s));
	close(s);
	return 0;
}

/* The value of @key= on the kernel command line, or "". */
static const char *cmdline_arg(const char *key)
{
	static char line[4096], val[256];
	char *p, *end;
	FILE *f = fopen("/proc/cmdline", "r");

	val[0] = '\0';
	if (!f)
		return val;
	if (fgets(line, sizeof(line), f)) {
		for (p = strstr(line, key); p; p = strstr(p + 1, key)) {
			if ((p == line || p[-1] == ' ') && p[strlen(key)] == '=')
				break;
		}
		if (p) {
			p += strlen(key) + 1;
			end = p + strcspn(p, " \n");
			snprintf(val, sizeof(val), "%.*s", (int)(end - p), p);
		}
	}
	fclose(f);
	return val;
}

/*
 * After the previous kernel's sessions were refused (luo_corrupt.sh broke
 * them on purpose): /dev/liveupdate opens, RETRIEVE_SESSION fails with
 * EIO, and new outgoing sessions work.  With lu_luo_corrupt=version the
 * next live update carries one of them (stage 3).
 */
static int corrupt_refused(int stage)
{
	int lu = open_lu(), s;

	if (stage == 3) {
		s = check_session(lu, "after-refusal", (const uint64_t[]){ 0x81 }, 1);
		CHECK_RET(0, luo_finish(s));
		return 0;
	}
	CHECK_RET(-EIO, luo_retrieve_session(lu, "one"));
	CHECK_RET(-EIO, luo_retrieve_session(lu, "one"));
	s = make_session(lu, "after-refusal", (const uint64_t[]){ 0x81 }, 1);
	if (!strcmp(cmdline_arg("lu_luo_corrupt"), "version"))
		hold(lu);
	close(s);
	return 0;
}

/*
 * A file whose handler this kernel does not have is refused alone: the
 * rest of its session is retrieved and finished as usual, and live update
 * goes on.
 */
static int corrupt_handler(int stage)
{
	int lu = open_lu(), s, fd;

	s = luo_retrieve_session(lu, "one");
	CHECK(s >= 0, "retrieve the session of the refused file: %s",
	      strerror(-s));
	CHECK(luo_state_has("token 0x1 handler no-such-handler state no-handler"),
	      "the refused file is not listed as such");
	CHECK_RET(-ENOENT, luo_retrieve(s, 1));
	fd = luo_retrieve(s, 2);
	CHECK(fd >= 0, "retrieve the other file: %s", strerror(-fd));
	CHECK(one_late_check(fd, 0x12), "the other file changed");
	close(fd);
	CHECK_RET(0, luo_finish(s));
	close(s);
	close(make_session(lu, "after-refusal", (const uint64_t[]){ 0x81 }, 1));
	return 0;
}

/*
 * Load a kexec image with kexec_load(), whose segments userspace places:
 * it cannot carry the handover.  Its one segment is a page of zeroes, so a
 * kernel that booted it anyway would not come back.
 */
static void kexec_load_dummy(void)
{
	static char page[4096] __attribute__((aligned(4096)));
	struct kexec_segment seg = {
		.buf = page, .bufsz = sizeof(page),
		.mem = (void *)(16UL << 20), .memsz = sizeof(page),
	};

	CHECK(!syscall(SYS_kexec_load, 16UL << 20, 1, &seg, KEXEC_ARCH_DEFAULT),
	      "kexec_load: %s", strerror(errno));
}

static void kexec_refused(const char *what)
{
	CHECK(reboot(LINUX_REBOOT_CMD_KEXEC) && errno == EOPNOTSUPP,
	      "kexec of a kexec_load() image with %s: %s", what,
	      strerror(errno));
}

/*
 * A kexec_load() image cannot carry a live update: the reboot is refused
 * with EOPNOTSUPP while a session exists (even an empty one) or memory is
 * preserved, and nothing changes; the next kexec, of a kexec_file_load()
 * image, carries everything.
 */
#define KL_MEMFD	(4 * MB)

static int kexec_load_refused(int stage)
{
	int lu = open_lu(), s, fd;

	if (stage == 2) {
		close(check_session(lu, "kl-empty", NULL, 0));
		s = check_session(lu, "kl", (const uint64_t[]){ 0x91 }, 1);
		fd = luo_retrieve(s, 2);
		CHECK(fd >= 0, "retrieve the memfd: %s", strerror(-fd));
		CHECK(same(fd, 0, KL_MEMFD, 0x92), "the memfd changed");
		CHECK_RET(0, luo_finish(s));
		return 0;
	}

	kexec_load_dummy();
	make_session(lu, "kl-empty", NULL, 0);
	kexec_refused("an empty session");
	s = make_session(lu, "kl", (const uint64_t[]){ 0x91 }, 1);
	preserve_filled(s, KL_MEMFD, 0x92, 2);
	kexec_refused("preserved memory");
	CHECK(!luo_events_prefix("freeze"), "files were frozen: %s", luo_events());
	CHECK(luo_state_has("token 0x2 handler memfd-612-v2 state preserved"),
	      "the memfd is not preserved any more");
	/* Unload it; the harness loads the next stage with kexec_file_load(). */
	CHECK(!syscall(SYS_kexec_load, 0, 0, NULL, KEXEC_ARCH_DEFAULT),
	      "unload: %s", strerror(errno));
	hold(lu);
}

/*
 * Scale: 100 one-file sessions, then 2000, then one session of 500 files.
 * The first open of /dev/liveupdate after each kexec takes the sessions
 * up; its time per file at 2000 against at 100 shows the cost is linear.
 */
static void scale_create(int lu, int n)
{
	char name[32];
	uint64_t tag;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "scale-%d", i);
		tag = 0x1000 + i;
		make_session(lu, name, &tag, 1);
	}
}

static double scale_take(int n, int *lup)
{
	double t0 = now_us(), t1;
	char name[32];
	int i, s;

	*lup = open_lu();
	t1 = now_us();
	for (i = 0; i < n; i++) {
		uint64_t tag = 0x1000 + i;

		snprintf(name, sizeof(name), "scale-%d", i);
		s = check_session(*lup, name, &tag, 1);
		CHECK_RET(0, luo_finish(s));
		close(s);
	}
	return (t1 - t0) / n;
}

static int scale(int stage)
{
	static uint64_t big[500];
	double per_file;
	int lu, i, s;

	raise_nofile();
	switch (stage) {
	case 1:
		lu = open_lu();
		scale_create(lu, 100);
		hold(lu);
	case 2:
		per_file = scale_take(100, &lu);
		bench("luo_deserialize_per_file_us_100", per_file, "us");
		scale_create(lu, 2000);
		hold(lu);
	case 3:
		per_file = scale_take(2000, &lu);
		bench("luo_deserialize_per_file_us_2000", per_file, "us");
		for (i = 0; i < 500; i++)
			big[i] = 0x5000 + i;
		make_session(lu, "big", big, 500);
		hold(lu);
	}
	for (i = 0; i < 500; i++)
		big[i] = 0x5000 + i;
	lu = open_lu();
	s = check_session(lu, "big", big, 500);
	CHECK_RET(0, luo_finish(s));
	CHECK(luo_events_prefix("finish ") == 500, "not all 500 files finished");
	close(s);
	return 0;
}

/* ------------------------------------------------------------------------
 * memfd
 */

static long mem_kb(const char *field)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			v = atol(line + strlen(field) + 1);
	if (f)
		fclose(f);
	return v;
}

#define FALLOC_SIZE	(8 * MB)
#define FALLOC_WRITTEN	(3 * 4096)

/*
 * A reboot that fails (another session's file refuses to freeze) after the
 * memfds were frozen: they stay preserved, with what that freeze took up.
 */
static void memfd_failed_reboot(int lu)
{
	int s, fd;

	CHECK(!system("lu_kexec --load-only"), "cannot load the next kernel");
	s = luo_create_session(lu, "zz-fails");
	CHECK(s >= 0, "create session: %s", strerror(-s));
	fd = luo_test_file(1, 0x99);
	CHECK(fd >= 0, "test file: %s", strerror(-fd));
	CHECK_RET(0, luo_preserve(s, fd, 1));
	close(fd);
	CHECK_RET(0, luo_knob("fail_freeze", 0x99));
	CHECK(reboot(LINUX_REBOOT_CMD_KEXEC) && errno == EAGAIN,
	      "the reboot did not fail with EAGAIN: %s", strerror(errno));
	CHECK_RET(0, luo_knob("fail_freeze", 0));
	close(s);
}

static void memfd_stage1(int lu)
{
	int s = luo_create_session(lu, "mem"), fd, sparse;
	unsigned int i;

	CHECK(s >= 0, "create session: %s", strerror(-s));
	/* 1: empty */
	fd = new_memfd(0, 0);
	CHECK_RET(0, luo_preserve(s, fd, 1));
	close(fd);
	/*
	 * 2: one page, position 100, sealed against resizing; more seals
	 * and a mode without exec bits after the preserve.
	 */
	fd = new_memfd(4096, MFD_ALLOW_SEALING);
	fill(fd, 0, 4096, 2);
	CHECK(lseek(fd, 100, SEEK_SET) == 100, "lseek");
	CHECK(!fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK),
	      "seals: %s", strerror(errno));
	CHECK_RET(0, luo_preserve(s, fd, 2));
	CHECK(!fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL),
	      "seals after preserve: %s", strerror(errno));
	CHECK(!fchmod(fd, 0600), "chmod: %s", strerror(errno));
	close(fd);
	/* 3: 64 MiB with data at a few offsets, written to after preserve */
	sparse = new_memfd(SPARSE_SIZE, 0);
	for (i = 0; i < ARRAY_SIZE(sparse_at); i++)
		fill(sparse, sparse_at[i], 4096, 3 + i);
	CHECK_RET(0, luo_preserve(s, sparse, 3));
	CHECK(ftruncate(sparse, 2 * SPARSE_SIZE) && errno == EPERM, "grew");
	CHECK(ftruncate(sparse, 4096) && errno == EPERM, "shrank");
	CHECK(fallocate(sparse, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			0, 4096) && errno == EPERM, "punched a hole");
	/* Into a preserved page, and into a hole. */
	fill(sparse, sparse_at[1], 4096, 33);
	fill(sparse, 10 * MB, 4096, 34);
	/* 4: 1 GiB, every page written */
	fd = new_memfd(GIB, 0);
	fill(fd, 0, GIB, 4);
	CHECK_RET(0, luo_preserve(s, fd, 4));
	close(fd);
	/*
	 * 5: fallocated, so that its folios are not uptodate (never written
	 * or read): only what is written reads as data in the next kernel,
	 * the rest as zeroes, whatever the pages held before.
	 */
	fd = new_memfd(FALLOC_SIZE, 0);
	CHECK(!fallocate(fd, 0, 0, FALLOC_SIZE), "fallocate: %s", strerror(errno));
	CHECK_RET(0, luo_preserve(s, fd, 5));
	fill(fd, FALLOC_WRITTEN, 4096, 35);
	close(fd);

	memfd_failed_reboot(lu);
	/* Into another hole, after that freeze: the next one takes it up. */
	fill(sparse, 20 * MB, 4096, 36);
	close(sparse);
}

static void memfd_check_sparse(int fd)
{
	struct stat st;
	char *map;

	CHECK(!fstat(fd, &st) && st.st_size == (off_t)SPARSE_SIZE, "sparse: size");
	CHECK(same(fd, 0, 4096, 3), "sparse: data at 0");
	CHECK(same(fd, sparse_at[1], 4096, 33), "sparse: the write after preserve");
	CHECK(same(fd, 33 * MB, 4096, 5), "sparse: data at 33M");
	CHECK(same(fd, SPARSE_SIZE - 4096, 4096, 6), "sparse: data at the end");
	CHECK(same(fd, 10 * MB, 4096, 34), "sparse: the write into a hole");
	CHECK(same(fd, 20 * MB, 4096, 36),
	      "sparse: the write into a hole after a failed reboot");
	/* Holes stay holes: 7 pages hold data (the write at 1M+123 spans 2). */
	CHECK(lseek(fd, 0, SEEK_HOLE) == 4096, "sparse: no hole after page 0");
	CHECK(lseek(fd, 4096, SEEK_DATA) == (off_t)MB, "sparse: data before 1M");
	CHECK(lseek(fd, 10 * MB + 4096, SEEK_DATA) == (off_t)(20 * MB),
	      "sparse: data between the two late writes");
	CHECK(st.st_blocks <= 8 * 8, "sparse: %ld blocks allocated",
	      (long)st.st_blocks);
	map = mmap(NULL, SPARSE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(!memcmp(map + SPARSE_SIZE - 4096 + 8, &(uint64_t){ pattern(6,
	      (SPARSE_SIZE - 4096) / 8 + 1) }, 8), "sparse: mmap reads other data");
	CHECK(map[2 * MB] == 0, "sparse: a hole does not read as zero");
	munmap(map, SPARSE_SIZE);
}

/* The fallocated memfd: allocated throughout, zeroes but for one page. */
static void memfd_check_fallocated(int fd)
{
	struct stat st;

	CHECK(!fstat(fd, &st) && st.st_blocks == FALLOC_SIZE / 512,
	      "fallocated: %ld blocks, not %lu", (long)st.st_blocks,
	      FALLOC_SIZE / 512);
	CHECK(same(fd, 0, FALLOC_WRITTEN, HOLE), "fallocated: data before the write");
	CHECK(same(fd, FALLOC_WRITTEN, 4096, 35), "fallocated: the write");
	CHECK(same(fd, FALLOC_WRITTEN + 4096, FALLOC_SIZE - FALLOC_WRITTEN - 4096,
		   HOLE), "fallocated: data after the write");
}

/* cgroup v2, with the memory controller on for the children of the root. */
#define CGROUP	"/sys/fs/cgroup"

static void cg_write(const char *file, const char *val)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), CGROUP "/%s", file);
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val),
	      "write %s to %s: %s", val, path, strerror(errno));
	close(fd);
}

/* Field @key of @cg/memory.stat, or memory.current for "current". */
static long cg_mem(const char *cg, const char *key)
{
	char path[256], line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f;

	if (!strcmp(key, "current")) {
		snprintf(path, sizeof(path), CGROUP "/%s/memory.current", cg);
		f = fopen(path, "r");
		CHECK(f && fscanf(f, "%ld", &v) == 1, "read %s", path);
		fclose(f);
		return v;
	}
	snprintf(path, sizeof(path), CGROUP "/%s/memory.stat", cg);
	f = fopen(path, "r");
	CHECK(f, "open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ' ')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

static void cg_make(const char *cg, const char *max)
{
	char path[256], file[256];

	snprintf(path, sizeof(path), CGROUP "/%s", cg);
	CHECK(!mkdir(path, 0755) || errno == EEXIST, "mkdir %s: %s", path,
	      strerror(errno));
	snprintf(file, sizeof(file), "%s/memory.max", cg);
	cg_write(file, max);
}

static void cg_enter(const char *cg)
{
	char file[256], pid[32];

	snprintf(file, sizeof(file), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	cg_write(file, pid);
}

/*
 * Mount cgroup2 with @opts and the memory controller on, and make cgroup
 * @small (memory.max @small_max) and @room (no limit).
 */
static void cg_setup(const char *opts, const char *small,
		     const char *small_max, const char *room)
{
	CHECK(!mount("none", CGROUP, "cgroup2", 0, opts),
	      "mount cgroup2: %s", strerror(errno));
	cg_write("cgroup.subtree_control", "+memory");
	cg_make(small, small_max);
	cg_make(room, "max");
}

/*
 * Retrieve @token from cgroup @cg: the file descriptor, and in @charged
 * what the cgroup's memory.current grew by.
 */
static int retrieve_in(int s, uint64_t token, const char *cg, long *charged)
{
	int fd;

	cg_enter(cg);
	*charged = cg_mem(cg, "current");
	fd = luo_retrieve(s, token);
	CHECK(fd >= 0, "retrieve token %llu in cgroup %s: %s",
	      (unsigned long long)token, cg, strerror(-fd));
	*charged = cg_mem(cg, "current") - *charged;
	cg_enter(".");
	return fd;
}

/* Whether a child in cgroup @cg fails to retrieve @token with ENOMEM. */
static int retrieve_enomem_in(int s, uint64_t token, const char *cg)
{
	int status;
	pid_t pid;

	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		cg_enter(cg);
		_exit(luo_retrieve(s, token) == -ENOMEM ? 0 : 1);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

/*
 * The 1 GiB memfd, retrieved in memory cgroups.  A process whose cgroup
 * has no room for it gets ENOMEM, is charged nothing, and the memfd stays
 * with LUO; another process, in a cgroup with room, retrieves it and is
 * charged for all of it.
 */
static int memfd_retrieve_charged(int s)
{
	long current, shmem;
	int fd;

	cg_setup(NULL, "small", "64M", "vmm");
	CHECK(retrieve_enomem_in(s, 4, "small"),
	      "a retrieve without room in its cgroup did not fail with ENOMEM");
	CHECK(cg_mem("small", "shmem") == 0, "the failed retrieve left %ld bytes charged",
	      cg_mem("small", "shmem"));
	CHECK(luo_state_has("token 0x4 handler memfd-612-v2 state retrieve-failed"),
	      "the memfd is not listed as a failed retrieve");

	fd = retrieve_in(s, 4, "vmm", &current);
	shmem = cg_mem("vmm", "shmem");
	printf("retrieved 1 GiB memfd: cgroup memory.current +%ld kB, shmem %ld kB\n",
	       current / 1024, shmem / 1024);
	CHECK(current >= (long)GIB && current <= (long)(GIB + 16 * MB),
	      "memory.current grew by %ld bytes", current);
	CHECK(shmem >= (long)(GIB - 2 * MB) && shmem <= (long)(GIB + 2 * MB),
	      "shmem of the cgroup is %ld bytes", shmem);
	return fd;
}

static int memfd(int stage)
{
	int lu = open_lu(), s, fd;
	struct stat st;

	if (stage == 1) {
		memfd_stage1(lu);
		hold(lu);
	}
	s = luo_retrieve_session(lu, "mem");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	fd = luo_retrieve(s, 1);
	CHECK(fd >= 0 && !fstat(fd, &st) && st.st_size == 0, "empty memfd");
	close(fd);
	fd = luo_retrieve(s, 2);
	CHECK(fd >= 0, "one-page memfd: %s", strerror(-fd));
	CHECK(lseek(fd, 0, SEEK_CUR) == 100, "position not kept");
	CHECK(fcntl(fd, F_GET_SEALS) == (F_SEAL_GROW | F_SEAL_SHRINK |
					  F_SEAL_FUTURE_WRITE | F_SEAL_SEAL),
	      "seals %#x not kept", fcntl(fd, F_GET_SEALS));
	CHECK(!fstat(fd, &st) && !(st.st_mode & 0111), "mode %o not kept",
	      st.st_mode);
	CHECK(same(fd, 0, 4096, 2), "one-page memfd: data");
	CHECK(ftruncate(fd, 8192) && errno == EPERM, "sealed memfd grew");
	close(fd);
	fd = luo_retrieve(s, 5);
	CHECK(fd >= 0, "fallocated memfd: %s", strerror(-fd));
	memfd_check_fallocated(fd);
	close(fd);
	fd = memfd_retrieve_charged(s);
	CHECK(same(fd, 0, GIB, 4), "1 GiB memfd: data");
	close(fd);
	fd = luo_retrieve(s, 3);
	CHECK(fd >= 0, "sparse memfd: %s", strerror(-fd));
	memfd_check_sparse(fd);
	CHECK_RET(0, luo_finish(s));
	/* Finished: it is an ordinary memfd again. */
	CHECK(!ftruncate(fd, SPARSE_SIZE / 2), "resize after finish: %s",
	      strerror(errno));
	close(fd);
	fd = luo_retrieve(s, 4);
	CHECK(fd == -ENOENT, "a file retrieved after finish");
	close(s);
	return 0;
}

/*
 * Memfds never retrieved.  One is finished: its memory comes back at once.
 * MemTotal grows by exactly what was restored: the 256 MiB, the page
 * describing the memfd and its folio list (384 pages and one page listing
 * them).  Most of it shows in MemFree at once (the rest waits in per-CPU
 * free lists).  The other is left alone, and the next kexec does not carry
 * it on: the kernel after that has its memory free.  A small memfd carries
 * the second kernel's figures to the third.
 */
static int memfd_unretrieved(int stage)
{
	long total, free, want = BIG_SIZE / 1024 + (1 + 384 + 1) * 4;
	int lu = open_lu(), s, fd;
	char note[64] = "";

	switch (stage) {
	case 1:
		preserve_filled(luo_create_session(lu, "unretrieved"), BIG_SIZE,
				9, 1);
		preserve_filled(luo_create_session(lu, "left"), BIG_SIZE, 10, 1);
		hold(lu);
	case 2:
		s = luo_retrieve_session(lu, "unretrieved");
		CHECK(s >= 0, "retrieve session: %s", strerror(-s));
		total = mem_kb("MemTotal:");
		free = mem_kb("MemFree:");
		CHECK_RET(0, luo_finish(s));
		close(s);
		total = mem_kb("MemTotal:") - total;
		free = mem_kb("MemFree:") - free;
		printf("finish: MemTotal +%ld kB, MemFree +%ld kB\n", total, free);
		CHECK(total == want, "MemTotal grew by %ld kB, not %ld", total, want);
		CHECK(free >= want * 8 / 10, "MemFree grew by %ld kB only", free);
		/* Session "left" stays as it is. */
		s = luo_create_session(lu, "note");
		fd = new_memfd(sizeof(note), 0);
		snprintf(note, sizeof(note), "%ld %ld", mem_kb("MemTotal:"),
			 mem_kb("MemFree:"));
		CHECK(pwrite(fd, note, sizeof(note), 0) == sizeof(note), "note");
		CHECK_RET(0, luo_preserve(s, fd, 1));
		close(fd);
		hold(lu);
	}
	CHECK(luo_retrieve_session(lu, "left") == -ENOENT,
	      "a session never retrieved was carried on");
	s = luo_retrieve_session(lu, "note");
	CHECK(s >= 0, "retrieve the note: %s", strerror(-s));
	fd = luo_retrieve(s, 1);
	CHECK(fd >= 0 && pread(fd, note, sizeof(note), 0) == sizeof(note) &&
	      sscanf(note, "%ld %ld", &total, &free) == 2, "read the note");
	close(fd);
	CHECK_RET(0, luo_finish(s));
	close(s);
	total = mem_kb("MemTotal:") - total;
	free = mem_kb("MemFree:") - free;
	printf("next kexec: MemTotal +%ld kB, MemFree +%ld kB\n", total, free);
	CHECK(total >= want - 2048 && total <= want + 2048,
	      "MemTotal grew by %ld kB, not about %ld", total, want);
	CHECK(free >= want * 8 / 10, "MemFree grew by %ld kB only", free);
	return 0;
}

/*
 * A hugetlb memfd of 16 2 MiB pages, 7 of them written, the rest holes.
 * After the preserve, a write into a page and one into a hole.  The next
 * kernel gives it back with the same data, holes, position and seals; its
 * 8 pages are surplus huge pages, so the pool the command line sized is
 * untouched, and they go back to the page allocator when it is closed.
 */
#define HUGE		(2 * MB)
#define HUGE_NR		16

static const unsigned int huge_data[] = { 0, 1, 2, 3, 4, 5, 9 };

static int huge_written(unsigned int page)
{
	unsigned int i;

	if (page == 7)
		return 1;
	for (i = 0; i < ARRAY_SIZE(huge_data); i++)
		if (huge_data[i] == page)
			return 1;
	return 0;
}

static uint64_t huge_seed(unsigned int page)
{
	return page == 2 || page == 7 ? 200 + page : 100 + page;
}

static void huge_fill(char *map, unsigned int page, uint64_t seed)
{
	uint64_t *p = (uint64_t *)(map + (size_t)page * HUGE);
	size_t i;

	for (i = 0; i < HUGE / 8; i++)
		p[i] = pattern(seed, ((size_t)page * HUGE) / 8 + i);
}

/*
 * With hugetlb memory charged to memory cgroups (memory_hugetlb_accounting),
 * a retriever without room gets ENOMEM and nothing changes: no surplus
 * page appears; another with room gets the memfd, charged for its pages.
 */
static int memfd_hugetlb_retrieve_charged(int s)
{
	long surp = mem_kb("HugePages_Surp:"), current;
	int fd;

	cg_setup("memory_hugetlb_accounting", "hsmall", "8M", "hvmm");
	CHECK(retrieve_enomem_in(s, 1, "hsmall"),
	      "a retrieve without room in its cgroup did not fail with ENOMEM");
	CHECK(mem_kb("HugePages_Surp:") == surp,
	      "the failed retrieve left surplus pages");
	CHECK(luo_state_has("token 0x1 handler memfd-612-v2 state retrieve-failed"),
	      "the memfd is not listed as a failed retrieve");

	fd = retrieve_in(s, 1, "hvmm", &current);
	printf("retrieved hugetlb memfd: cgroup memory.current +%ld kB\n",
	       current / 1024);
	CHECK(current >= (long)(8 * HUGE) && current <= (long)(8 * HUGE + 4 * MB),
	      "memory.current grew by %ld bytes, not 8 huge pages", current);
	return fd;
}

static int memfd_hugetlb(int stage)
{
	long total, surp, free_huge;
	int lu = open_lu(), s, fd;
	unsigned int i;
	struct stat st;
	char *map;

	if (stage == 1) {
		CHECK(mem_kb("HugePages_Total:") >= HUGE_NR,
		      "boot with hugepages=%d", HUGE_NR);
		s = luo_create_session(lu, "huge");
		fd = memfd_create("huge", MFD_HUGETLB | MFD_ALLOW_SEALING);
		CHECK(fd >= 0 && !ftruncate(fd, HUGE_NR * HUGE),
		      "hugetlb memfd: %s", strerror(errno));
		map = mmap(NULL, HUGE_NR * HUGE, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
		for (i = 0; i < ARRAY_SIZE(huge_data); i++)
			huge_fill(map, huge_data[i], 100 + huge_data[i]);
		CHECK(lseek(fd, 3 * HUGE + 5, SEEK_SET) == 3 * HUGE + 5, "lseek");
		CHECK(!fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL), "seal: %s",
		      strerror(errno));
		CHECK_RET(0, luo_preserve(s, fd, 1));
		CHECK(ftruncate(fd, HUGE) && errno == EPERM, "shrank");
		CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, HUGE) && errno == EPERM, "punched a hole");
		/* Into a preserved page, and into a hole. */
		huge_fill(map, 2, 202);
		huge_fill(map, 7, 207);
		munmap(map, HUGE_NR * HUGE);
		close(fd);
		hold(lu);
	}

	total = mem_kb("HugePages_Total:");
	surp = mem_kb("HugePages_Surp:");
	free_huge = mem_kb("HugePages_Free:");
	s = luo_retrieve_session(lu, "huge");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	fd = memfd_hugetlb_retrieve_charged(s);
	printf("retrieved: HugePages_Total %ld -> %ld, Surp %ld -> %ld, Free %ld -> %ld\n",
	       total, mem_kb("HugePages_Total:"), surp, mem_kb("HugePages_Surp:"),
	       free_huge, mem_kb("HugePages_Free:"));
	CHECK(mem_kb("HugePages_Surp:") == surp + 8 &&
	      mem_kb("HugePages_Total:") == total + 8 &&
	      mem_kb("HugePages_Free:") == free_huge,
	      "the 8 pages are not surplus pages in use");
	CHECK(!fstat(fd, &st) && st.st_size == HUGE_NR * HUGE, "size");
	CHECK(st.st_blocks == 8 * (HUGE / 512), "%ld blocks, not 8 huge pages",
	      (long)st.st_blocks);
	CHECK(lseek(fd, 0, SEEK_CUR) == 3 * HUGE + 5, "position not kept");
	CHECK(fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL, "seals %#x not kept",
	      fcntl(fd, F_GET_SEALS));
	for (i = 0; i < HUGE_NR; i++) {
		if (huge_written(i))
			CHECK(same(fd, (off_t)i * HUGE, HUGE, huge_seed(i)),
			      "huge page %u: data", i);
		else
			CHECK(same(fd, (off_t)i * HUGE, HUGE, HOLE),
			      "huge page %u: not a hole", i);
	}
	map = mmap(NULL, HUGE_NR * HUGE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(*(uint64_t *)(map + 9 * HUGE + 8) == pattern(109, 9 * HUGE / 8 + 1),
	      "mmap reads other data");
	munmap(map, HUGE_NR * HUGE);
	CHECK_RET(0, luo_finish(s));
	close(s);
	close(fd);
	CHECK(mem_kb("HugePages_Surp:") == surp &&
	      mem_kb("HugePages_Total:") == total,
	      "the surplus pages did not go back: Total %ld, Surp %ld",
	      mem_kb("HugePages_Total:"), mem_kb("HugePages_Surp:"));
	return 0;
}

/* The same memfd through two live updates. */
static int memfd_twice(int stage)
{
	int lu = open_lu(), s, fd;

	switch (stage) {
	case 1:
		s = luo_create_session(lu, "twice-1");
		fd = new_memfd(8 * MB, 0);
		fill(fd, 0, 8 * MB, 11);
		CHECK_RET(0, luo_preserve(s, fd, 1));
		close(fd);
		hold(lu);
	case 2:
		s = luo_retrieve_session(lu, "twice-1");
		fd = luo_retrieve(s, 1);
		CHECK(fd >= 0 && same(fd, 0, 8 * MB, 11), "first update: data");
		/* Busy until finished, then free to go on. */
		CHECK_RET(-EBUSY, luo_preserve(luo_create_session(lu, "x"), fd, 1));
		CHECK_RET(0, luo_finish(s));
		close(s);
		fill(fd, MB, MB, 12);
		s = luo_create_session(lu, "twice-2");
		CHECK_RET(0, luo_preserve(s, fd, 1));
		close(fd);
		hold(lu);
	}
	s = luo_retrieve_session(lu, "twice-2");
	fd = luo_retrieve(s, 1);
	CHECK(fd >= 0, "second update: %s", strerror(-fd));
	CHECK(same(fd, 0, MB, 11) && same(fd, MB, MB, 12) &&
	      same(fd, 2 * MB, 6 * MB, 11), "second update: data");
	CHECK_RET(0, luo_finish(s));
	close(s);
	return 0;
}

/*
 * Folios that may not stay pinned where they are (in ZONE_MOVABLE here;
 * KHO's scratch areas, CMA, are the case that matters) are moved before
 * they are preserved, and only they: the kernel boots with movablecore=,
 * so a memfd's new pages land in ZONE_MOVABLE.  A sparse 32 MiB memfd,
 * data in its even MiBs: all of it moves out of ZONE_MOVABLE and holes stay
 * holes.  In the next kernel its odd MiBs are written too, into
 * ZONE_MOVABLE again, and it is preserved once more: the new MiBs move,
 * the restored ones stay where they are, and every byte comes through.
 */
#define MOVABLE_SIZE	(32 * MB)
#define MOVABLE_PAGES	(MOVABLE_SIZE / 4096)

static unsigned long movable_lo, movable_hi;	/* ZONE_MOVABLE's PFNs */

static void movable_zone(void)
{
	unsigned long start = 0, spanned = 0;
	char line[256];
	int in = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	CHECK(f, "/proc/zoneinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, ", zone "))
			in = !!strstr(line, "Movable");
		else if (in && sscanf(line, " spanned %lu", &spanned) != 1)
			sscanf(line, " start_pfn: %lu", &start);
	}
	fclose(f);
	CHECK(spanned, "no ZONE_MOVABLE (movablecore= not given?)");
	movable_lo = start;
	movable_hi = start + spanned;
}

/*
 * The PFN of each page of the even (odd: @odd) MiBs of the memfd, read
 * from /proc/self/pagemap through a shared mapping; the number of them in
 * ZONE_MOVABLE.  Only MiBs that hold data are mapped (a fault in a
 * hole would fill it).
 */
static unsigned long movable_pfns(int fd, int odd, uint64_t *pfn)
{
	unsigned long n = 0, i;
	uint64_t ent;
	char *map;
	int pm = open("/proc/self/pagemap", O_RDONLY);

	CHECK(pm >= 0, "pagemap: %s", strerror(errno));
	map = mmap(NULL, MOVABLE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < MOVABLE_PAGES; i++) {
		if ((i / 256) % 2 != odd)
			continue;
		if (i % 256 == 0)	/* map the MiB, without faults in holes */
			CHECK(!madvise(map + i * 4096, MB, MADV_POPULATE_READ),
			      "MADV_POPULATE_READ: %s", strerror(errno));
		CHECK(pread(pm, &ent, 8, ((uintptr_t)map / 4096 + i) * 8) == 8,
		      "pagemap: %s", strerror(errno));
		CHECK(ent >> 63, "page %lu not present", i);
		pfn[i] = ent & ((1ULL << 55) - 1);
		CHECK(pfn[i], "no PFN in pagemap (not root?)");
		n += pfn[i] >= movable_lo && pfn[i] < movable_hi;
	}
	munmap(map, MOVABLE_SIZE);
	close(pm);
	return n;
}

/* Whether the even (odd) MiBs hold seed + their number, or are holes. */
static int movable_same(int fd, int odd, uint64_t seed)
{
	off_t off;

	for (off = odd * MB; off < MOVABLE_SIZE; off += 2 * MB)
		if (!same(fd, off, MB, seed == HOLE ? HOLE : seed + off / MB))
			return 0;
	return 1;
}

static void movable_fill(int fd, int odd, uint64_t seed)
{
	off_t off;

	for (off = odd * MB; off < MOVABLE_SIZE; off += 2 * MB)
		fill(fd, off, MB, seed + off / MB);
}

static int memfd_movable(int stage)
{
	static uint64_t before[MOVABLE_PAGES], after[MOVABLE_PAGES];
	int lu = open_lu(), s, fd;
	unsigned long i, moved = 0;
	struct stat st;

	movable_zone();
	switch (stage) {
	case 1:
		s = luo_create_session(lu, "movable-1");
		fd = new_memfd(MOVABLE_SIZE, 0);
		movable_fill(fd, 0, 300);
		CHECK(movable_pfns(fd, 0, before) == MOVABLE_PAGES / 2,
		      "the memfd's pages are not all in ZONE_MOVABLE");
		CHECK_RET(0, luo_preserve(s, fd, 1));
		CHECK(movable_pfns(fd, 0, after) == 0,
		      "preserve left pages in ZONE_MOVABLE");
		CHECK(movable_same(fd, 0, 300) && movable_same(fd, 1, HOLE),
		      "data or holes changed by the move");
		CHECK(!fstat(fd, &st) && st.st_blocks == MOVABLE_SIZE / 2 / 512,
		      "%ld blocks, not 16 MiB", (long)st.st_blocks);
		close(fd);
		hold(lu);
	case 2:
		s = luo_retrieve_session(lu, "movable-1");
		fd = luo_retrieve(s, 1);
		CHECK(fd >= 0, "first update: %s", strerror(-fd));
		CHECK(movable_same(fd, 0, 300) && movable_same(fd, 1, HOLE),
		      "first update: data or holes");
		CHECK_RET(0, luo_finish(s));
		close(s);
		CHECK(movable_pfns(fd, 0, before) == 0,
		      "restored pages in ZONE_MOVABLE");
		movable_fill(fd, 1, 400);
		CHECK(movable_pfns(fd, 1, before) == MOVABLE_PAGES / 2,
		      "the new pages are not all in ZONE_MOVABLE");
		s = luo_create_session(lu, "movable-2");
		CHECK_RET(0, luo_preserve(s, fd, 1));
		CHECK(movable_pfns(fd, 0, after) == 0 &&
		      movable_pfns(fd, 1, after) == 0,
		      "preserve left pages in ZONE_MOVABLE");
		for (i = 0; i < MOVABLE_PAGES; i++)
			moved += before[i] != after[i];
		CHECK(moved == MOVABLE_PAGES / 2,
		      "%lu pages moved, not just the %lu new ones", moved,
		      (unsigned long)MOVABLE_PAGES / 2);
		close(fd);
		hold(lu);
	}
	s = luo_retrieve_session(lu, "movable-2");
	fd = luo_retrieve(s, 1);
	CHECK(fd >= 0, "second update: %s", strerror(-fd));
	CHECK(movable_same(fd, 0, 300) && movable_same(fd, 1, 400),
	      "second update: data");
	CHECK(!fstat(fd, &st) && st.st_blocks == MOVABLE_SIZE / 512,
	      "second update: %ld blocks, not 32 MiB", (long)st.st_blocks);
	CHECK_RET(0, luo_finish(s));
	close(s);
	return 0;
}

/*
 * A hugetlb memfd of gigantic (1 GiB) pages is refused with EOPNOTSUPP
 * (KHO restores folios of at most MAX_PAGE_ORDER), and left as it was:
 * its page and data in place, its size not frozen, the token unused.
 * Needs a CPU with 1 GiB pages and hugepagesz=1G hugepages=1 (at run
 * time a free 1 GiB-aligned range is a matter of luck); with kho_scratch=
 * sizes, as the reserved page would count as an early reservation when
 * KHO sizes its scratch areas.
 */
#define GIGANTIC_DIR	"/sys/kernel/mm/hugepages/hugepages-1048576kB/"
#define GIGANTIC_FREE	GIGANTIC_DIR "free_hugepages"
#define MFD_HUGE_1G	(30U << 26)	/* MFD_HUGE_1GB */

static long gigantic_free(void)
{
	long n = -1;
	FILE *f = fopen(GIGANTIC_FREE, "r");

	CHECK(f, "%s: %s (hugepagesz=1G not given?)", GIGANTIC_FREE,
	      strerror(errno));
	CHECK(fscanf(f, "%ld", &n) == 1, "%s: unreadable", GIGANTIC_FREE);
	fclose(f);
	return n;
}

static int memfd_gigantic(int stage)
{
	int lu = open_lu(), s = luo_create_session(lu, "gigantic"), fd, small;
	uint64_t *map;
	size_t i;

	CHECK(gigantic_free() == 1, "no free 1 GiB page (hugepages=1?)");
	fd = memfd_create("gigantic", MFD_HUGETLB | MFD_HUGE_1G);
	CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
	CHECK(!ftruncate(fd, GIB), "ftruncate: %s", strerror(errno));
	map = mmap(NULL, GIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < MB / 8; i++)
		map[i] = pattern(500, i);
	CHECK(gigantic_free() == 0, "the memfd has no gigantic page");

	CHECK_RET(-EOPNOTSUPP, luo_preserve(s, fd, 1));
	for (i = 0; i < MB / 8; i++)
		CHECK(map[i] == pattern(500, i), "data changed at word %zu", i);
	CHECK(gigantic_free() == 0, "the refused preserve freed the page");
	small = new_memfd(MB, 0);
	CHECK_RET(0, luo_preserve(s, small, 1));	/* token 1 unused */
	munmap(map, GIB);
	CHECK(!ftruncate(fd, 0), "the size stayed frozen: %s", strerror(errno));
	CHECK(gigantic_free() == 1, "truncating did not free the page");
	close(fd);
	close(small);
	close(s);
	close(lu);
	return 0;
}

/*
 * Malformed memfd handover data: with LIVEUPDATE_TEST's memfd_luo/corrupt
 * knob the previous kernel broke one record of a 256 MiB memfd (three
 * quarters down its list, so in the part the second CPU restores).  The
 * retrieve fails with EINVAL and a log line, again on a second try, every
 * page of it comes back to the page allocator, and the kernel goes on.
 */
/* Break the next memfd frozen as @how says (memfd_luo/corrupt). */
static void memfd_corrupt_next(const char *how)
{
	FILE *f = fopen("/sys/kernel/debug/memfd_luo/corrupt", "w");

	CHECK(f && fputs(how, f) >= 0 && !fclose(f), "memfd_luo/corrupt: %s",
	      strerror(errno));
}

static int dmesg_has(const char *text)
{
	char line[512];
	int found = 0;
	FILE *f = popen("dmesg", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = !!strstr(line, text);
	if (f)
		pclose(f);
	return found;
}

/*
 * A memfd whose handover data was made malformed is refused with EINVAL,
 * again on a second try, with a log line; the session finishes and the
 * kernel goes on.  Stage 2: a record's index goes back, and the memory of
 * the memfd is freed.  Stage 3: the folio count wraps around when
 * multiplied by the record size; nothing of the list can be trusted, so
 * nothing is read past the record.
 */
static int memfd_corrupt(int stage)
{
	long total, want = BIG_SIZE / 1024;
	int lu = open_lu(), s, fd;

	if (stage == 1) {
		memfd_corrupt_next("index");
		preserve_filled(luo_create_session(lu, "corrupt"), BIG_SIZE, 13, 1);
		hold(lu);
	}
	s = luo_retrieve_session(lu, "corrupt");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	total = mem_kb("MemTotal:");
	CHECK_RET(-EINVAL, luo_retrieve(s, 1));
	total = mem_kb("MemTotal:") - total;
	printf("refused: MemTotal +%ld kB\n", total);
	if (stage == 2)
		CHECK(total >= want, "MemTotal grew by %ld kB, not the %ld kB preserved",
		      total, want);
	CHECK_RET(-EINVAL, luo_retrieve(s, 1));
	CHECK(dmesg_has("cannot take up the memfd handed over"),
	      "no log line for the malformed memfd");
	CHECK_RET(0, luo_finish(s));
	close(s);
	/* The kernel goes on: a new memfd works. */
	fd = new_memfd(MB, 0);
	fill(fd, 0, MB, 14);
	CHECK(same(fd, 0, MB, 14), "a new memfd after the refusal");
	close(fd);
	if (stage == 3)
		return 0;
	memfd_corrupt_next("count");
	preserve_filled(luo_create_session(lu, "corrupt"), 4 * MB, 15, 1);
	hold(lu);
}

/* Write @val to the file at @path, which must take it. */
static void knob_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	CHECK(fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val),
	      "write %s to %s: %s", val, path, strerror(errno));
	close(fd);
}

#define FAILSLAB	"/sys/kernel/debug/failslab"

/*
 * From now on, this process's allocations of xarray nodes fail once
 * @budget bytes of them were allocated (failslab on the radix_tree_node
 * cache, for this task only, quietly): the page cache of a file being
 * filled runs out of memory part way.
 */
static void xa_nodes_fail_after(long budget)
{
	char val[32];

	knob_write("/sys/kernel/slab/radix_tree_node/failslab", "1");
	knob_write(FAILSLAB "/cache-filter", "Y");
	knob_write(FAILSLAB "/task-filter", "Y");
	knob_write(FAILSLAB "/ignore-gfp-wait", "N");
	knob_write(FAILSLAB "/verbose", "0");
	knob_write(FAILSLAB "/times", "-1");
	knob_write(FAILSLAB "/interval", "1");
	snprintf(val, sizeof(val), "%ld", budget);
	knob_write(FAILSLAB "/space", val);
	knob_write(FAILSLAB "/probability", "100");
	knob_write("/proc/self/make-it-fail", "1");
}

static void xa_nodes_work(void)
{
	knob_write("/proc/self/make-it-fail", "0");
	knob_write(FAILSLAB "/probability", "0");
}

/* hugetlb.2MB.<key> of cgroup @cg. */
static long cg_huge(const char *cg, const char *key)
{
	char path[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), CGROUP "/%s/hugetlb.2MB.%s", cg, key);
	f = fopen(path, "r");
	CHECK(f && fscanf(f, "%ld", &v) == 1, "read %s", path);
	fclose(f);
	return v;
}

#define NOMEM_SHMEM	(64 * MB)
#define NOMEM_HUGE	16	/* huge pages: more than one xarray node's worth */

/*
 * Retrieves that run out of memory part way change nothing and can be
 * tried again: the page cache of the new file fails to grow (failslab on
 * xarray nodes) while a shmem memfd, then a hugetlb memfd, is being
 * filled; the folios already in it are taken out again, and the next
 * retrieve gets every byte.  A hugetlb memfd is charged to the hugetlb
 * cgroup of the retriever, as a fault would be: without room, ENOMEM.
 */
static int memfd_nomem(int stage)
{
	long surp, total, radix_node = 577;	/* one node passes, not two */
	int lu = open_lu(), s, fd, i;
	char *map;

	if (stage == 1) {
		s = luo_create_session(lu, "nomem");
		CHECK(s >= 0, "create session: %s", strerror(-s));
		preserve_filled(s, NOMEM_SHMEM, 41, 1);
		fd = memfd_create("huge", MFD_HUGETLB);
		CHECK(fd >= 0 && !ftruncate(fd, NOMEM_HUGE * HUGE),
		      "hugetlb memfd: %s", strerror(errno));
		map = mmap(NULL, NOMEM_HUGE * HUGE, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
		for (i = 0; i < NOMEM_HUGE; i++)
			huge_fill(map, i, 42 + i);
		munmap(map, NOMEM_HUGE * HUGE);
		CHECK_RET(0, luo_preserve(s, fd, 2));
		close(fd);
		hold(lu);
	}
	s = luo_retrieve_session(lu, "nomem");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));

	/* shmem: the page cache fails after about 50 of its 261 nodes. */
	xa_nodes_fail_after(50 * radix_node);
	fd = luo_retrieve(s, 1);
	xa_nodes_work();
	CHECK(fd == -ENOMEM, "a retrieve without memory: %d", fd);
	CHECK(luo_state_has("token 0x1 handler memfd-612-v2 state retrieve-failed"),
	      "the memfd is not listed as a failed retrieve");
	fd = luo_retrieve(s, 1);
	CHECK(fd >= 0, "retrieve after running out of memory: %s", strerror(-fd));
	CHECK(same(fd, 0, NOMEM_SHMEM, 41), "the shmem memfd changed");
	close(fd);

	/* hugetlb: first a cgroup without room for it. */
	surp = mem_kb("HugePages_Surp:");
	total = mem_kb("HugePages_Total:");
	CHECK(!mount("none", CGROUP, "cgroup2", 0, NULL), "mount cgroup2: %s",
	      strerror(errno));
	cg_write("cgroup.subtree_control", "+hugetlb");
	CHECK(!mkdir(CGROUP "/hlimit", 0755) && !mkdir(CGROUP "/hroom", 0755),
	      "mkdir: %s", strerror(errno));
	cg_write("hlimit/hugetlb.2MB.max", "16M");
	CHECK(retrieve_enomem_in(s, 2, "hlimit"),
	      "a retrieve without room in its hugetlb cgroup did not fail with ENOMEM");
	CHECK(!cg_huge("hlimit", "current"), "the failed retrieve charged %ld bytes",
	      cg_huge("hlimit", "current"));
	CHECK(mem_kb("HugePages_Surp:") == surp, "the failed retrieve left surplus pages");

	/* Then memory runs out after the first 8 pages went in. */
	cg_enter("hroom");
	xa_nodes_fail_after(radix_node);
	fd = luo_retrieve(s, 2);
	xa_nodes_work();
	CHECK(fd == -ENOMEM, "a hugetlb retrieve without memory: %d", fd);
	CHECK(mem_kb("HugePages_Surp:") == surp && mem_kb("HugePages_Total:") == total,
	      "the failed retrieve left huge pages: Surp %ld, Total %ld",
	      mem_kb("HugePages_Surp:"), mem_kb("HugePages_Total:"));
	CHECK(!cg_huge("hroom", "current"), "the failed retrieve charged %ld bytes",
	      cg_huge("hroom", "current"));

	fd = luo_retrieve(s, 2);
	CHECK(fd >= 0, "hugetlb retrieve after running out of memory: %s",
	      strerror(-fd));
	CHECK(cg_huge("hroom", "current") == (long)(NOMEM_HUGE * HUGE),
	      "hugetlb cgroup charged %ld bytes, not %d huge pages",
	      cg_huge("hroom", "current"), NOMEM_HUGE);
	CHECK(mem_kb("HugePages_Surp:") == surp + NOMEM_HUGE, "not %d surplus pages",
	      NOMEM_HUGE);
	for (i = 0; i < NOMEM_HUGE; i++)
		CHECK(same(fd, (off_t)i * HUGE, HUGE, 42 + i), "huge page %d changed", i);
	close(fd);
	CHECK_RET(0, luo_finish(s));
	close(s);
	cg_enter(".");
	return 0;
}

/*
 * make bench: preserving and retrieving a populated 1 GiB memfd against
 * writing it once, and (with the host's transition times) the blackout of
 * a live update that carries it against one that carries nothing.
 */
static double write_gib(int fd, uint64_t seed)
{
	static uint64_t buf[MB / 8];
	double t0;
	size_t off, i;

	for (i = 0; i < MB / 8; i++)
		buf[i] = pattern(seed, i);
	t0 = now_us();
	for (off = 0; off < GIB; off += MB)
		CHECK(pwrite(fd, buf, MB, off) == (ssize_t)MB, "write: %s",
		      strerror(errno));
	return now_us() - t0;
}

static int gib_intact(int fd, uint64_t seed)
{
	static uint64_t want[MB / 8], have[MB / 8];
	size_t off, i;

	for (i = 0; i < MB / 8; i++)
		want[i] = pattern(seed, i);
	for (off = 0; off < GIB; off += MB)
		if (pread(fd, have, MB, off) != (ssize_t)MB ||
		    memcmp(have, want, MB))
			return 0;
	return 1;
}

/* How long this kernel's boot took to reserve the preserved memory. */
static void boot_reserve_bench(void)
{
	unsigned long blocks, us;
	char line[256], *p;
	FILE *f = popen("dmesg", "r");

	while (f && fgets(line, sizeof(line), f)) {
		p = strstr(line, "KHO: ");
		if (!p || sscanf(p, "KHO: %lu preserved blocks reserved in %lu us",
				 &blocks, &us) != 2)
			continue;
		bench("kho_boot_reserve_1g_memfd_blocks", blocks, "blocks");
		/* 0 us: the boot's clock was not running yet; no figure. */
		if (us)
			bench("kho_boot_reserve_1g_memfd_ms", us / 1000.0, "ms");
		else
			say("kho_boot_reserve_1g_memfd_ms not measured: no clock yet");
	}
	if (f)
		pclose(f);
}

/*
 * Twenty kernels: after a first, plain, kexec (so that every kexec measured
 * starts from a kernel kexec started), nine rounds of a kexec carrying
 * the memfd (even stage to odd) and one carrying nothing (odd to even).
 * Each kernel writes a GiB of memfd and holds it until its kexec; only
 * whether the memfd is preserved differs.  The host takes medians over
 * the rounds.
 */
#define MEMFD_BENCH_STAGES	20

static int memfd_bench(int stage)
{
	double t_write, t0, t_op;
	int lu, s, fd;

	if (stage == 1)
		return NEXT_STAGE;
	if (stage % 2 == 0 && stage < MEMFD_BENCH_STAGES) {
		lu = open_lu();
		s = luo_create_session(lu, "bench");
		fd = new_memfd(GIB, 0);
		t_write = write_gib(fd, 21);
		t0 = now_us();
		CHECK_RET(0, luo_preserve(s, fd, 1));
		t_op = now_us() - t0;
		bench("memfd_write_1g_ms", t_write / 1000, "ms");
		bench("memfd_preserve_1g_ms", t_op / 1000, "ms");
		bench("memfd_preserve_1g_ratio", t_op / t_write, "ratio");
		close(fd);
		hold(lu);
	}
	if (stage % 2 == 0)
		return 0;

	boot_reserve_bench();
	t0 = now_us();
	lu = open_lu();
	s = luo_retrieve_session(lu, "bench");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	fd = luo_retrieve(s, 1);
	CHECK(fd >= 0, "retrieve: %s", strerror(-fd));
	t_op = now_us() - t0;
	bench("memfd_retrieve_1g_ms", t_op / 1000, "ms");
	CHECK(gib_intact(fd, 21), "the memfd came back changed");
	CHECK_RET(0, luo_finish(s));
	close(s);
	close(fd);
	/*
	 * The same work as the stage before, a written GiB held open until
	 * the reboot, then a kexec that carries nothing.
	 */
	fd = new_memfd(GIB, 0);
	t_write = write_gib(fd, 22);
	bench("memfd_retrieve_1g_ratio", t_op / t_write, "ratio");
	hold(lu);
}

/*
 * make run: a VM-like process keeps its guest memory in memfds across the
 * kernel update; a new process takes it back and checks every byte.
 */
#define DEMO_RAM	(128 * MB)
#define DEMO_VRAM	(16 * MB)

static int demo(int stage)
{
	int lu, s, ram, vram;
	double t0;

	if (stage == 1) {
		lu = open_lu();
		ram = new_memfd(DEMO_RAM, 0);
		vram = new_memfd(DEMO_VRAM, 0);
		fill(ram, 0, DEMO_RAM, 0x5a);
		fill(vram, 0, DEMO_VRAM, 0xa5);
		say("VMM (pid %d): guest RAM in a %lu MiB memfd and video memory in a %lu MiB memfd, filled",
		    getpid(), DEMO_RAM / MB, DEMO_VRAM / MB);
		s = luo_create_session(lu, "guest-vm1");
		t0 = now_us();
		CHECK_RET(0, luo_preserve(s, ram, 1));
		CHECK_RET(0, luo_preserve(s, vram, 2));
		say("preserved both in session 'guest-vm1' in %.1f ms, in place (no copy)",
		    (now_us() - t0) / 1000);
		hold(lu);
	}
	t0 = now_us();
	lu = open_lu();
	s = luo_retrieve_session(lu, "guest-vm1");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	ram = luo_retrieve(s, 1);
	vram = luo_retrieve(s, 2);
	CHECK(ram >= 0 && vram >= 0, "retrieve the memfds");
	say("new VMM (pid %d) retrieved session 'guest-vm1' and both memfds in %.1f ms",
	    getpid(), (now_us() - t0) / 1000);
	CHECK(same(ram, 0, DEMO_RAM, 0x5a), "guest RAM changed");
	CHECK(same(vram, 0, DEMO_VRAM, 0xa5), "video memory changed");
	say("every byte of the %lu MiB checked: intact", (DEMO_RAM + DEMO_VRAM) / MB);
	CHECK_RET(0, luo_finish(s));
	say("session finished; the memfds are ordinary memfds of the new VMM");
	close(s);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int stage);
} tests[] = {
	{ "one_session", one_session },
	{ "multi_session", multi_session },
	{ "unretrieved", unretrieved },
	{ "freeze_fail", freeze_fail },
	{ "close_finish", close_finish },
	{ "flb", flb },
	{ "retry_retrieve", retry_retrieve },
	{ "corrupt_refused", corrupt_refused },
	{ "corrupt_handler", corrupt_handler },
	{ "kexec_load", kexec_load_refused },
	{ "scale", scale },
	{ "memfd", memfd },
	{ "memfd_unretrieved", memfd_unretrieved },
	{ "memfd_twice", memfd_twice },
	{ "memfd_movable", memfd_movable },
	{ "memfd_gigantic", memfd_gigantic },
	{ "memfd_corrupt", memfd_corrupt },
	{ "memfd_nomem", memfd_nomem },
	{ "memfd_hugetlb", memfd_hugetlb },
	{ "memfd_bench", memfd_bench },
	{ "demo", demo },
};

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TEST STAGE\n", argv[0]);
		return 1;
	}
	test_name = argv[1];
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		if (!strcmp(tests[i].name, argv[1]))
			return tests[i].run(atoi(argv[2]));
	die("no such test");
}
