#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The test machine has what later tests need: VT-d enabled with interrupt
# remapping, and the edu DMA device (1234:11e8) in an IOMMU group with a
# translating default domain, bindable to vfio-pci with a device cdev.
. /lu/lib.sh

dmesg | grep -q 'DMAR: IOMMU enabled' || fail "VT-d is not enabled"
dmesg | grep -q 'Enabled IRQ remapping' || fail "interrupt remapping is off"
ls /sys/class/iommu | grep -q '^dmar' || fail "no dmar unit in /sys/class/iommu"

dev=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat $d/vendor)" = 0x1234 ] && [ "$(cat $d/device)" = 0x11e8 ]; then
		dev=$d
	fi
done
[ -n "$dev" ] || fail "edu device 1234:11e8 not found"
bdf=${dev##*/}
[ -e "$dev/iommu_group" ] || fail "$bdf is not in an IOMMU group"
group=$(readlink "$dev/iommu_group")
type=$(cat "$dev/iommu_group/type")
case $type in
DMA|DMA-FQ) ;;
*) fail "$bdf default domain is '$type', not translating" ;;
esac
[ -e "$dev/iommu" ] || fail "$bdf has no iommu link"

echo vfio-pci > "$dev/driver_override"
echo "$bdf" > /sys/bus/pci/drivers_probe
case $(readlink "$dev/driver") in
*/vfio-pci) ;;
*) fail "$bdf did not bind to vfio-pci" ;;
esac
ls "$dev"/vfio-dev/vfio* > /dev/null 2>&1 || fail "$bdf has no vfio device cdev"
cdev=$(ls "$dev/vfio-dev")
[ -c "/dev/vfio/devices/$cdev" ] || fail "/dev/vfio/devices/$cdev missing"

say "edu at $bdf, group ${group##*/} ($type), bound to vfio-pci as $cdev"
exit $KSFT_PASS
