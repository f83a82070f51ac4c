// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA by the QEMU edu device, bound to vfio-pci and driven through its
 * device cdev, into guest memory kept in a memfd that iommufd maps with
 * IOMMU_IOAS_MAP_FILE; on each of three edu devices, the third behind a
 * PCIe root port (vmtest.sh -e 2 -r).  What
 * lands where is read back through the memfd, not through the DMA path.
 *
 * The harness counts VT-d translation faults (QEMU's and the guest's);
 * a test that provokes them says how many with vfio_expect_faults().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../kselftest_harness.h"
#include "vfio_util.h"

#define MEMFD_SIZE	(16UL << 20)
#define IOVA		(16UL << 20)	/* the memfd at 16 MiB, below 256 */
#define UNMAPPED_IOVA	(128UL << 20)
#define COPY		4095

/* Tell the harness how many translation faults this test provokes */
static void vfio_expect_faults(unsigned int n)
{
	const char *res = getenv("LU_RES");
	FILE *f;

	if (!res)
		return;
	f = fopen(res, "w");
	if (f) {
		fprintf(f, "LU-FAULTS %u\n", n);
		fclose(f);
	}
}

static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 8));
}

FIXTURE(edu)
{
	struct vfio_pci_device dev;
	int iommufd;
	uint32_t ioas_id;
	uint32_t hwpt_id;
	int memfd;
	unsigned char *mem;	/* the memfd, mapped shared */
};

FIXTURE_VARIANT(edu)
{
	unsigned int nth;	/* which edu device */
};

FIXTURE_VARIANT_ADD(edu, first)
{
	.nth = 0,
};

FIXTURE_VARIANT_ADD(edu, second)
{
	.nth = 1,
};

FIXTURE_VARIANT_ADD(edu, behind_root_port)
{
	.nth = 2,
};

FIXTURE_SETUP(edu)
{
	char bdf[16];

	ASSERT_EQ(0, vfio_pci_find(0x1234, 0x11e8, variant->nth, bdf,
				   sizeof(bdf)));
	ASSERT_EQ(0, vfio_pci_bind_vfio(bdf));
	ASSERT_EQ(0, vfio_pci_device_open(&self->dev, bdf));

	self->memfd = memfd_create("guest", MFD_ALLOW_SEALING);
	ASSERT_LE(0, self->memfd);
	ASSERT_EQ(0, ftruncate(self->memfd, MEMFD_SIZE));
	self->mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->memfd, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	memset(self->mem, 0, MEMFD_SIZE);

	self->iommufd = iommufd_open();
	ASSERT_LE(0, self->iommufd);
	ASSERT_EQ(0, vfio_pci_device_bind(&self->dev, self->iommufd));
	ASSERT_EQ(0, iommufd_ioas_alloc(self->iommufd, &self->ioas_id));
	ASSERT_EQ(0, iommufd_map_file(self->iommufd, self->ioas_id,
				      self->memfd, 0, MEMFD_SIZE, IOVA));
	ASSERT_EQ(0, iommufd_hwpt_alloc(self->iommufd, self->dev.dev_id,
					self->ioas_id, &self->hwpt_id));
	ASSERT_EQ(0, vfio_pci_device_attach(&self->dev, self->hwpt_id));
	ASSERT_EQ(0, vfio_pci_device_map_bar0(&self->dev));
	ASSERT_EQ(0, vfio_pci_device_set_master(&self->dev, true));
	ASSERT_EQ(0, vfio_dma_init(&self->dev));
}

FIXTURE_TEARDOWN(edu)
{
	vfio_pci_device_close(&self->dev);
	close(self->iommufd);
	if (self->mem)
		munmap(self->mem, MEMFD_SIZE);
	close(self->memfd);
}

/* RAM -> edu buffer -> RAM: the copy lands, and only there */
TEST_F(edu, memcpy_both_directions)
{
	unsigned char *src = self->mem + 0x3000, *dst = self->mem + 0x9001;

	fill(src, COPY, 1);
	ASSERT_EQ(0, vfio_dma_memcpy(&self->dev, IOVA + 0x3000,
				     IOVA + 0x9001, COPY));
	ASSERT_EQ(0, memcmp(src, dst, COPY));
	ASSERT_EQ(0, dst[-1]);
	ASSERT_EQ(0, dst[COPY]);
}

/* The first and the last bytes of the mapping are reachable */
TEST_F(edu, memcpy_edges_of_the_mapping)
{
	unsigned char *last = self->mem + MEMFD_SIZE - COPY;

	fill(self->mem, COPY, 2);
	ASSERT_EQ(0, vfio_dma_memcpy(&self->dev, IOVA,
				     IOVA + MEMFD_SIZE - COPY, COPY));
	ASSERT_EQ(0, memcmp(self->mem, last, COPY));
}

/* The library refuses what edu cannot do, before the device sees it */
TEST_F(edu, memcpy_limits)
{
	ASSERT_EQ(-EINVAL, vfio_dma_memcpy(&self->dev, IOVA, IOVA + 0x10000,
					   COPY + 1));
	ASSERT_EQ(-EINVAL, vfio_dma_memcpy(&self->dev, IOVA, IOVA + 0x10000,
					   0));
	ASSERT_EQ(-EINVAL, vfio_dma_memcpy(&self->dev, 1ULL << 28, IOVA,
					   16));
	ASSERT_EQ(-EINVAL, vfio_dma_memcpy(&self->dev, IOVA,
					   (1ULL << 28) - 8, 16));
}

/* MAP_FILE maps the file, not a VMA: DMA works with the memfd unmapped */
TEST_F(edu, dma_without_a_vma)
{
	unsigned char buf[COPY], back[COPY];

	fill(buf, COPY, 3);
	ASSERT_EQ(COPY, pwrite(self->memfd, buf, COPY, 0x20000));
	ASSERT_EQ(0, munmap(self->mem, MEMFD_SIZE));
	self->mem = NULL;
	ASSERT_EQ(0, vfio_dma_memcpy(&self->dev, IOVA + 0x20000,
				     IOVA + 0x40000, COPY));
	ASSERT_EQ(COPY, pread(self->memfd, back, COPY, 0x40000));
	ASSERT_EQ(0, memcmp(buf, back, COPY));
}

/* A write to an unmapped IOVA is blocked, and the witness counts it */
TEST_F(edu, unmapped_iova_faults)
{
	unsigned char *src = self->mem + 0x5000;

	fill(src, 512, 4);
	vfio_expect_faults(1);
	ASSERT_EQ(0, edu_dma_start(&self->dev, IOVA + 0x5000, 512, false));
	ASSERT_EQ(0, edu_dma_wait(&self->dev, 5000));
	ASSERT_EQ(0, edu_dma_start(&self->dev, UNMAPPED_IOVA, 512, true));
	ASSERT_EQ(0, edu_dma_wait(&self->dev, 5000));
	/* The device still works afterwards */
	ASSERT_EQ(0, edu_dma_start(&self->dev, IOVA + 0x6000, 512, true));
	ASSERT_EQ(0, edu_dma_wait(&self->dev, 5000));
	ASSERT_EQ(0, memcmp(src, self->mem + 0x6000, 512));
}

/* Data the device holds in its buffer survives an unmap and a remap */
TEST_F(edu, unmap_then_remap)
{
	unsigned char *src = self->mem + 0x1000;

	fill(src, 1000, 5);
	ASSERT_EQ(0, edu_dma_start(&self->dev, IOVA + 0x1000, 1000, false));
	ASSERT_EQ(0, edu_dma_wait(&self->dev, 5000));
	ASSERT_EQ(0, iommufd_unmap(self->iommufd, self->ioas_id, IOVA,
				   MEMFD_SIZE));
	ASSERT_EQ(0, iommufd_map_file(self->iommufd, self->ioas_id,
				      self->memfd, 0, MEMFD_SIZE, IOVA));
	ASSERT_EQ(0, edu_dma_start(&self->dev, IOVA + 0x8000, 1000, true));
	ASSERT_EQ(0, edu_dma_wait(&self->dev, 5000));
	ASSERT_EQ(0, memcmp(src, self->mem + 0x8000, 1000));
}

/*
 * Replace the device's HWPT by another one with the same mappings, over
 * and over while each DMA is pending, in both directions: every DMA lands
 * where it should and none faults (VT-d replaces the context entry in
 * place).  Then the HWPT left over is destroyed: nothing holds it.
 *
 * The 6.12 attach path blocked translation (cleared the context entry)
 * before it programmed the new domain: a DMA that fires in that window
 * faults, and the harness counts it.  detach_blocks_dma shows the witness
 * catches such a gap.
 */
/* Move @dev between two HWPTs until its DMA is done; counts the moves */
static int replace_until_done(struct vfio_pci_device *dev,
			      const uint32_t *hwpts, uint32_t *cur,
			      unsigned int *replaces)
{
	int ret;

	while (edu_dma_busy(dev)) {
		*cur ^= 1;
		ret = vfio_pci_device_attach(dev, hwpts[*cur]);
		if (ret)
			return ret;
		(*replaces)++;
	}
	return 0;
}

TEST_F(edu, replace_while_dma_pending)
{
	uint32_t hwpts[2] = { self->hwpt_id }, cur = 0;
	unsigned int round, replaces = 0;

	ASSERT_EQ(0, iommufd_hwpt_alloc(self->iommufd, self->dev.dev_id,
					self->ioas_id, &hwpts[1]));
	for (round = 0; round < 6; round++) {
		uint64_t src = 0x10000 + round * 0x2000;
		uint64_t dst = 0x80000 + round * 0x2000 + round;

		fill(self->mem + src, COPY, 10 + round);
		ASSERT_EQ(0, edu_dma_start(&self->dev, IOVA + src, COPY, false));
		ASSERT_EQ(0, replace_until_done(&self->dev, hwpts, &cur,
						&replaces));
		ASSERT_EQ(0, edu_dma_start(&self->dev, IOVA + dst, COPY, true));
		ASSERT_EQ(0, replace_until_done(&self->dev, hwpts, &cur,
						&replaces));
		ASSERT_EQ(0, memcmp(self->mem + src, self->mem + dst, COPY));
	}
	TH_LOG("%u replaces while 12 DMAs were pending", replaces);
	ASSERT_LT(12, replaces);
	/* The one not attached is free to go; the attached one is not */
	ASSERT_EQ(-EBUSY, iommufd_destroy(self->iommufd, hwpts[cur]));
	ASSERT_EQ(0, iommufd_destroy(self->iommufd, hwpts[cur ^ 1]));
}

/* A DMA that fires while the device is detached (blocked) faults */
TEST_F(edu, detach_blocks_dma)
{
	unsigned char *src = self->mem + 0x7000;

	fill(src, 256, 6);
	vfio_expect_faults(1);
	ASSERT_EQ(0, edu_dma_start(&self->dev, IOVA + 0x7000, 256, false));
	ASSERT_EQ(0, vfio_pci_device_detach(&self->dev));
	ASSERT_EQ(0, edu_dma_wait(&self->dev, 5000));
	ASSERT_EQ(0, vfio_pci_device_attach(&self->dev, self->hwpt_id));
	/* Attached again, the next DMA works */
	ASSERT_EQ(0, vfio_dma_memcpy(&self->dev, IOVA + 0x7000,
				     IOVA + 0xa000, 256));
	ASSERT_EQ(0, memcmp(src, self->mem + 0xa000, 256));
}

/*
 * A device file opened through its cdev binds once: binding it again, to
 * the same iommufd or another, is EINVAL and changes nothing (only a file
 * a live update handed over binds again, to return its device ID).
 */
TEST_F(edu, bind_twice_refused)
{
	uint32_t dev_id = self->dev.dev_id;
	int other = iommufd_open();

	ASSERT_LE(0, other);
	ASSERT_EQ(-EINVAL, vfio_pci_device_bind(&self->dev, self->iommufd));
	ASSERT_EQ(-EINVAL, vfio_pci_device_bind(&self->dev, other));
	close(other);
	ASSERT_EQ(dev_id, self->dev.dev_id);
	ASSERT_EQ(0, vfio_dma_memcpy(&self->dev, IOVA + 0x3000,
				     IOVA + 0x5000, 64));
}

TEST_HARNESS_MAIN
