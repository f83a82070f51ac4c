// SPDX-License-Identifier: GPL-2.0
/*
 * What the kexec tests share (luo_kexec.h): reporting to the harness,
 * /dev/liveupdate and test-file sessions, memfd data patterns.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "luo_kexec.h"

const char *test_name;

void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
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

void bench(const char *name, double value, const char *unit)
{
	FILE *res = fopen(getenv("LU_RES") ? getenv("LU_RES") : "/dev/ttyS1", "w");

	printf("BENCH %s %.4f %s\n", name, value, unit);
	if (res) {
		fprintf(res, "BENCH %s %.4f %s\n", name, value, unit);
		fclose(res);
	}
}

void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
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

/* Run the test argv[1] of @tests at stage argv[2] */
int kexec_test_main(const struct kexec_test *tests, unsigned int nr,
		    int argc, char **argv)
{
	unsigned int i;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TEST STAGE\n", argv[0]);
		return 1;
	}
	test_name = argv[1];
	for (i = 0; i < nr; i++)
		if (!strcmp(tests[i].name, argv[1]))
			return tests[i].run(atoi(argv[2]));
	die("no such test");
}

double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

void raise_nofile(void)
{
	struct rlimit rl = { 8192, 8192 };

	CHECK(!setrlimit(RLIMIT_NOFILE, &rl), "setrlimit: %s", strerror(errno));
}

int open_lu(void)
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
int __attribute__((noreturn)) hold(int lu)
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
int make_session(int lu, const char *name, const uint64_t *tags, int n)
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
int check_file(int s, uint64_t token, uint64_t tag)
{
	int fd = luo_retrieve(s, token);

	CHECK(fd >= 0, "retrieve token %llu: %s", (unsigned long long)token,
	      strerror(-fd));
	CHECK(luo_test_check(fd, tag), "token %llu: wrong data",
	      (unsigned long long)token);
	return fd;
}

/* Retrieve session @name and check all its files. */
int check_session(int lu, const char *name, const uint64_t *tags, int n)
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

void expect_events(const char *want)
{
	char *have = luo_events();

	CHECK(!strcmp(have, want), "events '%s', expected '%s'", have, want);
}

uint64_t pattern(uint64_t seed, size_t i)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + i;

	x ^= x >> 31;
	return x * 0xbf58476d1ce4e5b9ULL;
}

/* Fill [off, off + len) of @fd with the pattern of @seed, by pages. */
void fill(int fd, off_t off, size_t len, uint64_t seed)
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

/* Whether [off, off + len) of @fd holds the pattern of @seed. */
int same(int fd, off_t off, size_t len, uint64_t seed)
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

int new_memfd(size_t size, unsigned int flags)
{
	int fd = memfd_create("lu", flags);

	CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
	CHECK(!ftruncate(fd, size), "ftruncate: %s", strerror(errno));
	return fd;
}

/* Preserve in @s, as @token, a new memfd of @size filled with @seed. */
void preserve_filled(int s, size_t size, uint64_t seed, uint64_t token)
{
	int fd = new_memfd(size, 0);

	fill(fd, 0, size, seed);
	CHECK_RET(0, luo_preserve(s, fd, token));
	close(fd);
}

/* The value of @key= on the kernel command line, or "". */
const char *cmdline_arg(const char *key)
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

/* A field of /proc/meminfo ("MemFree:"), in kB, or -1 */
long mem_kb(const char *field)
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

/*
 * Free memory in kB: MemFree, and the pages on the per-CPU free lists,
 * which MemFree does not count (pages freed one by one wait there)
 */
long free_kb(void)
{
	long kb = mem_kb("MemFree:"), count;
	char line[128];
	FILE *f = fopen("/proc/zoneinfo", "r");

	CHECK(f, "/proc/zoneinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &count) == 1)
			kb += count * (sysconf(_SC_PAGESIZE) / 1024);
	fclose(f);
	return kb;
}
