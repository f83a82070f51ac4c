// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmarks of the device path, on the first edu device with VT-d:
 *
 * iommufd_map_file_1g_vs_map_ratio: IOMMU_IOAS_MAP_FILE of a populated
 *	1 GiB memfd into an IOAS with the device's domain, against
 *	IOMMU_IOAS_MAP of the same memory by its user VA; medians of
 *	alternated rounds.
 * hwpt_replace_us: one VFIO_DEVICE_ATTACH_IOMMUFD_PT that moves the
 *	device between two HWPTs over that IOAS, mean of many.
 *
 * Prints "BENCH name value unit" lines; exit status 0, or 1 with the
 * reason on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "vfio_util.h"

#define GIB		(1024UL * 1024 * 1024)
#define IOVA		(4 * GIB)	/* above what edu reaches: no DMA here */
#define ROUNDS		5
#define REPLACES	400

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define CHECK(call)							\
	do {								\
		int __ret = (call);					\
		if (__ret) {						\
			fprintf(stderr, "bench: %s: %s\n", #call,	\
				strerror(-__ret));			\
			exit(1);					\
		}							\
	} while (0)

int main(void)
{
	double file_us[ROUNDS], user_us[ROUNDS], t;
	struct vfio_pci_device dev;
	uint32_t ioas, hwpt[2];
	int iommufd, memfd, i;
	char bdf[16];
	char *mem;

	CHECK(vfio_pci_find(0x1234, 0x11e8, 0, bdf, sizeof(bdf)));
	CHECK(vfio_pci_bind_vfio(bdf));
	CHECK(vfio_pci_device_open(&dev, bdf));
	iommufd = iommufd_open();
	if (iommufd < 0)
		return 1;
	CHECK(vfio_pci_device_bind(&dev, iommufd));
	CHECK(iommufd_ioas_alloc(iommufd, &ioas));
	CHECK(iommufd_hwpt_alloc(iommufd, dev.dev_id, ioas, &hwpt[0]));
	CHECK(iommufd_hwpt_alloc(iommufd, dev.dev_id, ioas, &hwpt[1]));
	CHECK(vfio_pci_device_attach(&dev, hwpt[0]));

	memfd = memfd_create("bench", 0);
	if (memfd < 0 || ftruncate(memfd, GIB))
		return 1;
	mem = mmap(NULL, GIB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		   memfd, 0);
	if (mem == MAP_FAILED)
		return 1;
	memset(mem, 0x5a, GIB);

	for (i = 0; i < ROUNDS; i++) {
		t = now_us();
		CHECK(iommufd_map_file(iommufd, ioas, memfd, 0, GIB, IOVA));
		file_us[i] = now_us() - t;
		CHECK(iommufd_unmap(iommufd, ioas, IOVA, GIB));

		t = now_us();
		CHECK(iommufd_map_user(iommufd, ioas, mem, GIB, IOVA));
		user_us[i] = now_us() - t;
		CHECK(iommufd_unmap(iommufd, ioas, IOVA, GIB));
	}
	t = median(file_us, ROUNDS);
	printf("BENCH iommufd_map_file_1g_vs_map_ratio %.3f ratio\n",
	       t / median(user_us, ROUNDS));
	printf("BENCH iommufd_map_file_1g_ms %.1f ms\n", t / 1e3);
	printf("BENCH iommufd_map_user_1g_ms %.1f ms\n",
	       median(user_us, ROUNDS) / 1e3);

	/* Replace with the memory mapped, as a VMM would */
	CHECK(iommufd_map_file(iommufd, ioas, memfd, 0, GIB, IOVA));
	t = now_us();
	for (i = 0; i < REPLACES; i++)
		CHECK(vfio_pci_device_attach(&dev, hwpt[(i + 1) % 2]));
	printf("BENCH hwpt_replace_us %.1f us\n", (now_us() - t) / REPLACES);

	vfio_pci_device_close(&dev);
	close(iommufd);
	return 0;
}
