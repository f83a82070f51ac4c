// SPDX-License-Identifier: GPL-2.0-only
/*
 * The QEMU edu device (PCI 1234:11e8) as a DMA test device.
 *
 * edu has a 4 KiB buffer at device address 0x40000 and one DMA engine
 * that copies between that buffer and an IOVA, in either direction; a
 * memcpy between two IOVAs is two such DMAs, through the buffer.  QEMU
 * 7.2 facts this driver keeps to: a DMA runs from a QEMU timer about
 * 100 ms after the start bit is set, and the bit clears when it is done;
 * the DMA address is masked to 28 bits; and a transfer that ends at the
 * end of the buffer (4096 bytes) is a "hardware error" that kills QEMU,
 * so a copy is at most 4095 bytes.  Interrupts are never enabled: a
 * device kept running across a kexec must not raise one into an empty
 * interrupt-remapping table.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "../../include/vfio_util.h"

#define EDU_ID		0x00
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define  EDU_CMD_START		0x1
#define  EDU_CMD_TO_RAM		0x2	/* else RAM to the buffer */
#define EDU_BUFFER	0x40000
#define EDU_BUFFER_SIZE	4096

/*
 * MMIO through BAR0: relaxed atomics, so that every access is made, once
 * and whole, in program order (x86 orders uncached accesses).
 */
static uint64_t edu_read(struct vfio_pci_device *dev, unsigned int reg)
{
	return __atomic_load_n((uint64_t *)((char *)dev->bar0 + reg),
			       __ATOMIC_RELAXED);
}

static void edu_write(struct vfio_pci_device *dev, unsigned int reg,
		      uint64_t val)
{
	__atomic_store_n((uint64_t *)((char *)dev->bar0 + reg), val,
			 __ATOMIC_RELAXED);
}

static int edu_init(struct vfio_pci_device *dev)
{
	uint32_t id = __atomic_load_n((uint32_t *)((char *)dev->bar0 + EDU_ID),
				      __ATOMIC_RELAXED);

	/* 0xRRrr00ed: major and minor revision, then "ed" */
	if ((id & 0xffff) != 0x00ed) {
		fprintf(stderr, "edu: %s: identification 0x%x\n", dev->bdf, id);
		return -ENODEV;
	}
	if (edu_read(dev, EDU_DMA_CMD) & EDU_CMD_START) {
		fprintf(stderr, "edu: %s: a DMA is running\n", dev->bdf);
		return -EBUSY;
	}
	return 0;
}

/**
 * edu_dma_start() - start one DMA between an IOVA and the edu buffer
 * @dev: the edu device
 * @iova: the IOVA, below 256 MiB
 * @len: bytes, 1 to 4095
 * @to_ram: copy the buffer (from its start) to @iova, else @iova to it
 *
 * Return: 0, -EINVAL, or -EBUSY while a DMA is running.
 */
int edu_dma_start(struct vfio_pci_device *dev, uint64_t iova, size_t len,
		  bool to_ram)
{
	if (!len || len >= EDU_BUFFER_SIZE || iova >= (1ULL << 28) ||
	    len > (1ULL << 28) - iova)
		return -EINVAL;
	if (edu_read(dev, EDU_DMA_CMD) & EDU_CMD_START)
		return -EBUSY;
	edu_write(dev, EDU_DMA_SRC, to_ram ? EDU_BUFFER : iova);
	edu_write(dev, EDU_DMA_DST, to_ram ? iova : EDU_BUFFER);
	edu_write(dev, EDU_DMA_COUNT, len);
	edu_write(dev, EDU_DMA_CMD,
		  EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	return 0;
}

/**
 * edu_dma_busy() - whether a DMA is pending or running
 * @dev: the edu device
 *
 * Return: true until the DMA started last is done.
 */
bool edu_dma_busy(struct vfio_pci_device *dev)
{
	return edu_read(dev, EDU_DMA_CMD) & EDU_CMD_START;
}

/**
 * edu_dma_wait() - wait for the running DMA to be done
 * @dev: the edu device
 * @timeout_ms: how long at most
 *
 * Return: 0 or -ETIMEDOUT.
 */
int edu_dma_wait(struct vfio_pci_device *dev, unsigned int timeout_ms)
{
	struct timespec tick = { .tv_nsec = 1000000 };
	unsigned int waited;

	for (waited = 0; waited <= timeout_ms; waited++) {
		if (!edu_dma_busy(dev))
			return 0;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "edu: %s: DMA not done after %u ms\n", dev->bdf,
		timeout_ms);
	return -ETIMEDOUT;
}

/*
 * RAM to the buffer, waited for (about 100 ms), then the buffer to RAM,
 * started: edu_memcpy_wait() waits for the second half.
 */
static int edu_memcpy_start(struct vfio_pci_device *dev, uint64_t src,
			    uint64_t dst, size_t len)
{
	int ret;

	ret = edu_dma_start(dev, src, len, false);
	if (!ret)
		ret = edu_dma_wait(dev, 5000);
	if (!ret)
		ret = edu_dma_start(dev, dst, len, true);
	return ret;
}

const struct vfio_dma_driver vfio_edu_driver = {
	.name = "edu",
	.vendor = 0x1234,
	.device = 0x11e8,
	.max_copy = EDU_BUFFER_SIZE - 1,
	.iova_limit = 1ULL << 28,
	.init = edu_init,
	.memcpy_start = edu_memcpy_start,
	.memcpy_wait = edu_dma_wait,
};
