// SPDX-License-Identifier: GPL-2.0-only
/*
 * Preserving a vfio device file in a LUO session, in one kernel, with the
 * edu device under VT-d: only a device file opened through its cdev
 * (group and container files: EOPNOTSUPP), itself bound to an iommufd
 * (else EINVAL, also for another file of a bound device) preserved in the
 * same session before it (else EXDEV), and
 * attached to a HWPT that preserve carries (else EINVAL).  A refusal
 * changes nothing: the same file is preserved under the same token once
 * its cause is gone.
 *
 * No DMA is left running and nothing faults.
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

#include "../kselftest_harness.h"
#include "../liveupdate/luo_lib.h"
#include "vfio_util.h"

#define MEMFD_SIZE	(2UL << 20)
#define IOVA		(16UL << 20)	/* edu reaches 28 bits */
#define COPY		4095
#define MEMFD_TOKEN	1
#define IOMMUFD_TOKEN	2
#define DEVICE_TOKEN	3
#define HWPT_TOKEN	0x4857505400000002ULL

FIXTURE(vfio_lu)
{
	char bdf[16];
	int lu;
	int session;
	int memfd;	/* sealed against growing and shrinking */
	int iommufd;
	uint32_t ioas_id;	/* maps memfd at IOVA */
	uint32_t hwpt_id;	/* over ioas_id, once the device is bound */
	struct vfio_pci_device dev;	/* opened by the tests that need it */
};

FIXTURE_SETUP(vfio_lu)
{
	self->dev.fd = -1;
	if (access(LUO_DEV, F_OK))
		SKIP(return, "no " LUO_DEV " (boot with liveupdate=on kho=on)");
	if (vfio_pci_find(0x1234, 0x11e8, 0, self->bdf, sizeof(self->bdf)))
		SKIP(return, "no edu device (QEMU -device edu)");
	ASSERT_EQ(0, vfio_pci_bind_vfio(self->bdf));

	self->lu = open(LUO_DEV, O_RDWR);
	ASSERT_LE(0, self->lu);
	self->session = luo_create_session(self->lu, "vfio_lu_preserve");
	ASSERT_LE(0, self->session);

	self->memfd = memfd_create("guest", MFD_ALLOW_SEALING);
	ASSERT_LE(0, self->memfd);
	ASSERT_EQ(0, ftruncate(self->memfd, MEMFD_SIZE));
	ASSERT_EQ(0, fcntl(self->memfd, F_ADD_SEALS,
			   F_SEAL_GROW | F_SEAL_SHRINK));
	self->iommufd = iommufd_open();
	ASSERT_LE(0, self->iommufd);
	ASSERT_EQ(0, iommufd_ioas_alloc(self->iommufd, &self->ioas_id));
	ASSERT_EQ(0, iommufd_map_file(self->iommufd, self->ioas_id,
				      self->memfd, 0, MEMFD_SIZE, IOVA));
}

FIXTURE_TEARDOWN(vfio_lu)
{
	/* The session first: it gives the device and the iommufd back */
	close(self->session);
	vfio_pci_device_close(&self->dev);
	close(self->iommufd);
	close(self->memfd);
	close(self->lu);
}

/* The device's cdev opened, not bound to any iommufd */
static int open_device(FIXTURE_DATA(vfio_lu) *self)
{
	return vfio_pci_device_open(&self->dev, self->bdf);
}

/*
 * The device bound to the iommufd and attached to a HWPT over the IOAS
 * that maps the memfd, which is marked for preservation
 */
static int bind_and_attach(FIXTURE_DATA(vfio_lu) *self)
{
	int ret;

	ret = vfio_pci_device_bind(&self->dev, self->iommufd);
	if (!ret)
		ret = iommufd_hwpt_alloc(self->iommufd, self->dev.dev_id,
					 self->ioas_id, &self->hwpt_id);
	if (!ret)
		ret = vfio_pci_device_attach(&self->dev, self->hwpt_id);
	if (!ret)
		ret = iommufd_hwpt_lu_mark(self->iommufd, self->hwpt_id, HWPT_TOKEN);
	return ret;
}

/* memfd -> iommufd -> device: what a VMM preserves, in its order */
TEST_F(vfio_lu, device_after_its_iommufd)
{
	ASSERT_EQ(0, open_device(self));
	ASSERT_EQ(0, bind_and_attach(self));
	ASSERT_EQ(0, luo_preserve(self->session, self->memfd, MEMFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(self->session, self->iommufd,
				  IOMMUFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(self->session, self->dev.fd, DEVICE_TOKEN));
}

/* A group file is not a device: EOPNOTSUPP (its cdev must be closed) */
TEST_F(vfio_lu, group_fd_is_eopnotsupp)
{
	char group[16], path[64];
	int fd;

	ASSERT_LT(0, vfio_pci_iommu_group(self->bdf, group, sizeof(group)));
	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	if (access(path, F_OK))
		SKIP(return, "no %s: the kernel has no CONFIG_VFIO_GROUP", path);
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOPNOTSUPP, luo_preserve(self->session, fd, DEVICE_TOKEN));
	close(fd);
}

/* Nor is a container file: EOPNOTSUPP */
TEST_F(vfio_lu, container_fd_is_eopnotsupp)
{
	struct iommu_ioas_alloc probe = { .size = sizeof(probe) };
	int fd;

	if (access("/dev/vfio/vfio", F_OK))
		SKIP(return, "no /dev/vfio/vfio: the kernel has no CONFIG_VFIO_CONTAINER");
	fd = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, fd);
	/* With IOMMUFD_VFIO_CONTAINER it is an iommufd, another handler's */
	if (!ioctl(fd, IOMMU_IOAS_ALLOC, &probe)) {
		close(fd);
		SKIP(return, "/dev/vfio/vfio is iommufd's (IOMMUFD_VFIO_CONTAINER)");
	}
	EXPECT_EQ(-EOPNOTSUPP, luo_preserve(self->session, fd, DEVICE_TOKEN));
	close(fd);
}

/* A device bound to no iommufd has no DMA to keep going: EINVAL */
TEST_F(vfio_lu, unbound_device_is_einval)
{
	ASSERT_EQ(0, open_device(self));
	EXPECT_EQ(-EINVAL, luo_preserve(self->session, self->dev.fd,
					DEVICE_TOKEN));
}

/*
 * Only the file that was bound carries the binding: another file of the
 * same device is not bound, though the device is: EINVAL.  The bound file
 * closed afterwards (it unbinds the device) and the session then closed
 * must not find the refused file's binding gone (a use after free once).
 */
TEST_F(vfio_lu, other_file_of_bound_device_is_einval)
{
	char path[64];
	int other;

	ASSERT_EQ(0, open_device(self));
	ASSERT_EQ(0, bind_and_attach(self));
	ASSERT_EQ(0, luo_preserve(self->session, self->memfd, MEMFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(self->session, self->iommufd,
				  IOMMUFD_TOKEN));
	ASSERT_EQ(0, vfio_pci_cdev_path(self->bdf, path, sizeof(path)));
	other = open(path, O_RDWR);
	ASSERT_LE(0, other);
	EXPECT_EQ(-EINVAL, luo_preserve(self->session, other, DEVICE_TOKEN));
	EXPECT_EQ(0, luo_preserve(self->session, self->dev.fd, DEVICE_TOKEN));
	vfio_pci_device_close(&self->dev);
	close(other);
	close(self->session);
	self->session = -1;
}

/* Its iommufd must be preserved first: EXDEV */
TEST_F(vfio_lu, device_before_its_iommufd_is_exdev)
{
	ASSERT_EQ(0, open_device(self));
	ASSERT_EQ(0, bind_and_attach(self));
	ASSERT_EQ(0, luo_preserve(self->session, self->memfd, MEMFD_TOKEN));
	EXPECT_EQ(-EXDEV, luo_preserve(self->session, self->dev.fd,
				       DEVICE_TOKEN));
}

/* ... and in the same session: EXDEV */
TEST_F(vfio_lu, iommufd_in_another_session_is_exdev)
{
	int other = luo_create_session(self->lu, "vfio_lu_other");

	ASSERT_LE(0, other);
	ASSERT_EQ(0, open_device(self));
	ASSERT_EQ(0, bind_and_attach(self));
	ASSERT_EQ(0, luo_preserve(other, self->memfd, MEMFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(other, self->iommufd, IOMMUFD_TOKEN));
	EXPECT_EQ(-EXDEV, luo_preserve(self->session, self->dev.fd,
				       DEVICE_TOKEN));
	EXPECT_EQ(0, luo_preserve(other, self->dev.fd, DEVICE_TOKEN));
	close(other);
}

/*
 * Attached to a HWPT that is not marked, so not carried by the iommufd
 * (preserved thanks to the marked one): EINVAL
 */
TEST_F(vfio_lu, unmarked_hwpt_is_einval)
{
	uint32_t empty_ioas, unmarked;

	ASSERT_EQ(0, open_device(self));
	ASSERT_EQ(0, vfio_pci_device_bind(&self->dev, self->iommufd));
	ASSERT_EQ(0, iommufd_hwpt_alloc(self->iommufd, self->dev.dev_id,
					self->ioas_id, &self->hwpt_id));
	ASSERT_EQ(0, iommufd_hwpt_lu_mark(self->iommufd, self->hwpt_id, HWPT_TOKEN));
	ASSERT_EQ(0, iommufd_ioas_alloc(self->iommufd, &empty_ioas));
	ASSERT_EQ(0, iommufd_hwpt_alloc(self->iommufd, self->dev.dev_id,
					empty_ioas, &unmarked));
	ASSERT_EQ(0, vfio_pci_device_attach(&self->dev, unmarked));
	ASSERT_EQ(0, luo_preserve(self->session, self->memfd, MEMFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(self->session, self->iommufd,
				  IOMMUFD_TOKEN));
	EXPECT_EQ(-EINVAL, luo_preserve(self->session, self->dev.fd,
					DEVICE_TOKEN));
}

/*
 * Refusals change nothing: the device still does DMA through its HWPT,
 * and the same file is preserved under the same token once bound (it was
 * EINVAL) and once its iommufd is preserved (it was EXDEV).
 */
TEST_F(vfio_lu, refusal_changes_nothing)
{
	unsigned char *mem;

	ASSERT_EQ(0, open_device(self));
	EXPECT_EQ(-EINVAL, luo_preserve(self->session, self->dev.fd,
					DEVICE_TOKEN));
	ASSERT_EQ(0, bind_and_attach(self));
	ASSERT_EQ(0, luo_preserve(self->session, self->memfd, MEMFD_TOKEN));
	EXPECT_EQ(-EXDEV, luo_preserve(self->session, self->dev.fd,
				       DEVICE_TOKEN));

	mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->memfd, 0);
	ASSERT_NE(MAP_FAILED, mem);
	for (int i = 0; i < COPY; i++)
		mem[0x1000 + i] = (unsigned char)(i * 7 + 3);
	ASSERT_EQ(0, vfio_pci_device_map_bar0(&self->dev));
	ASSERT_EQ(0, vfio_pci_device_set_master(&self->dev, true));
	ASSERT_EQ(0, vfio_dma_init(&self->dev));
	ASSERT_EQ(0, vfio_dma_memcpy(&self->dev, IOVA + 0x1000, IOVA + 0x8001,
				     COPY));
	EXPECT_EQ(0, memcmp(mem + 0x1000, mem + 0x8001, COPY));
	munmap(mem, MEMFD_SIZE);

	ASSERT_EQ(0, luo_preserve(self->session, self->iommufd,
				  IOMMUFD_TOKEN));
	EXPECT_EQ(0, luo_preserve(self->session, self->dev.fd, DEVICE_TOKEN));
}

TEST_HARNESS_MAIN
