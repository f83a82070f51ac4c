// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/liveupdate within one kernel: every errno of every ioctl, the
 * size-extension rules, and the lifecycle of outgoing sessions.  Files
 * come from the LIVEUPDATE_TEST file type, whose event log shows what LUO
 * asked of the handlers.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "luo_lib.h"

#define BIG	(LIVEUPDATE_SESSION_NAME_LENGTH + 64)

/* Drop capability @cap (below 32) from this process, for good. */
static int drop_cap(unsigned int cap)
{
	struct __user_cap_header_struct head = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &head, data))
		return -1;
	data[0].effective &= ~(1U << cap);
	data[0].permitted &= ~(1U << cap);
	return syscall(SYS_capset, &head, data);
}

/* Run @fn(@arg) in a child; its exit status, or -1 */
static int in_child(int (*fn)(int), int arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

FIXTURE(luo) {
	int lu;
};

FIXTURE_SETUP(luo)
{
	self->lu = open(LUO_DEV, O_RDWR);
	ASSERT_LE(0, self->lu) TH_LOG("cannot open " LUO_DEV ": %s",
				      strerror(errno));
	ASSERT_EQ(0, access(LUO_TEST_DEV0, R_OK | W_OK));
	ASSERT_EQ(0, luo_events_clear());
}

FIXTURE_TEARDOWN(luo)
{
	close(self->lu);
	luo_knob("fail_preserve", 0);
}

/* /dev/liveupdate */

TEST_F(luo, second_open_is_busy)
{
	ASSERT_EQ(-1, open(LUO_DEV, O_RDWR));
	ASSERT_EQ(EBUSY, errno);
}

/* Without CAP_SYS_ADMIN: the errno open() of /dev/liveupdate gives */
static int open_without_sys_admin(int unused)
{
	int fd;

	if (drop_cap(CAP_SYS_ADMIN))
		return 255;
	fd = open(LUO_DEV, O_RDWR);
	return fd >= 0 ? 0 : errno;
}

/*
 * Only CAP_SYS_ADMIN opens /dev/liveupdate, whatever the node's mode
 * (root's process without the capability may open a 0600 root node): EPERM,
 * even while the device is free, and nothing changes.
 */
TEST_F(luo, open_without_cap_sys_admin_is_eperm)
{
	close(self->lu);
	ASSERT_EQ(EPERM, in_child(open_without_sys_admin, 0));
	self->lu = open(LUO_DEV, O_RDWR);
	ASSERT_LE(0, self->lu);
}

TEST_F(luo, reopen_after_close)
{
	int fd;

	close(self->lu);
	fd = open(LUO_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	self->lu = fd;
}

TEST_F(luo, closing_the_device_keeps_sessions)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int s = luo_create_session(self->lu, "kept");

	ASSERT_LE(0, s);
	close(self->lu);
	self->lu = open(LUO_DEV, O_RDWR);
	ASSERT_LE(0, self->lu);
	ASSERT_EQ(0, luo_get_name(s, name));
	ASSERT_STREQ("kept", name);
	ASSERT_EQ(-EEXIST, luo_create_session(self->lu, "kept"));
	close(s);
}

TEST_F(luo, unknown_nr_is_einval)
{
	unsigned long next = _IO(LIVEUPDATE_IOCTL_TYPE, 0x02);

	ASSERT_EQ(-EINVAL, luo_ioctl(self->lu, next, NULL));
	ASSERT_EQ(-EINVAL, luo_ioctl(self->lu, LIVEUPDATE_SESSION_PRESERVE_FD, NULL));
}

TEST_F(luo, mismatched_cmd_is_enotty)
{
	unsigned long cmd = _IOW(LIVEUPDATE_IOCTL_TYPE, 0x00, int);
	int v = 0;

	ASSERT_EQ(-ENOTTY, luo_ioctl(self->lu, cmd, &v));
}

TEST_F(luo, bad_pointer_is_efault)
{
	void *bad = (void *)8;

	ASSERT_EQ(-EFAULT, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_CREATE_SESSION, bad));
}

/* CREATE_SESSION */

TEST_F(luo, create_returns_cloexec_fd)
{
	int s = luo_create_session(self->lu, "cloexec");

	ASSERT_LE(0, s);
	ASSERT_EQ(FD_CLOEXEC, fcntl(s, F_GETFD) & FD_CLOEXEC);
	close(s);
}

TEST_F(luo, create_duplicate_is_eexist)
{
	int s = luo_create_session(self->lu, "dup");

	ASSERT_LE(0, s);
	ASSERT_EQ(-EEXIST, luo_create_session(self->lu, "dup"));
	close(s);
}

TEST_F(luo, create_name_free_after_close)
{
	int s = luo_create_session(self->lu, "again");

	ASSERT_LE(0, s);
	close(s);
	s = luo_create_session(self->lu, "again");
	ASSERT_LE(0, s);
	close(s);
}

/*
 * A create that cannot hand its result back (an argument in a read-only
 * page: EFAULT), or finds no free descriptor (EMFILE), leaves no session:
 * the name is free and no descriptor was used up.
 */
TEST_F(luo, create_failing_late_leaves_no_session)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };
	struct rlimit old, rl;
	void *page;
	int s, lowest;

	strcpy((char *)arg.name, "late");
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	memcpy(page, &arg, sizeof(arg));
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ));
	ASSERT_EQ(-EFAULT, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_CREATE_SESSION, page));
	munmap(page, 4096);

	lowest = dup(0);
	ASSERT_LE(0, lowest);
	close(lowest);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	rl = old;
	rl.rlim_cur = lowest;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_EQ(-EMFILE, luo_create_session(self->lu, "late"));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));

	s = luo_create_session(self->lu, "late");
	ASSERT_EQ(lowest, s);
	close(s);
}

TEST_F(luo, create_distinct_names)
{
	int a = luo_create_session(self->lu, "one");
	int b = luo_create_session(self->lu, "two");

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	close(a);
	close(b);
}

TEST_F(luo, create_empty_name_is_einval)
{
	ASSERT_EQ(-EINVAL, luo_create_session(self->lu, ""));
}

TEST_F(luo, create_unterminated_name_is_einval)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	memset(arg.name, 'x', sizeof(arg.name));
	ASSERT_EQ(-EINVAL, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg));
}

TEST_F(luo, create_size_too_small_is_einval)
{
	struct liveupdate_ioctl_create_session arg = { .name = "small" };

	arg.size = sizeof(arg) - 1;
	ASSERT_EQ(-EINVAL, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg));
	arg.size = 0;
	ASSERT_EQ(-EINVAL, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg));
}

TEST_F(luo, create_larger_zeroed_struct_works)
{
	struct {
		struct liveupdate_ioctl_create_session arg;
		char tail[16];
	} big = { .arg = { .size = sizeof(big), .name = "big" } };

	ASSERT_EQ(0, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_CREATE_SESSION, &big));
	ASSERT_LE(0, big.arg.fd);
	close(big.arg.fd);
}

TEST_F(luo, create_nonzero_tail_is_e2big)
{
	struct {
		struct liveupdate_ioctl_create_session arg;
		char tail[16];
	} big = { .arg = { .size = sizeof(big), .name = "tail" } };

	big.tail[15] = 1;
	ASSERT_EQ(-E2BIG, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_CREATE_SESSION, &big));
	/* Nothing was created. */
	big.tail[15] = 0;
	ASSERT_EQ(0, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_CREATE_SESSION, &big));
	close(big.arg.fd);
}

TEST_F(luo, create_2000_sessions)
{
	struct rlimit rl = { 4096, 4096 };
	static int fds[2000];
	char name[32];
	int i;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "many-%d", i);
		fds[i] = luo_create_session(self->lu, name);
		ASSERT_LE(0, fds[i]) TH_LOG("session %d: %d", i, fds[i]);
	}
	for (i = 0; i < 2000; i++)
		close(fds[i]);
}

TEST_F(luo, create_without_a_free_fd_is_emfile)
{
	struct rlimit rl = { 64, 64 };
	int fds[64], n = 0, s;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	while (n < 64 && (fds[n] = dup(0)) >= 0)
		n++;
	ASSERT_EQ(EMFILE, errno);
	ASSERT_EQ(-EMFILE, luo_create_session(self->lu, "no-fd"));
	/* Nothing was left behind: the name is free. */
	close(fds[--n]);
	s = luo_create_session(self->lu, "no-fd");
	ASSERT_LE(0, s);
	close(s);
	while (n)
		close(fds[--n]);
}

/* RETRIEVE_SESSION */

TEST_F(luo, retrieve_unknown_is_enoent)
{
	ASSERT_EQ(-ENOENT, luo_retrieve_session(self->lu, "no-such-session"));
}

TEST_F(luo, retrieve_outgoing_name_is_enoent)
{
	int s = luo_create_session(self->lu, "outgoing");

	ASSERT_LE(0, s);
	ASSERT_EQ(-ENOENT, luo_retrieve_session(self->lu, "outgoing"));
	close(s);
}

TEST_F(luo, retrieve_size_too_small_is_einval)
{
	struct liveupdate_ioctl_retrieve_session arg = { .name = "x" };

	arg.size = offsetof(struct liveupdate_ioctl_retrieve_session, name);
	ASSERT_EQ(-EINVAL, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg));
}

TEST_F(luo, retrieve_zeroed_tail_is_accepted)
{
	struct {
		struct liveupdate_ioctl_retrieve_session arg;
		char tail[16];
	} big = { .arg = { .size = sizeof(big), .name = "no-such-session" } };

	/* Past the size checks: the lookup itself answers. */
	ASSERT_EQ(-ENOENT, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &big));
}

TEST_F(luo, retrieve_nonzero_tail_is_e2big)
{
	struct {
		struct liveupdate_ioctl_retrieve_session arg;
		char tail[16];
	} big = { .arg = { .size = sizeof(big), .name = "no-such-session" } };

	big.tail[7] = 1;
	ASSERT_EQ(-E2BIG, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &big));
}

TEST_F(luo, retrieve_size_zero_is_einval)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = 0, .name = "x" };

	ASSERT_EQ(-EINVAL, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg));
}

TEST_F(luo, retrieve_bad_pointer_is_efault)
{
	ASSERT_EQ(-EFAULT, luo_ioctl(self->lu, LIVEUPDATE_IOCTL_RETRIEVE_SESSION,
				     (void *)8));
}

TEST_F(luo, closing_the_device_keeps_preserved_files)
{
	int s = luo_create_session(self->lu, "kept-files");
	int fd = luo_test_file(0, 0x77);

	ASSERT_LE(0, s);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, luo_preserve(s, fd, 1));
	close(self->lu);
	self->lu = open(LUO_DEV, O_RDWR);
	ASSERT_LE(0, self->lu);
	ASSERT_EQ(0, luo_events_count("unpreserve 0x77"));
	ASSERT_EQ(-EBUSY, luo_preserve(s, fd, 2));
	close(s);
	ASSERT_EQ(1, luo_events_count("unpreserve 0x77"));
	close(fd);
}

/* The session file descriptor */

FIXTURE(session) {
	int lu;
	int s;
};

FIXTURE_SETUP(session)
{
	self->lu = open(LUO_DEV, O_RDWR);
	ASSERT_LE(0, self->lu);
	ASSERT_EQ(0, luo_events_clear());
	self->s = luo_create_session(self->lu, "session");
	ASSERT_LE(0, self->s);
}

FIXTURE_TEARDOWN(session)
{
	close(self->s);
	close(self->lu);
	luo_knob("fail_preserve", 0);
}

TEST_F(session, get_name)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];

	ASSERT_EQ(0, luo_get_name(self->s, name));
	ASSERT_STREQ("session", name);
}

TEST_F(session, get_name_63_chars)
{
	char want[LIVEUPDATE_SESSION_NAME_LENGTH], name[sizeof(want)];
	int s;

	memset(want, 'n', sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	s = luo_create_session(self->lu, want);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, luo_get_name(s, name));
	ASSERT_STREQ(want, name);
	close(s);
}

TEST_F(session, get_name_reserved_is_einval)
{
	struct liveupdate_session_get_name arg = { .size = sizeof(arg), .reserved = 1 };

	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, LIVEUPDATE_SESSION_GET_NAME, &arg));
}

TEST_F(session, get_name_short_copy)
{
	struct liveupdate_session_get_name arg;

	memset(&arg, 0xff, sizeof(arg));
	arg.size = offsetof(struct liveupdate_session_get_name, name) + 4;
	arg.reserved = 0;
	/* Too small for the mandatory name: refused, nothing written. */
	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, LIVEUPDATE_SESSION_GET_NAME, &arg));
	ASSERT_EQ(0xff, arg.name[0]);
}

TEST_F(session, get_name_nonzero_tail_is_e2big)
{
	struct {
		struct liveupdate_session_get_name arg;
		char tail[8];
	} big = { .arg = { .size = sizeof(big) } };

	big.tail[0] = 1;
	ASSERT_EQ(-E2BIG, luo_ioctl(self->s, LIVEUPDATE_SESSION_GET_NAME, &big));
	big.tail[0] = 0;
	ASSERT_EQ(0, luo_ioctl(self->s, LIVEUPDATE_SESSION_GET_NAME, &big));
	ASSERT_STREQ("session", (char *)big.arg.name);
}

TEST_F(session, unknown_nr_is_einval)
{
	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, _IO(LIVEUPDATE_IOCTL_TYPE, 0x44), NULL));
	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, LIVEUPDATE_IOCTL_CREATE_SESSION, NULL));
}

TEST_F(session, mismatched_cmd_is_enotty)
{
	int v = 0;

	ASSERT_EQ(-ENOTTY, luo_ioctl(self->s, _IOR(LIVEUPDATE_IOCTL_TYPE, 0x43, int), &v));
}

TEST_F(session, retrieve_fd_on_outgoing_is_einval)
{
	ASSERT_EQ(-EINVAL, luo_retrieve(self->s, 1));
}

TEST_F(session, finish_on_outgoing_is_einval)
{
	ASSERT_EQ(-EINVAL, luo_finish(self->s));
}

TEST_F(session, sizes_too_small_are_einval)
{
	struct liveupdate_session_preserve_fd p = { .size = 8 };
	struct liveupdate_session_retrieve_fd r = { .size = 8 };
	struct liveupdate_session_finish f = { .size = 4 };

	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, LIVEUPDATE_SESSION_PRESERVE_FD, &p));
	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, LIVEUPDATE_SESSION_RETRIEVE_FD, &r));
	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, LIVEUPDATE_SESSION_FINISH, &f));
}

/* PRESERVE_FD */

TEST_F(session, preserve_test_file)
{
	int fd = luo_test_file(0, 1);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, luo_preserve(self->s, fd, 100));
	ASSERT_STREQ("flb-preserve,preserve 0x1", luo_events());
	close(fd);
}

TEST_F(session, preserve_bad_fd_is_ebadf)
{
	ASSERT_EQ(-EBADF, luo_preserve(self->s, -1, 1));
	ASSERT_EQ(-EBADF, luo_preserve(self->s, 1000, 1));
}

TEST_F(session, preserve_unsupported_is_enoent)
{
	int null = open("/dev/null", O_RDWR), p[2];

	ASSERT_LE(0, null);
	ASSERT_EQ(-ENOENT, luo_preserve(self->s, null, 1));
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(-ENOENT, luo_preserve(self->s, p[0], 1));
	/* Not even the session itself. */
	ASSERT_EQ(-ENOENT, luo_preserve(self->s, self->s, 1));
	close(null);
	close(p[0]);
	close(p[1]);
}

TEST_F(session, preserve_token_twice_is_eexist)
{
	int a = luo_test_file(0, 1), b = luo_test_file(0, 2);

	ASSERT_EQ(0, luo_preserve(self->s, a, 7));
	ASSERT_EQ(-EEXIST, luo_preserve(self->s, b, 7));
	ASSERT_EQ(0, luo_preserve(self->s, b, 8));
	close(a);
	close(b);
}

TEST_F(session, preserve_file_twice_is_ebusy)
{
	int fd = luo_test_file(0, 1);

	ASSERT_EQ(0, luo_preserve(self->s, fd, 1));
	ASSERT_EQ(-EBUSY, luo_preserve(self->s, fd, 2));
	close(fd);
}

TEST_F(session, preserve_file_in_two_sessions_is_ebusy)
{
	int other = luo_create_session(self->lu, "other");
	int fd = luo_test_file(1, 1);

	ASSERT_LE(0, other);
	ASSERT_EQ(0, luo_preserve(self->s, fd, 1));
	ASSERT_EQ(-EBUSY, luo_preserve(other, fd, 1));
	close(other);
	close(fd);
}

TEST_F(session, preserve_handler_error_changes_nothing)
{
	int fd = luo_test_file(0, 0x55);

	ASSERT_EQ(0, luo_knob("fail_preserve", 0x55));
	ASSERT_EQ(-ENOSPC, luo_preserve(self->s, fd, 9));
	ASSERT_EQ(0, luo_knob("fail_preserve", 0));
	/* Same token and file: neither was taken by the failed attempt. */
	ASSERT_EQ(0, luo_preserve(self->s, fd, 9));
	close(fd);
}

TEST_F(session, preserved_file_outlives_its_fd)
{
	int fd = luo_test_file(0, 3), dup_fd = dup(fd);

	ASSERT_EQ(0, luo_preserve(self->s, fd, 3));
	close(fd);
	/* LUO still holds the file: it is still preserved. */
	ASSERT_EQ(-EBUSY, luo_preserve(self->s, dup_fd, 4));
	close(dup_fd);
	ASSERT_EQ(0, luo_events_count("unpreserve 0x3"));
}

TEST_F(session, preserve_size_nonzero_tail_is_e2big)
{
	struct {
		struct liveupdate_session_preserve_fd arg;
		char tail[8];
	} big = { .arg = { .size = sizeof(big), .token = 1 } };

	big.arg.fd = luo_test_file(0, 1);
	big.tail[3] = 1;
	ASSERT_EQ(-E2BIG, luo_ioctl(self->s, LIVEUPDATE_SESSION_PRESERVE_FD, &big));
	ASSERT_STREQ("", luo_events());
	big.tail[3] = 0;
	ASSERT_EQ(0, luo_ioctl(self->s, LIVEUPDATE_SESSION_PRESERVE_FD, &big));
	close(big.arg.fd);
}

TEST_F(session, close_unpreserves_newest_first)
{
	int fd[3], i;

	for (i = 0; i < 3; i++) {
		fd[i] = luo_test_file(0, i + 1);
		ASSERT_EQ(0, luo_preserve(self->s, fd[i], i + 1));
	}
	ASSERT_EQ(0, luo_events_clear());
	close(self->s);
	self->s = luo_create_session(self->lu, "session");
	ASSERT_STREQ("unpreserve 0x3,unpreserve 0x2,unpreserve 0x1,flb-unpreserve",
		     luo_events());
	/* The files are free to be preserved again. */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, luo_preserve(self->s, fd[i], i + 1));
		close(fd[i]);
	}
}

TEST_F(session, flb_shared_by_two_handlers_and_sessions)
{
	int other = luo_create_session(self->lu, "other");
	int a = luo_test_file(0, 1), b = luo_test_file(1, 2);

	ASSERT_LE(0, other);
	ASSERT_EQ(0, luo_preserve(self->s, a, 1));
	ASSERT_EQ(0, luo_preserve(other, b, 2));
	ASSERT_EQ(1, luo_events_count("flb-preserve"));
	close(self->s);
	self->s = luo_create_session(self->lu, "session");
	ASSERT_EQ(0, luo_events_count("flb-unpreserve"));
	close(other);
	ASSERT_EQ(1, luo_events_count("flb-unpreserve"));
	ASSERT_STREQ("flb-preserve,preserve 0x1,preserve 0x2,"
		     "unpreserve 0x1,unpreserve 0x2,flb-unpreserve", luo_events());
	close(a);
	close(b);
}

TEST_F(session, preserve_500_files)
{
	struct rlimit rl = { 4096, 4096 };
	int i, fd;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 1; i <= 500; i++) {
		fd = luo_test_file(i & 1, i);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, luo_preserve(self->s, fd, i)) TH_LOG("file %d", i);
		close(fd);
	}
	ASSERT_EQ(500, luo_events_prefix("preserve "));
	close(self->s);
	self->s = luo_create_session(self->lu, "session");
	ASSERT_EQ(500, luo_events_prefix("unpreserve "));
	ASSERT_EQ(1, luo_events_count("flb-unpreserve"));
}

TEST_F(session, debugfs_lists_sessions_and_files)
{
	char line[256];
	int fd = luo_test_file(0, 0x42), found = 0;
	FILE *f;

	ASSERT_EQ(0, luo_preserve(self->s, fd, 0x4242));
	f = fopen("/sys/kernel/debug/liveupdate/state", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		found |= !!strstr(line, "session 'session' files 1");
		found |= !!strstr(line, "token 0x4242 handler liveupdate-test-0-v1 "
					"state preserved") << 1;
	}
	fclose(f);
	ASSERT_EQ(3, found);
	close(fd);
}

TEST_F(session, bad_pointer_is_efault)
{
	void *bad = (void *)8;

	ASSERT_EQ(-EFAULT, luo_ioctl(self->s, LIVEUPDATE_SESSION_PRESERVE_FD, bad));
	ASSERT_EQ(-EFAULT, luo_ioctl(self->s, LIVEUPDATE_SESSION_RETRIEVE_FD, bad));
	ASSERT_EQ(-EFAULT, luo_ioctl(self->s, LIVEUPDATE_SESSION_FINISH, bad));
	ASSERT_EQ(-EFAULT, luo_ioctl(self->s, LIVEUPDATE_SESSION_GET_NAME, bad));
}

TEST_F(session, sizes_zero_are_einval)
{
	struct liveupdate_session_preserve_fd p = { .size = 0 };
	struct liveupdate_session_retrieve_fd r = { .size = 0 };
	struct liveupdate_session_finish f = { .size = 0 };
	struct liveupdate_session_get_name g = { .size = 0 };

	p.fd = luo_test_file(0, 1);
	ASSERT_LE(0, p.fd);
	p.token = 1;
	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, LIVEUPDATE_SESSION_PRESERVE_FD, &p));
	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, LIVEUPDATE_SESSION_RETRIEVE_FD, &r));
	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, LIVEUPDATE_SESSION_FINISH, &f));
	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, LIVEUPDATE_SESSION_GET_NAME, &g));
	/* The refused PRESERVE_FD did not reach the handler. */
	ASSERT_STREQ("", luo_events());
	close(p.fd);
}

TEST_F(session, retrieve_fd_zeroed_tail_is_accepted)
{
	struct {
		struct liveupdate_session_retrieve_fd arg;
		char tail[8];
	} big = { .arg = { .size = sizeof(big), .token = 1 } };

	/* Past the size checks: refused for the session's direction. */
	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, LIVEUPDATE_SESSION_RETRIEVE_FD, &big));
}

TEST_F(session, retrieve_fd_nonzero_tail_is_e2big)
{
	struct {
		struct liveupdate_session_retrieve_fd arg;
		char tail[8];
	} big = { .arg = { .size = sizeof(big), .token = 1 } };

	big.tail[7] = 1;
	ASSERT_EQ(-E2BIG, luo_ioctl(self->s, LIVEUPDATE_SESSION_RETRIEVE_FD, &big));
}

TEST_F(session, finish_zeroed_tail_is_accepted)
{
	struct {
		struct liveupdate_session_finish arg;
		char tail[8];
	} big = { .arg = { .size = sizeof(big) } };

	ASSERT_EQ(-EINVAL, luo_ioctl(self->s, LIVEUPDATE_SESSION_FINISH, &big));
}

TEST_F(session, finish_nonzero_tail_is_e2big)
{
	struct {
		struct liveupdate_session_finish arg;
		char tail[8];
	} big = { .arg = { .size = sizeof(big) } };

	big.tail[0] = 1;
	ASSERT_EQ(-E2BIG, luo_ioctl(self->s, LIVEUPDATE_SESSION_FINISH, &big));
}

TEST_F(session, get_name_writes_no_more_than_it_knows)
{
	struct {
		struct liveupdate_session_get_name arg;
		char tail[8];
	} big = { .arg = { .size = sizeof(big) } };

	/* A larger zeroed structure: the name comes back, the tail stays 0. */
	ASSERT_EQ(0, luo_ioctl(self->s, LIVEUPDATE_SESSION_GET_NAME, &big));
	ASSERT_STREQ("session", (char *)big.arg.name);
	ASSERT_EQ(sizeof(big), big.arg.size);
	ASSERT_EQ(0, big.arg.reserved);
	for (int i = 0; i < (int)sizeof(big.tail); i++)
		ASSERT_EQ(0, big.tail[i]);
}

TEST_F(session, preserve_zeroed_tail_is_accepted)
{
	struct {
		struct liveupdate_session_preserve_fd arg;
		char tail[32];
	} big = { .arg = { .size = sizeof(big), .token = 5 } };

	big.arg.fd = luo_test_file(1, 5);
	ASSERT_LE(0, big.arg.fd);
	ASSERT_EQ(0, luo_ioctl(self->s, LIVEUPDATE_SESSION_PRESERVE_FD, &big));
	ASSERT_EQ(1, luo_events_count("preserve 0x5"));
	close(big.arg.fd);
}

TEST_F(session, handler_error_leaves_session_unchanged)
{
	int a = luo_test_file(0, 0x1), b = luo_test_file(1, 0x55);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, luo_preserve(self->s, a, 1));
	ASSERT_EQ(0, luo_knob("fail_preserve", 0x55));
	ASSERT_EQ(-ENOSPC, luo_preserve(self->s, b, 2));
	ASSERT_EQ(0, luo_knob("fail_preserve", 0));
	/* The FLB still has its one file; it was not touched. */
	ASSERT_EQ(1, luo_events_count("flb-preserve"));
	ASSERT_EQ(0, luo_events_count("flb-unpreserve"));
	/* Only the first file is in the session. */
	ASSERT_EQ(0, luo_events_clear());
	close(self->s);
	self->s = luo_create_session(self->lu, "session");
	ASSERT_LE(0, self->s);
	ASSERT_STREQ("unpreserve 0x1,flb-unpreserve", luo_events());
	close(a);
	close(b);
}

TEST_F(session, handler_error_on_first_file_releases_the_flb)
{
	int fd = luo_test_file(0, 0x56);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, luo_knob("fail_preserve", 0x56));
	ASSERT_EQ(-ENOSPC, luo_preserve(self->s, fd, 1));
	ASSERT_EQ(0, luo_knob("fail_preserve", 0));
	ASSERT_EQ(luo_events_count("flb-preserve"),
		  luo_events_count("flb-unpreserve"));
	ASSERT_EQ(0, luo_events_count("unpreserve 0x56"));
	close(fd);
}

TEST_F(session, same_token_in_two_sessions)
{
	int other = luo_create_session(self->lu, "other");
	int a = luo_test_file(0, 1), b = luo_test_file(0, 2);

	ASSERT_LE(0, other);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	/* Tokens are per session. */
	ASSERT_EQ(0, luo_preserve(self->s, a, 42));
	ASSERT_EQ(0, luo_preserve(other, b, 42));
	close(other);
	close(a);
	close(b);
}

TEST_F(session, any_token_value)
{
	int a = luo_test_file(0, 1), b = luo_test_file(1, 2);
	int c = luo_test_file(0, 3);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	/* Tokens are the caller's: 0 and all ones are tokens like others. */
	ASSERT_EQ(0, luo_preserve(self->s, a, 0));
	ASSERT_EQ(0, luo_preserve(self->s, b, UINT64_MAX));
	ASSERT_EQ(-EEXIST, luo_preserve(self->s, c, 0));
	ASSERT_EQ(-EEXIST, luo_preserve(self->s, c, UINT64_MAX));
	ASSERT_EQ(0, luo_preserve(self->s, c, UINT64_MAX - 1));
	close(a);
	close(b);
	close(c);
}

TEST_F(session, preserved_file_stays_usable)
{
	char buf[LUO_TEST_SIZE];
	int fd = luo_test_file(0, 0x61);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, luo_preserve(self->s, fd, 1));
	/* Userspace keeps using a preserved file until the reboot. */
	memset(buf, 0x3c, sizeof(buf));
	ASSERT_EQ(100, pwrite(fd, buf, 100, 1000));
	ASSERT_EQ(100, pread(fd, buf + 1000, 100, 1000));
	ASSERT_EQ(0x3c, buf[1099]);
	close(fd);
}

TEST_F(session, test_file_is_4096_bytes)
{
	char buf[16] = { 0 };
	int fd = luo_test_file(0, 0x62);

	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, pwrite(fd, buf, sizeof(buf), LUO_TEST_SIZE));
	ASSERT_EQ(ENOSPC, errno);
	close(fd);
}

/* memfd */

static int memfd_of(size_t size, unsigned int flags)
{
	int fd = memfd_create("luo", flags);

	if (fd >= 0 && ftruncate(fd, size)) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F(session, memfd_preserve)
{
	int fd = memfd_of(3 * 4096, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, pwrite(fd, "x", 1, 2 * 4096));
	ASSERT_EQ(0, luo_preserve(self->s, fd, 1));
	close(fd);
}

static long vm_counter(const char *name)
{
	char key[64];
	long v, found = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	if (f)
		fclose(f);
	return found;
}

/*
 * Pins held now: acquired less released (a folio moved before it is
 * pinned pays both), with every CPU's pending counts folded in first.
 */
static long pins_held(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	if (fd < 0 || write(fd, "1", 1) != 1)
		return -1;
	close(fd);
	return vm_counter("nr_foll_pin_acquired") - vm_counter("nr_foll_pin_released");
}

/*
 * Preserving pins each folio, and only the folios: 40 written pages of a
 * 64-page memfd hold 40 pins, the 24 holes none; giving the memfd back
 * releases them.  Nothing else in this VM holds pins meanwhile.
 */
TEST_F(session, memfd_preserve_pins_each_folio)
{
	long held = pins_held();
	int fd = memfd_of(64 * 4096, 0), i;

	ASSERT_LE(0, held);
	ASSERT_LE(0, fd);
	for (i = 0; i < 64; i++)
		if (i % 8 < 5)
			ASSERT_EQ(1, pwrite(fd, "x", 1, i * 4096));
	ASSERT_EQ(0, luo_preserve(self->s, fd, 1));
	ASSERT_EQ(held + 40, pins_held());
	close(self->s);
	ASSERT_EQ(held, pins_held());
	self->s = luo_create_session(self->lu, "session");
	close(fd);
}

/* A preserve through session fd @s, in a process without CAP_SYS_ADMIN */
static int preserve_without_sys_admin(int s)
{
	int fd = memfd_of(4 * 4096, 0);

	if (fd < 0 || drop_cap(CAP_SYS_ADMIN))
		return 255;
	return -luo_preserve(s, fd, 1);
}

/*
 * A session fd is a capability of its own: a process that holds it
 * (inherited here, or passed over a Unix socket) uses it without
 * CAP_SYS_ADMIN, and what it preserved stays in the session.
 */
TEST_F(session, session_fd_works_without_cap_sys_admin)
{
	int fd = memfd_of(4096, 0);

	ASSERT_EQ(0, in_child(preserve_without_sys_admin, self->s));
	ASSERT_EQ(-EEXIST, luo_preserve(self->s, fd, 1));
	close(fd);
}

/*
 * A memfd of 64 TiB or more (sparse) is refused with EFBIG: the bitmap
 * that notes the pages added to it after the preserve, one bit per page,
 * would be larger than the kernel allocates.  Nothing changes.
 */
TEST_F(session, memfd_of_64_tib_is_efbig)
{
	int fd = memfd_of(1ULL << 46, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(-EFBIG, luo_preserve(self->s, fd, 1));
	ASSERT_EQ(0, ftruncate(fd, 4096));
	ASSERT_EQ(0, luo_preserve(self->s, fd, 1));
	close(fd);
}

/* Preserving freezes the size and pins the memory: only for writers. */
TEST_F(session, memfd_read_only_is_eacces)
{
	int fd = memfd_of(4 * 4096, 0), ro;
	char path[64];

	ASSERT_LE(0, fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY);
	ASSERT_LE(0, ro);
	ASSERT_EQ(-EACCES, luo_preserve(self->s, ro, 1));
	/* Nothing changed: the size is free, the token unused. */
	ASSERT_EQ(0, ftruncate(fd, 8 * 4096));
	ASSERT_EQ(0, luo_preserve(self->s, fd, 1));
	close(ro);
	close(fd);
}

/* This process's VmPin, in kB. */
static long vm_pin_kb(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmPin:", 6))
			v = atol(line + 6);
	if (f)
		fclose(f);
	return v;
}

/*
 * What happens in the child of memfd_pins_count_against_memlock: 0 if all
 * went as it must, else the number of the step that did not.
 */
static int pins_counted(int lu)
{
	struct rlimit rl = { 128 << 10, 128 << 10 };
	int s = luo_create_session(lu, "pins"), fd = memfd_of(64 * 4096, 0), i;
	long pin;

	if (s < 0 || fd < 0 || drop_cap(CAP_IPC_LOCK) || setrlimit(RLIMIT_MEMLOCK, &rl))
		return 1;
	for (i = 0; i < 64; i++)
		if (pwrite(fd, "x", 1, i * 4096) != 1)
			return 2;
	pin = vm_pin_kb();
	/* 256 kB over a limit of 128 kB: refused, and nothing changed. */
	if (luo_preserve(s, fd, 1) != -ENOMEM || vm_pin_kb() != pin ||
	    ftruncate(fd, 65 * 4096) || ftruncate(fd, 64 * 4096))
		return 3;
	rl.rlim_cur = rl.rlim_max = 1 << 20;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) || luo_preserve(s, fd, 1))
		return 4;
	if (vm_pin_kb() != pin + 256)
		return 5;
	close(s);	/* gives the memfd back */
	return vm_pin_kb() == pin ? 0 : 6;
}

/*
 * The pages of a preserved memfd are pinned, and count as iommufd's pins
 * do: against RLIMIT_MEMLOCK, and in the preserver's VmPin, unless it has
 * CAP_IPC_LOCK.
 */
TEST_F(session, memfd_pins_count_against_memlock)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(pins_counted(self->lu));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("step %d went wrong",
						 WEXITSTATUS(status));
}

TEST_F(session, memfd_same_inode_twice_is_ebusy)
{
	int fd = memfd_of(4096, 0), other;
	char path[64];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, luo_preserve(self->s, fd, 1));
	/* Another struct file of the same memfd. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	other = open(path, O_RDWR);
	ASSERT_LE(0, other);
	ASSERT_EQ(-EBUSY, luo_preserve(self->s, other, 2));
	close(other);
	close(fd);
}

TEST_F(session, memfd_size_frozen_while_preserved)
{
	int fd = memfd_of(8 * 4096, 0);
	char buf[16] = "in size";

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, luo_preserve(self->s, fd, 1));
	ASSERT_EQ(-1, ftruncate(fd, 16 * 4096));
	ASSERT_EQ(EPERM, errno);
	ASSERT_EQ(-1, ftruncate(fd, 4096));
	ASSERT_EQ(EPERM, errno);
	ASSERT_EQ(-1, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, 4096));
	ASSERT_EQ(EPERM, errno);
	ASSERT_EQ(-1, fallocate(fd, 0, 0, 16 * 4096));
	ASSERT_EQ(EPERM, errno);
	ASSERT_EQ(-1, pwrite(fd, buf, sizeof(buf), 8 * 4096 - 8));
	ASSERT_EQ(EPERM, errno);
	/* Writes within the size go on, into pages and holes alike. */
	ASSERT_EQ(sizeof(buf), pwrite(fd, buf, sizeof(buf), 4096));
	ASSERT_EQ(sizeof(buf), pwrite(fd, buf, sizeof(buf), 5 * 4096));
	/* Given back, the size is free again. */
	close(self->s);
	self->s = luo_create_session(self->lu, "session");
	ASSERT_EQ(0, ftruncate(fd, 16 * 4096));
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, 4096));
	close(fd);
}

TEST_F(session, memfd_failed_preserve_leaves_size_free)
{
	int fd = memfd_of(4096, 0), other = luo_create_session(self->lu, "o");

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, luo_preserve(other, fd, 1));
	ASSERT_EQ(-EBUSY, luo_preserve(self->s, fd, 1));
	close(other);
	ASSERT_EQ(0, ftruncate(fd, 2 * 4096));
	close(fd);
}

TEST_F(session, memfd_sealed)
{
	int fd = memfd_of(4096, MFD_ALLOW_SEALING);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK |
			   F_SEAL_SEAL));
	ASSERT_EQ(0, luo_preserve(self->s, fd, 1));
	close(fd);
}

/* A hugetlb memfd is preserved too, and its size frozen the same way. */
TEST_F(session, hugetlb_memfd_size_frozen_while_preserved)
{
	const off_t huge = 2 << 20;
	int fd = memfd_create("huge", MFD_HUGETLB);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 2 * huge));
	ASSERT_EQ(0, luo_preserve(self->s, fd, 1));
	ASSERT_EQ(-EBUSY, luo_preserve(self->s, fd, 2));
	ASSERT_EQ(-1, ftruncate(fd, 4 * huge));
	ASSERT_EQ(EPERM, errno);
	ASSERT_EQ(-1, ftruncate(fd, huge));
	ASSERT_EQ(EPERM, errno);
	ASSERT_EQ(-1, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, huge));
	ASSERT_EQ(EPERM, errno);
	ASSERT_EQ(-1, fallocate(fd, 0, 0, 4 * huge));
	ASSERT_EQ(EPERM, errno);
	/* Given back, the size is free again. */
	close(self->s);
	self->s = luo_create_session(self->lu, "session");
	ASSERT_EQ(0, ftruncate(fd, 4 * huge));
	close(fd);
}

TEST_F(session, tmpfs_file_is_enoent)
{
	int fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	char path[] = "/tmp/luo-linked";

	ASSERT_LE(0, fd);
	/* An unlinked O_TMPFILE is like a memfd; a linked file is not. */
	ASSERT_EQ(0, linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH));
	ASSERT_EQ(-ENOENT, luo_preserve(self->s, fd, 1));
	unlink(path);
	close(fd);
}

TEST_HARNESS_MAIN
