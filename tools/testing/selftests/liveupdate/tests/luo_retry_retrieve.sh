#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec retry_retrieve: a failed retrieve leaves the file with LUO and
# can be tried again; the other files of the session are unaffected.
exec /lu/bin/luo_kexec retry_retrieve "$1"
