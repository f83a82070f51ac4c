// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU_IOAS_MAP_FILE: an IOAS maps a memfd by offset in the file.
 *
 * Against iommufd's mock IOMMU (CONFIG_IOMMUFD_TEST), for a shmem memfd
 * and a hugetlb one, and with the temporary memory iommufd pins with cut
 * to a few bytes, so that a range is pinned a couple of folios at a time:
 * what the mock domain maps is the memfd's pages; holes are filled when
 * the pages are pinned, and fallocated pages read as zeroes; every errno
 * leaves nothing mapped and nothing pinned; copy, access, partial unmap
 * and accounting behave as for a user VA mapping; and every pin taken is
 * released.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_utils.h"

#define NPAGES		16
#define HUGE_SIZE	(2UL << 20)

/* Pins held system-wide: the vmstat counters, folded first. */
static long pins_held(void)
{
	long acquired = -1, released = -1, val;
	char name[64];
	FILE *f;
	int fd;

	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			acquired = -2;
		close(fd);
	}
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &val) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acquired = val;
		else if (!strcmp(name, "nr_foll_pin_released"))
			released = val;
	}
	fclose(f);
	if (acquired < 0 || released < 0)
		return -1;
	return acquired - released;
}

#define RW	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define FIXED	(RW | IOMMU_IOAS_MAP_FIXED_IOVA)

/* Bytes an unmap of everything removes: 0 when nothing is mapped */
static __u64 mapped_bytes(int fd, __u32 ioas_id)
{
	uint64_t len = 0;

	if (_test_ioctl_ioas_unmap(fd, ioas_id, 0, UINT64_MAX, &len))
		return errno == ENOENT ? 0 : UINT64_MAX;
	return len;
}

FIXTURE(map_file)
{
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 device_id;
	int mfd;
	size_t size;		/* of the memfd */
	size_t page;		/* of its folios' allocation unit */
	void *map;		/* the memfd, mapped shared */
	long pins;		/* pins held before the test */
	__u64 iova;
};

FIXTURE_VARIANT(map_file)
{
	bool hugetlb;
	bool domain;
	unsigned int memory_limit;
};

FIXTURE_VARIANT_ADD(map_file, shmem)
{
	.domain = true,
};

FIXTURE_VARIANT_ADD(map_file, shmem_no_domain)
{
};

FIXTURE_VARIANT_ADD(map_file, shmem_tiny_batches)
{
	.domain = true,
	.memory_limit = 16,
};

FIXTURE_VARIANT_ADD(map_file, hugetlb)
{
	.hugetlb = true,
	.domain = true,
};

FIXTURE_VARIANT_ADD(map_file, hugetlb_tiny_batches)
{
	.hugetlb = true,
	.domain = true,
	.memory_limit = 16,
};

FIXTURE_SETUP(map_file)
{
	unsigned int i;

	PAGE_SIZE = sysconf(_SC_PAGE_SIZE);
	self->page = variant->hugetlb ? HUGE_SIZE : PAGE_SIZE;
	self->size = NPAGES * self->page;
	self->pins = pins_held();
	ASSERT_LE(0, self->pins);

	self->mfd = memfd_create("map_file", variant->hugetlb ?
				 MFD_HUGETLB | MFD_ALLOW_SEALING :
				 MFD_ALLOW_SEALING);
	ASSERT_LE(0, self->mfd);
	ASSERT_EQ(0, ftruncate(self->mfd, self->size));
	self->map = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->mfd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	/* Every page written but the last, which stays a hole */
	for (i = 0; i < NPAGES - 1; i++)
		memset(self->map + i * self->page, 'a' + i, self->page);

	self->fd = open("/dev/iommu", O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	if (variant->memory_limit)
		test_ioctl_set_temp_memory_limit(variant->memory_limit);
	if (variant->domain)
		test_cmd_mock_domain(self->ioas_id, &self->stdev_id,
				     &self->hwpt_id, &self->device_id);
	self->iova = MOCK_APERTURE_START;
}

FIXTURE_TEARDOWN(map_file)
{
	test_ioctl_set_default_memory_limit();
	EXPECT_EQ(0, close(self->fd));
	munmap(self->map, self->size);
	close(self->mfd);
	/* Every pin taken was released */
	EXPECT_EQ(self->pins, pins_held());
}

/* The mock domain maps @len bytes at @iova to the memfd's pages at @off */
#define check_domain(_off, _iova, _len)                                       \
	({                                                                    \
		struct iommu_test_cmd check = {                               \
			.size = sizeof(check),                                \
			.op = IOMMU_TEST_OP_MD_CHECK_MAP,                     \
			.id = self->hwpt_id,                                  \
			.check_map = { .iova = _iova,                         \
				       .length = _len,                        \
				       .uptr = (uintptr_t)self->map + (_off) }, \
		};                                                            \
		if (variant->domain)                                          \
			ASSERT_EQ(0, ioctl(self->fd,                          \
					   _IOMMU_TEST_CMD(                   \
						   IOMMU_TEST_OP_MD_CHECK_MAP), \
					   &check));                          \
	})

/* Nothing mapped and nothing pinned since the fixture was set up */
#define check_unchanged()                                                     \
	({                                                                    \
		ASSERT_EQ(0, mapped_bytes(self->fd, self->ioas_id));         \
		ASSERT_EQ(self->pins, pins_held());                           \
	})

TEST_F(map_file, map_unmap)
{
	__u64 iova = self->iova;
	uint64_t len;

	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0, self->size, &iova,
					       FIXED));
	ASSERT_EQ(self->iova, iova);
	check_domain(0, iova, self->size);
	/* With a domain, each page is pinned once, a huge page per page */
	ASSERT_EQ(self->pins + (variant->domain ? self->size / PAGE_SIZE : 0),
		  pins_held());

	ASSERT_EQ(0, _test_ioctl_ioas_unmap(self->fd, self->ioas_id, iova,
					    self->size, &len));
	ASSERT_EQ(self->size, len);
	check_unchanged();
}

TEST_F(map_file, map_at_offset_auto_iova)
{
	__u64 iova = 0, off = 3 * self->page;

	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, off, 4 * self->page,
					       &iova, RW));
	ASSERT_NE(0, iova);
	check_domain(off, iova, 4 * self->page);
	test_ioctl_ioas_unmap(iova, 4 * self->page);
	check_unchanged();
}

/* A hole in the range is filled when its pages are pinned */
TEST_F(map_file, hole_is_filled)
{
	__u64 iova = self->iova, off = (NPAGES - 1) * self->page;
	struct stat before, after;

	ASSERT_EQ(0, fstat(self->mfd, &before));
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, off, self->page,
					       &iova, FIXED));
	ASSERT_EQ(0, fstat(self->mfd, &after));
	if (variant->domain) {
		ASSERT_LT(before.st_blocks, after.st_blocks);
		check_domain(off, iova, self->page);
	} else {
		ASSERT_EQ(before.st_blocks, after.st_blocks);
	}
	test_ioctl_ioas_unmap(iova, self->page);
	check_unchanged();
}

/*
 * A device reads zeroes from pages fallocate() allocated and nobody has
 * written or read yet, never what the page held before: page 9 is written,
 * punched out (its page freed) and fallocated again, page 5 is a hole.
 * Read through an access before anything touches the memfd's mapping.
 */
TEST_F(map_file, fallocated_pages_read_as_zero)
{
	__u64 iova = self->iova;
	unsigned int pages[] = { 5, 9 };
	__u32 access_id;
	char *buf, *zero;

	buf = malloc(PAGE_SIZE);
	zero = calloc(1, PAGE_SIZE);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, zero);
	for (unsigned int i = 0; i < 2; i++)
		ASSERT_EQ(0, fallocate(self->mfd, FALLOC_FL_PUNCH_HOLE |
				       FALLOC_FL_KEEP_SIZE,
				       pages[i] * self->page, self->page));
	ASSERT_EQ(0, fallocate(self->mfd, FALLOC_FL_KEEP_SIZE,
			       9 * self->page, self->page));

	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0, self->size, &iova,
					       FIXED));
	test_cmd_create_access(self->ioas_id, &access_id, 0);
	for (unsigned int i = 0; i < 2; i++) {
		struct iommu_test_cmd rw = {
			.size = sizeof(rw),
			.op = IOMMU_TEST_OP_ACCESS_RW,
			.id = access_id,
			.access_rw = { .iova = iova + pages[i] * self->page,
				       .length = PAGE_SIZE,
				       .uptr = (uintptr_t)buf },
		};

		memset(buf, 'X', PAGE_SIZE);
		ASSERT_EQ(0, ioctl(self->fd,
				   _IOMMU_TEST_CMD(IOMMU_TEST_OP_ACCESS_RW),
				   &rw));
		ASSERT_EQ(0, memcmp(buf, zero, PAGE_SIZE));
	}
	/* The pages around them are still the memfd's */
	check_domain(0, iova, self->size);
	test_cmd_destroy_access(access_id);
	test_ioctl_ioas_unmap(iova, self->size);
	check_unchanged();
	free(buf);
	free(zero);
}

/* The mapping holds the file: the memfd may be closed and unmapped */
TEST_F(map_file, outlives_fd_and_vma)
{
	__u64 iova = self->iova;
	__u32 access_id;
	char buf[64];
	struct iommu_test_cmd rw = {
		.size = sizeof(rw),
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.access_rw = { .iova = self->iova + 5 * self->page + 7,
			       .length = sizeof(buf),
			       .uptr = (uintptr_t)buf },
	};

	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0, self->size, &iova,
					       FIXED));
	ASSERT_EQ(0, munmap(self->map, self->size));
	self->map = MAP_FAILED;
	ASSERT_EQ(0, close(self->mfd));
	self->mfd = -1;

	test_cmd_create_access(self->ioas_id, &access_id, 0);
	rw.id = access_id;
	ASSERT_EQ(0, ioctl(self->fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_ACCESS_RW),
			   &rw));
	for (unsigned int i = 0; i < sizeof(buf); i++)
		ASSERT_EQ('a' + 5, buf[i]);
	test_cmd_destroy_access(access_id);
	test_ioctl_ioas_unmap(iova, self->size);
	check_unchanged();
}

/* The emulated (mdev) path reads and writes the file's pages */
TEST_F(map_file, access_rw)
{
	__u64 iova = self->iova;
	unsigned int flags[] = { 0, MOCK_ACCESS_RW_SLOW_PATH };
	__u32 access_id;
	char buf[300];
	struct iommu_test_cmd rw = {
		.size = sizeof(rw),
		.op = IOMMU_TEST_OP_ACCESS_RW,
		/* across a page boundary */
		.access_rw = { .iova = self->iova + 2 * self->page - 100,
			       .length = sizeof(buf),
			       .uptr = (uintptr_t)buf },
	};

	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0, self->size, &iova,
					       FIXED));
	test_cmd_create_access(self->ioas_id, &access_id, 0);
	rw.id = access_id;
	for (unsigned int f = 0; f < 2; f++) {
		rw.access_rw.flags = flags[f];
		ASSERT_EQ(0, ioctl(self->fd,
				   _IOMMU_TEST_CMD(IOMMU_TEST_OP_ACCESS_RW),
				   &rw));
		ASSERT_EQ(0, memcmp(buf, self->map + 2 * self->page - 100,
				    sizeof(buf)));
		memset(buf, 'X' + f, sizeof(buf));
		rw.access_rw.flags = flags[f] | MOCK_ACCESS_RW_WRITE;
		ASSERT_EQ(0, ioctl(self->fd,
				   _IOMMU_TEST_CMD(IOMMU_TEST_OP_ACCESS_RW),
				   &rw));
		for (unsigned int i = 0; i < sizeof(buf); i++)
			ASSERT_EQ('X' + f,
				  ((char *)self->map)[2 * self->page - 100 + i]);
	}
	test_cmd_destroy_access(access_id);
	test_ioctl_ioas_unmap(iova, self->size);
	check_unchanged();
}

/* IOAS_COPY shares the file's pages with another IOAS */
TEST_F(map_file, copy)
{
	__u64 iova = self->iova;
	__u32 ioas2, stdev2, hwpt2, dev2;
	struct iommu_ioas_copy copy = {
		.size = sizeof(copy),
		.flags = FIXED,
		.src_iova = self->iova,
		.dst_iova = MOCK_APERTURE_START,
		.length = self->size,
	};
	struct iommu_test_cmd check = {
		.size = sizeof(check),
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.check_map = { .iova = MOCK_APERTURE_START,
			       .length = self->size,
			       .uptr = (uintptr_t)self->map },
	};

	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0, self->size, &iova,
					       FIXED));
	test_ioctl_ioas_alloc(&ioas2);
	test_cmd_mock_domain(ioas2, &stdev2, &hwpt2, &dev2);
	copy.src_ioas_id = self->ioas_id;
	copy.dst_ioas_id = ioas2;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_COPY, &copy));
	check.id = hwpt2;
	ASSERT_EQ(0, ioctl(self->fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_MD_CHECK_MAP),
			   &check));
	test_ioctl_ioas_unmap(iova, self->size);
	test_ioctl_destroy(stdev2);
	ASSERT_EQ(self->size, mapped_bytes(self->fd, ioas2));
	test_ioctl_destroy(ioas2);
	check_unchanged();
}

/* Part of an area cannot be unmapped, as for a user VA mapping */
TEST_F(map_file, partial_unmap)
{
	__u64 iova = self->iova, uva_iova = self->iova + 2 * self->size;

	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0, self->size, &iova,
					       FIXED));
	ASSERT_EQ(0, _test_ioctl_ioas_map(self->fd, self->ioas_id, self->map,
					  self->size, &uva_iova, FIXED));
	test_err_ioctl_ioas_unmap(ENOENT, iova + self->page, self->page);
	test_err_ioctl_ioas_unmap(ENOENT, uva_iova + self->page, self->page);
	check_domain(0, iova, self->size);
	test_ioctl_ioas_unmap(iova, self->size);
	test_ioctl_ioas_unmap(uva_iova, self->size);
	check_unchanged();
}

/* The same input checks as IOMMU_IOAS_MAP, and nothing mapped after them */
TEST_F(map_file, bad_arguments)
{
	__u64 iova = self->iova;
	int pipefd[2];

	EXPECT_ERRNO(EOPNOTSUPP,
		     _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0, self->size, &iova,
					       FIXED | 1 << 3));
	EXPECT_ERRNO(EINVAL,
		     _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0, self->size, &iova,
					       IOMMU_IOAS_MAP_FIXED_IOVA));
	EXPECT_ERRNO(ENOENT, _test_ioctl_ioas_map_file(self->fd,
						       self->ioas_id + 1000,
						       self->mfd, 0, self->size,
						       &iova, FIXED));
	EXPECT_ERRNO(EOVERFLOW,
		     _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, UINT64_MAX,
					       self->page, &iova, FIXED));
	EXPECT_ERRNO(EOVERFLOW,
		     _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd,
					       UINT64_MAX - self->page + 1,
					       2 * self->page, &iova, FIXED));
	EXPECT_ERRNO(EINVAL, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						       self->mfd, 0, 0, &iova,
						       FIXED));
	/* Unaligned length and start: a domain sets an IOVA alignment */
	if (variant->domain) {
		EXPECT_ERRNO(EINVAL, _test_ioctl_ioas_map_file(self->fd,
							       self->ioas_id,
							       self->mfd, 0,
							       self->page + 1,
							       &iova, FIXED));
		EXPECT_ERRNO(EINVAL, _test_ioctl_ioas_map_file(self->fd,
							       self->ioas_id,
							       self->mfd, 1,
							       self->page,
							       &iova, FIXED));
	}
	/* IOVA in use */
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0, self->page, &iova,
					       FIXED));
	EXPECT_ERRNO(EEXIST, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						       self->mfd, 0, self->page,
						       &iova, FIXED));
	test_ioctl_ioas_unmap(iova, self->page);
	check_unchanged();

	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_ERRNO(EINVAL, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						       pipefd[0], 0, self->page,
						       &iova, FIXED));
	close(pipefd[0]);
	close(pipefd[1]);
	EXPECT_ERRNO(EBADF, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						      -1, 0, self->page, &iova,
						      FIXED));
	EXPECT_ERRNO(EBADF, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						      pipefd[0], 0, self->page,
						      &iova, FIXED));
	check_unchanged();
}

/* The range must lie inside the file */
TEST_F(map_file, past_end_of_file)
{
	__u64 iova = self->iova;

	EXPECT_ERRNO(EINVAL, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						       self->mfd, 0,
						       self->size + self->page,
						       &iova, FIXED));
	EXPECT_ERRNO(EINVAL, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						       self->mfd, self->size,
						       self->page, &iova,
						       FIXED));
	EXPECT_ERRNO(EINVAL, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						       self->mfd,
						       self->size - self->page,
						       2 * self->page, &iova,
						       FIXED));
	check_unchanged();
	/* The last page of the file is fine */
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd,
					       self->size - self->page,
					       self->page, &iova, FIXED));
	test_ioctl_ioas_unmap(iova, self->page);
	check_unchanged();
}

/* DMA may write only what the caller may write */
TEST_F(map_file, write_permission)
{
	__u64 iova = self->iova;
	char path[64];
	int ro;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->mfd);
	ro = open(path, O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_ERRNO(EACCES, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						       ro, 0, self->size, &iova,
						       FIXED));
	check_unchanged();
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id, ro, 0,
					       self->size, &iova,
					       IOMMU_IOAS_MAP_READABLE |
					       IOMMU_IOAS_MAP_FIXED_IOVA));
	test_ioctl_ioas_unmap(iova, self->size);
	close(ro);

	ASSERT_EQ(0, fcntl(self->mfd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	EXPECT_ERRNO(EPERM, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						      self->mfd, 0, self->size,
						      &iova, FIXED));
	check_unchanged();
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0, self->size, &iova,
					       IOMMU_IOAS_MAP_READABLE |
					       IOMMU_IOAS_MAP_FIXED_IOVA));
	check_domain(0, iova, self->size);
	test_ioctl_ioas_unmap(iova, self->size);
	check_unchanged();
}

/*
 * Pins count against RLIMIT_MEMLOCK of a user without CAP_IPC_LOCK, as
 * those of a user VA mapping do: in a child that gives up root.  Without
 * a domain nothing is pinned, so nothing is counted.
 */
static int memlock_child(int fd, __u32 ioas_id, int mfd, void *map,
			 size_t size, __u64 base, bool pinned)
{
	struct rlimit lim = { size - PAGE_SIZE, size - PAGE_SIZE };
	int expect = pinned ? -1 : 0;
	__u64 iova = base, uva_iova = base + 2 * size;
	uint64_t len;

	if (setrlimit(RLIMIT_MEMLOCK, &lim) || setgid(65534) || setuid(65534))
		return 10;
	/* One page short: both kinds of mapping fail alike */
	if (_test_ioctl_ioas_map_file(fd, ioas_id, mfd, 0, size, &iova,
				      FIXED) != expect ||
	    (pinned && errno != ENOMEM))
		return 11;
	if (_test_ioctl_ioas_map(fd, ioas_id, map, size, &uva_iova, FIXED) !=
	    expect || (pinned && errno != ENOMEM))
		return 12;
	if (mapped_bytes(fd, ioas_id) != (pinned ? 0 : 2 * size))
		return 13;
	/* Half fits */
	if (_test_ioctl_ioas_map_file(fd, ioas_id, mfd, 0, size / 2, &iova,
				      FIXED))
		return 14;
	if (_test_ioctl_ioas_unmap(fd, ioas_id, 0, UINT64_MAX, &len) ||
	    len != size / 2)
		return 15;
	return 0;
}

TEST_F(map_file, memlock_limit)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(memlock_child(self->fd, self->ioas_id, self->mfd,
				    self->map, self->size, self->iova,
				    variant->domain));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	check_unchanged();
}

/* A writable mapping counts as a writable shared mmap for F_SEAL_WRITE */
TEST_F(map_file, write_seal_waits_for_writable_mappings)
{
	__u64 iova = self->iova;

	ASSERT_EQ(0, munmap(self->map, self->size));
	self->map = MAP_FAILED;
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0, self->size, &iova,
					       FIXED));
	ASSERT_EQ(-1, fcntl(self->mfd, F_ADD_SEALS, F_SEAL_WRITE));
	ASSERT_EQ(EBUSY, errno);
	test_ioctl_ioas_unmap(iova, self->size);
	ASSERT_EQ(0, fcntl(self->mfd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_ERRNO(EPERM, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						      self->mfd, 0, self->size,
						      &iova, FIXED));
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0, self->size, &iova,
					       IOMMU_IOAS_MAP_READABLE |
					       IOMMU_IOAS_MAP_FIXED_IOVA));
	test_ioctl_ioas_unmap(iova, self->size);
	check_unchanged();
}

/* DMA may read only what the caller may read */
TEST_F(map_file, read_permission)
{
	__u64 iova = self->iova;
	char path[64];
	int wo;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->mfd);
	wo = open(path, O_WRONLY);
	ASSERT_LE(0, wo);
	EXPECT_ERRNO(EACCES, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						       wo, 0, self->size, &iova,
						       FIXED));
	check_unchanged();
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id, wo, 0,
					       self->size, &iova,
					       IOMMU_IOAS_MAP_WRITEABLE |
					       IOMMU_IOAS_MAP_FIXED_IOVA));
	test_ioctl_ioas_unmap(iova, self->size);
	close(wo);
	check_unchanged();
}

/* Pages are pinned whole: a range ending in a partial last page is refused */
TEST_F(map_file, partial_last_page)
{
	__u64 iova = self->iova;

	if (variant->hugetlb) {
		/* hugetlbfs has no partial pages to begin with */
		ASSERT_EQ(-1, ftruncate(self->mfd, self->size - 100));
		return;
	}
	ASSERT_EQ(0, munmap(self->map, self->size));
	self->map = MAP_FAILED;
	ASSERT_EQ(0, ftruncate(self->mfd, self->size - 100));
	EXPECT_ERRNO(EINVAL, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						       self->mfd, 0,
						       self->size - 100, &iova,
						       IOMMU_IOAS_MAP_READABLE |
					       IOMMU_IOAS_MAP_FIXED_IOVA));
	check_unchanged();
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
					       self->mfd, 0,
					       self->size - self->page, &iova,
					       FIXED));
	test_ioctl_ioas_unmap(iova, self->size - self->page);
	check_unchanged();
}

/*
 * The mapping does not need the process that made it: a child maps the
 * memfd and exits, then a new domain (or an access) pins its pages.
 */
TEST_F(map_file, outlives_the_process)
{
	__u32 stdev2, hwpt2, access_id;
	__u64 iova = self->iova;
	struct iommu_test_cmd rw = {
		.size = sizeof(rw),
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.access_rw = { .iova = self->iova + 3 * self->page,
			       .length = 32 },
	};
	char buf[32];
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(_test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						self->mfd, 0, self->size, &iova,
						FIXED) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	test_cmd_mock_domain(self->ioas_id, &stdev2, &hwpt2, NULL);
	if (variant->domain) {
		self->hwpt_id = hwpt2;
		check_domain(0, iova, self->size);
	}
	test_cmd_create_access(self->ioas_id, &access_id, 0);
	rw.id = access_id;
	rw.access_rw.uptr = (uintptr_t)buf;
	ASSERT_EQ(0, ioctl(self->fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_ACCESS_RW),
			   &rw));
	ASSERT_EQ('a' + 3, buf[0]);
	test_cmd_destroy_access(access_id);
	test_ioctl_destroy(stdev2);
	test_ioctl_ioas_unmap(iova, self->size);
	check_unchanged();
}

TEST_HARNESS_MAIN
