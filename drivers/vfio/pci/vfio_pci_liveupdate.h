/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-pci's live update file handler, for vfio_pci.c.
 */
#ifndef __VFIO_PCI_LIVEUPDATE_H
#define __VFIO_PCI_LIVEUPDATE_H

struct pci_driver;
struct vfio_pci_core_device;

#if IS_ENABLED(CONFIG_VFIO_PCI_LIVEUPDATE)
int vfio_pci_lu_init(struct pci_driver *driver);
void vfio_pci_lu_exit(void);
void vfio_pci_lu_probe(struct vfio_pci_core_device *vdev);
#else
static inline int vfio_pci_lu_init(struct pci_driver *driver)
{
	return 0;
}

static inline void vfio_pci_lu_exit(void)
{
}

static inline void vfio_pci_lu_probe(struct vfio_pci_core_device *vdev)
{
}
#endif

#endif
