#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec scale: 100, then 2000 one-file sessions, then one session of 500
# files across three kexecs; the time per file of taking them up.
exec /lu/bin/luo_kexec scale "$1"
