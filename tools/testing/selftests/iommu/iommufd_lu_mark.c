// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE against iommufd's mock IOMMU: which
 * HWPTs can be marked for a live update, under which tokens, and what a
 * mark does to the IOAS (no map, no unmap) until the HWPT is destroyed.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <fcntl.h>

#include "iommufd_utils.h"

#define NPAGES	16
#define SIZED	(F_SEAL_GROW | F_SEAL_SHRINK)
#define RW	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define FIXED	(RW | IOMMU_IOAS_MAP_FIXED_IOVA)

/* The memfd at @iova, from its start */
static int map_file(int fd, __u32 ioas_id, int mfd, __u64 length, __u64 iova)
{
	return _test_ioctl_ioas_map_file(fd, ioas_id, mfd, 0, length, &iova,
					 FIXED);
}

/* A memfd of NPAGES pages, written, with @seals */
static int sealed_memfd(unsigned int seals)
{
	size_t size = NPAGES * PAGE_SIZE;
	char *buf = malloc(size);
	int mfd;

	mfd = memfd_create("lu_mark", MFD_ALLOW_SEALING);
	if (mfd < 0 || !buf)
		return -1;
	memset(buf, 0x6b, size);
	if (write(mfd, buf, size) != (ssize_t)size ||
	    (seals && fcntl(mfd, F_ADD_SEALS, seals))) {
		close(mfd);
		mfd = -1;
	}
	free(buf);
	return mfd;
}

FIXTURE(lu_mark)
{
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 auto_hwpt_id;
	__u32 device_id;
	__u32 hwpt_id;	/* allocated by userspace over the IOAS */
	int mfd;
	__u64 iova;
};

FIXTURE_SETUP(lu_mark)
{
	PAGE_SIZE = sysconf(_SC_PAGE_SIZE);
	self->fd = open("/dev/iommu", O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id,
			     &self->auto_hwpt_id, &self->device_id);
	test_cmd_hwpt_alloc(self->device_id, self->ioas_id, 0, &self->hwpt_id);
	self->mfd = sealed_memfd(SIZED);
	ASSERT_LE(0, self->mfd);
	self->iova = MOCK_APERTURE_START;
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd,
			      NPAGES * PAGE_SIZE, self->iova));
}

FIXTURE_TEARDOWN(lu_mark)
{
	close(self->mfd);
	close(self->fd);
}

/* A HWPT mapping only a memfd that cannot change size can be marked */
TEST_F(lu_mark, sealed_memfd_is_marked)
{
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, self->hwpt_id, 0x1234));
}

/* An empty IOAS has nothing that could not be preserved */
TEST_F(lu_mark, empty_ioas_is_marked)
{
	__u32 ioas2, hwpt2;

	test_ioctl_ioas_alloc(&ioas2);
	test_cmd_hwpt_alloc(self->device_id, ioas2, 0, &hwpt2);
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, hwpt2, 1));
}

/* Tokens are unique in an iommufd; a HWPT is marked once */
TEST_F(lu_mark, tokens)
{
	__u32 hwpt2;

	test_cmd_hwpt_alloc(self->device_id, self->ioas_id, 0, &hwpt2);
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, self->hwpt_id, 7));
	EXPECT_ERRNO(EADDRINUSE, _test_cmd_hwpt_lu_mark(self->fd, hwpt2, 7));
	EXPECT_ERRNO(EALREADY, _test_cmd_hwpt_lu_mark(self->fd, self->hwpt_id,
						      8));
	EXPECT_ERRNO(EALREADY, _test_cmd_hwpt_lu_mark(self->fd, self->hwpt_id,
						      7));
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, hwpt2, 8));
}

/* Another iommufd has tokens of its own */
TEST_F(lu_mark, tokens_per_iommufd)
{
	__u32 ioas2, stdev2, auto2, dev2, hwpt2;
	int fd2 = open("/dev/iommu", O_RDWR);

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd2, &ioas2));
	ASSERT_EQ(0, _test_cmd_mock_domain(fd2, ioas2, &stdev2, &auto2, &dev2));
	ASSERT_EQ(0, _test_cmd_hwpt_alloc(fd2, dev2, ioas2, 0, 0, &hwpt2,
					  IOMMU_HWPT_DATA_NONE, NULL, 0));
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, self->hwpt_id, 9));
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(fd2, hwpt2, 9));
	close(fd2);
}

/* Only paging HWPTs that userspace allocated */
TEST_F(lu_mark, wrong_objects)
{
	EXPECT_ERRNO(ENOENT, _test_cmd_hwpt_lu_mark(self->fd, self->ioas_id,
						    1));
	EXPECT_ERRNO(ENOENT, _test_cmd_hwpt_lu_mark(self->fd,
						    self->hwpt_id + 1000, 1));
	EXPECT_ERRNO(ENOENT, _test_cmd_hwpt_lu_mark(self->fd, self->device_id,
						    1));
	EXPECT_ERRNO(EINVAL, _test_cmd_hwpt_lu_mark(self->fd,
						    self->auto_hwpt_id, 1));
	/* Nothing was marked: the token and the IOAS are free */
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, self->hwpt_id, 1));
}

/* Memory that would not survive the kexec as it is: EINVAL, no change */
TEST_F(lu_mark, unpreservable_mappings)
{
	static const unsigned int seals[] = { 0, F_SEAL_GROW, F_SEAL_SHRINK };
	__u64 iova = self->iova + NPAGES * PAGE_SIZE;
	unsigned int i;
	void *anon;

	for (i = 0; i < ARRAY_SIZE(seals); i++) {
		int mfd = sealed_memfd(seals[i]);

		ASSERT_LE(0, mfd);
		ASSERT_EQ(0, map_file(self->fd, self->ioas_id, mfd,
				      NPAGES * PAGE_SIZE, iova));
		EXPECT_ERRNO(EINVAL, _test_cmd_hwpt_lu_mark(self->fd,
							    self->hwpt_id, 5));
		/* Not frozen: it can be unmapped */
		test_ioctl_ioas_unmap(iova, NPAGES * PAGE_SIZE);
		close(mfd);
	}

	anon = mmap(NULL, NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	test_ioctl_ioas_map_fixed(anon, NPAGES * PAGE_SIZE, iova);
	EXPECT_ERRNO(EINVAL, _test_cmd_hwpt_lu_mark(self->fd, self->hwpt_id,
						    5));
	test_ioctl_ioas_unmap(iova, NPAGES * PAGE_SIZE);
	munmap(anon, NPAGES * PAGE_SIZE);

	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, self->hwpt_id, 5));
}

/* A marked HWPT's IOAS keeps its mappings: map, unmap, copy in: EBUSY */
TEST_F(lu_mark, marked_ioas_is_frozen)
{
	__u64 iova = self->iova + NPAGES * PAGE_SIZE;
	struct iommu_ioas_copy copy = {
		.size = sizeof(copy),
		.flags = FIXED,
		.length = PAGE_SIZE,
	};
	__u32 ioas2;
	void *anon;

	anon = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	test_ioctl_ioas_alloc(&ioas2);
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, self->hwpt_id, 0x99));

	test_err_ioctl_ioas_map_fixed(EBUSY, anon, PAGE_SIZE, iova);
	EXPECT_ERRNO(EBUSY, map_file(self->fd, self->ioas_id, self->mfd,
				     PAGE_SIZE, iova));
	test_err_ioctl_ioas_unmap(EBUSY, self->iova, NPAGES * PAGE_SIZE);
	test_err_ioctl_ioas_unmap(EBUSY, 0, UINT64_MAX);

	/* Copy into it: EBUSY; copy out of it: allowed */
	copy.src_ioas_id = ioas2;
	copy.dst_ioas_id = self->ioas_id;
	copy.src_iova = MOCK_APERTURE_START;
	copy.dst_iova = iova;
	test_ioctl_ioas_map_fixed_id(ioas2, anon, PAGE_SIZE,
				     MOCK_APERTURE_START);
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, IOMMU_IOAS_COPY, &copy));
	copy.src_ioas_id = self->ioas_id;
	copy.dst_ioas_id = ioas2;
	copy.src_iova = self->iova;
	copy.dst_iova = MOCK_APERTURE_START + PAGE_SIZE;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_COPY, &copy));
	munmap(anon, PAGE_SIZE);
}

/* Destroying the marked HWPT ends the mark: IOAS and token are free */
TEST_F(lu_mark, destroy_ends_the_mark)
{
	__u32 hwpt2;

	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, self->hwpt_id, 0x42));
	test_ioctl_destroy(self->hwpt_id);
	test_ioctl_ioas_unmap(self->iova, NPAGES * PAGE_SIZE);
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd,
			      NPAGES * PAGE_SIZE, self->iova));
	test_cmd_hwpt_alloc(self->device_id, self->ioas_id, 0, &hwpt2);
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, hwpt2, 0x42));
}

/* Two marked HWPTs on one IOAS: it stays frozen until both are gone */
TEST_F(lu_mark, frozen_until_last_mark_goes)
{
	__u32 hwpt2;

	test_cmd_hwpt_alloc(self->device_id, self->ioas_id, 0, &hwpt2);
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, self->hwpt_id, 1));
	ASSERT_EQ(0, _test_cmd_hwpt_lu_mark(self->fd, hwpt2, 2));
	test_ioctl_destroy(self->hwpt_id);
	test_err_ioctl_ioas_unmap(EBUSY, self->iova, NPAGES * PAGE_SIZE);
	test_ioctl_destroy(hwpt2);
	test_ioctl_ioas_unmap(self->iova, NPAGES * PAGE_SIZE);
}

/* The command's size rules, as for every iommufd command */
TEST_F(lu_mark, command_size)
{
	struct {
		struct iommu_hwpt_lu_mark_preserve cmd;
		__u64 extra;
	} big = {
		.cmd = { .size = sizeof(big), .hwpt_id = self->hwpt_id,
			 .hwpt_token = 3 },
		.extra = 1,
	};
	struct iommu_hwpt_lu_mark_preserve small = {
		.size = offsetof(struct iommu_hwpt_lu_mark_preserve,
				 hwpt_token),
		.hwpt_id = self->hwpt_id,
	};

	EXPECT_ERRNO(EINVAL, ioctl(self->fd,
				   IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &small));
	EXPECT_ERRNO(E2BIG, ioctl(self->fd,
				  IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &big));
	big.extra = 0;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE,
			   &big));
}

TEST_HARNESS_MAIN
