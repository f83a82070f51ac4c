#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec sticky_retrieve: a failed retrieve keeps failing; the other
# files of the session are unaffected.
exec /lu/bin/luo_kexec sticky_retrieve "$1"
