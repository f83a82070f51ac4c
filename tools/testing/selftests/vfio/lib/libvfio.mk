# SPDX-License-Identifier: GPL-2.0-only
#
# The vfio test library, for any selftest directory that drives a DMA test
# device through vfio-pci and iommufd: include this file, add
# $(LIBVFIO_O) to the programs' objects and $(LIBVFIO_CFLAGS) to CFLAGS.
LIBVFIO_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
LIBVFIO_SRCS := $(LIBVFIO_DIR)/vfio_pci_device.c \
		$(LIBVFIO_DIR)/drivers/edu/edu.c
LIBVFIO_O := $(patsubst $(LIBVFIO_DIR)/%.c,$(OUTPUT)/libvfio/%.o,$(LIBVFIO_SRCS))
LIBVFIO_CFLAGS := -I$(LIBVFIO_DIR)/include

$(OUTPUT)/libvfio/%.o: $(LIBVFIO_DIR)/%.c $(LIBVFIO_DIR)/include/vfio_util.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIBVFIO_CFLAGS) -c $< -o $@
