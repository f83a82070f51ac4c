// SPDX-License-Identifier: GPL-2.0-only
/*
 * Preserving an iommufd in a LUO session, against iommufd's mock IOMMU:
 * the memfds its marked HWPTs map come first, at least one HWPT must be
 * marked, a preserved HWPT cannot be destroyed until the session lets go
 * of the iommufd, and every refusal leaves the session as it was.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <fcntl.h>

#include "iommufd_utils.h"
#include "../liveupdate/luo_lib.h"

#define NPAGES		16
#define SIZED		(F_SEAL_GROW | F_SEAL_SHRINK)
#define FIXED		(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE | \
			 IOMMU_IOAS_MAP_FIXED_IOVA)
#define MEMFD_TOKEN	0x100
#define IOMMUFD_TOKEN	0x200

/* The memfd at @iova, from its start */
static int map_file(int fd, __u32 ioas_id, int mfd, __u64 length, __u64 iova)
{
	return _test_ioctl_ioas_map_file(fd, ioas_id, mfd, 0, length, &iova,
					 FIXED);
}

static int destroy(int fd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &cmd);
}

/* A written memfd of NPAGES pages that cannot change size */
static int sized_memfd(void)
{
	int mfd = memfd_create("lu_preserve", MFD_ALLOW_SEALING);

	if (mfd < 0 || ftruncate(mfd, NPAGES * PAGE_SIZE) ||
	    fcntl(mfd, F_ADD_SEALS, SIZED)) {
		close(mfd);
		return -1;
	}
	return mfd;
}

FIXTURE(lu_preserve)
{
	int fd;
	int lu;
	int session;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 auto_hwpt_id;
	__u32 device_id;
	__u32 hwpt_id;	/* marked, over the IOAS that maps mfd */
	int mfd;
};

FIXTURE_SETUP(lu_preserve)
{
	PAGE_SIZE = sysconf(_SC_PAGE_SIZE);
	self->lu = open(LUO_DEV, O_RDWR);
	ASSERT_LE(0, self->lu);
	self->session = luo_create_session(self->lu, "lu_preserve");
	ASSERT_LE(0, self->session);

	self->fd = open("/dev/iommu", O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id,
			     &self->auto_hwpt_id, &self->device_id);
	test_cmd_hwpt_alloc(self->device_id, self->ioas_id, 0, &self->hwpt_id);
	self->mfd = sized_memfd();
	ASSERT_LE(0, self->mfd);
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd,
			      NPAGES * PAGE_SIZE, MOCK_APERTURE_START));
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, self->hwpt_id, 0x1234));
}

FIXTURE_TEARDOWN(lu_preserve)
{
	close(self->session);
	close(self->lu);
	close(self->mfd);
	close(self->fd);
}

/* memfd, then iommufd: the order a VMM preserves them in */
TEST_F(lu_preserve, iommufd_after_its_memfd)
{
	ASSERT_EQ(0, luo_preserve(self->session, self->mfd, MEMFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(self->session, self->fd, IOMMUFD_TOKEN));
}

/* Before its memfd: EXDEV, and the session can take both afterwards */
TEST_F(lu_preserve, iommufd_before_its_memfd_is_exdev)
{
	__u32 hwpt2;

	ASSERT_EQ(-EXDEV, luo_preserve(self->session, self->fd,
				       IOMMUFD_TOKEN));
	/* Nothing was held: the marked HWPT can still go */
	ASSERT_EQ(0, destroy(self->fd, self->hwpt_id));

	test_cmd_hwpt_alloc(self->device_id, self->ioas_id, 0, &hwpt2);
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, hwpt2, 0x1234));
	ASSERT_EQ(0, luo_preserve(self->session, self->mfd, MEMFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(self->session, self->fd, IOMMUFD_TOKEN));
	EXPECT_ERRNO(EBUSY, destroy(self->fd, hwpt2));
}

/* The memfd must be in the same session */
TEST_F(lu_preserve, memfd_in_another_session_is_exdev)
{
	int other = luo_create_session(self->lu, "lu_preserve_other");

	ASSERT_LE(0, other);
	ASSERT_EQ(0, luo_preserve(other, self->mfd, MEMFD_TOKEN));
	ASSERT_EQ(-EXDEV, luo_preserve(self->session, self->fd,
				       IOMMUFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(other, self->fd, IOMMUFD_TOKEN));
	close(other);
}

/* Every memfd of every marked HWPT: a second one not preserved fails it */
TEST_F(lu_preserve, every_memfd_of_every_hwpt)
{
	__u32 ioas2, hwpt2;
	int mfd2 = sized_memfd();

	ASSERT_LE(0, mfd2);
	test_ioctl_ioas_alloc(&ioas2);
	test_cmd_hwpt_alloc(self->device_id, ioas2, 0, &hwpt2);
	ASSERT_EQ(0, map_file(self->fd, ioas2, mfd2, NPAGES * PAGE_SIZE,
			      MOCK_APERTURE_START));
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, hwpt2, 0x5678));

	ASSERT_EQ(0, luo_preserve(self->session, self->mfd, MEMFD_TOKEN));
	ASSERT_EQ(-EXDEV, luo_preserve(self->session, self->fd,
				       IOMMUFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(self->session, mfd2, MEMFD_TOKEN + 1));
	ASSERT_EQ(0, luo_preserve(self->session, self->fd, IOMMUFD_TOKEN));
	close(mfd2);
}

/* An iommufd with no marked HWPT has nothing to preserve */
TEST_F(lu_preserve, nothing_marked_is_einval)
{
	int fd2 = open("/dev/iommu", O_RDWR);
	__u32 ioas2;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd2, &ioas2));
	ASSERT_EQ(-EINVAL, luo_preserve(self->session, fd2, IOMMUFD_TOKEN));
	close(fd2);
}

/* A preserved HWPT stays until the session gives the iommufd back */
TEST_F(lu_preserve, preserved_hwpt_is_held)
{
	ASSERT_EQ(0, luo_preserve(self->session, self->mfd, MEMFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(self->session, self->fd, IOMMUFD_TOKEN));
	EXPECT_ERRNO(EBUSY, destroy(self->fd, self->hwpt_id));

	close(self->session);
	self->session = luo_create_session(self->lu, "lu_preserve");
	ASSERT_LE(0, self->session);
	ASSERT_EQ(0, destroy(self->fd, self->hwpt_id));
}

/* A HWPT marked after the preserve is not part of it */
TEST_F(lu_preserve, hwpt_marked_later_is_not_held)
{
	__u32 hwpt2;

	ASSERT_EQ(0, luo_preserve(self->session, self->mfd, MEMFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(self->session, self->fd, IOMMUFD_TOKEN));
	test_cmd_hwpt_alloc(self->device_id, self->ioas_id, 0, &hwpt2);
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, hwpt2, 0x9999));
	ASSERT_EQ(0, destroy(self->fd, hwpt2));
}

/* An iommufd is preserved once */
TEST_F(lu_preserve, preserved_once)
{
	ASSERT_EQ(0, luo_preserve(self->session, self->mfd, MEMFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(self->session, self->fd, IOMMUFD_TOKEN));
	ASSERT_EQ(-EBUSY, luo_preserve(self->session, self->fd,
				       IOMMUFD_TOKEN + 1));
}

/*
 * The session holds the iommufd: closing its fd first, then the session,
 * tears everything down in order (no splat, nothing left held).
 */
TEST_F(lu_preserve, session_outlives_the_fd)
{
	ASSERT_EQ(0, luo_preserve(self->session, self->mfd, MEMFD_TOKEN));
	ASSERT_EQ(0, luo_preserve(self->session, self->fd, IOMMUFD_TOKEN));
	ASSERT_EQ(0, close(self->fd));
	ASSERT_EQ(0, close(self->session));
	self->session = -1;
	self->fd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, self->fd);
}

TEST_HARNESS_MAIN
