// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device path across a live update (vfio_lu_kexec TEST STAGE): kexec
 * tests with the edu device bound to vfio-pci, an iommufd whose marked
 * HWPT maps a memfd, and a LUO session that carries them.  Each test is a
 * function of its stage, as in ../liveupdate/luo_kexec.c, whose helpers
 * (reporting, sessions, memfd patterns) it shares.
 *
 * The guest's memory is a memfd sealed against growing and shrinking and
 * filled with a pattern; every DMA copies COPY bytes from SRC, and the
 * next kernel checks every byte: the copy where a DMA landed, the
 * pattern everywhere else.
 *
 * iommufd_retrieve: the memfd, then the iommufd, are preserved (the other
 *	order is refused with EXDEV); in the next kernel both come back, the
 *	memfd with every byte, the iommufd as a working one: the device binds
 *	to it and does DMA into the restored memfd through a new HWPT.
 * iommufd_unretrieved: the same preserve; the next kernel retrieves only
 *	the memfd and finishes the session, which frees the iommufd's record.
 * iommufd_corrupt: the record is made malformed (LIVEUPDATE_TEST knob);
 *	the next kernel refuses it with EINVAL and a log line, and the memfd,
 *	FINISH and new sessions all work.
 *
 * The device tests preserve the memfd, the iommufd and the device file
 * (memfd -> iommufd -> device) and reboot from the process that holds
 * them, as a VMM would; 0 translation faults unless said otherwise.
 *
 * device_dma: a copy whose second half (edu -> RAM) is started just before
 *	the reboot lands during the kexec, through the preserved page tables;
 *	in the next kernel a VMM takes the device back (check_device_kept()):
 *	bound to the retrieved iommufd only, on the restored HWPT, then
 *	replaced onto a HWPT of its own; the restored HWPT destroyed, the
 *	session finished; every copy on the way lands.
 * device_dma_rootport: the same with the edu behind a PCIe root port
 *	(vmtest.sh -e 0 -r), which stays a bus master too, and the restored
 *	HWPT asked for before the device is bound.
 * device_blocked: a second edu, bound to vfio-pci with an iommufd of its
 *	own mapping the same memfd, its files held open through the reboot
 *	but not preserved: in the next kernel it has no driver, and its DMA
 *	faults and lands nowhere (1 fault), while the preserved edu's landed.
 * device_corrupt_did, device_corrupt_format: the device's IOMMU record
 *	made malformed (LIVEUPDATE_TEST knob): the next kernel refuses it with
 *	a log line and blocks the device, whose DMA faults and lands nowhere
 *	(1 fault); the memfd, FINISH and new sessions work.
 * device_corrupt_unit: the same with the record naming another unit: the
 *	unit the device is on finds itself translating for nobody and blocks
 *	every device.
 * device_corrupt_vfio: four edus, each in a session of its own, the
 *	vfio-pci record of each made malformed another way (LIVEUPDATE_TEST
 *	knob): each RETRIEVE_FD of a device fails with EINVAL and a log line;
 *	the devices stay held; a device a refused record names is blocked
 *	at once if it is of the same session, one that no refused record
 *	names goes on translating through its restored domain; the memfds
 *	are retrieved and work; FINISH fails with EBUSY while the restored
 *	domains map the sessions' memory; two VMMs destroy their restored
 *	HWPT, which blocks a device still on it, and finish; new sessions
 *	work; the kexec after frees the devices.
 * device_iommu_off: the next kernel boots with intel_iommu=off; the unit
 *	stays translating through the preserved tables, the device's DMA
 *	lands in the memfd (untranslated, it would land elsewhere).
 * device_irq_freeze: with an interrupt enabled on the preserved device the
 *	reboot fails with EBUSY and changes nothing (a DMA still lands, the
 *	kexec image stays loaded); with it disabled the reboot goes through.
 * device_moved_freeze: with the preserved device moved to another HWPT the
 *	reboot fails with EBUSY and changes nothing; moved back, it goes
 *	through.
 * device_twice, device_chain, device_four_vms, device_vmm_exits,
 *	device_reaper and device_crash_steps: VMMs resuming after the kexec,
 *	carrying their device on (through five kexecs in device_chain),
 *	exiting or killed half-way, and reapers taking their sessions over;
 *	each is told where it is defined.
 * device_bench: the benchmarks of make bench (see there).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/reboot.h>
#include <linux/vfio.h>

#include "../liveupdate/luo_kexec.h"
#include "vfio_util.h"

#define SESSION		"vmm"
#define MEMFD_TOKEN	1
#define IOMMUFD_TOKEN	2
#define DEVICE_TOKEN	3
#define HWPT_TOKEN	0x4857505400000001ULL
#define SIZE		(8 * MB)	/* the guest of the iommufd tests */
#define DEV_SIZE	(64 * MB)	/* the guest of the device tests */
#define IOVA		(16 * MB)	/* edu reaches 28 bits */
#define SEED		0x1d
#define COPY		4095
#define PAGE		4096

/* Offsets in the memfd: the source of every copy, and where copies go */
#define SRC		0x3000
#define DST		0x9001		/* before the reboot */
#define DST_AGAIN	0x14003		/* after a reboot that was refused */
#define IN_FLIGHT	(40 * MB + 0x801) /* started, landing in the kexec */
#define IN_FLIGHT_2	(39 * MB + 0x901) /* the same, into a third kernel */
#define OTHER_DST	(20 * MB + 0x5)	/* the unpreserved edu, before */
#define BLOCKED		(48 * MB + 0x3)	/* the unpreserved edu, after */
#define AFTER		(63 * MB + 0x10) /* in the next kernel */
#define AFTER_BOUND	(62 * MB + 0x20) /* there, the device bound */
#define AFTER_REPLACE	(61 * MB + 0x30) /* there, on a new HWPT */
#define AFTER_FINISH	(60 * MB + 0x40) /* there, the session finished */
#define KILLED		(59 * MB + 0x50) /* there, as its VMM was killed */

/*
 * The MemTotal of two kexec'd kernels that carry the same differs by a
 * page or none, either way: their boot-time reservations do.  Memory a
 * live update leaves behind counts in MiB, or grows kernel by kernel.
 */
#define KEXEC_TOTAL_SLACK_KB	8

#define IOMMUFD_KNOB	"/sys/kernel/debug/iommufd_lu/corrupt"
#define IOMMU_KNOB	"/sys/kernel/debug/iommu_lu/corrupt"
#define VFIO_KNOB	"/sys/kernel/debug/vfio_pci_lu/corrupt"

/* The guest: a device bound to an iommufd, its HWPT mapping the memfd */
struct guest {
	struct vfio_pci_device dev;
	int iommufd;
	uint32_t ioas_id;
	uint32_t hwpt_id;
	int memfd;
	size_t size;
	double map_us;
};

/* The copies of [SRC, SRC + COPY) a test expects, by where they landed */
struct landed {
	unsigned int n;
	off_t dst[8];
};

/* A line for the harness ("LU-FAULTS 1"): on the result channel */
static void report(const char *what, int n)
{
	const char *path = getenv("LU_RES") ? getenv("LU_RES") : "/dev/ttyS1";
	FILE *res = fopen(path, "w");

	CHECK(res, "%s: %s", path, strerror(errno));
	fprintf(res, "%s %d\n", what, n);
	fclose(res);
}

/* A moment the harness times from the last reboot call ("LU-MARK @name") */
static void mark(const char *name)
{
	const char *path = getenv("LU_RES") ? getenv("LU_RES") : "/dev/ttyS1";
	FILE *res = fopen(path, "w");

	CHECK(res, "%s: %s", path, strerror(errno));
	fprintf(res, "LU-MARK %s\n", name);
	fclose(res);
}

/* This test provokes @n VT-d translation faults (lib.sh expect_faults) */
static void expect_faults(int n)
{
	report("LU-FAULTS", n);
}

/* The @nth edu device on a root bus, or behind a bridge */
static void find_edu(unsigned int nth, bool behind_port, char *bdf,
		     size_t len)
{
	unsigned int i, seen = 0;
	char parent[16];
	bool behind;

	for (i = 0; !vfio_pci_find(0x1234, 0x11e8, i, bdf, len); i++) {
		behind = !vfio_pci_parent(bdf, parent, sizeof(parent));
		if (behind == behind_port && seen++ == nth)
			return;
	}
	die("no edu device #%u %s", nth,
	    behind_port ? "behind a bridge" : "on a root bus");
}

/* A memfd of @size that cannot change size, filled with the pattern */
static int guest_memory(size_t size)
{
	int memfd = new_memfd(size, MFD_ALLOW_SEALING);

	fill(memfd, 0, size, SEED);
	CHECK(!fcntl(memfd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK),
	      "seal: %s", strerror(errno));
	return memfd;
}

/*
 * Edu @bdf bound to g->iommufd, through a HWPT mapping g->memfd at IOVA;
 * the map, into the device's domain, takes g->map_us.
 */
static void guest_attach(struct guest *g, const char *bdf)
{
	CHECK_RET(0, vfio_pci_bind_vfio(bdf));
	CHECK_RET(0, vfio_pci_device_open(&g->dev, bdf));
	CHECK_RET(0, vfio_pci_device_bind(&g->dev, g->iommufd));
	CHECK_RET(0, iommufd_ioas_alloc(g->iommufd, &g->ioas_id));
	CHECK_RET(0, iommufd_hwpt_alloc(g->iommufd, g->dev.dev_id, g->ioas_id,
					&g->hwpt_id));
	CHECK_RET(0, vfio_pci_device_attach(&g->dev, g->hwpt_id));
	g->map_us = now_us();
	CHECK_RET(0, iommufd_map_file(g->iommufd, g->ioas_id, g->memfd, 0,
				      g->size, IOVA));
	g->map_us = now_us() - g->map_us;
	CHECK_RET(0, vfio_pci_device_map_bar0(&g->dev));
	CHECK_RET(0, vfio_pci_device_set_master(&g->dev, true));
	CHECK_RET(0, vfio_dma_init(&g->dev));
}

/* The same, with a new iommufd of its own and @memfd of @size */
static void guest_up(struct guest *g, const char *bdf, int memfd,
		     size_t size)
{
	g->memfd = memfd;
	g->size = size;
	g->iommufd = iommufd_open();
	CHECK(g->iommufd >= 0, "open /dev/iommu");
	guest_attach(g, bdf);
}

/* RAM -> edu -> RAM from SRC to @dst in the memfd; checked through it */
static void guest_dma(struct guest *g, off_t dst)
{
	static char src[COPY], got[COPY];

	CHECK_RET(0, vfio_dma_memcpy(&g->dev, IOVA + SRC, IOVA + dst, COPY));
	CHECK(pread(g->memfd, src, COPY, SRC) == COPY &&
	      pread(g->memfd, got, COPY, dst) == COPY, "pread: %s",
	      strerror(errno));
	CHECK(!memcmp(src, got, COPY), "%s: the DMA did not land at %#llx",
	      g->dev.bdf, (unsigned long long)dst);
}

static void write_knob(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	CHECK(f, "%s: %s", path, strerror(errno));
	CHECK(fputs(val, f) >= 0 && !fclose(f), "%s: write failed", path);
}

/* Byte @i of the pattern fill() wrote (x86: words are little-endian) */
static uint8_t pattern_byte(off_t i)
{
	return pattern(SEED, i / 8) >> (i % 8 * 8);
}

static bool in_copy(const struct landed *l, off_t i, off_t *src)
{
	unsigned int k;

	for (k = 0; k < l->n; k++) {
		if (i >= l->dst[k] && i < l->dst[k] + COPY) {
			*src = SRC + i - l->dst[k];
			return true;
		}
	}
	return false;
}

/* What byte @i of the memfd must hold */
static uint8_t expected(const struct landed *l, off_t i)
{
	off_t src;

	return pattern_byte(in_copy(l, i, &src) ? src : i);
}

/* Whether the word at @i has no byte of a copy */
static bool plain_word(const struct landed *l, off_t i)
{
	unsigned int k;

	for (k = 0; k < l->n; k++)
		if (i < l->dst[k] + COPY && l->dst[k] < i + 8)
			return false;
	return true;
}

/*
 * Every byte of [off, off + len) of @memfd: the copies of @l where they
 * landed, the pattern everywhere else.
 */
static void check_memory(int memfd, off_t off, size_t len,
			 const struct landed *l, const char *what)
{
	static uint8_t buf[64 * 1024];
	size_t done, chunk, k;
	uint64_t word;
	off_t i;

	for (done = 0; done < len; done += chunk) {
		chunk = len - done < sizeof(buf) ? len - done : sizeof(buf);
		CHECK(pread(memfd, buf, chunk, off + done) == (ssize_t)chunk,
		      "%s: pread: %s", what, strerror(errno));
		k = 0;
		while (k < chunk) {
			i = off + done + k;
			/* Whole words of the pattern: nearly all of them */
			if (!(i % 8) && k + 8 <= chunk && plain_word(l, i)) {
				memcpy(&word, buf + k, 8);
				if (word == pattern(SEED, i / 8)) {
					k += 8;
					continue;
				}
			}
			CHECK(buf[k] == expected(l, i),
			      "%s: byte %#llx is %#x, not %#x", what,
			      (unsigned long long)i, buf[k], expected(l, i));
			k++;
		}
	}
}

/* The kernel log, to free() */
static char *kmsg(void)
{
	enum { READ_ALL = 3, SIZE_BUFFER = 10 };	/* SYSLOG_ACTION_* */
	int size = klogctl(SIZE_BUFFER, NULL, 0), n;
	char *buf;

	CHECK(size > 0, "klogctl: %s", strerror(errno));
	buf = malloc(size + 1);
	CHECK(buf, "out of memory");
	n = klogctl(READ_ALL, buf, size);
	CHECK(n >= 0, "klogctl: %s", strerror(errno));
	buf[n] = '\0';
	return buf;
}

/* Whether the kernel log has @text */
static bool kmsg_has(const char *text)
{
	char *buf = kmsg();
	bool found = strstr(buf, text);

	free(buf);
	return found;
}

/* The figure the kernel logged after @text, as in "@text 123" */
static double kmsg_number(const char *text)
{
	char *buf = kmsg(), *at = strstr(buf, text);
	double value;

	CHECK(at && sscanf(at + strlen(text), "%lf", &value) == 1,
	      "no \"%s\" in the kernel log", text);
	free(buf);
	return value;
}

/*
 * Stage 1 of the iommufd tests: DMA into the guest's memory, the HWPT
 * marked, the memfd and the iommufd preserved in that order; then on to
 * the next kernel.
 */
static void __attribute__((noreturn)) preserve_guest(const char *corrupt)
{
	struct guest g = { };
	int lu = open_lu(), s;
	char bdf[16];

	find_edu(0, false, bdf, sizeof(bdf));
	guest_up(&g, bdf, guest_memory(SIZE), SIZE);
	guest_dma(&g, DST);
	CHECK_RET(0, iommufd_hwpt_lu_mark(g.iommufd, g.hwpt_id, HWPT_TOKEN));

	s = luo_create_session(lu, SESSION);
	CHECK(s >= 0, "create session: %s", strerror(-s));
	CHECK_RET(-EXDEV, luo_preserve(s, g.iommufd, IOMMUFD_TOKEN));
	CHECK_RET(0, luo_preserve(s, g.memfd, MEMFD_TOKEN));
	if (corrupt)
		write_knob(IOMMUFD_KNOB, corrupt);
	CHECK_RET(0, luo_preserve(s, g.iommufd, IOMMUFD_TOKEN));
	say("memfd and iommufd preserved, the DMA landed");
	hold(lu);
}

/*
 * Stage 1 of the device tests, the guest up: its HWPT marked, then the
 * memfd, the iommufd and the device preserved, in that order (with the
 * device's IOMMU record made malformed if @corrupt says how); the
 * preserved device still does DMA.  Returns the session, which stays
 * open until the reboot.
 */
static int preserve_device_in(int lu, struct guest *g, const char *session,
			      const char *corrupt)
{
	char group[16] = "?";
	int s, ret;

	CHECK_RET(0, iommufd_hwpt_lu_mark(g->iommufd, g->hwpt_id, HWPT_TOKEN));
	s = luo_create_session(lu, session);
	CHECK(s >= 0, "create session: %s", strerror(-s));
	CHECK_RET(0, luo_preserve(s, g->memfd, MEMFD_TOKEN));
	CHECK_RET(0, luo_preserve(s, g->iommufd, IOMMUFD_TOKEN));
	if (corrupt)
		write_knob(IOMMU_KNOB, corrupt);
	ret = luo_preserve(s, g->dev.fd, DEVICE_TOKEN);
	/* The IOMMU core keeps only a device alone in its group */
	CHECK(ret != -EOPNOTSUPP ||
	      vfio_pci_iommu_group(g->dev.bdf, group, sizeof(group)) <= 1,
	      "preserving %s: EOPNOTSUPP, it shares IOMMU group %s (is the bridge above it without ACS, an extended capability: no CONFIG_PCI_MMCONFIG?)",
	      g->dev.bdf, group);
	CHECK_RET(0, ret);
	guest_dma(g, DST);
	return s;
}

static int preserve_device(int lu, struct guest *g, const char *corrupt)
{
	return preserve_device_in(lu, g, SESSION, corrupt);
}

/* Load the next stage's kernel, for a reboot from this process */
static void load_next_kernel(void)
{
	CHECK(!system("lu_kexec --load-only"), "lu_kexec --load-only failed");
}

/* The same, with @arg added to the next kernel's command line */
static void load_next_kernel_with(const char *arg)
{
	char cmd[256];

	CHECK(snprintf(cmd, sizeof(cmd), "lu_kexec --load-only --append %s",
		       arg) < (int)sizeof(cmd), "%s: too long", arg);
	CHECK(!system(cmd), "%s failed", cmd);
}

/*
 * Reboot into the next stage from this process, so that the files it
 * holds (the session, the device, the iommufds) are open at the reboot,
 * as a VMM's are; hold() would hand them to a daemon and let lu_kexec
 * reboot after the time it takes to start.
 */
static void __attribute__((noreturn)) kexec_now(int stage)
{
	report("LU-KEXEC", stage);
	reboot(LINUX_REBOOT_CMD_KEXEC);
	die("reboot(LINUX_REBOOT_CMD_KEXEC): %s", strerror(errno));
}

/* Stage 2 of every test: the session the first stage preserved */
static int retrieve_vmm(int lu)
{
	int s = luo_retrieve_session(lu, SESSION);

	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	return s;
}

/* The restored memfd of @size: every byte, the copies of @l included */
static int check_memfd(int s, size_t size, const struct landed *l)
{
	int memfd = luo_retrieve(s, MEMFD_TOKEN);

	CHECK(memfd >= 0, "retrieve the memfd: %s", strerror(-memfd));
	check_memory(memfd, 0, size, l, "the restored memfd");
	return memfd;
}

static void check_driver(const char *bdf, const char *want)
{
	char driver[64];

	CHECK_RET(0, vfio_pci_driver(bdf, driver, sizeof(driver)));
	CHECK(!strcmp(driver, want), "%s: driver '%s', not '%s'", bdf,
	      driver, want);
}

static void check_master(const char *bdf)
{
	uint16_t cmd;

	CHECK_RET(0, vfio_pci_read_command(bdf, &cmd));
	CHECK(cmd & PCI_COMMAND_MASTER,
	      "%s is no longer a bus master (PCI_COMMAND %#x)", bdf, cmd);
}

/* A device released (reset): no longer a bus master */
static void check_not_master(const char *bdf)
{
	uint16_t cmd;

	CHECK_RET(0, vfio_pci_read_command(bdf, &cmd));
	CHECK(!(cmd & PCI_COMMAND_MASTER), "%s released is still a bus master",
	      bdf);
}

/* Edu @bdf driven through sysfs: its vfio file, if any, is not opened */
static void open_raw(struct vfio_pci_device *raw, const char *bdf)
{
	CHECK_RET(0, vfio_pci_device_open_sysfs(raw, bdf));
	CHECK_RET(0, vfio_dma_init(raw));
}

/*
 * Edu @bdf, through sysfs, writes to @dst what its buffer holds since
 * stage 1 (SRC's data: the edu is never reset); its DMA must not land.
 */
static void blocked_dma(const char *bdf, off_t dst)
{
	struct vfio_pci_device raw;

	expect_faults(1);
	open_raw(&raw, bdf);
	CHECK_RET(0, edu_dma_start(&raw, IOVA + dst, COPY, true));
	CHECK_RET(0, edu_dma_wait(&raw, 5000));
	vfio_pci_device_close(&raw);
}

/* Open @bdf's vfio cdev: its fd, or -errno */
static int open_cdev(const char *bdf)
{
	char path[64];
	int fd;

	CHECK_RET(0, vfio_pci_cdev_path(bdf, path, sizeof(path)));
	fd = open(path, O_RDWR);
	return fd < 0 ? -errno : fd;
}

/* An ordinary device again: vfio-pci binds to @bdf and its cdev opens */
static void check_cdev_opens(const char *bdf)
{
	int fd;

	CHECK_RET(0, vfio_pci_bind_vfio(bdf));
	fd = open_cdev(bdf);
	CHECK(fd >= 0, "%s: its cdev: %s", bdf, strerror(-fd));
	close(fd);
}

/*
 * IOMMU page-table pages in use (nr_iommu_pages of /proc/vmstat), the
 * per-CPU counts folded in first
 */
static long iommu_pages(void)
{
	char name[64];
	long value;
	FILE *f;

	write_knob("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/vmstat", "r");
	CHECK(f, "/proc/vmstat: %s", strerror(errno));
	while (fscanf(f, "%63s %ld", name, &value) == 2) {
		if (!strcmp(name, "nr_iommu_pages")) {
			fclose(f);
			return value;
		}
	}
	die("no nr_iommu_pages in /proc/vmstat");
}

/* Session @s's device file, at @bdf, into @dev: not bound by this process */
static void retrieve_device(int s, const char *bdf, struct vfio_pci_device *dev)
{
	dev->fd = luo_retrieve(s, DEVICE_TOKEN);
	CHECK(dev->fd >= 0, "retrieve the device: %s", strerror(-dev->fd));
	snprintf(dev->bdf, sizeof(dev->bdf), "%s", bdf);
	dev->iommufd = -1;
}

/*
 * The retrieved device binds to no iommufd but the one retrieved with it
 * (EPERM, nothing changed), and an iommufd knows no restored HWPT it did
 * not preserve (ENOENT).
 */
static void check_device_owned(struct guest *g)
{
	int other = iommufd_open();
	uint32_t id;

	CHECK(other >= 0, "open /dev/iommu");
	CHECK_RET(-EPERM, vfio_pci_device_bind(&g->dev, other));
	CHECK_RET(-ENOENT, iommufd_hwpt_lu_restore(other, HWPT_TOKEN, 0,
						   &id));
	close(other);
	CHECK_RET(-ENOENT, iommufd_hwpt_lu_restore(g->iommufd, HWPT_TOKEN + 1,
						   0, &id));
	CHECK_RET(-EOPNOTSUPP, iommufd_hwpt_lu_restore(g->iommufd, HWPT_TOKEN,
						       1, &id));
}

/*
 * The restored HWPT @restored, @g's device on it: attaching the device to
 * it again changes nothing, it cannot be destroyed (EBUSY), mapped
 * through (it has no IOAS) or nested on.
 */
static void check_restored_hwpt(struct guest *g, uint32_t restored)
{
	static char buf[PAGE];
	uint32_t id;

	CHECK_RET(0, vfio_pci_device_attach(&g->dev, restored));
	CHECK_RET(-EBUSY, iommufd_destroy(g->iommufd, restored));
	CHECK_RET(-ENOENT, iommufd_map_user(g->iommufd, restored, buf, PAGE,
					    IOVA + DEV_SIZE));
	CHECK_RET(-EINVAL, iommufd_hwpt_alloc(g->iommufd, g->dev.dev_id,
					      restored, &id));
}

/*
 * Stage 2 of the tests whose device went through, as a VMM restores it:
 * every check of the kernel holding the device on the way.
 * - Before anything: the device is bound to vfio-pci and a bus master,
 *   and the bridge above it if any; its cdev refuses to open (EBUSY); a
 *   copy driven through sysfs lands through the restored domain.
 * - The iommufd and the device are retrieved (the memfd later, as the
 *   iommufd maintainer asks); FINISH fails with EBUSY.
 * - The device binds to the retrieved iommufd only; the restored HWPT
 *   comes by its token, before the bind or after (@restore_first), the
 *   same ID each time, the device on it; a copy lands through it.
 * - The memfd, with every byte, its size frozen (no hole can be punched
 *   in what the restored domain maps); a new IOAS and HWPT mapping it the
 *   same way; the device replaced onto it, never back; a copy lands.
 * - FINISH still fails with EBUSY; IOMMU_DESTROY of the restored HWPT
 *   frees exactly the page-table pages restored; then FINISH works, and
 *   the device does DMA on, its files in @out.
 */
static void restore_device(int lu, const char *bdf, const struct landed *l,
			   bool restore_first, struct guest *out)
{
	struct guest g = { .size = DEV_SIZE };
	struct landed after = *l;
	struct vfio_pci_device raw;
	uint32_t restored, id;
	char port[16];
	long pages;
	int s, cdev;

	s = retrieve_vmm(lu);
	check_driver(bdf, "vfio-pci");
	check_master(bdf);
	if (!vfio_pci_parent(bdf, port, sizeof(port)))
		check_master(port);
	CHECK_RET(-EBUSY, open_cdev(bdf));
	open_raw(&raw, bdf);
	CHECK_RET(0, vfio_dma_memcpy(&raw, IOVA + SRC, IOVA + AFTER, COPY));
	vfio_pci_device_close(&raw);
	after.dst[after.n++] = AFTER;

	g.iommufd = luo_retrieve(s, IOMMUFD_TOKEN);
	CHECK(g.iommufd >= 0, "retrieve the iommufd: %s",
	      strerror(-g.iommufd));
	retrieve_device(s, bdf, &g.dev);
	cdev = open_cdev(bdf);
	CHECK(cdev >= 0, "open the cdev after the retrieve: %s",
	      strerror(-cdev));
	close(cdev);
	CHECK_RET(-EBUSY, luo_finish(s));

	check_device_owned(&g);
	if (restore_first)
		CHECK_RET(0, iommufd_hwpt_lu_restore(g.iommufd, HWPT_TOKEN,
						     0, &restored));
	CHECK_RET(0, vfio_pci_device_bind(&g.dev, g.iommufd));
	CHECK_RET(0, iommufd_hwpt_lu_restore(g.iommufd, HWPT_TOKEN, 0,
					     &id));
	if (!restore_first)
		restored = id;
	CHECK(id == restored, "restored twice: HWPT %u, then %u", restored,
	      id);
	check_restored_hwpt(&g, restored);
	CHECK_RET(0, vfio_pci_device_map_bar0(&g.dev));
	CHECK_RET(0, vfio_dma_init(&g.dev));
	CHECK_RET(0, vfio_dma_memcpy(&g.dev, IOVA + SRC, IOVA + AFTER_BOUND,
				     COPY));
	after.dst[after.n++] = AFTER_BOUND;

	g.memfd = check_memfd(s, DEV_SIZE, &after);
	/* What the restored domain maps stays until the session finishes */
	CHECK(fallocate(g.memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			IN_FLIGHT, PAGE) && errno == EPERM,
	      "a hole punched in the memfd a restored domain maps");
	CHECK_RET(0, iommufd_ioas_alloc(g.iommufd, &g.ioas_id));
	CHECK_RET(0, iommufd_map_file(g.iommufd, g.ioas_id, g.memfd, 0,
				      DEV_SIZE, IOVA));
	CHECK_RET(0, iommufd_hwpt_alloc(g.iommufd, g.dev.dev_id, g.ioas_id,
					&g.hwpt_id));
	CHECK_RET(0, vfio_pci_device_attach(&g.dev, g.hwpt_id));
	CHECK_RET(-EINVAL, vfio_pci_device_attach(&g.dev, restored));
	guest_dma(&g, AFTER_REPLACE);
	CHECK_RET(-EBUSY, luo_finish(s));

	pages = iommu_pages();
	CHECK_RET(0, iommufd_destroy(g.iommufd, restored));
	pages -= iommu_pages();
	CHECK(pages == (long)kmsg_number("restored around its"),
	      "the restored HWPT's destroy freed %ld page-table pages, not the %.0f restored",
	      pages, kmsg_number("restored around its"));
	CHECK_RET(-ENOENT, iommufd_hwpt_lu_restore(g.iommufd, HWPT_TOKEN, 0,
						   &id));
	CHECK_RET(0, luo_finish(s));
	guest_dma(&g, AFTER_FINISH);
	close(s);
	*out = g;
}

static void check_device_kept(int lu, const char *bdf, const struct landed *l,
			      bool restore_first)
{
	struct vfio_pci_device dev;
	struct guest g;
	uint16_t cmd;
	int other;

	restore_device(lu, bdf, l, restore_first, &g);
	vfio_pci_device_close(&g.dev);
	CHECK_RET(0, vfio_pci_read_command(bdf, &cmd));
	CHECK(!(cmd & PCI_COMMAND_MASTER),
	      "%s closed after FINISH is still a bus master", bdf);
	close(g.iommufd);
	close(g.memfd);

	/* The live update let go of it: any iommufd may take it now */
	other = iommufd_open();
	CHECK(other >= 0, "open /dev/iommu");
	CHECK_RET(0, vfio_pci_device_open(&dev, bdf));
	CHECK_RET(0, vfio_pci_device_bind(&dev, other));
	vfio_pci_device_close(&dev);
	close(other);
}

static const struct landed iommufd_landed = { 1, { DST } };

static int iommufd_retrieve(int stage)
{
	struct guest g = { };
	uint32_t other;
	char bdf[16];
	int lu, s;

	if (stage == 1)
		preserve_guest(NULL);

	lu = open_lu();
	s = retrieve_vmm(lu);
	g.iommufd = luo_retrieve(s, IOMMUFD_TOKEN);
	CHECK(g.iommufd >= 0, "retrieve the iommufd: %s",
	      strerror(-g.iommufd));
	g.memfd = check_memfd(s, SIZE, &iommufd_landed);
	g.size = SIZE;

	/* A working iommufd: the device binds to it and does DMA again */
	CHECK_RET(0, iommufd_ioas_alloc(g.iommufd, &other));
	fill(g.memfd, DST, COPY + 1, SEED + 1);
	find_edu(0, false, bdf, sizeof(bdf));
	guest_attach(&g, bdf);
	guest_dma(&g, DST);
	CHECK_RET(0, luo_finish(s));
	say("iommufd and memfd retrieved; DMA through the retrieved iommufd");
	vfio_pci_device_close(&g.dev);
	close(g.iommufd);
	close(g.memfd);
	return 0;
}

static int iommufd_unretrieved(int stage)
{
	int lu, s;

	if (stage == 1)
		preserve_guest(NULL);

	lu = open_lu();
	s = retrieve_vmm(lu);
	close(check_memfd(s, SIZE, &iommufd_landed));
	CHECK_RET(0, luo_finish(s));
	say("the iommufd never retrieved was finished");
	return 0;
}

static int iommufd_corrupt(int stage, const char *how)
{
	int lu, s, s2;

	if (stage == 1)
		preserve_guest(how);

	lu = open_lu();
	s = retrieve_vmm(lu);
	CHECK_RET(-EINVAL, luo_retrieve(s, IOMMUFD_TOKEN));
	CHECK_RET(-EINVAL, luo_retrieve(s, IOMMUFD_TOKEN));
	close(check_memfd(s, SIZE, &iommufd_landed));
	CHECK_RET(0, luo_finish(s));
	s2 = luo_create_session(lu, "after");
	CHECK(s2 >= 0, "a new session after the refusal: %s", strerror(-s2));
	say("a malformed iommufd record (%s) was refused, the rest works", how);
	return 0;
}

static int iommufd_corrupt_count(int stage)
{
	return iommufd_corrupt(stage, "count");
}

static int iommufd_corrupt_area(int stage)
{
	return iommufd_corrupt(stage, "area");
}

static const struct landed dma_landed = { 2, { DST, IN_FLIGHT } };

/*
 * The preserved device's DMA goes on through the kexec: RAM -> edu
 * waited for, edu -> RAM started (it runs about 100 ms later) and the
 * reboot called at once.
 */
static int device_dma_test(int stage, bool behind_port)
{
	struct guest g = { };
	int lu = open_lu();
	char bdf[16];

	find_edu(0, behind_port, bdf, sizeof(bdf));
	if (stage == 2) {
		check_device_kept(lu, bdf, &dma_landed, behind_port);
		say("%s kept translating through the kexec and after it", bdf);
		return 0;
	}

	guest_up(&g, bdf, guest_memory(DEV_SIZE), DEV_SIZE);
	preserve_device(lu, &g, NULL);
	load_next_kernel();
	say("%s preserved; a DMA lands during the kexec", bdf);
	CHECK_RET(0, vfio_dma_memcpy_start(&g.dev, IOVA + SRC,
					   IOVA + IN_FLIGHT, COPY));
	kexec_now(stage);
}

static int device_dma(int stage)
{
	return device_dma_test(stage, false);
}

static int device_dma_rootport(int stage)
{
	return device_dma_test(stage, true);
}

static const struct landed thrice_landed = {
	7, { DST, IN_FLIGHT, AFTER, AFTER_BOUND, AFTER_REPLACE, AFTER_FINISH,
	     IN_FLIGHT_2 }
};

/*
 * A device taken back after a live update is carried through the next
 * one: in the second kernel, once on a HWPT of its own, that HWPT is
 * marked and the memfd, the iommufd and the device are preserved again,
 * in a new session, with a DMA in flight at the reboot; the third kernel
 * takes the device back the same way.  Nothing of the first update's
 * labels is carried over: each kernel marks and preserves from scratch.
 */
static int device_twice(int stage)
{
	struct guest g;
	char bdf[16];
	int lu;

	if (stage == 1)
		return device_dma_test(stage, false);
	lu = open_lu();
	find_edu(0, false, bdf, sizeof(bdf));
	if (stage == 2) {
		restore_device(lu, bdf, &dma_landed, false, &g);
		preserve_device(lu, &g, NULL);
		load_next_kernel();
		say("%s taken back and preserved again; a DMA lands during the second kexec",
		    bdf);
		CHECK_RET(0, vfio_dma_memcpy_start(&g.dev, IOVA + SRC,
						   IOVA + IN_FLIGHT_2, COPY));
		kexec_now(stage);
	}
	check_device_kept(lu, bdf, &thrice_landed, false);
	say("%s kept translating through two live updates", bdf);
	return 0;
}

static const struct landed blocked_landed = {
	3, { DST, IN_FLIGHT, OTHER_DST }
};

/*
 * A device that is not preserved is blocked in the next kernel.  Edu B
 * has its own iommufd and HWPT over a second mapping of the same memfd,
 * does DMA into it, and its files are held open through the reboot.  Its
 * DMA is fired in the next kernel rather than into the kexec: the old
 * kernel clears its bus mastering when it shuts devices down
 * (pci_device_shutdown()), before the IOMMU drops its context entry, and
 * QEMU drops the DMA of a device that is not a bus master without a
 * translation fault; a DMA fired into the kexec would land (if it ran
 * before that shutdown, B's domain still live) or vanish, by timing.  So
 * B is made a bus master again through sysfs, and its DMA must fault.
 */
static int device_blocked(int stage)
{
	struct guest a = { }, b = { };
	char bdf_a[16], bdf_b[16];
	int lu = open_lu(), memfd;
	uint16_t cmd;

	find_edu(0, false, bdf_a, sizeof(bdf_a));
	find_edu(1, false, bdf_b, sizeof(bdf_b));
	if (stage == 1) {
		memfd = guest_memory(DEV_SIZE);
		guest_up(&a, bdf_a, memfd, DEV_SIZE);
		guest_up(&b, bdf_b, memfd, DEV_SIZE);
		guest_dma(&b, OTHER_DST);
		preserve_device(lu, &a, NULL);
		load_next_kernel();
		say("%s preserved, %s held open but not preserved", bdf_a,
		    bdf_b);
		CHECK_RET(0, vfio_dma_memcpy_start(&a.dev, IOVA + SRC,
						   IOVA + IN_FLIGHT, COPY));
		kexec_now(stage);
	}

	check_driver(bdf_b, "");
	CHECK_RET(0, vfio_pci_read_command(bdf_b, &cmd));
	CHECK_RET(0, vfio_pci_write_command(bdf_b, cmd | PCI_COMMAND_MEMORY |
					    PCI_COMMAND_MASTER));
	blocked_dma(bdf_b, BLOCKED);
	check_device_kept(lu, bdf_a, &blocked_landed, false);
	say("%s was blocked, %s kept translating", bdf_b, bdf_a);
	return 0;
}

static const struct landed corrupt_landed = { 1, { DST } };

/*
 * The device's IOMMU record made malformed: the next kernel blocks the
 * device.  No DMA is in flight at the reboot: the old kernel's tables
 * translate until the next kernel takes the unit over, it would land.
 */
static int device_corrupt(int stage, const char *how, const char *line)
{
	struct guest g = { };
	int lu = open_lu(), s, s2;
	char bdf[16];

	find_edu(0, false, bdf, sizeof(bdf));
	if (stage == 1) {
		guest_up(&g, bdf, guest_memory(DEV_SIZE), DEV_SIZE);
		preserve_device(lu, &g, how);
		load_next_kernel();
		say("%s preserved with a malformed IOMMU record (%s)", bdf,
		    how);
		kexec_now(stage);
	}

	CHECK(kmsg_has(line), "no '%s' in the kernel log", line);
	/* Still a bus master: its DMA reaches the IOMMU, which blocks it */
	check_master(bdf);
	blocked_dma(bdf, AFTER);
	s = retrieve_vmm(lu);
	close(check_memfd(s, DEV_SIZE, &corrupt_landed));
	CHECK_RET(0, luo_finish(s));
	s2 = luo_create_session(lu, "after");
	CHECK(s2 >= 0, "a new session after the refusal: %s", strerror(-s2));
	say("a malformed IOMMU record (%s) blocked %s, the rest works", how,
	    bdf);
	return 0;
}

static int device_corrupt_did(int stage)
{
	return device_corrupt(stage, "did", "does not match the record");
}

static int device_corrupt_format(int stage)
{
	return device_corrupt(stage, "format", "its domain was refused");
}

static int device_corrupt_unit(int stage)
{
	return device_corrupt(stage, "unit",
			      "with no preserved device named for it");
}

/* How device_corrupt_vfio breaks the vfio-pci record of each edu */
static const struct {
	const char *how;	/* the knob's mode */
	const char *line;	/* the log line of the refusal */
	bool on_edu;		/* that line follows the edu's BDF */
	bool blocked;		/* the record still names its edu: blocked */
	bool iommufd;		/* the VMM also retrieves its iommufd */
} vfio_corrupt[] = {
	/* The next slot's edu, the next session's */
	{ "next", "live update: the record names a device of another session" },
	{ "reserved", "is malformed", false, true },
	{ "device", "0000:00:00.0: live update: the record names HWPT", false,
	  false, true },
	{ "token", ": live update: the record names HWPT 0x4857505400000000,",
	  true, true, true },
};

enum { NR_CORRUPT = ARRAY_SIZE(vfio_corrupt) };

/*
 * The vfio-pci record of each of four edus made malformed, another way
 * for each (vfio_corrupt[]), with each edu in a session of its own.  In
 * the next kernel nothing believes a record the IOMMU core's own does not
 * back: each RETRIEVE_FD of a device fails with EINVAL and its log line,
 * again on a second try.  A device a refused record names is blocked at
 * once, with its log line, when the IOMMU core's record ties it to an
 * iommufd of the same session (reserved bits set, another HWPT named):
 * its DMA faults and lands nowhere.  A record that names another
 * session's device ("next", checked first: the device is held and in
 * use by the next session) or no device kept ("device") blocks nothing
 * and hands nothing out: the edu stays as the IOMMU core kept it,
 * translating through its restored domain (a DMA lands in its memfd:
 * never passed through).  Either way the device stays held for its
 * session (its cdev refuses to open), and the rest of the session works:
 * the memfd comes back with every byte.  The first two sessions' VMMs
 * stop there: their sessions cannot finish (EBUSY) while a restored
 * domain maps their memory, and stay with LUO.  The other two retrieve
 * the iommufd and restore its HWPT by its token; FINISH fails with EBUSY
 * until they destroy it, which blocks the edu still translating through
 * it and frees the domain; then the session finishes.  A new session works.  Stage 3,
 * after a kexec that carried nothing: each edu is an ordinary device,
 * with no driver and no longer a bus master, and vfio-pci's cdev opens.
 */
static int device_corrupt_vfio(int stage)
{
	static const struct landed landed = { 2, { DST, AFTER } };
	struct guest g[NR_CORRUPT] = { };
	char bdf[NR_CORRUPT][16], name[16], line[128];
	int lu = open_lu(), s, memfd, fd, i;
	const struct landed *l;
	struct vfio_pci_device raw;
	uint32_t ioas, restored;

	for (i = 0; i < NR_CORRUPT; i++)
		find_edu(i, false, bdf[i], sizeof(bdf[i]));
	if (stage == 1) {
		for (i = 0; i < NR_CORRUPT; i++) {
			snprintf(name, sizeof(name), "vm%d", i);
			guest_up(&g[i], bdf[i], guest_memory(DEV_SIZE),
				 DEV_SIZE);
			write_knob(VFIO_KNOB, vfio_corrupt[i].how);
			preserve_device_in(lu, &g[i], name, NULL);
		}
		load_next_kernel();
		say("four edus preserved with malformed vfio-pci records");
		kexec_now(stage);
	}

	if (stage == 3) {
		for (i = 0; i < NR_CORRUPT; i++) {
			check_driver(bdf[i], "");
			check_not_master(bdf[i]);
			check_cdev_opens(bdf[i]);
		}
		say("the kexec after the refusals freed the four edus");
		return 0;
	}

	for (i = 0; i < NR_CORRUPT; i++) {
		snprintf(name, sizeof(name), "vm%d", i);
		s = luo_retrieve_session(lu, name);
		CHECK(s >= 0, "retrieve session %s: %s", name, strerror(-s));
		CHECK_RET(-EINVAL, luo_retrieve(s, DEVICE_TOKEN));
		CHECK_RET(-EINVAL, luo_retrieve(s, DEVICE_TOKEN));
		snprintf(line, sizeof(line), "%s%s",
			 vfio_corrupt[i].on_edu ? bdf[i] : "",
			 vfio_corrupt[i].line);
		CHECK(kmsg_has(line), "no '%s' in the kernel log", line);

		CHECK_RET(-EBUSY, open_cdev(bdf[i]));
		check_driver(bdf[i], "vfio-pci");
		check_master(bdf[i]);
		snprintf(line, sizeof(line),
			 "%s: live update: blocked, its record was refused",
			 bdf[i]);
		if (vfio_corrupt[i].blocked) {
			CHECK(kmsg_has(line), "no '%s' in the kernel log",
			      line);
			blocked_dma(bdf[i], AFTER);
			l = &corrupt_landed;
		} else {
			CHECK(!kmsg_has(line), "'%s' in the kernel log", line);
			/* Nor the next session's edu, which "next" names */
			if (i + 1 < NR_CORRUPT) {
				snprintf(line, sizeof(line),
					 "%s: live update: blocked", bdf[i + 1]);
				CHECK(!kmsg_has(line), "'%s' in the kernel log",
				      line);
			}
			open_raw(&raw, bdf[i]);
			CHECK_RET(0, vfio_dma_memcpy(&raw, IOVA + SRC,
						     IOVA + AFTER, COPY));
			vfio_pci_device_close(&raw);
			l = &landed;
		}
		memfd = check_memfd(s, DEV_SIZE, l);

		if (!vfio_corrupt[i].iommufd) {
			close(memfd);
			CHECK_RET(-EBUSY, luo_finish(s));
			close(s);
			say("%s: record refused (%s), %s held and blocked, the rest retrieved",
			    name, vfio_corrupt[i].how, bdf[i]);
			continue;
		}
		fd = luo_retrieve(s, IOMMUFD_TOKEN);
		CHECK(fd >= 0, "retrieve the iommufd: %s", strerror(-fd));
		CHECK_RET(0, iommufd_ioas_alloc(fd, &ioas));
		CHECK_RET(0, iommufd_hwpt_lu_restore(fd, HWPT_TOKEN, 0,
						     &restored));
		CHECK_RET(-EBUSY, luo_finish(s));
		CHECK_RET(0, iommufd_destroy(fd, restored));
		CHECK_RET(-ENOENT, iommufd_hwpt_lu_restore(fd, HWPT_TOKEN, 0,
							   &restored));
		snprintf(line, sizeof(line),
			 "%s: live update: blocked, off its restored domain",
			 bdf[i]);
		CHECK(kmsg_has(line), "no '%s' in the kernel log", line);
		if (!vfio_corrupt[i].blocked)
			blocked_dma(bdf[i], AFTER_FINISH);
		check_memory(memfd, 0, DEV_SIZE, l, "the memfd after the blocked DMA");
		CHECK_RET(-EBUSY, open_cdev(bdf[i]));
		close(fd);
		close(memfd);
		CHECK_RET(0, luo_finish(s));
		close(s);
		say("%s: record refused (%s), %s blocked, HWPT destroyed, session finished",
		    name, vfio_corrupt[i].how, bdf[i]);
	}
	s = luo_create_session(lu, "after");
	CHECK(s >= 0, "a new session after the refusals: %s", strerror(-s));
	load_next_kernel();
	kexec_now(stage);
}

/*
 * The next kernel boots with intel_iommu=off: the unit the previous
 * kernel left translating stays so, through the preserved tables, which
 * nothing in that kernel takes over; the device's DMA never goes
 * untranslated (it would land outside the memfd).
 */
static int device_iommu_off(int stage)
{
	struct landed after = dma_landed;
	struct vfio_pci_device raw;
	struct guest g = { };
	int lu = open_lu(), s, memfd;
	char bdf[16];

	find_edu(0, false, bdf, sizeof(bdf));
	if (stage == 1) {
		guest_up(&g, bdf, guest_memory(DEV_SIZE), DEV_SIZE);
		preserve_device(lu, &g, NULL);
		load_next_kernel_with("intel_iommu=off");
		say("%s preserved; the next kernel has intel_iommu=off", bdf);
		CHECK_RET(0, vfio_dma_memcpy_start(&g.dev, IOVA + SRC,
						   IOVA + IN_FLIGHT, COPY));
		kexec_now(stage);
	}

	CHECK(kmsg_has("left translating by a live update, stays so"),
	      "no log line for the unit left translating");
	check_master(bdf);
	open_raw(&raw, bdf);
	CHECK_RET(0, vfio_dma_memcpy(&raw, IOVA + SRC, IOVA + AFTER, COPY));
	vfio_pci_device_close(&raw);
	after.dst[after.n++] = AFTER;
	s = retrieve_vmm(lu);
	memfd = check_memfd(s, DEV_SIZE, &after);
	CHECK_RET(0, luo_finish(s));
	close(memfd);
	say("%s kept translating through the old tables, intel_iommu=off",
	    bdf);
	return 0;
}

static const struct landed refused_landed = { 2, { DST, DST_AGAIN } };

/*
 * A driver that uses the DMA API cannot bind to a device the live update
 * holds (its group is not the DMA API's: EBUSY from the bus's DMA
 * configuration, before the probe); once the device is released, it can.
 * iommu_lu_test (LIVEUPDATE_TEST) stands for any such driver.
 */
static void check_dma_api_refused(const char *bdf)
{
	/* Its probe fails: drivers_probe returns EINVAL */
	vfio_pci_bind_driver(bdf, "iommu_lu_test");
	check_driver(bdf, "");
	CHECK_RET(0, vfio_pci_bind_vfio(bdf));
	check_driver(bdf, "vfio-pci");
}

static void check_dma_api_bound(const char *bdf)
{
	CHECK_RET(0, vfio_pci_bind_driver(bdf, "iommu_lu_test"));
	check_driver(bdf, "iommu_lu_test");
}

/*
 * Interrupts enabled on a preserved device (MSI if it has it, else INTx;
 * the edu is never asked to raise one) make the reboot fail with EBUSY:
 * the next kernel starts with an empty interrupt remapping table.
 */
static int device_irq_freeze(int stage)
{
	struct guest g = { };
	unsigned int index;
	int lu = open_lu(), efd;
	char bdf[16];

	find_edu(0, false, bdf, sizeof(bdf));
	if (stage == 2) {
		check_device_kept(lu, bdf, &refused_landed, false);
		say("%s went through once its interrupts were disabled", bdf);
		return 0;
	}

	guest_up(&g, bdf, guest_memory(DEV_SIZE), DEV_SIZE);
	preserve_device(lu, &g, NULL);
	index = vfio_pci_device_irq_count(&g.dev, VFIO_PCI_MSI_IRQ_INDEX) > 0 ?
		VFIO_PCI_MSI_IRQ_INDEX : VFIO_PCI_INTX_IRQ_INDEX;
	efd = eventfd(0, EFD_CLOEXEC);
	CHECK(efd >= 0, "eventfd: %s", strerror(errno));
	CHECK_RET(0, vfio_pci_device_irq_enable(&g.dev, index, efd));
	load_next_kernel();

	CHECK(reboot(LINUX_REBOOT_CMD_KEXEC) && errno == EBUSY,
	      "with %s enabled the reboot failed with %s, not EBUSY",
	      index == VFIO_PCI_MSI_IRQ_INDEX ? "MSI" : "INTx",
	      strerror(errno));
	CHECK(kmsg_has("its interrupts are enabled"),
	      "no log line says why the reboot was refused");
	/* Nothing changed: the device does DMA, the image is still loaded */
	guest_dma(&g, DST_AGAIN);
	CHECK_RET(0, vfio_pci_device_irq_disable(&g.dev, index));
	say("the reboot was refused (EBUSY) with %s enabled",
	    index == VFIO_PCI_MSI_IRQ_INDEX ? "MSI" : "INTx");
	kexec_now(stage);
}

/*
 * A preserved device moved to another HWPT since it was preserved makes
 * the reboot fail with EBUSY: the next kernel would take over tables the
 * device no longer uses.  Moved back, the reboot carries it.
 */
static int device_moved_freeze(int stage)
{
	struct guest g = { };
	uint32_t ioas, hwpt;
	int lu = open_lu();
	char bdf[16];

	find_edu(0, false, bdf, sizeof(bdf));
	if (stage == 2) {
		check_dma_api_refused(bdf);
		check_device_kept(lu, bdf, &refused_landed, false);
		check_dma_api_bound(bdf);
		say("%s went through once back on its preserved HWPT", bdf);
		return 0;
	}

	guest_up(&g, bdf, guest_memory(DEV_SIZE), DEV_SIZE);
	preserve_device(lu, &g, NULL);
	/* Another HWPT, over a second mapping of the same memory */
	CHECK_RET(0, iommufd_ioas_alloc(g.iommufd, &ioas));
	CHECK_RET(0, iommufd_map_file(g.iommufd, ioas, g.memfd, 0, g.size,
				      IOVA));
	CHECK_RET(0, iommufd_hwpt_alloc(g.iommufd, g.dev.dev_id, ioas, &hwpt));
	CHECK_RET(0, vfio_pci_device_attach(&g.dev, hwpt));
	load_next_kernel();

	CHECK(reboot(LINUX_REBOOT_CMD_KEXEC) && errno == EBUSY,
	      "moved to another HWPT the reboot failed with %s, not EBUSY",
	      strerror(errno));
	CHECK(kmsg_has("no longer on its preserved HWPT"),
	      "no log line says why the reboot was refused");
	guest_dma(&g, DST_AGAIN);
	CHECK_RET(0, vfio_pci_device_attach(&g.dev, g.hwpt_id));
	say("the reboot was refused (EBUSY) with the device on another HWPT");
	kexec_now(stage);
}

/*
 * The order in which a VMM retrieves its files after the kexec
 * (vmm_resume()); then it binds the device and restores the HWPT.  The
 * iommufd maintainer asks for the first: the memfd later.
 */
enum {
	VMM_IOMMUFD_DEVICE,	/* iommufd, device (memfd in vmm_rebuild()) */
	VMM_DEVICE_IOMMUFD,	/* device, iommufd */
	VMM_MEMFD_IOMMUFD,	/* memfd, iommufd, device */
	VMM_MEMFD_DEVICE,	/* memfd, device, iommufd */
	VMM_DEVICE_MEMFD,	/* device, memfd, iommufd */
	VMM_IOMMUFD_MEMFD,	/* iommufd, memfd, device */
};

/* The order of the retrieves: Iommufd, Device, Memfd (closed at once) */
static const char *const vmm_retrieve_order[] = {
	[VMM_IOMMUFD_DEVICE] = "id",
	[VMM_DEVICE_IOMMUFD] = "di",
	[VMM_MEMFD_IOMMUFD] = "mid",
	[VMM_MEMFD_DEVICE] = "mdi",
	[VMM_DEVICE_MEMFD] = "dmi",
	[VMM_IOMMUFD_MEMFD] = "imd",
};

/*
 * The first steps of a VMM after the kexec, in the order the iommufd
 * maintainer asks for unless @how says otherwise: session @name, its
 * iommufd and device retrieved (the memfd later), the device bound, its
 * HWPT restored (into *@restored, the same ID each time), a DMA through
 * it done (edu -> RAM, one period of the edu's timer; its data is checked
 * once the memfd is back); then "LU-MARK first_dma", which the harness
 * times from the reboot call.  A memfd retrieved early is closed at once:
 * the session keeps it, and the pages the domain maps, and vmm_rebuild()
 * retrieves it again.  Returns the session.
 */
static int vmm_resume(int lu, const char *name, const char *bdf, int how,
		      struct guest *g, uint32_t *restored)
{
	int s = luo_retrieve_session(lu, name), fd;
	const char *step;

	CHECK(s >= 0, "retrieve session %s: %s", name, strerror(-s));
	for (step = vmm_retrieve_order[how]; *step; step++) {
		switch (*step) {
		case 'm':
			fd = luo_retrieve(s, MEMFD_TOKEN);
			CHECK(fd >= 0, "retrieve the memfd: %s", strerror(-fd));
			close(fd);
			break;
		case 'i':
			g->iommufd = luo_retrieve(s, IOMMUFD_TOKEN);
			CHECK(g->iommufd >= 0, "retrieve the iommufd: %s",
			      strerror(-g->iommufd));
			break;
		case 'd':
			retrieve_device(s, bdf, &g->dev);
			break;
		}
	}
	CHECK_RET(0, vfio_pci_device_bind(&g->dev, g->iommufd));
	CHECK_RET(0, iommufd_hwpt_lu_restore(g->iommufd, HWPT_TOKEN, 0,
					     restored));
	CHECK_RET(0, vfio_pci_device_map_bar0(&g->dev));
	CHECK_RET(0, vfio_dma_init(&g->dev));
	/* Never reset, the edu's buffer holds SRC's data: edu -> RAM */
	CHECK_RET(0, edu_dma_start(&g->dev, IOVA + AFTER, COPY, true));
	CHECK_RET(0, edu_dma_wait(&g->dev, 5000));
	mark("first_dma");
	return s;
}

/*
 * The rest: the memfd retrieved, a new IOAS mapping it as before, a new
 * HWPT, the device replaced onto it, the restored HWPT destroyed (unless
 * @restored is 0: it was already); the time it took in *@us.
 */
static void vmm_rebuild(int s, struct guest *g, uint32_t restored, double *us)
{
	double t = now_us();

	g->memfd = luo_retrieve(s, MEMFD_TOKEN);
	CHECK(g->memfd >= 0, "retrieve the memfd: %s", strerror(-g->memfd));
	CHECK_RET(0, iommufd_ioas_alloc(g->iommufd, &g->ioas_id));
	CHECK_RET(0, iommufd_map_file(g->iommufd, g->ioas_id, g->memfd, 0,
				      g->size, IOVA));
	CHECK_RET(0, iommufd_hwpt_alloc(g->iommufd, g->dev.dev_id,
					g->ioas_id, &g->hwpt_id));
	CHECK_RET(0, vfio_pci_device_attach(&g->dev, g->hwpt_id));
	if (restored)
		CHECK_RET(0, iommufd_destroy(g->iommufd, restored));
	*us = now_us() - t;
}

static void vmm_close(struct guest *g)
{
	vfio_pci_device_close(&g->dev);
	close(g->iommufd);
	close(g->memfd);
}

static const struct landed vmm_landed = { 3, { DST, IN_FLIGHT, AFTER } };

static const struct landed bench_landed = { 1, { IN_FLIGHT } };

/*
 * device_bench (make bench): a guest of 1 GiB, mapped in 4 KiB IOMMU
 * pages.  Before the kexec, BENCH iommu_preserve_1g_vs_map_ratio: the
 * preserve of the iommufd, which preserves its HWPT's page tables,
 * against IOMMU_IOAS_MAP_FILE of the memory into the domain; a DMA is in
 * flight at the reboot.  After it, BENCH iommu_adopt_1g_ms: VT-d taking
 * the page tables over, as the kernel logged it; and the DMA landed; the
 * device is taken back as a VMM does, so that the session can finish.  The
 * harness counts the translation faults (dma_faults_during_update).
 */
static int device_bench(int stage)
{
	struct guest g = { };
	int lu = open_lu(), s;
	uint32_t restored;
	char bdf[16];
	double t;

	find_edu(0, false, bdf, sizeof(bdf));
	if (stage == 2) {
		/* Taken back as a VMM does: FINISH waits for that */
		g.size = GIB;
		s = vmm_resume(lu, SESSION, bdf, VMM_IOMMUFD_DEVICE, &g, &restored);
		vmm_rebuild(s, &g, restored, &t);
		check_memory(g.memfd, IN_FLIGHT - PAGE, COPY + 2 * PAGE,
			     &bench_landed, "the copy in flight");
		bench("iommu_adopt_1g_ms",
		      kmsg_number("page-table pages taken over in") / 1e3,
		      "ms");
		CHECK_RET(0, luo_finish(s));
		vmm_close(&g);
		return 0;
	}

	guest_up(&g, bdf, guest_memory(GIB), GIB);
	CHECK_RET(0, iommufd_hwpt_lu_mark(g.iommufd, g.hwpt_id, HWPT_TOKEN));
	s = luo_create_session(lu, SESSION);
	CHECK(s >= 0, "create session: %s", strerror(-s));
	CHECK_RET(0, luo_preserve(s, g.memfd, MEMFD_TOKEN));
	t = now_us();
	CHECK_RET(0, luo_preserve(s, g.iommufd, IOMMUFD_TOKEN));
	t = now_us() - t;
	CHECK_RET(0, luo_preserve(s, g.dev.fd, DEVICE_TOKEN));
	bench("iommu_map_file_1g_ms", g.map_us / 1e3, "ms");
	bench("iommu_preserve_1g_ms", t / 1e3, "ms");
	bench("iommu_preserve_1g_vs_map_ratio", t / g.map_us, "ratio");
	load_next_kernel();
	CHECK_RET(0, vfio_dma_memcpy_start(&g.dev, IOVA + SRC,
					   IOVA + IN_FLIGHT, COPY));
	kexec_now(stage);
}

#define VMM_BENCH_STAGES	19

/*
 * vmm_bench (make bench): a VMM's live update of a 1 GiB guest (mapped in
 * 4 KiB IOMMU pages), in nine rounds between kexec'd kernels.  Every stage
 * marks its start ("LU-MARK start").  Stage 2r sets the guest up,
 * preserves memfd, iommufd and device and reboots with a DMA in flight.
 * Stage 2r + 1 resumes as a VMM would (vmm_resume(): the blackout ends
 * with its first DMA), then BENCH hwpt_rebuild_1g_ms (vmm_rebuild(), the
 * device free to go on meanwhile); every copy is checked, the session
 * finished, everything closed, and a kexec that carries nothing follows:
 * the start of the next stage is the plain kexec's end, the blackout's
 * baseline (.ci/vmm-bench.awk).
 */
static int vmm_bench(int stage)
{
	struct guest g = { .size = GIB };
	uint32_t restored;
	char bdf[16];
	int lu, s;
	double us;

	if (stage == 1)
		return NEXT_STAGE;
	mark("start");
	find_edu(0, false, bdf, sizeof(bdf));
	lu = open_lu();
	if (stage % 2 == 0) {
		guest_up(&g, bdf, guest_memory(GIB), GIB);
		preserve_device(lu, &g, NULL);
		load_next_kernel();
		CHECK_RET(0, vfio_dma_memcpy_start(&g.dev, IOVA + SRC,
						   IOVA + IN_FLIGHT, COPY));
		kexec_now(stage);
	}

	s = vmm_resume(lu, SESSION, bdf, VMM_IOMMUFD_DEVICE, &g, &restored);
	vmm_rebuild(s, &g, restored, &us);
	bench("hwpt_rebuild_1g_ms", us / 1e3, "ms");
	check_memory(g.memfd, 0, DEV_SIZE, &vmm_landed, "the first 64 MiB");
	guest_dma(&g, AFTER_REPLACE);
	CHECK_RET(0, luo_finish(s));
	vmm_close(&g);
	close(s);
	close(lu);
	return stage < VMM_BENCH_STAGES ? NEXT_STAGE : 0;
}

#define DEMO_SIZE	(256 * MB)

/*
 * vmm_demo (make run): the live update of a VMM with a passthrough device,
 * told as it goes.
 */
static int vmm_demo(int stage)
{
	struct guest g = { .size = DEMO_SIZE };
	uint32_t restored;
	char bdf[16];
	int lu, s;
	double us;

	find_edu(0, false, bdf, sizeof(bdf));
	lu = open_lu();
	if (stage == 1) {
		guest_up(&g, bdf, guest_memory(DEMO_SIZE), DEMO_SIZE);
		say("VMM: %lu MiB of guest memory in a memfd sealed against resizing, mapped with IOMMU_IOAS_MAP_FILE at IOVA %#lx into HWPT %u; the edu device %s passed through with vfio-pci and attached to it",
		    DEMO_SIZE / MB, IOVA, g.hwpt_id, bdf);
		guest_dma(&g, DST);
		say("VMM: a DMA RAM -> edu -> RAM landed where it should");
		preserve_device(lu, &g, NULL);
		say("VMM: HWPT %u marked as token %#llx; session '%s' holds the memfd (token %d), the iommufd (token %d) and the device (token %d), in that order",
		    g.hwpt_id, (unsigned long long)HWPT_TOKEN, SESSION,
		    MEMFD_TOKEN, IOMMUFD_TOKEN, DEVICE_TOKEN);
		load_next_kernel();
		CHECK_RET(0, vfio_dma_memcpy_start(&g.dev, IOVA + SRC,
						   IOVA + IN_FLIGHT, COPY));
		say("VMM: a DMA is in flight to guest address %#lx; reboot(LINUX_REBOOT_CMD_KEXEC) now",
		    IN_FLIGHT);
		kexec_now(stage);
	}

	s = vmm_resume(lu, SESSION, bdf, VMM_IOMMUFD_DEVICE, &g, &restored);
	say("new VMM: retrieved the session, the iommufd and the device; the device bound to the iommufd came attached to restored HWPT %u (IOMMU_HWPT_LIVEUPDATE_RESTORE of token %#llx); a DMA through it landed",
	    restored, (unsigned long long)HWPT_TOKEN);
	vmm_rebuild(s, &g, restored, &us);
	say("new VMM: memfd retrieved; a new IOAS and HWPT %u map it as before; the device replaced onto it without a gap and the restored HWPT destroyed, in %.1f ms",
	    g.hwpt_id, us / 1e3);
	check_memory(g.memfd, 0, DEMO_SIZE, &vmm_landed, "the guest memory");
	say("new VMM: every byte of the %lu MiB checked, the DMA in flight at the reboot included",
	    DEMO_SIZE / MB);
	guest_dma(&g, AFTER_REPLACE);
	CHECK_RET(0, luo_finish(s));
	say("new VMM: DMA goes on through the new HWPT; the session is finished");
	vmm_close(&g);
	close(s);
	return 0;
}

/*
 * A VMM resumes in a child and exits half-way: session, iommufd and device
 * retrieved, HWPT restored, device bound; every file closed, nothing
 * finished.  *@ids: the restored HWPT's ID and the device's.  Returns the
 * session, retrieved again by this process from /dev/liveupdate, in *@lu.
 */
static int vmm_exits_after_bind(const char *bdf, uint32_t ids[2], int *lu)
{
	struct vfio_pci_device first = { };
	int s, fd, status, pipefd[2];
	pid_t pid;

	CHECK(!pipe(pipefd), "pipe: %s", strerror(errno));
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		s = retrieve_vmm(open_lu());
		fd = luo_retrieve(s, IOMMUFD_TOKEN);
		CHECK(fd >= 0, "retrieve the iommufd: %s", strerror(-fd));
		retrieve_device(s, bdf, &first);
		CHECK_RET(0, iommufd_hwpt_lu_restore(fd, HWPT_TOKEN, 0,
						     &ids[0]));
		CHECK_RET(0, vfio_pci_device_bind(&first, fd));
		ids[1] = first.dev_id;
		CHECK(write(pipefd[1], ids, 2 * sizeof(*ids)) ==
		      2 * sizeof(*ids), "write to the pipe");
		_exit(0);
	}
	close(pipefd[1]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "the first VMM failed");
	CHECK(read(pipefd[0], ids, 2 * sizeof(*ids)) == 2 * sizeof(*ids),
	      "no IDs from the first VMM");
	close(pipefd[0]);
	CHECK(kmsg_has("it can be retrieved again"),
	      "no log line for the session left unfinished");

	*lu = open_lu();
	s = luo_retrieve_session(*lu, SESSION);
	CHECK(s >= 0, "retrieve the session again: %s", strerror(-s));
	return s;
}

/*
 * device_vmm_exits: the VMM that resumes first exits half-way, after it
 * retrieved the session, the iommufd and the device, restored the HWPT
 * and bound the device.  Nothing it held is lost: the session goes back
 * to LUO (it cannot finish), and another process retrieves it again,
 * binds the device file (still bound: the same device ID comes back; any
 * other iommufd is refused), gets the same HWPT by its token, and
 * completes the restore.
 */
static int device_vmm_exits(int stage)
{
	struct guest g = { .size = DEV_SIZE };
	struct vfio_pci_device first = { };
	uint32_t ids[2], restored;
	int lu, s, other;
	char bdf[16];
	double us;

	if (stage == 1)
		return device_dma_test(stage, false);
	find_edu(0, false, bdf, sizeof(bdf));
	s = vmm_exits_after_bind(bdf, ids, &lu);

	/* The device file is still bound to the retrieved iommufd only */
	retrieve_device(s, bdf, &first);
	other = iommufd_open();
	CHECK_RET(-EPERM, vfio_pci_device_bind(&first, other));
	close(other);
	close(first.fd);
	close(s);

	s = vmm_resume(lu, SESSION, bdf, VMM_IOMMUFD_MEMFD, &g, &restored);
	CHECK(restored == ids[0], "the HWPT restored by the first VMM was %u, now %u",
	      ids[0], restored);
	CHECK(g.dev.dev_id == ids[1], "the device was bound as %u, now as %u",
	      ids[1], g.dev.dev_id);
	vmm_rebuild(s, &g, restored, &us);
	check_memory(g.memfd, 0, DEV_SIZE, &vmm_landed, "the guest memory");
	guest_dma(&g, AFTER_REPLACE);
	CHECK_RET(0, luo_finish(s));
	vmm_close(&g);
	say("a VMM exited after binding; another took its session over, bound the device again and completed the restore");
	return 0;
}

/*
 * The memfd of session @name (DEV_SIZE) back to the page allocator since
 * MemTotal was @total_kb and free memory @freed_kb: free memory grew by
 * it, less 1 MiB of noise; MemTotal too, unless it had been retrieved (a
 * retrieve counts the pages in MemTotal already).
 */
static void check_memfd_freed(const char *name, long total_kb, long freed_kb,
			      bool retrieved)
{
	total_kb = mem_kb("MemTotal:") - total_kb;
	freed_kb = free_kb() - freed_kb;
	CHECK(retrieved || total_kb >= (long)(DEV_SIZE / 1024),
	      "%s: MemTotal grew by %ld kB, not the %lu kB of the memfd",
	      name, total_kb, DEV_SIZE / 1024);
	CHECK(freed_kb >= (long)(DEV_SIZE / 1024) - 1024,
	      "%s: free memory grew by %ld kB, not the %lu kB of the memfd",
	      name, freed_kb, DEV_SIZE / 1024);
	say("%s: memfd freed, MemTotal +%ld kB, free +%ld kB", name, total_kb,
	    freed_kb);
}

/*
 * device_reaper: the VMM exits half-way as in device_vmm_exits, and a
 * reaper takes its session over to release everything instead of
 * resuming: the device detached (blocked), the restored HWPT destroyed
 * (its page-table pages freed), the session finished (the memfd, never
 * retrieved, freed), the device closed (reset, no longer a bus master),
 * then bound to a DMA API driver.  nr_iommu_pages, MemTotal and the free
 * pages show the memory back; the fault witness, no DMA fault.
 */
static int device_reaper(int stage)
{
	struct vfio_pci_device dev = { };
	uint32_t ids[2], restored;
	long pages, total_kb, freed_kb;
	int lu, s, iommufd;
	char bdf[16];

	if (stage == 1)
		return device_dma_test(stage, false);
	find_edu(0, false, bdf, sizeof(bdf));
	s = vmm_exits_after_bind(bdf, ids, &lu);
	iommufd = luo_retrieve(s, IOMMUFD_TOKEN);
	CHECK(iommufd >= 0, "retrieve the iommufd: %s", strerror(-iommufd));
	retrieve_device(s, bdf, &dev);
	CHECK_RET(0, vfio_pci_device_bind(&dev, iommufd));
	CHECK(dev.dev_id == ids[1], "the device was bound as %u, now as %u",
	      ids[1], dev.dev_id);
	CHECK_RET(0, iommufd_hwpt_lu_restore(iommufd, HWPT_TOKEN, 0,
					     &restored));
	CHECK(restored == ids[0], "the HWPT was restored as %u, now %u",
	      ids[0], restored);

	/* Off the restored HWPT, onto nothing: then it can go */
	CHECK_RET(-EBUSY, iommufd_destroy(iommufd, restored));
	CHECK_RET(-EBUSY, luo_finish(s));
	CHECK_RET(0, vfio_pci_device_detach(&dev));
	total_kb = mem_kb("MemTotal:");
	freed_kb = free_kb();
	pages = iommu_pages();
	CHECK_RET(0, iommufd_destroy(iommufd, restored));
	pages -= iommu_pages();
	CHECK(pages == (long)kmsg_number("restored around its"),
	      "the restored HWPT's destroy freed %ld page-table pages, not the %.0f restored",
	      pages, kmsg_number("restored around its"));
	CHECK_RET(0, luo_finish(s));
	/* The memfd's pages back to the page allocator, and free */
	check_memfd_freed(SESSION, total_kb, freed_kb, false);
	say("reaper: restored HWPT destroyed (%ld page-table pages), session finished",
	    pages);

	vfio_pci_device_close(&dev);
	check_not_master(bdf);
	close(iommufd);
	close(s);
	close(lu);
	check_dma_api_bound(bdf);
	say("a reaper released the session of a VMM that exited: memory back, device free for another driver");
	return 0;
}

/*
 * A VMM's restore flow after the kexec, an action a letter: retrieve the
 * session (s), its files in a vmm_retrieve_order (i, d, m), bind the
 * device (b), restore the HWPT (r), retrieve the memfd (m, again if it was
 * early), build a new IOAS and HWPT mapping it (h), attach the device to
 * that HWPT (a, the replace), destroy the restored HWPT (x); FINISH would
 * be next.  A buffer of VMM_FLOW_MAX holds one.
 */
#define VMM_FLOW_MAX	16

static void vmm_flow(int how, char *flow)
{
	snprintf(flow, VMM_FLOW_MAX, "s%sbrmhax", vmm_retrieve_order[how]);
}

/* What a VMM killed half-way had done, for the reaper that follows it */
struct killed {
	char done[VMM_FLOW_MAX];	/* the actions it completed */
	bool dma;	/* a DMA of its (to KILLED) was in flight as it died */
	long pages;	/* IOMMU page-table pages it left allocated, net */
	/* Before it started: nr_iommu_pages, MemTotal, free memory (kB) */
	long pages_before, total_kb_before, free_kb_before;
};

static bool killed_did(const struct killed *k, char action)
{
	return strchr(k->done, action);
}

/* The first @steps actions of @flow, by a VMM of session @name of edu @bdf */
static void vmm_act(int lu, const char *name, const char *bdf,
		    const char *flow, unsigned int steps, struct guest *g)
{
	uint32_t restored;
	int s = -1, fd;

	for (; steps && *flow; flow++, steps--) {
		switch (*flow) {
		case 's':
			s = luo_retrieve_session(lu, name);
			CHECK(s >= 0, "retrieve session %s: %s", name,
			      strerror(-s));
			break;
		case 'i':
			g->iommufd = luo_retrieve(s, IOMMUFD_TOKEN);
			CHECK(g->iommufd >= 0, "retrieve the iommufd: %s",
			      strerror(-g->iommufd));
			break;
		case 'd':
			retrieve_device(s, bdf, &g->dev);
			break;
		case 'm':
			fd = luo_retrieve(s, MEMFD_TOKEN);
			CHECK(fd >= 0, "retrieve the memfd: %s", strerror(-fd));
			if (g->memfd >= 0)
				close(g->memfd);
			g->memfd = fd;
			break;
		case 'b':
			CHECK_RET(0, vfio_pci_device_bind(&g->dev, g->iommufd));
			break;
		case 'r':
			CHECK_RET(0, iommufd_hwpt_lu_restore(g->iommufd,
							     HWPT_TOKEN, 0,
							     &restored));
			break;
		case 'h':
			CHECK_RET(0, iommufd_ioas_alloc(g->iommufd,
							&g->ioas_id));
			CHECK_RET(0, iommufd_map_file(g->iommufd, g->ioas_id,
						      g->memfd, 0, DEV_SIZE,
						      IOVA));
			CHECK_RET(0, iommufd_hwpt_alloc(g->iommufd,
							g->dev.dev_id,
							g->ioas_id,
							&g->hwpt_id));
			break;
		case 'a':
			CHECK_RET(0, vfio_pci_device_attach(&g->dev,
							    g->hwpt_id));
			break;
		case 'x':
			CHECK_RET(0, iommufd_destroy(g->iommufd, restored));
			break;
		}
	}
}

/*
 * A VMM resuming session @name of edu @bdf, in a child that inherits @lu
 * (/dev/liveupdate opens once at a time), killed (SIGKILL) after the first
 * @steps actions of its flow (vmm_flow(@how)).  If its device was bound by
 * then, a DMA it started (edu -> RAM, the edu's buffer still holding SRC's
 * data, to KILLED) is in flight as it dies; unless its flow was complete:
 * then its death finishes the session (below) and releases the device,
 * which would cut the DMA short, maybe through a blocked domain.  What it
 * had done, into *@k.
 */
static void vmm_killed(int lu, const char *name, const char *bdf, int how,
		       unsigned int steps, struct killed *k)
{
	struct guest g = { .memfd = -1, .iommufd = -1 };
	char flow[VMM_FLOW_MAX];
	int status, pipefd[2];
	long pages;
	pid_t pid;

	vmm_flow(how, flow);
	CHECK(steps <= strlen(flow), "a flow of %zu actions, not %u",
	      strlen(flow), steps);
	memset(k, 0, sizeof(*k));
	snprintf(k->done, sizeof(k->done), "%.*s", (int)steps, flow);
	k->dma = killed_did(k, 'b') && !killed_did(k, 'x');
	k->pages_before = iommu_pages();
	k->total_kb_before = mem_kb("MemTotal:");
	k->free_kb_before = free_kb();

	CHECK(!pipe(pipefd), "pipe: %s", strerror(errno));
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		pages = iommu_pages();
		vmm_act(lu, name, bdf, flow, steps, &g);
		pages = iommu_pages() - pages;
		CHECK(write(pipefd[1], &pages, sizeof(pages)) == sizeof(pages),
		      "write to the pipe");
		if (k->dma) {
			CHECK_RET(0, vfio_pci_device_map_bar0(&g.dev));
			CHECK_RET(0, vfio_dma_init(&g.dev));
			CHECK_RET(0, edu_dma_start(&g.dev, IOVA + KILLED, COPY,
						   true));
		}
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	close(pipefd[1]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	      WTERMSIG(status) == SIGKILL,
	      "the VMM of %s was not killed after '%s' (status %#x)", name,
	      k->done, status);
	CHECK(read(pipefd[0], &k->pages, sizeof(k->pages)) ==
	      sizeof(k->pages), "the VMM of %s died before '%s'", name,
	      k->done);
	close(pipefd[0]);
}

/*
 * A reaper takes session @name over after its VMM was killed (*@k): the
 * session retrieved again, its iommufd and device, the device bound (again,
 * if the VMM had), the DMA the VMM left in flight waited for; the restored
 * HWPT by its token into *@restored, or 0 if the VMM had destroyed it
 * (ENOENT).  Returns the session.
 */
static int reaper_take(int lu, const char *name, const char *bdf,
		       const struct killed *k, struct guest *g,
		       uint32_t *restored)
{
	int s = luo_retrieve_session(lu, name), ret;

	CHECK(s >= 0, "retrieve session %s again: %s", name, strerror(-s));
	g->iommufd = luo_retrieve(s, IOMMUFD_TOKEN);
	CHECK(g->iommufd >= 0, "retrieve the iommufd again: %s",
	      strerror(-g->iommufd));
	retrieve_device(s, bdf, &g->dev);
	CHECK_RET(0, vfio_pci_device_bind(&g->dev, g->iommufd));
	CHECK_RET(0, vfio_pci_device_map_bar0(&g->dev));
	CHECK_RET(0, edu_dma_wait(&g->dev, 5000));
	CHECK_RET(0, vfio_dma_init(&g->dev));
	ret = iommufd_hwpt_lu_restore(g->iommufd, HWPT_TOKEN, 0, restored);
	CHECK(ret == (killed_did(k, 'x') ? -ENOENT : 0),
	      "%s: the restore after '%s' returned %d", name, k->done, ret);
	if (ret)
		*restored = 0;
	return s;
}

/* The copies that landed in the memory of a VMM killed as *@k says */
static void killed_landed(const struct killed *k, struct landed *l)
{
	*l = (struct landed){ 2, { DST, IN_FLIGHT } };
	if (k->dma)
		l->dst[l->n++] = KILLED;
}

/*
 * The reaper completes the restore of session @name, whose VMM was killed
 * (*@k), as the VMM would have: the memfd, every byte, on a new HWPT, the
 * restored one destroyed, a copy landing, the session finished.
 */
static void reaper_completes(int lu, const char *name, const char *bdf,
			     const struct killed *k)
{
	struct guest g = { .size = DEV_SIZE };
	struct landed l;
	uint32_t restored;
	int s = reaper_take(lu, name, bdf, k, &g, &restored);
	double us;

	killed_landed(k, &l);
	vmm_rebuild(s, &g, restored, &us);
	check_memory(g.memfd, 0, DEV_SIZE, &l, name);
	guest_dma(&g, AFTER_REPLACE);
	CHECK_RET(0, luo_finish(s));
	vmm_close(&g);
	close(s);
}

/*
 * The reaper releases everything of session @name, whose VMM was killed
 * (*@k): the device detached (blocked), the restored HWPT destroyed if the
 * VMM had not, the session finished, the device closed (reset, no longer
 * a bus master), the iommufd closed with whatever the VMM built in it;
 * then the device binds to a DMA API driver.  If the VMM's DMA was in
 * flight, the memfd is checked first (it landed).  What the flow held
 * comes back: exactly the page-table pages the restored HWPT had and the
 * VMM added, and the memfd's pages, free (and in MemTotal, if nobody had
 * retrieved it: the session's FINISH frees it).
 */
static void reaper_releases(int lu, const char *name, const char *bdf,
			    const struct killed *k)
{
	long pages = iommu_pages(), total_kb = mem_kb("MemTotal:");
	long freed_kb = free_kb(), restored_pages;
	struct guest g = { .size = DEV_SIZE };
	uint32_t restored;
	struct landed l;
	int s;

	restored_pages = killed_did(k, 'x') ? 0 :
			 (long)kmsg_number("restored around its");
	s = reaper_take(lu, name, bdf, k, &g, &restored);
	if (k->dma) {
		killed_landed(k, &l);
		close(check_memfd(s, DEV_SIZE, &l));
	}
	CHECK_RET(0, vfio_pci_device_detach(&g.dev));
	if (restored)
		CHECK_RET(0, iommufd_destroy(g.iommufd, restored));
	CHECK_RET(0, luo_finish(s));
	vfio_pci_device_close(&g.dev);
	close(g.iommufd);
	close(s);

	check_not_master(bdf);
	pages -= iommu_pages();
	CHECK(pages == restored_pages + k->pages,
	      "%s: the release freed %ld page-table pages, not the %ld restored and %ld the VMM added",
	      name, pages, restored_pages, k->pages);
	check_memfd_freed(name, total_kb, freed_kb, killed_did(k, 'm'));
	check_dma_api_bound(bdf);
}

/*
 * A VMM killed after its flow was complete (*@k: the restored HWPT
 * destroyed) left nothing to reap: nothing stopped its session from
 * finishing, and a retrieved session whose fd is closed is finished, as
 * upstream's LUO does.  Its files then went as any exiting VMM's do, so
 * RETRIEVE_SESSION fails with ENOENT, the device is released (no longer a
 * bus master; a DMA API driver binds to it), and everything the restore
 * held is back since before the VMM started: the restored HWPT's
 * page-table pages and what the VMM built, the memfd's pages.
 */
static void check_finished_by_death(int lu, const char *name,
				    const char *bdf, const struct killed *k)
{
	long restored_pages = (long)kmsg_number("restored around its");
	long pages;

	CHECK_RET(-ENOENT, luo_retrieve_session(lu, name));
	check_not_master(bdf);
	pages = k->pages_before - iommu_pages();
	CHECK(pages == restored_pages,
	      "%s: %ld page-table pages freed since its VMM started, not the %ld restored",
	      name, pages, restored_pages);
	check_memfd_freed(name, k->total_kb_before, k->free_kb_before, false);
	check_dma_api_bound(bdf);
}

#define NR_VMS	4

/*
 * device_four_vms: four VMMs, each with its edu device, memfd and iommufd
 * in a session of its own, every HWPT marked with the same token (tokens
 * are names within one iommufd); all four preserved with a DMA in flight.
 * The next kernel resumes them one after the other, each retrieving its
 * files in another order (with device-dma's and device-vmm-exits', every
 * order of the three; a memfd retrieved early is closed at once), and
 * checks each one's memory and DMA: no VM is disturbed by another's
 * restore, nor given another's domain.  The VMM of vm1, second to resume,
 * is killed half-way (its new HWPT built, the device not yet moved onto
 * it; vmm_killed()): the two after it resume as if nothing happened, and
 * a reaper releases vm1 at the end (reaper_releases()).
 */
static int device_four_vms(int stage)
{
	static const int order[NR_VMS] = { 3, 1, 0, 2 };
	static const int how[NR_VMS] = {
		VMM_MEMFD_DEVICE, VMM_DEVICE_MEMFD, VMM_DEVICE_IOMMUFD,
		VMM_MEMFD_IOMMUFD,
	};
	const int killed_vm = 1, killed_after = 8;	/* "sdmibrmh" */
	struct guest g[NR_VMS] = { };
	uint32_t restored;
	char bdf[16], name[8];
	int lu = open_lu(), i, s;
	struct killed k;
	double us;

	if (stage == 1) {
		for (i = 0; i < NR_VMS; i++) {
			find_edu(i, false, bdf, sizeof(bdf));
			snprintf(name, sizeof(name), "vm%d", i);
			guest_up(&g[i], bdf, guest_memory(DEV_SIZE), DEV_SIZE);
			preserve_device_in(lu, &g[i], name, NULL);
		}
		load_next_kernel();
		say("four VMs preserved in four sessions; a DMA of each lands during the kexec");
		for (i = 0; i < NR_VMS; i++)
			CHECK_RET(0, vfio_dma_memcpy_start(&g[i].dev,
							   IOVA + SRC,
							   IOVA + IN_FLIGHT,
							   COPY));
		kexec_now(stage);
	}

	for (i = 0; i < NR_VMS; i++) {
		struct guest *vm = &g[order[i]];

		find_edu(order[i], false, bdf, sizeof(bdf));
		snprintf(name, sizeof(name), "vm%d", order[i]);
		if (order[i] == killed_vm) {
			vmm_killed(lu, name, bdf, how[killed_vm], killed_after,
				   &k);
			say("%s (%s): its VMM killed after '%s'", name, bdf,
			    k.done);
			continue;
		}
		vm->size = DEV_SIZE;
		s = vmm_resume(lu, name, bdf, how[order[i]], vm, &restored);
		vmm_rebuild(s, vm, restored, &us);
		check_memory(vm->memfd, 0, DEV_SIZE, &vmm_landed, name);
		guest_dma(vm, AFTER_REPLACE);
		CHECK_RET(0, luo_finish(s));
		close(s);
		say("%s (%s) resumed, its memory and DMA checked", name, bdf);
	}
	find_edu(killed_vm, false, bdf, sizeof(bdf));
	snprintf(name, sizeof(name), "vm%d", killed_vm);
	reaper_releases(lu, name, bdf, &k);
	say("%s released by a reaper; the other three ran on undisturbed",
	    name);
	for (i = 0; i < NR_VMS; i++)
		if (i != killed_vm)
			vmm_close(&g[i]);
	return 0;
}

#define CHAIN_SIZE	(256 * MB)
#define CHAIN_STAGES	6	/* five kexecs */

/* Where kernel @k of the chain writes: by the CPU, by the device */
static off_t chain_cpu(int k)
{
	return (k * 37 * MB) % (200 * MB) + k * PAGE;
}

static off_t chain_src(int k)
{
	return k * 11 * MB + 0x10 * k;
}

static off_t chain_dst(int k)
{
	return k * 13 * MB + 0x345 * k;
}

/* ...and where its copy in flight at the reboot lands */
static off_t chain_in_flight(int k)
{
	return k * 17 * MB + 0x901 * k;
}

/*
 * A hash (FNV-1a over 64-bit words) of the @size bytes of @memfd as they
 * are once a copy of @len bytes from @src has landed at @dst: the bytes at
 * @src are hashed at @dst, landed or not.
 */
static uint64_t chain_hash(int memfd, size_t size, off_t src, off_t dst,
			   size_t len)
{
	static uint64_t buf[MB / 8];
	static char copy[COPY];
	uint64_t h = 0xcbf29ce484222325ULL;
	off_t off, lo, hi;
	size_t i;

	CHECK(len <= COPY && pread(memfd, copy, len, src) == (ssize_t)len,
	      "pread: %s", strerror(errno));
	for (off = 0; off < (off_t)size; off += MB) {
		CHECK(pread(memfd, buf, MB, off) == MB, "pread: %s",
		      strerror(errno));
		lo = dst > off ? dst : off;
		hi = dst + (off_t)len < off + (off_t)MB ? dst + (off_t)len :
							  off + (off_t)MB;
		if (lo < hi)
			memcpy((char *)buf + (lo - off), copy + (lo - dst),
			       hi - lo);
		for (i = 0; i < MB / 8; i++) {
			h ^= buf[i];
			h *= 0x100000001b3ULL;
		}
	}
	return h;
}

/* What kernel @k of the chain handed on (lu_chain<k>=HASH,KB,PAGES,KB) */
struct chain_link {
	uint64_t hash;		/* of the guest memory, as it went */
	long total_kb;		/* MemTotal once the guest was taken back */
	long iommu_pages;	/* nr_iommu_pages then */
	long free_kb;		/* free memory then */
};

static void chain_link(int k, struct chain_link *l)
{
	unsigned long long hash;
	char key[16];

	snprintf(key, sizeof(key), "lu_chain%d", k);
	CHECK(sscanf(cmdline_arg(key), "%llx,%ld,%ld,%ld", &hash,
		     &l->total_kb, &l->iommu_pages, &l->free_kb) == 4,
	      "no %s= on the command line", key);
	l->hash = hash;
}

/*
 * Kernel @k of the chain takes the guest back as a VMM does (restored
 * HWPT, then the memfd on a new HWPT, the restored one destroyed, the
 * session finished), and checks that its memory hashes as the previous
 * kernel said it would; then the counters of *@l, measured.
 */
static void chain_resume(int lu, const char *bdf, int k, struct guest *g,
			 struct chain_link *l)
{
	struct chain_link prev;
	uint32_t restored;
	double us;
	int s = retrieve_vmm(lu);

	g->size = CHAIN_SIZE;
	g->iommufd = luo_retrieve(s, IOMMUFD_TOKEN);
	CHECK(g->iommufd >= 0, "retrieve the iommufd: %s",
	      strerror(-g->iommufd));
	retrieve_device(s, bdf, &g->dev);
	CHECK_RET(0, vfio_pci_device_bind(&g->dev, g->iommufd));
	CHECK_RET(0, iommufd_hwpt_lu_restore(g->iommufd, HWPT_TOKEN, 0,
					     &restored));
	vmm_rebuild(s, g, restored, &us);
	CHECK_RET(0, luo_finish(s));
	close(s);
	CHECK_RET(0, vfio_pci_device_map_bar0(&g->dev));
	CHECK_RET(0, vfio_dma_init(&g->dev));

	chain_link(k - 1, &prev);
	l->hash = chain_hash(g->memfd, CHAIN_SIZE, 0, 0, 0);
	CHECK(l->hash == prev.hash,
	      "kernel %d: the guest memory hashes to %llx, kernel %d's to %llx: bytes lost",
	      k, (unsigned long long)l->hash, k - 1,
	      (unsigned long long)prev.hash);
	l->total_kb = mem_kb("MemTotal:");
	l->iommu_pages = iommu_pages();
	l->free_kb = free_kb();
}

/* Kernel @k of the chain changes some guest memory: by the CPU, by DMA */
static void chain_mutate(struct guest *g, int k)
{
	static char src[COPY], got[COPY];

	fill(g->memfd, chain_cpu(k), MB, SEED + k);
	CHECK_RET(0, vfio_dma_memcpy(&g->dev, IOVA + chain_src(k),
				     IOVA + chain_dst(k), COPY));
	CHECK(pread(g->memfd, src, COPY, chain_src(k)) == COPY &&
	      pread(g->memfd, got, COPY, chain_dst(k)) == COPY, "pread: %s",
	      strerror(errno));
	CHECK(!memcmp(src, got, COPY), "kernel %d: the copy did not land", k);
}

#define CHAIN_FREE_SLACK_KB	2048

/*
 * The counters after the guest was taken back, kernel by kernel, once
 * the chain is done: what a live update leaks, it leaks every time, so
 * four updates show it four times.  nr_iommu_pages must be the same in
 * every kernel.  MemTotal must be within KEXEC_TOTAL_SLACK_KB of kernel
 * 2's (one page leaked per update would be four by kernel 6).  Free
 * memory, which slabs and per-CPU lists move by some 100 kB, must not
 * drop by CHAIN_FREE_SLACK_KB from kernel 2's.
 */
static void chain_counters(const struct chain_link *last)
{
	struct chain_link first, l;
	int k;

	chain_link(2, &first);
	for (k = 2; k <= CHAIN_STAGES; k++) {
		if (k < CHAIN_STAGES)
			chain_link(k, &l);
		else
			l = *last;
		say("kernel %d: MemTotal %ld kB (%+ld kB from kernel 2), nr_iommu_pages %ld, free %ld kB (%+ld kB)",
		    k, l.total_kb, l.total_kb - first.total_kb, l.iommu_pages,
		    l.free_kb, l.free_kb - first.free_kb);
		CHECK(labs(l.total_kb - first.total_kb) <= KEXEC_TOTAL_SLACK_KB,
		      "kernel %d: MemTotal %ld kB, kernel 2's %ld kB",
		      k, l.total_kb, first.total_kb);
		CHECK(l.iommu_pages == first.iommu_pages,
		      "kernel %d: nr_iommu_pages %ld, kernel 2's %ld",
		      k, l.iommu_pages, first.iommu_pages);
		CHECK(l.free_kb >= first.free_kb - CHAIN_FREE_SLACK_KB,
		      "kernel %d: free memory %ld kB, kernel 2's %ld kB",
		      k, l.free_kb, first.free_kb);
	}
}

/*
 * device_chain: five live updates in a row carry a 256 MiB guest and its
 * device.  Every kernel takes the guest back (chain_resume(): every byte,
 * by a hash the previous kernel passed on its command line), changes
 * part of its memory by the CPU and by the device's DMA (chain_mutate()),
 * preserves it again and reboots with a copy in flight, which the hash
 * counts.  The last kernel compares the counters of kernels 2 to 6
 * (chain_counters()); no fault.
 */
static int device_chain(int stage)
{
	struct guest g = { };
	struct chain_link l = { };
	char bdf[16], arg[128];
	int lu = open_lu();

	find_edu(0, false, bdf, sizeof(bdf));
	if (stage == 1) {
		guest_up(&g, bdf, guest_memory(CHAIN_SIZE), CHAIN_SIZE);
	} else {
		chain_resume(lu, bdf, stage, &g, &l);
		if (stage == CHAIN_STAGES) {
			chain_counters(&l);
			vmm_close(&g);
			say("five live updates: no byte lost, the counters steady");
			return 0;
		}
	}
	chain_mutate(&g, stage);
	preserve_device(lu, &g, NULL);
	l.hash = chain_hash(g.memfd, CHAIN_SIZE, SRC, chain_in_flight(stage),
			    COPY);
	snprintf(arg, sizeof(arg), "lu_chain%d=%llx,%ld,%ld,%ld", stage,
		 (unsigned long long)l.hash, l.total_kb, l.iommu_pages,
		 l.free_kb);
	load_next_kernel_with(arg);
	CHECK_RET(0, vfio_dma_memcpy_start(&g.dev, IOVA + SRC,
					   IOVA + chain_in_flight(stage),
					   COPY));
	kexec_now(stage);
}

/*
 * device_unretrieved: nobody takes the guest back, and the next kexec
 * frees it all.  Stage 1 only kexecs, so that stage 2 is a kexec'd kernel
 * carrying nothing: its MemTotal and nr_iommu_pages are the baseline,
 * passed on the command line (lu_plain=KB,PAGES).  Stage 2 preserves a
 * guest with a DMA in flight.  In stage 3 nobody retrieves anything: the
 * device is held (its cdev EBUSY, a DMA API driver refused) and MemTotal
 * lacks the memfd.  Stage 3 kexecs carrying nothing.  In stage 4 the
 * counters are back to the baseline: nr_iommu_pages exactly, MemTotal
 * within a page (KEXEC_TOTAL_SLACK_KB; the memfd alone is 64 MiB); the
 * device has no driver, is no longer a bus master, and is blocked: made
 * one again through sysfs, its DMA faults (1 fault); a DMA API driver
 * binds to it, and so does vfio-pci, whose cdev opens.
 */
static int device_unretrieved(int stage)
{
	struct guest g = { };
	long total_kb, pages;
	char bdf[16], arg[64];
	int lu, cdev;
	uint16_t cmd;

	if (stage == 1)
		return NEXT_STAGE;
	find_edu(0, false, bdf, sizeof(bdf));
	if (stage == 2) {
		snprintf(arg, sizeof(arg), "lu_plain=%ld,%ld",
			 mem_kb("MemTotal:"), iommu_pages());
		lu = open_lu();
		guest_up(&g, bdf, guest_memory(DEV_SIZE), DEV_SIZE);
		preserve_device(lu, &g, NULL);
		load_next_kernel_with(arg);
		CHECK_RET(0, vfio_dma_memcpy_start(&g.dev, IOVA + SRC,
						   IOVA + IN_FLIGHT, COPY));
		kexec_now(stage);
	}

	CHECK(sscanf(cmdline_arg("lu_plain"), "%ld,%ld", &total_kb, &pages) ==
	      2, "no lu_plain= on the command line");
	if (stage == 3) {
		cdev = open_cdev(bdf);
		CHECK(cdev == -EBUSY, "%s held for its session: its cdev opened (%d)",
		      bdf, cdev);
		check_dma_api_refused(bdf);
		CHECK(mem_kb("MemTotal:") <= total_kb - (long)(DEV_SIZE / 1024),
		      "MemTotal %ld kB with the memfd preserved, %ld kB without",
		      mem_kb("MemTotal:"), total_kb);
		say("nobody retrieves %s, its memfd or its iommufd", bdf);
		return NEXT_STAGE;
	}

	CHECK(labs(mem_kb("MemTotal:") - total_kb) <= KEXEC_TOTAL_SLACK_KB,
	      "MemTotal %ld kB after the unretrieved session, %ld kB before it",
	      mem_kb("MemTotal:"), total_kb);
	CHECK(iommu_pages() == pages,
	      "nr_iommu_pages %ld after the unretrieved session, %ld before it",
	      iommu_pages(), pages);
	check_driver(bdf, "");
	CHECK_RET(0, vfio_pci_read_command(bdf, &cmd));
	CHECK(!(cmd & PCI_COMMAND_MASTER),
	      "%s unretrieved is still a bus master after the next kexec", bdf);
	CHECK_RET(0, vfio_pci_write_command(bdf, cmd | PCI_COMMAND_MEMORY |
					    PCI_COMMAND_MASTER));
	blocked_dma(bdf, BLOCKED);
	check_dma_api_bound(bdf);
	check_cdev_opens(bdf);
	say("the kexec after the unretrieved session freed it all; %s was blocked, then bound as any device",
	    bdf);
	return 0;
}

/*
 * Fault injection (fail_nth, as tools/testing/selftests/iommu's
 * iommufd_fail_nth): any allocation of the calling thread may be made to
 * fail, slab or page, order 0 included, quietly.
 */
static void fault_injection_setup(void)
{
	static const char *const attrs[][2] = {
		{ "failslab/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "fail_page_alloc/min-order", "0" },
	};
	char path[300];
	struct dirent *d;
	size_t i;
	DIR *dir;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s",
			 attrs[i][0]);
		write_knob(path, attrs[i][1]);
	}
	/* Every fault attribute quiet, iommufd's own (IOMMUFD_TEST) too */
	dir = opendir("/sys/kernel/debug");
	CHECK(dir, "/sys/kernel/debug: %s", strerror(errno));
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "fail", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/verbose",
			 d->d_name);
		if (!access(path, W_OK))
			write_knob(path, "0");
	}
	closedir(dir);
}

/* This thread's fail-nth, kept open: opening it allocates */
static int fail_nth_fd = -1;

/*
 * Arm it: the @n-th fault-injectable call of this thread from now on
 * fails
 */
static void fail_nth_arm(unsigned int n)
{
	char val[16];
	int len = snprintf(val, sizeof(val), "%u", n);

	if (fail_nth_fd < 0)
		fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	CHECK(fail_nth_fd >= 0, "fail-nth: %s", strerror(errno));
	CHECK(pwrite(fail_nth_fd, val, len, 0) == len, "fail-nth: %s",
	      strerror(errno));
}

/* Disarm it; whether the failure it was armed for was injected */
static bool fail_nth_fired(void)
{
	char val[16] = "";
	ssize_t n = pread(fail_nth_fd, val, sizeof(val) - 1, 0);

	CHECK(pwrite(fail_nth_fd, "0", 1, 0) == 1, "fail-nth: %s",
	      strerror(errno));
	CHECK(n > 0, "fail-nth: %s", strerror(errno));
	return atoi(val) == 0;
}

/*
 * kmemleak (booted with kmemleak=on): forget what it suspects now, then,
 * at the end, report what became unreferenced since (objects younger than
 * its minimum age of 5 s are not reported: wait that long first)
 */
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

static void kmemleak_start(void)
{
	write_knob(KMEMLEAK, "scan");
	write_knob(KMEMLEAK, "clear");
}

static void kmemleak_check(const char *when)
{
	static char buf[4096];
	ssize_t n;
	int fd;

	sleep(6);
	write_knob(KMEMLEAK, "scan");
	fd = open(KMEMLEAK, O_RDONLY);
	CHECK(fd >= 0, "%s: %s", KMEMLEAK, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	CHECK(n == 0, "kmemleak, %s:\n%.*s", when, (int)(n > 0 ? n : 0), buf);
}

/* What the fail_nth sweeps work on */
struct fn_ctx {
	struct guest g;
	int lu, s;
	uint32_t restored;
};

/* A step of the preserve or of the restore flow, swept by fail_nth */
struct fn_step {
	const char *name;
	int (*run)(struct fn_ctx *c);		/* 0 or -errno */
	/*
	 * After a run that worked though a failure was injected (absorbed):
	 * undo it, for the sweep to go on; NULL if the step, done, cannot
	 * be run again (the sweep ends there)
	 */
	void (*undo)(struct fn_ctx *c);
};

/*
 * Run @step with its n-th fault-injectable call failing, n = 1, 2, ...,
 * until it runs through without reaching the n-th, which must work: every
 * injected failure returns an errno, or is absorbed (the step worked; it
 * is undone), and the step is retried after each.  Reports the failures
 * injected, and how many returned an errno.
 */
static void fn_sweep(const struct fn_step *step, struct fn_ctx *c)
{
	unsigned int n, errs = 0;
	bool fired;
	int ret;

	for (n = 1; n < 2000; n++) {
		fail_nth_arm(n);
		ret = step->run(c);
		fired = fail_nth_fired();
		if (!fired) {
			CHECK(!ret, "%s, run without a failure: %s", step->name,
			      strerror(-ret));
			break;
		}
		CHECK(ret <= 0, "%s returned %d", step->name, ret);
		if (ret) {
			errs++;
			continue;
		}
		if (!step->undo) {
			n++;
			break;
		}
		step->undo(c);
	}
	CHECK(n < 2000, "%s: still failing after %u failures", step->name, n);
	say("fail_nth %s: %u failures injected, %u returned an errno, then it worked",
	    step->name, n - 1, errs);
}

static int fn_ret(int ret)
{
	return ret < 0 ? ret : 0;
}

/* The preserve (stage 1): the session, its files, then the reboot */
static int fn_create(struct fn_ctx *c)
{
	c->s = luo_create_session(c->lu, SESSION);
	return fn_ret(c->s);
}

static void fn_close_session(struct fn_ctx *c)
{
	close(c->s);
}

static int fn_preserve_memfd(struct fn_ctx *c)
{
	return luo_preserve(c->s, c->g.memfd, MEMFD_TOKEN);
}

static int fn_preserve_iommufd(struct fn_ctx *c)
{
	return luo_preserve(c->s, c->g.iommufd, IOMMUFD_TOKEN);
}

static int fn_preserve_device(struct fn_ctx *c)
{
	return luo_preserve(c->s, c->g.dev.fd, DEVICE_TOKEN);
}

/* A new session, with the first @n files of the three preserved again */
static void fn_renew(struct fn_ctx *c, int n)
{
	close(c->s);
	CHECK_RET(0, fn_create(c));
	if (n > 0)
		CHECK_RET(0, fn_preserve_memfd(c));
	if (n > 1)
		CHECK_RET(0, fn_preserve_iommufd(c));
}

static void fn_unpreserve_memfd(struct fn_ctx *c)
{
	fn_renew(c, 0);
}

static void fn_unpreserve_iommufd(struct fn_ctx *c)
{
	fn_renew(c, 1);
}

static void fn_unpreserve_device(struct fn_ctx *c)
{
	fn_renew(c, 2);
}

/* Up to the freeze of a test file preserved last, which fails (EAGAIN) */
static int fn_reboot(struct fn_ctx *c)
{
	if (reboot(LINUX_REBOOT_CMD_KEXEC) && errno == EAGAIN)
		return 0;
	return -errno;
}

static void fn_nothing(struct fn_ctx *c)
{
}

/* The restore (stage 2), in the order a VMM goes */
static int fn_retrieve_session(struct fn_ctx *c)
{
	c->s = luo_retrieve_session(c->lu, SESSION);
	return fn_ret(c->s);
}

static int fn_retrieve_iommufd(struct fn_ctx *c)
{
	c->g.iommufd = luo_retrieve(c->s, IOMMUFD_TOKEN);
	return fn_ret(c->g.iommufd);
}

static void fn_close_iommufd(struct fn_ctx *c)
{
	close(c->g.iommufd);
}

static int fn_retrieve_device(struct fn_ctx *c)
{
	c->g.dev.fd = luo_retrieve(c->s, DEVICE_TOKEN);
	return fn_ret(c->g.dev.fd);
}

static void fn_close_device(struct fn_ctx *c)
{
	close(c->g.dev.fd);
}

static int fn_bind(struct fn_ctx *c)
{
	return vfio_pci_device_bind(&c->g.dev, c->g.iommufd);
}

static int fn_restore(struct fn_ctx *c)
{
	return iommufd_hwpt_lu_restore(c->g.iommufd, HWPT_TOKEN, 0,
				       &c->restored);
}

static int fn_retrieve_memfd(struct fn_ctx *c)
{
	c->g.memfd = luo_retrieve(c->s, MEMFD_TOKEN);
	return fn_ret(c->g.memfd);
}

static void fn_close_memfd(struct fn_ctx *c)
{
	close(c->g.memfd);
}

static int fn_ioas_alloc(struct fn_ctx *c)
{
	return iommufd_ioas_alloc(c->g.iommufd, &c->g.ioas_id);
}

static void fn_ioas_destroy(struct fn_ctx *c)
{
	CHECK_RET(0, iommufd_destroy(c->g.iommufd, c->g.ioas_id));
}

static int fn_map_file(struct fn_ctx *c)
{
	return iommufd_map_file(c->g.iommufd, c->g.ioas_id, c->g.memfd, 0,
				DEV_SIZE, IOVA);
}

static void fn_unmap(struct fn_ctx *c)
{
	CHECK_RET(0, iommufd_unmap(c->g.iommufd, c->g.ioas_id, IOVA,
				   DEV_SIZE));
}

static int fn_hwpt_alloc(struct fn_ctx *c)
{
	return iommufd_hwpt_alloc(c->g.iommufd, c->g.dev.dev_id, c->g.ioas_id,
				  &c->g.hwpt_id);
}

static void fn_hwpt_destroy(struct fn_ctx *c)
{
	CHECK_RET(0, iommufd_destroy(c->g.iommufd, c->g.hwpt_id));
}

static int fn_replace(struct fn_ctx *c)
{
	return vfio_pci_device_attach(&c->g.dev, c->g.hwpt_id);
}

static int fn_destroy_restored(struct fn_ctx *c)
{
	return iommufd_destroy(c->g.iommufd, c->restored);
}

static int fn_finish(struct fn_ctx *c)
{
	return luo_finish(c->s);
}

static const struct fn_step fn_preserve_steps[] = {
	{ "CREATE_SESSION", fn_create, fn_close_session },
	{ "PRESERVE_FD(memfd)", fn_preserve_memfd, fn_unpreserve_memfd },
	{ "PRESERVE_FD(iommufd)", fn_preserve_iommufd, fn_unpreserve_iommufd },
	{ "PRESERVE_FD(device)", fn_preserve_device, fn_unpreserve_device },
};

static const struct fn_step fn_reboot_step = {
	"reboot (freeze)", fn_reboot, fn_nothing
};

static const struct fn_step fn_restore_steps[] = {
	{ "RETRIEVE_SESSION", fn_retrieve_session, fn_close_session },
	{ "RETRIEVE_FD(iommufd)", fn_retrieve_iommufd, fn_close_iommufd },
	{ "RETRIEVE_FD(device)", fn_retrieve_device, fn_close_device },
	/* Restore first: it makes the HWPT, which the bind then finds */
	{ "IOMMU_HWPT_LIVEUPDATE_RESTORE", fn_restore, NULL },
	{ "VFIO_DEVICE_BIND_IOMMUFD", fn_bind, NULL },
	{ "RETRIEVE_FD(memfd)", fn_retrieve_memfd, fn_close_memfd },
	{ "IOMMU_IOAS_ALLOC", fn_ioas_alloc, fn_ioas_destroy },
	{ "IOMMU_IOAS_MAP_FILE", fn_map_file, fn_unmap },
	{ "IOMMU_HWPT_ALLOC", fn_hwpt_alloc, fn_hwpt_destroy },
	{ "VFIO_DEVICE_ATTACH_IOMMUFD_PT (replace)", fn_replace, NULL },
	{ "IOMMU_DESTROY (restored HWPT)", fn_destroy_restored, NULL },
	{ "FINISH", fn_finish, NULL },
};

#define FN_STOP_TAG	0x77	/* the test file whose freeze fails */

/*
 * device_fail_nth (booted with kmemleak=on, and memory allocation
 * profiling off as for iommufd-fail-nth): every allocation of the preserve
 * and of the restore flow failed in turn (fn_sweep()), slab or page.
 * Stage 1 sweeps CREATE_SESSION and PRESERVE_FD of memfd, iommufd and
 * device, then the reboot: a session created last holds a LIVEUPDATE_TEST
 * file whose freeze fails, so that each reboot fails, with the injected
 * error or at that file (EAGAIN), after the VMM's files froze; each time
 * everything is unfrozen, and a DMA lands.  Then kmemleak has nothing to
 * report, and the reboot goes through.  Stage 2 sweeps every step of a
 * VMM's restore; every byte and a DMA are checked, all is closed, and
 * kmemleak has nothing to report.  No fault.
 */
static int device_fail_nth(int stage)
{
	struct fn_ctx c = { .g = { .size = DEV_SIZE } };
	char bdf[16];
	size_t i;
	int stop, fd;

	c.lu = open_lu();
	find_edu(0, false, bdf, sizeof(bdf));
	fault_injection_setup();
	if (stage == 2) {
		kmemleak_start();
		snprintf(c.g.dev.bdf, sizeof(c.g.dev.bdf), "%s", bdf);
		c.g.dev.iommufd = -1;
		for (i = 0; i < ARRAY_SIZE(fn_restore_steps); i++)
			fn_sweep(&fn_restore_steps[i], &c);
		CHECK_RET(0, vfio_pci_device_map_bar0(&c.g.dev));
		CHECK_RET(0, vfio_dma_init(&c.g.dev));
		check_memory(c.g.memfd, 0, DEV_SIZE, &dma_landed,
			     "the guest memory");
		guest_dma(&c.g, AFTER_REPLACE);
		close(c.s);
		vmm_close(&c.g);
		kmemleak_check("after the restore's sweeps, all closed");
		return 0;
	}

	guest_up(&c.g, bdf, guest_memory(DEV_SIZE), DEV_SIZE);
	CHECK_RET(0, iommufd_hwpt_lu_mark(c.g.iommufd, c.g.hwpt_id,
					  HWPT_TOKEN));
	kmemleak_start();
	for (i = 0; i < ARRAY_SIZE(fn_preserve_steps); i++)
		fn_sweep(&fn_preserve_steps[i], &c);

	stop = luo_create_session(c.lu, "stop");
	CHECK(stop >= 0, "create session stop: %s", strerror(-stop));
	fd = luo_test_file(0, FN_STOP_TAG);
	CHECK(fd >= 0, "test file: %s", strerror(-fd));
	CHECK_RET(0, luo_preserve(stop, fd, 1));
	close(fd);
	CHECK_RET(0, luo_knob("fail_freeze", FN_STOP_TAG));
	load_next_kernel();
	fn_sweep(&fn_reboot_step, &c);
	guest_dma(&c.g, DST);
	CHECK_RET(0, luo_knob("fail_freeze", 0));
	close(stop);
	kmemleak_check("after the preserve's and the reboot's sweeps");

	CHECK_RET(0, vfio_dma_memcpy_start(&c.g.dev, IOVA + SRC,
					   IOVA + IN_FLIGHT, COPY));
	kexec_now(stage);
}

#define CRASH_VMS	6
#define CRASH_STEPS	9	/* vmm_flow(VMM_IOMMUFD_DEVICE): "sidbrmhax" */
#define CRASH_CASES	(2 * CRASH_STEPS)
#define CRASH_STAGES	(1 + CRASH_CASES / CRASH_VMS)

/*
 * Case @c of device_crash_steps, for the VM of session @name, edu @bdf:
 * its VMM killed after step @c / 2 + 1 of its flow, then a reaper
 * completes (@c even) or releases (@c odd) its restore; after the last
 * step, its death finished the session; the last case is a VMM never
 * killed, which resumes as if nothing had happened to the others.
 */
static void crash_case(int lu, unsigned int c, const char *name,
		       const char *bdf)
{
	struct guest g = { .size = DEV_SIZE };
	unsigned int step = c / 2 + 1;
	uint32_t restored;
	struct killed k;
	double us;
	int s;

	if (c == CRASH_CASES - 1) {
		s = vmm_resume(lu, name, bdf, VMM_IOMMUFD_DEVICE, &g,
			       &restored);
		vmm_rebuild(s, &g, restored, &us);
		check_memory(g.memfd, 0, DEV_SIZE, &vmm_landed, name);
		guest_dma(&g, AFTER_REPLACE);
		CHECK_RET(0, luo_finish(s));
		vmm_close(&g);
		close(s);
		say("%s: its VMM, never killed, resumed undisturbed", name);
		return;
	}
	vmm_killed(lu, name, bdf, VMM_IOMMUFD_DEVICE, step, &k);
	if (step == CRASH_STEPS) {
		check_finished_by_death(lu, name, bdf, &k);
		say("%s: its VMM killed after '%s': the session finished as it died, the device released",
		    name, k.done);
		return;
	}
	if (c % 2)
		reaper_releases(lu, name, bdf, &k);
	else
		reaper_completes(lu, name, bdf, &k);
	say("%s: its VMM killed after '%s'%s; a reaper %s", name, k.done,
	    k.dma ? " with a DMA in flight" : "",
	    c % 2 ? "released everything" : "completed the restore");
}

/*
 * device_crash_steps: a VMM killed (SIGKILL) after each step of its
 * restore flow (vmm_flow(): after RETRIEVE_SESSION, after each
 * RETRIEVE_FD, the bind, the restore, the new HWPT built, the replace),
 * and a reaper that takes its session over and either completes the
 * restore or releases everything: both endings for every step.  Killed
 * after the restored HWPT is destroyed (before FINISH), its death finishes
 * the session.  Six VMs (edu devices, each with its memfd and iommufd in a
 * session of its own) are preserved at each kexec, a DMA of each landing
 * during it, and the next kernel runs six cases (crash_case()), one VM
 * after the other; three kexecs run them all, the last case a VMM never
 * killed.  A DMA a killed VMM left in flight lands through whichever
 * domain its device was on; no fault.
 */
static int device_crash_steps(int stage)
{
	struct guest g[CRASH_VMS] = { };
	int lu = open_lu(), i;
	char bdf[16], name[8];

	for (i = 0; stage > 1 && i < CRASH_VMS; i++) {
		find_edu(i, false, bdf, sizeof(bdf));
		snprintf(name, sizeof(name), "vm%d", i);
		crash_case(lu, (stage - 2) * CRASH_VMS + i, name, bdf);
	}
	if (stage == CRASH_STAGES)
		return 0;

	for (i = 0; i < CRASH_VMS; i++) {
		find_edu(i, false, bdf, sizeof(bdf));
		snprintf(name, sizeof(name), "vm%d", i);
		guest_up(&g[i], bdf, guest_memory(DEV_SIZE), DEV_SIZE);
		preserve_device_in(lu, &g[i], name, NULL);
	}
	load_next_kernel();
	for (i = 0; i < CRASH_VMS; i++)
		CHECK_RET(0, vfio_dma_memcpy_start(&g[i].dev, IOVA + SRC,
						   IOVA + IN_FLIGHT, COPY));
	kexec_now(stage);
}

static const struct kexec_test tests[] = {
	{ "iommufd_retrieve", iommufd_retrieve },
	{ "iommufd_unretrieved", iommufd_unretrieved },
	{ "iommufd_corrupt_count", iommufd_corrupt_count },
	{ "iommufd_corrupt_area", iommufd_corrupt_area },
	{ "device_dma", device_dma },
	{ "device_dma_rootport", device_dma_rootport },
	{ "device_twice", device_twice },
	{ "device_four_vms", device_four_vms },
	{ "device_vmm_exits", device_vmm_exits },
	{ "device_reaper", device_reaper },
	{ "device_crash_steps", device_crash_steps },
	{ "device_chain", device_chain },
	{ "device_unretrieved", device_unretrieved },
	{ "device_fail_nth", device_fail_nth },
	{ "device_blocked", device_blocked },
	{ "device_corrupt_did", device_corrupt_did },
	{ "device_corrupt_format", device_corrupt_format },
	{ "device_corrupt_unit", device_corrupt_unit },
	{ "device_corrupt_vfio", device_corrupt_vfio },
	{ "device_iommu_off", device_iommu_off },
	{ "device_irq_freeze", device_irq_freeze },
	{ "device_moved_freeze", device_moved_freeze },
	{ "device_bench", device_bench },
	{ "vmm_bench", vmm_bench },
	{ "vmm_demo", vmm_demo },
};

int main(int argc, char **argv)
{
	return kexec_test_main(tests, ARRAY_SIZE(tests), argc, argv);
}
