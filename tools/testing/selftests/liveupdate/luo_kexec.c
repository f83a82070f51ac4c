// SPDX-License-Identifier: GPL-2.0
/*
 * Live update tests across real kexecs: luo_kexec TEST STAGE.
 *
 * Stage 1 sets sessions up and leaves a daemon holding the session file
 * descriptors, so that they are open at the reboot; later stages check
 * what came back.  Exit codes are those of the harness's /init: 0 passed,
 * 1 failed, 75 go on to the next stage (kexec).  A failure says why on
 * stderr and on the result channel.
 *
 * This file: /dev/liveupdate itself, with files of the LIVEUPDATE_TEST
 * type, and the table of every test.  memfd_kexec.c holds the memfd
 * tests, bench_kexec.c the benchmarks and the demo, luo_kexec_lib.c what
 * they share.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "luo_kexec.h"

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

int one_session(int stage)
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

int multi_session(int stage)
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

int unretrieved(int stage)
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
int freeze_fail(int stage)
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

int close_finish(int stage)
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

int flb(int stage)
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

int retry_retrieve(int stage)
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

/*
 * After the previous kernel's sessions were refused (luo_corrupt.sh broke
 * them on purpose): /dev/liveupdate opens, RETRIEVE_SESSION fails with
 * EIO, and new outgoing sessions work.  With lu_luo_corrupt=version the
 * next live update carries one of them (stage 3).
 */
int corrupt_refused(int stage)
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
int corrupt_handler(int stage)
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

int kexec_load_refused(int stage)
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
	CHECK(luo_state_has("token 0x2 handler memfd-612-v3 state preserved"),
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

int scale(int stage)
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

static const struct kexec_test tests[] = {
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
	{ "memfd_lazy", memfd_lazy },
	{ "memfd_hugetlb", memfd_hugetlb },
	{ "memfd_bench", memfd_bench },
	{ "demo", demo },
};

int main(int argc, char **argv)
{
	return kexec_test_main(tests, ARRAY_SIZE(tests), argc, argv);
}
