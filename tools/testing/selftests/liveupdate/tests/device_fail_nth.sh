#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vfio_lu_kexec device_fail_nth: every allocation of the preserve, the
# freeze and the restore flow of a VMM failed in turn (fail_nth); each
# failure returns an errno and can be retried, and kmemleak (booted with
# kmemleak=on) reports nothing.
grep -q 'kmemleak=on' /proc/cmdline || { echo "boot with kmemleak=on" >&2; exit 1; }
exec /lu/bin/vfio_lu_kexec device_fail_nth "$1"
