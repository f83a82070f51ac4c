#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec flb: one FLB shared by two handlers and two sessions: preserved,
# retrieved and finished exactly once, after its last file.
exec /lu/bin/luo_kexec flb "$1"
