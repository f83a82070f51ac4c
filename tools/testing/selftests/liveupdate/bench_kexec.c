// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmarks of make bench that run across kexecs (luo_kexec
 * memfd_bench) and the make run demo (luo_kexec demo).
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>

#include "luo_kexec.h"

/*
 * make bench: preserving and retrieving a populated 1 GiB memfd against
 * writing it once, retrieving a 4 GiB one against the 1 GiB one, and (with
 * the host's transition times) the blackout of a live update that carries
 * them against one that carries nothing.
 */
static double write_mem(int fd, size_t size, uint64_t seed)
{
	static uint64_t buf[MB / 8];
	double t0;
	size_t off, i;

	for (i = 0; i < MB / 8; i++)
		buf[i] = pattern(seed, i);
	t0 = now_us();
	for (off = 0; off < size; off += MB)
		CHECK(pwrite(fd, buf, MB, off) == (ssize_t)MB, "write: %s",
		      strerror(errno));
	return now_us() - t0;
}

static int mem_intact(int fd, size_t size, uint64_t seed)
{
	static uint64_t want[MB / 8], have[MB / 8];
	size_t off, i;

	for (i = 0; i < MB / 8; i++)
		want[i] = pattern(seed, i);
	for (off = 0; off < size; off += MB)
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
		bench("kho_boot_reserve_5g_memfd_blocks", blocks, "blocks");
		/* 0 us: the boot's clock was not running yet; no figure. */
		if (us)
			bench("kho_boot_reserve_5g_memfd_ms", us / 1000.0, "ms");
		else
			say("kho_boot_reserve_5g_memfd_ms not measured: no clock yet");
	}
	if (f)
		pclose(f);
}

/*
 * The time RETRIEVE_FD of @token takes; the memfd in @fd.  Then, untimed,
 * every folio of it is taken up (SEEK_DATA waits for that), so that the
 * next one timed does not share the machine with this one's worker: under
 * TCG, a vCPU busy with memory management slows the other's syscalls by
 * up to milliseconds, whatever its priority.  For the same reason it
 * starts after a second's pause: the first retrieve timed after a boot
 * took up to ten times the second, whichever memfd it was, which made
 * the median of each size depend on how often it came first.
 */
static double timed_retrieve(int s, uint64_t token, int *fd)
{
	double t0, t;

	sleep(1);
	t0 = now_us();
	*fd = luo_retrieve(s, token);
	t = now_us() - t0;
	CHECK(*fd >= 0, "retrieve %llu: %s", (unsigned long long)token,
	      strerror(-*fd));
	CHECK(lseek(*fd, 0, SEEK_DATA) == 0, "SEEK_DATA: %s", strerror(errno));
	return t;
}

/*
 * Twenty kernels: after a first, plain, kexec (so that every kexec measured
 * starts from a kernel kexec started), nine rounds of a kexec carrying
 * the memfds (even stage to odd) and one carrying nothing (odd to even).
 * Each kernel writes a GiB and 4 GiB of memfds (and a MiB) and holds them
 * until its kexec; only whether they are preserved differs.  The host takes medians
 * over the rounds.
 */
#define MEMFD_BENCH_STAGES	20
#define MEMFD_BENCH_BIG		(4 * GIB)

int memfd_bench(int stage)
{
	double t_write, t0, t_op, t_session, t_fd1, t_fd4;
	int lu, s, fd, fd4;

	if (stage == 1)
		return NEXT_STAGE;
	if (stage % 2 == 0 && stage < MEMFD_BENCH_STAGES) {
		lu = open_lu();
		s = luo_create_session(lu, "bench");
		fd = new_memfd(GIB, 0);
		t_write = write_mem(fd, GIB, 21);
		t0 = now_us();
		CHECK_RET(0, luo_preserve(s, fd, 1));
		t_op = now_us() - t0;
		bench("memfd_write_1g_ms", t_write / 1000, "ms");
		bench("memfd_preserve_1g_ms", t_op / 1000, "ms");
		bench("memfd_preserve_1g_ratio", t_op / t_write, "ratio");
		close(fd);
		fd = new_memfd(MEMFD_BENCH_BIG, 0);
		write_mem(fd, MEMFD_BENCH_BIG, 23);
		CHECK_RET(0, luo_preserve(s, fd, 2));
		close(fd);
		fd = new_memfd(MB, 0);
		write_mem(fd, MB, 25);
		CHECK_RET(0, luo_preserve(s, fd, 3));
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
	t_session = now_us() - t0;
	/*
	 * A VMM's first RETRIEVE_FD pays for this kernel's first memfd: a
	 * 1 MiB memfd takes that, so that the two timed next compare their
	 * sizes only.  Which of them goes first alternates by round.
	 */
	t_session += timed_retrieve(s, 3, &fd);
	close(fd);
	if (stage % 4 == 1) {
		t_fd4 = timed_retrieve(s, 2, &fd4);
		t_fd1 = timed_retrieve(s, 1, &fd);
	} else {
		t_fd1 = timed_retrieve(s, 1, &fd);
		t_fd4 = timed_retrieve(s, 2, &fd4);
	}
	t_op = t_session + t_fd1;
	/* What the VMM of each would wait for, retrieving it alone */
	bench("memfd_retrieve_1g_ms", t_op / 1000, "ms");
	bench("memfd_retrieve_4g_ms", (t_session + t_fd4) / 1000, "ms");
	bench("memfd_retrieve_fd_1g_us", t_fd1, "us");
	bench("memfd_retrieve_fd_4g_us", t_fd4, "us");
	CHECK(mem_intact(fd, GIB, 21), "the 1 GiB memfd came back changed");
	CHECK(mem_intact(fd4, MEMFD_BENCH_BIG, 23),
	      "the 4 GiB memfd came back changed");
	CHECK_RET(0, luo_finish(s));
	close(s);
	close(fd);
	close(fd4);
	/*
	 * The same work as the stage before, written memfds held open until
	 * the reboot, then a kexec that carries nothing.
	 */
	fd = new_memfd(GIB, 0);
	t_write = write_mem(fd, GIB, 22);
	fd4 = new_memfd(MEMFD_BENCH_BIG, 0);
	write_mem(fd4, MEMFD_BENCH_BIG, 24);
	bench("memfd_retrieve_1g_ratio", t_op / t_write, "ratio");
	hold(lu);
}

/*
 * make run: a VM-like process keeps its guest memory in memfds across the
 * kernel update; a new process takes it back and checks every byte.
 */
#define DEMO_RAM	(128 * MB)
#define DEMO_VRAM	(16 * MB)

int demo(int stage)
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
