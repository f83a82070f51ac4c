// SPDX-License-Identifier: GPL-2.0
/*
 * memfds across real kexecs (luo_kexec memfd*): data, holes, seals and
 * sizes survive; memory comes back when a memfd is finished or left
 * alone; cgroups are charged; movable and gigantic pages; malformed
 * handover data and allocation failures change nothing.
 */
#define _GNU_SOURCE
#include <linux/falloc.h>
#include <linux/reboot.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "luo_kexec.h"

#define SPARSE_SIZE	(64 * MB)
#define BIG_SIZE	(256 * MB)

static const off_t sparse_at[] = { 0, MB + 123, 33 * MB, SPARSE_SIZE - 4096 };

#define FALLOC_SIZE	(8 * MB)
#define FALLOC_WRITTEN	(3 * 4096)

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

/* Break the next memfd frozen as @how says (memfd_luo/corrupt). */
static void memfd_corrupt_next(const char *how)
{
	FILE *f = fopen("/sys/kernel/debug/memfd_luo/corrupt", "w");

	CHECK(f && fputs(how, f) >= 0 && !fclose(f), "memfd_luo/corrupt: %s",
	      strerror(errno));
}

/*
 * A reboot whose take-up of the folios written into a memfd's holes since
 * its preserve fails (memfd_luo/corrupt "added", once): the reboot fails
 * with ENOMEM, and those folios are noted again for the next attempt.
 */
static void memfd_failed_take_up(void)
{
	CHECK(!system("lu_kexec --load-only"), "cannot load the next kernel");
	memfd_corrupt_next("added");
	CHECK(reboot(LINUX_REBOOT_CMD_KEXEC) && errno == ENOMEM,
	      "the reboot did not fail with ENOMEM: %s", strerror(errno));
	CHECK(dmesg_has("taking up the added folios fails"),
	      "the take-up was not made to fail");
}

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

	/* The write into a hole is taken up by the second attempt */
	memfd_failed_take_up();
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
	CHECK(luo_state_has("token 0x4 handler memfd-612-v3 state retrieve-failed"),
	      "the memfd is not listed as a failed retrieve");

	/*
	 * memory.current is charged for all of it by RETRIEVE_FD; the shmem
	 * statistic counts folios once they are back, which SEEK_DATA waits
	 * for.
	 */
	fd = retrieve_in(s, 4, "vmm", &current);
	CHECK(lseek(fd, 0, SEEK_DATA) == 0, "SEEK_DATA: %s", strerror(errno));
	shmem = cg_mem("vmm", "shmem");
	printf("retrieved 1 GiB memfd: cgroup memory.current +%ld kB, shmem %ld kB\n",
	       current / 1024, shmem / 1024);
	CHECK(current >= (long)GIB && current <= (long)(GIB + 16 * MB),
	      "memory.current grew by %ld bytes", current);
	CHECK(shmem >= (long)(GIB - 2 * MB) && shmem <= (long)(GIB + 2 * MB),
	      "shmem of the cgroup is %ld bytes", shmem);
	return fd;
}

int memfd(int stage)
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
	/* Its size stays frozen until the session finishes. */
	CHECK(ftruncate(fd, 2 * SPARSE_SIZE) && errno == EPERM,
	      "grew before finish");
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			4096) && errno == EPERM, "punched a hole before finish");
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
int memfd_unretrieved(int stage)
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
 * Token 1 of @s, a hugetlb memfd of @bytes of huge pages, retrieved with
 * hugetlb memory charged to memory cgroups (memory_hugetlb_accounting): a
 * retriever without room gets ENOMEM and nothing changes, no surplus page
 * appears (@surplus counts them); another with room gets the memfd,
 * charged for its pages.
 */
static int hugetlb_retrieve_charged(int s, long (*surplus)(void), long bytes)
{
	long surp = surplus(), charged;
	double t;
	int fd;

	cg_setup("memory_hugetlb_accounting", "hsmall", "8M", "hvmm");
	CHECK(retrieve_enomem_in(s, 1, "hsmall"),
	      "a retrieve without room in its cgroup did not fail with ENOMEM");
	CHECK(surplus() == surp, "the failed retrieve left surplus pages");
	CHECK(luo_state_has("token 0x1 handler memfd-612-v3 state retrieve-failed"),
	      "the memfd is not listed as a failed retrieve");

	t = now_us();
	fd = retrieve_in(s, 1, "hvmm", &charged);
	t = now_us() - t;
	printf("retrieved hugetlb memfd in %.1f ms: cgroup memory.current +%ld kB\n",
	       t / 1000, charged / 1024);
	CHECK(charged >= bytes && charged <= bytes + (long)(4 * MB),
	      "memory.current grew by %ld bytes, not %ld", charged, bytes);
	return fd;
}

/* Surplus huge pages of the default size (2 MiB) */
static long huge_surplus(void)
{
	return mem_kb("HugePages_Surp:");
}

int memfd_hugetlb(int stage)
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
	fd = hugetlb_retrieve_charged(s, huge_surplus, 8 * HUGE);
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
int memfd_twice(int stage)
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

int memfd_movable(int stage)
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
 * hugetlb memfds of gigantic (1 GiB) pages through two live updates, with
 * a boot-time pool of one page (hugepagesz=1G hugepages=1) and scratch
 * sized by KHO alone: no kho_scratch=.
 *
 * 1: the scratch areas leave the pool out (counted at 200%, it made
 *    2 GiB more of scratch, or no room for it).  The pool's page backs
 *    memfd A, written a word per 4 KiB page, and A is preserved.
 * 2: the pool is back with its page free, taken after the preserved memory
 *    was reserved and outside scratch: that page backs a new memfd B, and
 *    preserving B proves where it is (KHO refuses scratch memory).  A is
 *    retrieved: from a memory cgroup without room, ENOMEM and nothing
 *    charged; from one with room, charged its GiB.  It is a surplus page
 *    with its data, and is preserved again with B.
 * 3: A and B come back with their data, two surplus pages; closed, both
 *    go back to the page allocator, and the pool is as this boot took it.
 *    That may be empty ("HugeTLB: allocating 1 of page size 1.00 GiB
 *    failed"): the pool needs a free 1 GiB-aligned GiB outside scratch
 *    and the preserved pages, and with A and B preserved and scratch
 *    spread over the high memory, the 8 GiB VM may have none left.  The
 *    second kernel has one: the top GiB, which the first kernel's early
 *    reservations (its KASAN shadow and memory map) filled, is neither
 *    scratch nor preserved.
 */
#define GIGANTIC_DIR	"/sys/kernel/mm/hugepages/hugepages-1048576kB/"
#define MFD_HUGE_1G	(30U << 26)	/* MFD_HUGE_1GB */
#define WORDS_PER_PAGE	(4096 / 8)

/* The 1 GiB hstate's counter @name (free_hugepages, surplus_hugepages...) */
static long gigantic(const char *name)
{
	char path[256];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), GIGANTIC_DIR "%s", name);
	f = fopen(path, "r");
	CHECK(f, "%s: %s (hugepagesz=1G not given?)", path, strerror(errno));
	CHECK(fscanf(f, "%ld", &n) == 1, "%s: unreadable", path);
	fclose(f);
	return n;
}

/* The bytes of scratch KHO set aside, from its debugfs list. */
static unsigned long long kho_scratch_total(void)
{
	unsigned long long addr, size, total = 0;
	FILE *f = fopen("/sys/kernel/debug/kho/out/scratch", "r");

	CHECK(f, "kho/out/scratch: %s", strerror(errno));
	while (fscanf(f, "%llx %llx", &addr, &size) == 2)
		total += size;
	fclose(f);
	return total;
}

/* A new 1 GiB memfd of one gigantic page, a word per 4 KiB page written */
static int gigantic_new(uint64_t seed)
{
	int fd = memfd_create("gigantic", MFD_HUGETLB | MFD_HUGE_1G);
	uint64_t *map;
	size_t i;

	CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
	CHECK(!ftruncate(fd, GIB), "ftruncate: %s", strerror(errno));
	map = mmap(NULL, GIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < GIB / 8; i += WORDS_PER_PAGE)
		map[i] = pattern(seed, i);
	munmap(map, GIB);
	return fd;
}

/* Whether @fd is 1 GiB of one gigantic page holding gigantic_new(@seed)'s */
static int gigantic_same(int fd, uint64_t seed)
{
	struct stat st;
	uint64_t *map;
	size_t i;
	int ok = 1;

	CHECK(!fstat(fd, &st), "fstat: %s", strerror(errno));
	if (st.st_size != GIB || st.st_blocks != GIB / 512)
		return 0;
	map = mmap(NULL, GIB, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; ok && i < GIB / 8; i++)
		ok = map[i] == (i % WORDS_PER_PAGE ? 0 : pattern(seed, i));
	munmap(map, GIB);
	return ok;
}

static void memfd_gigantic_stage1(int lu)
{
	int s = luo_create_session(lu, "gigantic-1"), fd;
	unsigned long long scratch = kho_scratch_total();

	printf("scratch: %llu MiB with a pool of one 1 GiB page\n", scratch >> 20);
	CHECK(scratch, "no scratch areas");
	CHECK(dmesg_has("KHO: scratch leaves out 1024 MiB of boot-time gigantic pages"),
	      "scratch was sized with the gigantic pool counted");
	CHECK(gigantic("free_hugepages") == 1, "no free 1 GiB page (hugepages=1?)");
	fd = gigantic_new(500);
	CHECK(gigantic("free_hugepages") == 0, "the memfd has no gigantic page");
	CHECK_RET(0, luo_preserve(s, fd, 1));
	CHECK(ftruncate(fd, 0) && errno == EPERM, "the size is not frozen");
	close(fd);
	hold(lu);
}

/* Surplus huge pages of 1 GiB */
static long gigantic_surplus(void)
{
	return gigantic("surplus_hugepages");
}

static void memfd_gigantic_stage2(int lu)
{
	int s, a, b, next = luo_create_session(lu, "gigantic-2");

	CHECK(gigantic("nr_hugepages") == 1 && gigantic("free_hugepages") == 1 &&
	      gigantic("surplus_hugepages") == 0,
	      "the boot-time pool is not back: %ld pages, %ld free",
	      gigantic("nr_hugepages"), gigantic("free_hugepages"));
	b = gigantic_new(600);
	CHECK_RET(0, luo_preserve(next, b, 2));

	s = luo_retrieve_session(lu, "gigantic-1");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	a = hugetlb_retrieve_charged(s, gigantic_surplus, GIB);
	CHECK(gigantic_surplus() == 1, "the retrieved page is not a surplus page");
	CHECK(gigantic_same(a, 500), "memfd A: data");
	CHECK_RET(0, luo_finish(s));
	close(s);
	CHECK_RET(0, luo_preserve(next, a, 1));
	close(a);
	close(b);
	hold(lu);
}

int memfd_gigantic(int stage)
{
	int lu = open_lu(), s, a, b;
	long pool;

	if (stage == 1)
		memfd_gigantic_stage1(lu);
	if (stage == 2)
		memfd_gigantic_stage2(lu);

	/* The pool this boot could take: see the comment above. */
	pool = gigantic("nr_hugepages");
	printf("third kernel: a pool of %ld 1 GiB pages\n", pool);
	CHECK(gigantic("free_hugepages") == pool && gigantic_surplus() == 0,
	      "the pool's pages are not free");
	s = luo_retrieve_session(lu, "gigantic-2");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	a = luo_retrieve(s, 1);
	b = luo_retrieve(s, 2);
	CHECK(a >= 0 && b >= 0, "retrieve: %s", strerror(-(a < 0 ? a : b)));
	CHECK(gigantic_surplus() == 2 && gigantic("nr_hugepages") == pool + 2,
	      "not two surplus pages: %ld of %ld", gigantic_surplus(),
	      gigantic("nr_hugepages"));
	CHECK(gigantic_same(a, 500) && gigantic_same(b, 600),
	      "second update: data");
	CHECK_RET(0, luo_finish(s));
	close(s);
	close(a);
	close(b);
	CHECK(gigantic_surplus() == 0 && gigantic("nr_hugepages") == pool &&
	      gigantic("free_hugepages") == pool,
	      "the surplus pages did not go back: %ld pages, %ld surplus",
	      gigantic("nr_hugepages"), gigantic_surplus());
	return 0;
}

/* Whether touching byte @off of @fd through a mapping raises SIGBUS. */
static int fault_sigbus(int fd, off_t off)
{
	char *map;
	int status;
	pid_t pid;

	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, off);
		if (map == MAP_FAILED)
			_exit(2);
		/* The byte read decides the exit status: it is read. */
		_exit(map[0] == 1 ? 3 : 0);
	}
	return waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	       WTERMSIG(status) == SIGBUS;
}

/*
 * Stage 2: a record three quarters down the list of a 256 MiB shmem
 * memfd has an index that goes back.  RETRIEVE_FD reads only the memfd's
 * own record, so it succeeds; the list is found malformed when it is
 * first read, with a log line, and then every page of the memfd gives
 * EIO (read) or SIGBUS (a fault), again and again.  Its memory stays
 * reserved (MemTotal does not grow) for the next kexec to free, and its
 * size stays frozen after finish.
 */
static void memfd_corrupt_list(int s)
{
	long total = mem_kb("MemTotal:");
	char buf[4096];
	int fd, i;

	fd = luo_retrieve(s, 1);
	CHECK(fd >= 0, "retrieve of a memfd with a malformed list: %s",
	      strerror(-fd));
	for (i = 0; i < 2; i++) {
		errno = 0;
		CHECK(pread(fd, buf, sizeof(buf), i * (BIG_SIZE / 2)) < 0 &&
		      errno == EIO, "read %d of a page of the malformed list: %s",
		      i, strerror(errno));
	}
	CHECK(fault_sigbus(fd, BIG_SIZE - 4096),
	      "a fault on a page of the malformed list did not raise SIGBUS");
	CHECK(dmesg_has("cannot take up 65536 pages of a retrieved memfd"),
	      "no log line for the malformed list");
	/* Only the list's own pages (1.5 MiB) join MemTotal. */
	CHECK(mem_kb("MemTotal:") <= total + 4096,
	      "MemTotal grew by %ld kB: the memory was freed",
	      mem_kb("MemTotal:") - total);
	CHECK_RET(0, luo_finish(s));
	CHECK(ftruncate(fd, 0) < 0 && errno == EPERM,
	      "the broken memfd's size is not frozen after finish");
	close(fd);
}

/*
 * Stage 5: a record three quarters down the list of a 256 MiB memfd names
 * a page that was not preserved.  The list is well formed: the pages
 * before that record's piece come back, and keep working once the memfd
 * is broken; that piece gives EIO, and so does every page not back then.
 */
static void memfd_corrupt_piece(int s)
{
	off_t bad = BIG_SIZE / 4 * 3;
	char buf[4096];
	int fd;

	/* Without a worker: only what is asked for is taken up. */
	memfd_corrupt_next("no-worker");
	fd = luo_retrieve(s, 1);
	CHECK(fd >= 0, "retrieve: %s", strerror(-fd));
	CHECK(same(fd, 0, MB, 16), "the first pages did not come back");
	errno = 0;
	CHECK(pread(fd, buf, sizeof(buf), bad) < 0 && errno == EIO,
	      "a read of the page not preserved: %s", strerror(errno));
	CHECK(dmesg_has("cannot take up"), "no log line for the broken piece");
	CHECK(same(fd, 0, MB, 16), "the pages back before it broke fail");
	errno = 0;
	CHECK(pread(fd, buf, sizeof(buf), BIG_SIZE / 2) < 0 && errno == EIO,
	      "a page not back when it broke: %s", strerror(errno));
	CHECK_RET(0, luo_finish(s));
	close(fd);
}

/*
 * Stages 3 and 4: the record of the memfd itself is malformed, and
 * RETRIEVE_FD refuses it with EINVAL, again on a second try, with a log
 * line.  Stage 3: the folio count wraps around when multiplied by the
 * record size; nothing of the list can be trusted, so nothing is read
 * past the record.  Stage 4: a count of 2^33 folios, its list and the
 * file's size made to match, more than the machine has pages: refused
 * before anything is sized by it (a folio array of 64 GiB).
 */
static void memfd_corrupt_record(int s)
{
	CHECK_RET(-EINVAL, luo_retrieve(s, 1));
	CHECK_RET(-EINVAL, luo_retrieve(s, 1));
	CHECK(dmesg_has("cannot take up the memfd handed over"),
	      "no log line for the malformed memfd");
	CHECK_RET(0, luo_finish(s));
}

/*
 * Malformed memfd handover data (LIVEUPDATE_TEST's memfd_luo/corrupt knob
 * in the previous kernel) is refused with a log line, the session
 * finishes and the kernel goes on.
 */
int memfd_corrupt(int stage)
{
	int lu = open_lu(), s, fd;

	if (stage == 1) {
		memfd_corrupt_next("index");
		preserve_filled(luo_create_session(lu, "corrupt"), BIG_SIZE, 13, 1);
		hold(lu);
	}
	s = luo_retrieve_session(lu, "corrupt");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	if (stage == 2)
		memfd_corrupt_list(s);
	else if (stage == 5)
		memfd_corrupt_piece(s);
	else
		memfd_corrupt_record(s);
	close(s);
	/* The kernel goes on: a new memfd works. */
	fd = new_memfd(MB, 0);
	fill(fd, 0, MB, 14);
	CHECK(same(fd, 0, MB, 14), "a new memfd after the refusal");
	close(fd);
	if (stage == 5)
		return 0;
	if (stage == 4) {
		memfd_corrupt_next("phys");
		preserve_filled(luo_create_session(lu, "corrupt"), BIG_SIZE, 16, 1);
		hold(lu);
	}
	memfd_corrupt_next(stage == 2 ? "count" : "huge");
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
 * Running out of memory while a memfd's page cache is filled changes
 * nothing and can be tried again (failslab on xarray nodes).  A shmem
 * memfd's folios are put back after RETRIEVE_FD: a read that needs one
 * gets ENOMEM, and the next gets the data.  A hugetlb memfd is filled in
 * RETRIEVE_FD: the folios already in are taken out again, and the next
 * retrieve gets every byte.  A hugetlb memfd is charged to the hugetlb
 * cgroup of the retriever, as a fault would be: without room, ENOMEM.
 */
int memfd_nomem(int stage)
{
	long surp, total, radix_node = 577;	/* one node passes, not two */
	int lu = open_lu(), s, fd, i, err[2];
	char *map, buf[4096];
	ssize_t r[2];

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

	/*
	 * shmem, retrieved without its worker: the page cache cannot grow,
	 * so reading a page not back yet gets ENOMEM, twice; then it can,
	 * and every byte is there.
	 */
	memfd_corrupt_next("no-worker");
	fd = luo_retrieve(s, 1);
	CHECK(fd >= 0, "retrieve: %s", strerror(-fd));
	xa_nodes_fail_after(0);
	r[0] = pread(fd, buf, sizeof(buf), NOMEM_SHMEM / 2);
	err[0] = errno;
	r[1] = pread(fd, buf, sizeof(buf), NOMEM_SHMEM / 2);
	err[1] = errno;
	xa_nodes_work();
	for (i = 0; i < 2; i++)
		CHECK(r[i] < 0 && err[i] == ENOMEM,
		      "read %d of a page not back, without memory: %zd, %s", i,
		      r[i], strerror(err[i]));
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

#define LAZY_SIZE	(64 * MB)
#define LAZY_HOLE	(8 * MB)	/* a hole of 2 MiB from here */
#define LAZY_WINDOW	(2 * MB)	/* what a reader takes up around it */

/* How many pages of the first @len bytes of @fd are in its page cache. */
static long lazy_resident(int fd, off_t off, size_t len)
{
	static unsigned char vec[LAZY_SIZE / 4096];
	long n = 0;
	size_t i;
	void *map;

	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
	CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(!mincore(map, len, vec), "mincore: %s", strerror(errno));
	munmap(map, len);
	for (i = 0; i < len / 4096; i++)
		n += vec[i] & 1;
	return n;
}

/* A 64 MiB memfd of data (seed 51), but for a hole at 8 MiB. */
static void lazy_preserve(int s, uint64_t token)
{
	int fd = new_memfd(LAZY_SIZE, 0);

	fill(fd, 0, LAZY_HOLE, 51);
	fill(fd, LAZY_HOLE + LAZY_WINDOW, LAZY_SIZE - LAZY_HOLE - LAZY_WINDOW,
	     51);
	CHECK_RET(0, luo_preserve(s, fd, token));
	close(fd);
}

/* Whether @fd holds the memfd of lazy_preserve(), every byte. */
static int lazy_intact(int fd)
{
	return same(fd, 0, LAZY_HOLE, 51) &&
	       same(fd, LAZY_HOLE, LAZY_WINDOW, HOLE) &&
	       same(fd, LAZY_HOLE + LAZY_WINDOW,
		    LAZY_SIZE - LAZY_HOLE - LAZY_WINDOW, 51);
}

/*
 * The memfd retrieved without a worker (memfd_luo/corrupt "no-worker"):
 * nothing is in its page cache until asked for, and what asks gets the
 * old data under what it writes.
 */
static void lazy_without_worker(int fd)
{
	uint64_t v = 0xfeedface, got;
	struct stat st;
	char *map;

	/* Charged and counted at once, though nothing is back yet. */
	CHECK(!fstat(fd, &st) && st.st_size == (off_t)LAZY_SIZE &&
	      st.st_blocks == (LAZY_SIZE - LAZY_WINDOW) / 512,
	      "size %ld, %ld blocks", (long)st.st_size, (long)st.st_blocks);
	CHECK(lazy_resident(fd, 0, LAZY_SIZE) == 0,
	      "%ld pages in the page cache after RETRIEVE_FD",
	      lazy_resident(fd, 0, LAZY_SIZE));

	/*
	 * A read takes up the 2 MiB around it, and the rest of the pieces
	 * that has pages of: at most two pieces of 4 MiB reach out of it.
	 */
	CHECK(same(fd, 40 * MB, 4096, 51), "a read of a page not back");
	CHECK(lazy_resident(fd, 40 * MB, LAZY_WINDOW) == LAZY_WINDOW / 4096,
	      "the read's window is not back");
	CHECK(lazy_resident(fd, 0, LAZY_SIZE) <= (LAZY_WINDOW + 8 * MB) / 4096,
	      "a read took up %ld pages", lazy_resident(fd, 0, LAZY_SIZE));

	/* A write into a page not back lands on the old data. */
	CHECK(pwrite(fd, &v, 8, 20 * MB + 8) == 8, "pwrite: %s", strerror(errno));
	CHECK(pread(fd, &got, 8, 20 * MB + 8) == 8 && got == v,
	      "the write into a page not back was lost");
	CHECK(same(fd, 20 * MB, 8, 51) && same(fd, 20 * MB + 16, 4096 - 16, 51),
	      "the page around the write lost its data");

	/* So does a store through a mapping, a fault on a page not back. */
	map = mmap(NULL, LAZY_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	memcpy(map + 30 * MB + 64, &v, 8);
	munmap(map, LAZY_SIZE);
	CHECK(pread(fd, &got, 8, 30 * MB + 64) == 8 && got == v,
	      "the store through a mapping was lost");
	CHECK(same(fd, 30 * MB, 64, 51), "the faulted page lost its data");

	/* fallocate() over pages not back keeps their data. */
	CHECK(!fallocate(fd, 0, 50 * MB, 4 * MB), "fallocate: %s",
	      strerror(errno));
	CHECK(same(fd, 50 * MB, 4 * MB, 51), "fallocate() cleared data");

	/* SEEK_HOLE and SEEK_DATA see the holes of the previous kernel. */
	CHECK(lseek(fd, 0, SEEK_HOLE) == LAZY_HOLE, "SEEK_HOLE: %ld",
	      (long)lseek(fd, 0, SEEK_HOLE));
	CHECK(lseek(fd, LAZY_HOLE, SEEK_DATA) == LAZY_HOLE + LAZY_WINDOW,
	      "SEEK_DATA: %ld", (long)lseek(fd, LAZY_HOLE, SEEK_DATA));
	CHECK(lazy_resident(fd, 0, LAZY_SIZE) == (LAZY_SIZE - LAZY_WINDOW) / 4096,
	      "after SEEK_DATA, %ld pages are back",
	      lazy_resident(fd, 0, LAZY_SIZE));
	CHECK(!fstat(fd, &st) && st.st_blocks == (LAZY_SIZE - LAZY_WINDOW) / 512,
	      "%ld blocks once back", (long)st.st_blocks);

	/* The writes, and every other byte. */
	CHECK(pwrite(fd, &(uint64_t){ pattern(51, (20 * MB + 8) / 8) }, 8,
		     20 * MB + 8) == 8 &&
	      pwrite(fd, &(uint64_t){ pattern(51, (30 * MB + 64) / 8) }, 8,
		     30 * MB + 64) == 8, "pwrite: %s", strerror(errno));
	CHECK(lazy_intact(fd), "the memfd retrieved without a worker changed");
}

/*
 * A memfd retrieved with a worker that starts late (memfd_luo/corrupt
 * "late-worker": ten seconds), as a worker at nice 19 may on CPUs a VMM's
 * vCPUs keep busy; its session is finished at once (FINISH puts every
 * piece in) and closed.  The memfd's last close then takes its folios out
 * of the page cache (the Shmem line of /proc/meminfo) and frees them, as
 * after an eager retrieve, without waiting for the worker to run.  Both
 * figures may lag by what per-CPU counters and lists hold: 1 MiB.
 */
static void lazy_close_frees(int lu)
{
	long want = (LAZY_SIZE - LAZY_WINDOW) / 1024, shmem, free, gone;
	int s, fd;

	s = luo_retrieve_session(lu, "lazy-close");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	memfd_corrupt_next("late-worker");
	fd = luo_retrieve(s, 1);
	CHECK(fd >= 0, "retrieve: %s", strerror(-fd));
	CHECK_RET(0, luo_finish(s));
	close(s);
	shmem = mem_kb("Shmem:");
	free = free_kb();
	close(fd);
	gone = shmem - mem_kb("Shmem:");
	free = free_kb() - free;
	printf("last close, the worker not run yet: Shmem -%ld kB, free +%ld kB\n",
	       gone, free);
	CHECK(dmesg_has("test: a memfd whose worker starts late"),
	      "the memfd's worker was not made late");
	CHECK(gone >= want - 1024,
	      "its last close took %ld kB of the memfd's %ld kB out of the page cache",
	      gone, want);
	CHECK(free >= want - 1024, "its last close freed %ld kB of the memfd's %ld kB",
	      free, want);
}

/*
 * Retrieving a shmem memfd puts its folios back after RETRIEVE_FD
 * returns; nothing a process sees differs.  Stage 1 preserves three
 * 64 MiB memfds with a hole.  Stage 2 closes one as soon as its session
 * is finished (see lazy_close_frees()), retrieves one without a worker
 * (see lazy_without_worker()) and one with, read at once while the
 * worker runs; finishing leaves both ordinary memfds, and one is
 * preserved again.  Stage 3 finds every byte of it.
 */
int memfd_lazy(int stage)
{
	int lu = open_lu(), s, fd[2], i;

	if (stage == 1) {
		s = luo_create_session(lu, "lazy");
		CHECK(s >= 0, "create session: %s", strerror(-s));
		lazy_preserve(s, 1);
		lazy_preserve(s, 2);
		s = luo_create_session(lu, "lazy-close");
		CHECK(s >= 0, "create session: %s", strerror(-s));
		lazy_preserve(s, 1);
		hold(lu);
	}
	if (stage == 2)
		lazy_close_frees(lu);
	s = luo_retrieve_session(lu, "lazy");
	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	if (stage == 3) {
		fd[0] = luo_retrieve(s, 1);
		CHECK(fd[0] >= 0, "retrieve: %s", strerror(-fd[0]));
		CHECK(lazy_intact(fd[0]), "the memfd preserved again changed");
		CHECK_RET(0, luo_finish(s));
		return 0;
	}
	memfd_corrupt_next("no-worker");
	for (i = 0; i < 2; i++) {
		fd[i] = luo_retrieve(s, i + 1);
		CHECK(fd[i] >= 0, "retrieve %d: %s", i + 1, strerror(-fd[i]));
	}
	CHECK(dmesg_has("test: a memfd retrieved without a worker"),
	      "the first memfd was retrieved with a worker");
	CHECK(lazy_intact(fd[1]), "the memfd read while its worker runs changed");
	lazy_without_worker(fd[0]);

	/* Finish: ordinary memfds, every folio back, the size free again. */
	CHECK_RET(0, luo_finish(s));
	close(s);
	for (i = 0; i < 2; i++)
		CHECK(lazy_resident(fd[i], 0, LAZY_SIZE) ==
		      (LAZY_SIZE - LAZY_WINDOW) / 4096,
		      "memfd %d: %ld pages back after finish", i + 1,
		      lazy_resident(fd[i], 0, LAZY_SIZE));
	CHECK(!ftruncate(fd[1], LAZY_SIZE / 2), "ftruncate after finish: %s",
	      strerror(errno));
	close(fd[1]);

	s = luo_create_session(lu, "lazy");
	CHECK(s >= 0, "create session: %s", strerror(-s));
	CHECK_RET(0, luo_preserve(s, fd[0], 1));
	close(fd[0]);
	hold(lu);
}
