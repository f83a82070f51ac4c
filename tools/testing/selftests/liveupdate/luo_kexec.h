/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kexec tests (luo_kexec TEST STAGE): what their files share.
 *
 * A test is a function of its stage, listed in luo_kexec.c's table.  It
 * reports through the harness's result channel ($LU_RES): die() fails it
 * with a reason, say() narrates, bench() gives a figure; it returns 0 to
 * pass or exits with NEXT_STAGE (hold()) to be kexec'd into the next.
 */
#ifndef LUO_KEXEC_H
#define LUO_KEXEC_H

#include <stdint.h>
#include <sys/types.h>

#include "luo_lib.h"

#define NEXT_STAGE	75
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MB		(1024UL * 1024)
#define GIB		(1024 * MB)

/* The name the test was run under, for messages */
extern const char *test_name;

void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);
void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...);
void bench(const char *name, double value, const char *unit);

#define CHECK(cond, ...) do { if (!(cond)) die(__VA_ARGS__); } while (0)
#define CHECK_RET(expect, call) do {					\
	int __r = (call);						\
	if (__r != (expect))						\
		die("%s returned %d (%s), expected %d", #call, __r,	\
		    __r < 0 ? strerror(-__r) : "ok", (expect));		\
} while (0)

double now_us(void);
void raise_nofile(void);

/* A kexec test, run as PROGRAM TEST STAGE by kexec_test_main() */
struct kexec_test {
	const char *name;
	int (*run)(int stage);
};

int kexec_test_main(const struct kexec_test *tests, unsigned int nr,
		    int argc, char **argv);

/* /dev/liveupdate, and sessions of LIVEUPDATE_TEST files */
int open_lu(void);
int __attribute__((noreturn)) hold(int lu);
int make_session(int lu, const char *name, const uint64_t *tags, int n);
int check_file(int s, uint64_t token, uint64_t tag);
int check_session(int lu, const char *name, const uint64_t *tags, int n);
void expect_events(const char *want);

/* memfd data: a pattern per seed, checked by offset; HOLE for zeroes */
#define HOLE	UINT64_MAX
uint64_t pattern(uint64_t seed, size_t i);
void fill(int fd, off_t off, size_t len, uint64_t seed);
int same(int fd, off_t off, size_t len, uint64_t seed);
int new_memfd(size_t size, unsigned int flags);
void preserve_filled(int s, size_t size, uint64_t seed, uint64_t token);
long mem_kb(const char *field);
long free_kb(void);
const char *cmdline_arg(const char *key);

/* The tests: luo_kexec.c */
int one_session(int stage);
int multi_session(int stage);
int unretrieved(int stage);
int freeze_fail(int stage);
int close_finish(int stage);
int flb(int stage);
int retry_retrieve(int stage);
int corrupt_refused(int stage);
int corrupt_handler(int stage);
int kexec_load_refused(int stage);
int scale(int stage);

/* memfd_kexec.c */
int memfd(int stage);
int memfd_unretrieved(int stage);
int memfd_hugetlb(int stage);
int memfd_twice(int stage);
int memfd_movable(int stage);
int memfd_gigantic(int stage);
int memfd_corrupt(int stage);
int memfd_nomem(int stage);
int memfd_lazy(int stage);

/* bench_kexec.c */
int memfd_bench(int stage);
int demo(int stage);

#endif
