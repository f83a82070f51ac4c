#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec freeze_fail: a freeze that fails makes reboot() fail with its
# error, unfreezes what was frozen, and leaves the session usable; the kexec
# after it carries everything.
exec /lu/bin/luo_kexec freeze_fail "$1"
