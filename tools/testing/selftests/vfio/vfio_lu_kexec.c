// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device path across a live update (vfio_lu_kexec TEST STAGE): kexec
 * tests with the edu device bound to vfio-pci, an iommufd whose marked
 * HWPT maps a memfd, and a LUO session that carries them.  Each test is a
 * function of its stage, as in ../liveupdate/luo_kexec.c, whose helpers
 * (reporting, sessions, memfd patterns) it shares.
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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/iommufd.h>

#include "../liveupdate/luo_kexec.h"
#include "vfio_util.h"

#define SESSION		"vmm"
#define MEMFD_TOKEN	1
#define IOMMUFD_TOKEN	2
#define HWPT_TOKEN	0x4857505400000001ULL
#define SIZE		(8 * MB)
#define IOVA		(16 * MB)	/* edu reaches 28 bits */
#define SEED		0x1d
#define COPY		4095
#define SRC		0x3000		/* offsets in the memfd */
#define DST		0x9001

/* The guest: a device bound to an iommufd, its HWPT mapping the memfd */
struct guest {
	struct vfio_pci_device dev;
	int iommufd;
	uint32_t ioas_id;
	uint32_t hwpt_id;
	int memfd;
};

static void guest_attach(struct guest *g)
{
	char bdf[16];

	CHECK_RET(0, vfio_pci_find(0x1234, 0x11e8, 0, bdf, sizeof(bdf)));
	CHECK_RET(0, vfio_pci_bind_vfio(bdf));
	CHECK_RET(0, vfio_pci_device_open(&g->dev, bdf));
	CHECK_RET(0, vfio_pci_device_bind(&g->dev, g->iommufd));
	CHECK_RET(0, iommufd_ioas_alloc(g->iommufd, &g->ioas_id));
	CHECK_RET(0, iommufd_map_file(g->iommufd, g->ioas_id, g->memfd, 0,
				      SIZE, IOVA));
	CHECK_RET(0, iommufd_hwpt_alloc(g->iommufd, g->dev.dev_id, g->ioas_id,
					&g->hwpt_id));
	CHECK_RET(0, vfio_pci_device_attach(&g->dev, g->hwpt_id));
	CHECK_RET(0, vfio_pci_device_map_bar0(&g->dev));
	CHECK_RET(0, vfio_pci_device_set_master(&g->dev, true));
	CHECK_RET(0, vfio_dma_init(&g->dev));
}

/* RAM -> edu -> RAM inside the memfd; checked through the memfd */
static void guest_dma(struct guest *g)
{
	static char src[COPY], dst[COPY];

	CHECK_RET(0, vfio_dma_memcpy(&g->dev, IOVA + SRC, IOVA + DST, COPY));
	CHECK(pread(g->memfd, src, COPY, SRC) == COPY &&
	      pread(g->memfd, dst, COPY, DST) == COPY, "pread: %s",
	      strerror(errno));
	CHECK(!memcmp(src, dst, COPY), "the DMA did not land at %#x", DST);
}

static int mark(int iommufd, uint32_t hwpt_id, uint64_t token)
{
	struct iommu_hwpt_lu_mark_preserve cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.hwpt_token = token,
	};

	return ioctl(iommufd, IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &cmd) ?
	       -errno : 0;
}

static void write_knob(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	CHECK(f, "%s: %s", path, strerror(errno));
	CHECK(fputs(val, f) >= 0 && !fclose(f), "%s: write failed", path);
}

/*
 * Stage 1 of every test: the guest's memory in a memfd that cannot change
 * size, DMA into it, the HWPT marked, the memfd and the iommufd preserved
 * in that order; then on to the next kernel.
 */
static void __attribute__((noreturn)) preserve_guest(const char *corrupt)
{
	struct guest g = { };
	int lu = open_lu(), s;

	g.memfd = new_memfd(SIZE, MFD_ALLOW_SEALING);
	fill(g.memfd, 0, SIZE, SEED);
	CHECK(!fcntl(g.memfd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK),
	      "seal: %s", strerror(errno));
	g.iommufd = iommufd_open();
	CHECK(g.iommufd >= 0, "open /dev/iommu");
	guest_attach(&g);
	guest_dma(&g);
	CHECK_RET(0, mark(g.iommufd, g.hwpt_id, HWPT_TOKEN));

	s = luo_create_session(lu, SESSION);
	CHECK(s >= 0, "create session: %s", strerror(-s));
	CHECK_RET(-EXDEV, luo_preserve(s, g.iommufd, IOMMUFD_TOKEN));
	CHECK_RET(0, luo_preserve(s, g.memfd, MEMFD_TOKEN));
	if (corrupt)
		write_knob("/sys/kernel/debug/iommufd_lu/corrupt", corrupt);
	CHECK_RET(0, luo_preserve(s, g.iommufd, IOMMUFD_TOKEN));
	say("memfd and iommufd preserved, the DMA landed");
	hold(lu);
}

/* Stage 2 of every test: the session the first stage preserved */
static int retrieve_vmm(int lu)
{
	int s = luo_retrieve_session(lu, SESSION);

	CHECK(s >= 0, "retrieve session: %s", strerror(-s));
	return s;
}

/* The restored memfd: every byte as written, and the DMA's copy */
static int check_memfd(int s)
{
	static char src[COPY], dst[COPY];
	int memfd = luo_retrieve(s, MEMFD_TOKEN);

	CHECK(memfd >= 0, "retrieve the memfd: %s", strerror(-memfd));
	CHECK(same(memfd, 0, DST & ~7UL, SEED) &&
	      same(memfd, (DST + COPY + 7) & ~7UL,
		   SIZE - ((DST + COPY + 7) & ~7UL), SEED),
	      "the memfd lost data");
	CHECK(pread(memfd, src, COPY, SRC) == COPY &&
	      pread(memfd, dst, COPY, DST) == COPY &&
	      !memcmp(src, dst, COPY), "the DMA's copy did not survive");
	return memfd;
}

static int iommufd_retrieve(int stage)
{
	struct guest g = { };
	uint32_t other;
	int lu, s;

	if (stage == 1)
		preserve_guest(NULL);

	lu = open_lu();
	s = retrieve_vmm(lu);
	g.iommufd = luo_retrieve(s, IOMMUFD_TOKEN);
	CHECK(g.iommufd >= 0, "retrieve the iommufd: %s",
	      strerror(-g.iommufd));
	g.memfd = check_memfd(s);

	/* A working iommufd: the device binds to it and does DMA again */
	CHECK_RET(0, iommufd_ioas_alloc(g.iommufd, &other));
	fill(g.memfd, DST, COPY + 1, SEED + 1);
	guest_attach(&g);
	guest_dma(&g);
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
	close(check_memfd(s));
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
	close(check_memfd(s));
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

static const struct kexec_test tests[] = {
	{ "iommufd_retrieve", iommufd_retrieve },
	{ "iommufd_unretrieved", iommufd_unretrieved },
	{ "iommufd_corrupt_count", iommufd_corrupt_count },
	{ "iommufd_corrupt_area", iommufd_corrupt_area },
};

int main(int argc, char **argv)
{
	return kexec_test_main(tests, ARRAY_SIZE(tests), argc, argv);
}
