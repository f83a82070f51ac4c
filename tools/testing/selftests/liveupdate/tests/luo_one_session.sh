#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec one_session: one session with two files: retrieved out of order
# and twice, its errno cases, finish newest first.
exec /lu/bin/luo_kexec one_session "$1"
