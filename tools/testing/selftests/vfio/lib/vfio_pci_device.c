// SPDX-License-Identifier: GPL-2.0-only
/*
 * A PCI device through its vfio-pci device cdev, bound to an iommufd:
 * find it in sysfs, bind it to vfio-pci, open its cdev, bind and attach
 * it, map BAR0 and switch bus mastering; and the iommufd calls the tests
 * need around it (IOAS, IOMMU_IOAS_MAP_FILE, paging HWPTs).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "vfio_util.h"

#define SYSFS_PCI "/sys/bus/pci/devices"
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Print what failed and return -errno */
static int fail(const char *what, const char *who)
{
	int err = errno ? errno : EIO;

	fprintf(stderr, "vfio: %s %s: %s\n", what, who, strerror(err));
	return -err;
}

static int read_hex(const char *bdf, const char *attr, unsigned long *val)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/%s", bdf, attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*val = strtoul(buf, NULL, 16);
	return 0;
}

static int write_str(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -errno;
}

/**
 * vfio_pci_find() - find the @nth device (from 0) with these IDs
 * @vendor: PCI vendor ID
 * @device: PCI device ID
 * @nth: which of them, in sysfs order
 * @bdf: returns its address
 * @len: size of @bdf
 *
 * Return: 0, or -ENODEV.
 */
int vfio_pci_find(uint16_t vendor, uint16_t device, unsigned int nth,
		  char *bdf, size_t len)
{
	struct dirent **names;
	unsigned long v, d;
	int i, n, ret = -ENODEV;

	n = scandir(SYSFS_PCI, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (ret && name[0] != '.' &&
		    !read_hex(name, "vendor", &v) && v == vendor &&
		    !read_hex(name, "device", &d) && d == device && !nth--) {
			snprintf(bdf, len, "%s", name);
			ret = 0;
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

/**
 * vfio_pci_bind_driver() - bind a PCI device to a driver by name
 * @bdf: its address
 * @driver: the driver, tried through driver_override
 *
 * Unbinds it from its driver if it has another one.  A driver whose probe
 * fails leaves the device without one.
 *
 * Return: 0 or -errno (the probe's failure: -EINVAL from drivers_probe).
 */
int vfio_pci_bind_driver(const char *bdf, const char *driver)
{
	char path[160], now[64];
	int ret;

	ret = vfio_pci_driver(bdf, now, sizeof(now));
	if (ret)
		return ret;
	if (!strcmp(now, driver))
		return 0;
	if (now[0]) {
		snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver/unbind", bdf);
		if (write_str(path, bdf))
			return fail("unbind", bdf);
	}
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver_override", bdf);
	if (write_str(path, driver))
		return fail("driver_override", bdf);
	if (write_str("/sys/bus/pci/drivers_probe", bdf))
		return fail("drivers_probe", bdf);
	return 0;
}

/**
 * vfio_pci_bind_vfio() - bind a PCI device to vfio-pci
 * @bdf: its address
 *
 * Return: 0 or -errno.
 */
int vfio_pci_bind_vfio(const char *bdf)
{
	return vfio_pci_bind_driver(bdf, "vfio-pci");
}

/**
 * vfio_pci_cdev_path() - the device cdev of a device bound to vfio-pci
 * @bdf: its address
 * @path: returns "/dev/vfio/devices/vfioN"
 * @len: size of @path
 *
 * Return: 0 or -ENODEV.
 */
int vfio_pci_cdev_path(const char *bdf, char *path, size_t len)
{
	struct dirent *ent;
	char dir[128];
	DIR *d;

	snprintf(dir, sizeof(dir), SYSFS_PCI "/%s/vfio-dev", bdf);
	d = opendir(dir);
	if (!d)
		return -ENODEV;
	while ((ent = readdir(d))) {
		if (!strncmp(ent->d_name, "vfio", 4)) {
			snprintf(path, len, "/dev/vfio/devices/%s", ent->d_name);
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	return -ENODEV;
}

/**
 * vfio_pci_driver() - the driver a device is bound to
 * @bdf: its address
 * @name: returns the driver's name, "" for a device without one
 * @len: size of @name
 *
 * Return: 0 or -errno.
 */
int vfio_pci_driver(const char *bdf, char *name, size_t len)
{
	char path[128], link[256];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		if (errno != ENOENT)
			return -errno;
		n = 0;
	}
	link[n] = '\0';
	base = strrchr(link, '/');
	snprintf(name, len, "%s", base ? base + 1 : link);
	return 0;
}

/**
 * vfio_pci_parent() - the bridge a device sits behind
 * @bdf: its address
 * @parent: returns the bridge's address
 * @len: size of @parent
 *
 * Return: 0, -ENODEV for a device on a root bus, or -errno.
 */
int vfio_pci_parent(const char *bdf, char *parent, size_t len)
{
	char path[128], real[PATH_MAX], *slash;
	unsigned int dom, bus, slot, fn;
	char extra;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s", bdf);
	if (!realpath(path, real))
		return -errno;
	slash = strrchr(real, '/');
	if (!slash)
		return -ENODEV;
	*slash = '\0';
	slash = strrchr(real, '/');
	/* .../pci0000:00/0000:00:03.0/0000:01:00.0: a PCI address above */
	if (!slash || sscanf(slash + 1, "%x:%x:%x.%x%c", &dom, &bus, &slot,
			     &fn, &extra) != 4)
		return -ENODEV;
	snprintf(parent, len, "%s", slash + 1);
	return 0;
}

/**
 * vfio_pci_iommu_group() - the IOMMU group of a device
 * @bdf: its address
 * @group: returns the group's number, as in /dev/vfio/<group>
 * @len: size of @group
 *
 * Return: the number of devices in the group, or -errno.
 */
int vfio_pci_iommu_group(const char *bdf, char *group, size_t len)
{
	char path[128], link[256];
	struct dirent *ent;
	const char *base;
	int members = 0;
	ssize_t n;
	DIR *d;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	base = strrchr(link, '/');
	snprintf(group, len, "%s", base ? base + 1 : link);

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/iommu_group/devices", bdf);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((ent = readdir(d)))
		members += ent->d_name[0] != '.';
	closedir(d);
	return members;
}

/* Read or write PCI_COMMAND of @bdf through sysfs: 0 or -errno */
static int config_command(const char *bdf, uint16_t *cmd, bool write)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/config", bdf);
	fd = open(path, write ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return fail("open", path);
	n = write ? pwrite(fd, cmd, sizeof(*cmd), PCI_COMMAND) :
		    pread(fd, cmd, sizeof(*cmd), PCI_COMMAND);
	close(fd);
	if (n != sizeof(*cmd))
		return fail(write ? "write PCI_COMMAND of" : "read PCI_COMMAND of",
			    bdf);
	return 0;
}

/**
 * vfio_pci_read_command() - read PCI_COMMAND through sysfs
 * @bdf: the device's address
 * @cmd: returns the register
 *
 * Whatever driver the device has, or none.
 *
 * Return: 0 or -errno.
 */
int vfio_pci_read_command(const char *bdf, uint16_t *cmd)
{
	return config_command(bdf, cmd, false);
}

/**
 * vfio_pci_write_command() - write PCI_COMMAND through sysfs
 * @bdf: the device's address
 * @cmd: the new value
 *
 * Return: 0 or -errno.
 */
int vfio_pci_write_command(const char *bdf, uint16_t cmd)
{
	return config_command(bdf, &cmd, true);
}

/**
 * vfio_pci_device_open() - open the cdev of a device bound to vfio-pci
 * @dev: filled in
 * @bdf: its address
 *
 * Return: 0 or -errno.
 */
int vfio_pci_device_open(struct vfio_pci_device *dev, const char *bdf)
{
	char path[64];
	int ret;

	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	dev->iommufd = -1;
	snprintf(dev->bdf, sizeof(dev->bdf), "%s", bdf);
	ret = vfio_pci_cdev_path(bdf, path, sizeof(path));
	if (ret) {
		errno = -ret;
		return fail("no vfio cdev for", bdf);
	}
	dev->fd = open(path, O_RDWR);
	if (dev->fd < 0)
		return fail("open", path);
	return 0;
}

/**
 * vfio_pci_device_bind() - VFIO_DEVICE_BIND_IOMMUFD
 * @dev: the device
 * @iommufd: the iommufd to bind it to
 *
 * Return: 0 or -errno; @dev->dev_id is set on success.
 */
int vfio_pci_device_bind(struct vfio_pci_device *dev, int iommufd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	if (ioctl(dev->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return fail("VFIO_DEVICE_BIND_IOMMUFD", dev->bdf);
	dev->iommufd = iommufd;
	dev->dev_id = bind.out_devid;
	return 0;
}

/**
 * vfio_pci_device_attach() - VFIO_DEVICE_ATTACH_IOMMUFD_PT
 * @dev: the device, bound
 * @pt_id: an IOAS or a HWPT; a bound and attached device is replaced onto
 *	it (iommufd's replace path)
 *
 * Return: 0 or -errno.
 */
int vfio_pci_device_attach(struct vfio_pci_device *dev, uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt_id,
	};

	if (ioctl(dev->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return fail("VFIO_DEVICE_ATTACH_IOMMUFD_PT", dev->bdf);
	return 0;
}

/**
 * vfio_pci_device_detach() - VFIO_DEVICE_DETACH_IOMMUFD_PT
 * @dev: the device, attached
 *
 * Its DMA is blocked until it is attached again.
 *
 * Return: 0 or -errno.
 */
int vfio_pci_device_detach(struct vfio_pci_device *dev)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach),
	};

	if (ioctl(dev->fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach))
		return fail("VFIO_DEVICE_DETACH_IOMMUFD_PT", dev->bdf);
	return 0;
}

static int region_info(struct vfio_pci_device *dev, unsigned int index,
		       struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, info))
		return fail("VFIO_DEVICE_GET_REGION_INFO", dev->bdf);
	return 0;
}

/**
 * vfio_pci_device_map_bar0() - map BAR0 into @dev->bar0
 * @dev: the device
 *
 * Return: 0 or -errno.
 */
int vfio_pci_device_map_bar0(struct vfio_pci_device *dev)
{
	struct vfio_region_info info;
	void *bar;
	int ret;

	ret = region_info(dev, VFIO_PCI_BAR0_REGION_INDEX, &info);
	if (ret)
		return ret;
	if (!(info.flags & VFIO_REGION_INFO_FLAG_MMAP) || !info.size) {
		errno = EINVAL;
		return fail("BAR0 cannot be mapped of", dev->bdf);
	}
	bar = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   dev->fd, info.offset);
	if (bar == MAP_FAILED)
		return fail("mmap BAR0 of", dev->bdf);
	dev->bar0 = bar;
	dev->bar0_size = info.size;
	return 0;
}

/**
 * vfio_pci_device_set_master() - switch bus mastering (PCI_COMMAND)
 * @dev: the device
 * @on: whether it may master the bus
 *
 * Return: 0 or -errno.
 */
int vfio_pci_device_set_master(struct vfio_pci_device *dev, bool on)
{
	struct vfio_region_info info;
	uint16_t cmd;
	int ret;

	ret = region_info(dev, VFIO_PCI_CONFIG_REGION_INDEX, &info);
	if (ret)
		return ret;
	if (pread(dev->fd, &cmd, sizeof(cmd), info.offset + PCI_COMMAND) !=
	    sizeof(cmd))
		return fail("read PCI_COMMAND of", dev->bdf);
	if (on)
		cmd |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	else
		cmd &= ~PCI_COMMAND_MASTER;
	if (pwrite(dev->fd, &cmd, sizeof(cmd), info.offset + PCI_COMMAND) !=
	    sizeof(cmd))
		return fail("write PCI_COMMAND of", dev->bdf);
	return 0;
}

/**
 * vfio_pci_device_close() - unmap BAR0 and close the cdev
 * @dev: the device
 *
 * Closing the cdev unbinds the device from its iommufd; vfio-pci resets it.
 */
void vfio_pci_device_close(struct vfio_pci_device *dev)
{
	if (dev->bar0)
		munmap(dev->bar0, dev->bar0_size);
	dev->bar0 = NULL;
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

/**
 * vfio_pci_device_open_sysfs() - map BAR0 of a device through sysfs
 * @dev: filled in; @dev->fd is -1
 * @bdf: its address
 *
 * For a device to be driven without its vfio file: after a live update,
 * a preserved device's DMA goes on before anything opens it, and a device
 * that was not preserved has no driver.  Needs memory decoding on in the
 * device's PCI_COMMAND.  vfio_pci_device_close() unmaps it.
 *
 * Return: 0 or -errno.
 */
int vfio_pci_device_open_sysfs(struct vfio_pci_device *dev, const char *bdf)
{
	char path[128];
	struct stat st;
	void *bar;
	int fd;

	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	dev->iommufd = -1;
	snprintf(dev->bdf, sizeof(dev->bdf), "%s", bdf);
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return fail("open", path);
	if (fstat(fd, &st) || !st.st_size) {
		close(fd);
		return fail("size of", path);
	}
	bar = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (bar == MAP_FAILED)
		return fail("mmap", path);
	dev->bar0 = bar;
	dev->bar0_size = st.st_size;
	return 0;
}

/**
 * vfio_pci_device_irq_count() - VFIO_DEVICE_GET_IRQ_INFO
 * @dev: the device
 * @index: VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_MSI_IRQ_INDEX, ...
 *
 * Return: how many interrupts of that index the device has, or -errno.
 */
int vfio_pci_device_irq_count(struct vfio_pci_device *dev, unsigned int index)
{
	struct vfio_irq_info info = {
		.argsz = sizeof(info),
		.index = index,
	};

	if (ioctl(dev->fd, VFIO_DEVICE_GET_IRQ_INFO, &info))
		return fail("VFIO_DEVICE_GET_IRQ_INFO", dev->bdf);
	return info.count;
}

/**
 * vfio_pci_device_irq_enable() - an eventfd as the trigger of the first
 *				  interrupt of @index (VFIO_DEVICE_SET_IRQS)
 * @dev: the device
 * @index: VFIO_PCI_INTX_IRQ_INDEX or VFIO_PCI_MSI_IRQ_INDEX
 * @eventfd: the eventfd
 *
 * Enables INTx or MSI in the kernel; the device itself is not asked to
 * raise anything.
 *
 * Return: 0 or -errno.
 */
int vfio_pci_device_irq_enable(struct vfio_pci_device *dev,
			       unsigned int index, int eventfd)
{
	struct {
		struct vfio_irq_set set;
		int32_t fd;
	} irq = {
		.set = {
			.argsz = sizeof(irq),
			.flags = VFIO_IRQ_SET_DATA_EVENTFD |
				 VFIO_IRQ_SET_ACTION_TRIGGER,
			.index = index,
			.start = 0,
			.count = 1,
		},
		.fd = eventfd,
	};

	if (ioctl(dev->fd, VFIO_DEVICE_SET_IRQS, &irq))
		return fail("VFIO_DEVICE_SET_IRQS (enable) of", dev->bdf);
	return 0;
}

/**
 * vfio_pci_device_irq_disable() - disable the interrupts of @index
 *				   (VFIO_DEVICE_SET_IRQS, DATA_NONE, count 0)
 * @dev: the device
 * @index: the index enabled with vfio_pci_device_irq_enable()
 *
 * Return: 0 or -errno.
 */
int vfio_pci_device_irq_disable(struct vfio_pci_device *dev,
				unsigned int index)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = index,
	};

	if (ioctl(dev->fd, VFIO_DEVICE_SET_IRQS, &set))
		return fail("VFIO_DEVICE_SET_IRQS (disable) of", dev->bdf);
	return 0;
}

/**
 * iommufd_open() - open /dev/iommu
 *
 * Return: the fd, or -errno.
 */
int iommufd_open(void)
{
	int fd = open("/dev/iommu", O_RDWR);

	return fd >= 0 ? fd : fail("open", "/dev/iommu");
}

/**
 * iommufd_ioas_alloc() - IOMMU_IOAS_ALLOC
 * @iommufd: the iommufd
 * @ioas_id: returns the IOAS's ID
 *
 * Return: 0 or -errno.
 */
int iommufd_ioas_alloc(int iommufd, uint32_t *ioas_id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &cmd))
		return fail("IOMMU_IOAS_ALLOC", "");
	*ioas_id = cmd.out_ioas_id;
	return 0;
}

/**
 * iommufd_map_file() - IOMMU_IOAS_MAP_FILE, readable and writable, at a
 *			fixed IOVA
 * @iommufd: the iommufd
 * @ioas_id: the IOAS
 * @memfd: the memfd
 * @start: offset in @memfd
 * @length: bytes to map
 * @iova: where
 *
 * Return: 0 or -errno.
 */
int iommufd_map_file(int iommufd, uint32_t ioas_id, int memfd,
		     uint64_t start, uint64_t length, uint64_t iova)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.fd = memfd,
		.start = start,
		.length = length,
		.iova = iova,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &cmd))
		return fail("IOMMU_IOAS_MAP_FILE", "");
	return 0;
}

/**
 * iommufd_map_user() - IOMMU_IOAS_MAP of user memory, readable and
 *			writable, at a fixed IOVA
 * @iommufd: the iommufd
 * @ioas_id: the IOAS
 * @va: the memory
 * @length: bytes to map
 * @iova: where
 *
 * Return: 0 or -errno.
 */
int iommufd_map_user(int iommufd, uint32_t ioas_id, void *va,
		     uint64_t length, uint64_t iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)va,
		.length = length,
		.iova = iova,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP, &cmd))
		return fail("IOMMU_IOAS_MAP", "");
	return 0;
}

/**
 * iommufd_unmap() - IOMMU_IOAS_UNMAP
 * @iommufd: the iommufd
 * @ioas_id: the IOAS
 * @iova: first IOVA
 * @length: bytes
 *
 * Return: 0 or -errno.
 */
int iommufd_unmap(int iommufd, uint32_t ioas_id, uint64_t iova,
		  uint64_t length)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};

	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd))
		return fail("IOMMU_IOAS_UNMAP", "");
	return 0;
}

/**
 * iommufd_hwpt_alloc() - IOMMU_HWPT_ALLOC of a paging HWPT
 * @iommufd: the iommufd
 * @dev_id: a device bound to it
 * @pt_id: the IOAS
 * @hwpt_id: returns the HWPT's ID
 *
 * Return: 0 or -errno.
 */
int iommufd_hwpt_alloc(int iommufd, uint32_t dev_id, uint32_t pt_id,
		       uint32_t *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.pt_id = pt_id,
	};

	if (ioctl(iommufd, IOMMU_HWPT_ALLOC, &cmd))
		return fail("IOMMU_HWPT_ALLOC", "");
	*hwpt_id = cmd.out_hwpt_id;
	return 0;
}

/**
 * iommufd_hwpt_lu_mark() - IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE
 * @iommufd: the iommufd
 * @hwpt_id: a paging HWPT
 * @token: the token to preserve it under
 *
 * Return: 0 or -errno.
 */
int iommufd_hwpt_lu_mark(int iommufd, uint32_t hwpt_id, uint64_t token)
{
	struct iommu_hwpt_lu_mark_preserve cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.hwpt_token = token,
	};

	if (ioctl(iommufd, IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &cmd))
		return fail("IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE", "");
	return 0;
}

/**
 * iommufd_hwpt_lu_restore() - IOMMU_HWPT_LIVEUPDATE_RESTORE
 * @iommufd: an iommufd retrieved from a live update session
 * @token: the token its HWPT was marked with
 * @flags: the ioctl's flags, 0
 * @hwpt_id: returns the restored HWPT's ID
 *
 * Return: 0 or -errno.
 */
int iommufd_hwpt_lu_restore(int iommufd, uint64_t token, uint32_t flags,
			    uint32_t *hwpt_id)
{
	struct iommu_hwpt_lu_restore cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.hwpt_token = token,
	};

	if (ioctl(iommufd, IOMMU_HWPT_LIVEUPDATE_RESTORE, &cmd))
		return fail("IOMMU_HWPT_LIVEUPDATE_RESTORE", "");
	*hwpt_id = cmd.out_hwpt_id;
	return 0;
}

/**
 * iommufd_destroy() - IOMMU_DESTROY
 * @iommufd: the iommufd
 * @id: the object
 *
 * Return: 0 or -errno.
 */
int iommufd_destroy(int iommufd, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	if (ioctl(iommufd, IOMMU_DESTROY, &cmd))
		return fail("IOMMU_DESTROY", "");
	return 0;
}

/**
 * vfio_dma_init() - pick the DMA driver for @dev and prepare the device
 * @dev: the device, with BAR0 mapped
 *
 * Return: 0, -ENODEV if no driver knows the device, or what its init
 * returned.
 */
int vfio_dma_init(struct vfio_pci_device *dev)
{
	static const struct vfio_dma_driver *const drivers[] = {
		&vfio_edu_driver,
	};
	unsigned long vendor, device;
	unsigned int i;
	int ret;

	ret = read_hex(dev->bdf, "vendor", &vendor);
	if (!ret)
		ret = read_hex(dev->bdf, "device", &device);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(drivers); i++) {
		if (drivers[i]->vendor == vendor &&
		    drivers[i]->device == device) {
			dev->driver = drivers[i];
			return dev->driver->init(dev);
		}
	}
	errno = ENODEV;
	return fail("no DMA driver for", dev->bdf);
}

static int check_copy(struct vfio_pci_device *dev, uint64_t src,
		      uint64_t dst, size_t len)
{
	const struct vfio_dma_driver *drv = dev->driver;

	if (!drv)
		return -ENODEV;
	if (!len || len > drv->max_copy || src >= drv->iova_limit ||
	    dst >= drv->iova_limit || len > drv->iova_limit - src ||
	    len > drv->iova_limit - dst)
		return -EINVAL;
	return 0;
}

/**
 * vfio_dma_memcpy_start() - start a device copy between two IOVAs
 * @dev: the device, its driver initialised
 * @src: IOVA to read from
 * @dst: IOVA to write to
 * @len: bytes, at most the driver's max_copy
 *
 * Return: 0, -EINVAL for a copy the device cannot do, or -errno.
 */
int vfio_dma_memcpy_start(struct vfio_pci_device *dev, uint64_t src,
			  uint64_t dst, size_t len)
{
	int ret = check_copy(dev, src, dst, len);

	return ret ? ret : dev->driver->memcpy_start(dev, src, dst, len);
}

/**
 * vfio_dma_memcpy_wait() - wait for the copy started last
 * @dev: the device
 * @timeout_ms: how long at most
 *
 * Return: 0, -ETIMEDOUT, or -errno.
 */
int vfio_dma_memcpy_wait(struct vfio_pci_device *dev, unsigned int timeout_ms)
{
	if (!dev->driver)
		return -ENODEV;
	return dev->driver->memcpy_wait(dev, timeout_ms);
}

/**
 * vfio_dma_memcpy() - copy between two IOVAs with the device, and wait
 * @dev: the device
 * @src: IOVA to read from
 * @dst: IOVA to write to
 * @len: bytes
 *
 * Return: 0 or -errno.
 */
int vfio_dma_memcpy(struct vfio_pci_device *dev, uint64_t src, uint64_t dst,
		    size_t len)
{
	int ret = vfio_dma_memcpy_start(dev, src, dst, len);

	return ret ? ret : vfio_dma_memcpy_wait(dev, 5000);
}
