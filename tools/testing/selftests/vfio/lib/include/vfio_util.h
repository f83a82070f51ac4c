/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small library for tests that drive a PCI device through a vfio-pci
 * device cdev and iommufd, and a driver per DMA-capable test device behind
 * one memcpy interface.  6.12 has no such library; this is its home, shared
 * by the vfio selftests, the live update kexec tests and the demo.
 *
 * Functions return 0 or a negative errno and print what failed to stderr,
 * so that a test can assert on the return value alone.
 */
#ifndef SELFTESTS_VFIO_UTIL_H
#define SELFTESTS_VFIO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * struct vfio_pci_device - a PCI device bound to vfio-pci, opened by cdev
 * @bdf: its address, "0000:00:03.0"
 * @fd: the device cdev, /dev/vfio/devices/vfioN; -1 for a device whose
 *	BAR0 was mapped through sysfs (vfio_pci_device_open_sysfs())
 * @iommufd: the iommufd it is bound to, or -1
 * @dev_id: its device ID in @iommufd
 * @bar0: BAR0 mapped, or NULL
 * @bar0_size: size of the mapping
 * @driver: the test device driver that runs its DMA, or NULL
 */
struct vfio_pci_device {
	char bdf[16];
	int fd;
	int iommufd;
	uint32_t dev_id;
	void *bar0;
	size_t bar0_size;
	const struct vfio_dma_driver *driver;
};

/**
 * struct vfio_dma_driver - what the library knows of a DMA test device
 * @name: its name, "edu"
 * @vendor: PCI vendor ID
 * @device: PCI device ID
 * @max_copy: the largest copy one memcpy may do, in bytes
 * @iova_limit: IOVAs the device can address are below this
 * @init: prepare @dev (BAR0 is mapped); 0 or -errno
 * @memcpy_start: start copying @len bytes from @src to @dst (IOVAs)
 *	without waiting; 0 or -errno
 * @memcpy_wait: wait for the copy started last; 0, or -ETIMEDOUT after
 *	@timeout_ms
 */
struct vfio_dma_driver {
	const char *name;
	uint16_t vendor;
	uint16_t device;
	size_t max_copy;
	uint64_t iova_limit;
	int (*init)(struct vfio_pci_device *dev);
	int (*memcpy_start)(struct vfio_pci_device *dev, uint64_t src,
			    uint64_t dst, size_t len);
	int (*memcpy_wait)(struct vfio_pci_device *dev, unsigned int timeout_ms);
};

extern const struct vfio_dma_driver vfio_edu_driver;

/* PCI device lookup and driver binding (sysfs) */
int vfio_pci_find(uint16_t vendor, uint16_t device, unsigned int nth,
		  char *bdf, size_t len);
int vfio_pci_bind_driver(const char *bdf, const char *driver);
int vfio_pci_bind_vfio(const char *bdf);
int vfio_pci_cdev_path(const char *bdf, char *path, size_t len);
int vfio_pci_driver(const char *bdf, char *name, size_t len);
int vfio_pci_parent(const char *bdf, char *parent, size_t len);
int vfio_pci_iommu_group(const char *bdf, char *group, size_t len);
int vfio_pci_read_command(const char *bdf, uint16_t *cmd);
int vfio_pci_write_command(const char *bdf, uint16_t cmd);

/* The device: open, bind to an iommufd, attach, map BAR0, close */
int vfio_pci_device_open(struct vfio_pci_device *dev, const char *bdf);
int vfio_pci_device_bind(struct vfio_pci_device *dev, int iommufd);
int vfio_pci_device_attach(struct vfio_pci_device *dev, uint32_t pt_id);
int vfio_pci_device_detach(struct vfio_pci_device *dev);
int vfio_pci_device_map_bar0(struct vfio_pci_device *dev);
int vfio_pci_device_set_master(struct vfio_pci_device *dev, bool on);
void vfio_pci_device_close(struct vfio_pci_device *dev);

/* The device without its vfio file: BAR0 through sysfs (resource0) */
int vfio_pci_device_open_sysfs(struct vfio_pci_device *dev, const char *bdf);

/* Interrupts: an eventfd as the trigger of IRQ index @index, or none */
int vfio_pci_device_irq_count(struct vfio_pci_device *dev, unsigned int index);
int vfio_pci_device_irq_enable(struct vfio_pci_device *dev,
			       unsigned int index, int eventfd);
int vfio_pci_device_irq_disable(struct vfio_pci_device *dev,
				unsigned int index);

/* iommufd: IOAS, file mappings, paging HWPTs */
int iommufd_open(void);
int iommufd_ioas_alloc(int iommufd, uint32_t *ioas_id);
int iommufd_map_file(int iommufd, uint32_t ioas_id, int memfd,
		     uint64_t start, uint64_t length, uint64_t iova);
int iommufd_map_user(int iommufd, uint32_t ioas_id, void *va,
		     uint64_t length, uint64_t iova);
int iommufd_unmap(int iommufd, uint32_t ioas_id, uint64_t iova,
		  uint64_t length);
int iommufd_hwpt_alloc(int iommufd, uint32_t dev_id, uint32_t pt_id,
		       uint32_t *hwpt_id);
int iommufd_hwpt_lu_mark(int iommufd, uint32_t hwpt_id, uint64_t token);
int iommufd_hwpt_lu_restore(int iommufd, uint64_t token, uint32_t flags,
			    uint32_t *hwpt_id);
int iommufd_destroy(int iommufd, uint32_t id);

/* DMA through the device's driver */
int vfio_dma_init(struct vfio_pci_device *dev);
int vfio_dma_memcpy_start(struct vfio_pci_device *dev, uint64_t src,
			  uint64_t dst, size_t len);
int vfio_dma_memcpy_wait(struct vfio_pci_device *dev,
			 unsigned int timeout_ms);
int vfio_dma_memcpy(struct vfio_pci_device *dev, uint64_t src, uint64_t dst,
		    size_t len);

/* The edu device's own operations, for tests that need one direction */
int edu_dma_start(struct vfio_pci_device *dev, uint64_t iova, size_t len,
		  bool to_ram);
bool edu_dma_busy(struct vfio_pci_device *dev);
int edu_dma_wait(struct vfio_pci_device *dev, unsigned int timeout_ms);

#endif
