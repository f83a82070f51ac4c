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

int memfd_bench(int stage)
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
