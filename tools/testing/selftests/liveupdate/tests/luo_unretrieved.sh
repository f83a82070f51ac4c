#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec unretrieved: a session never retrieved is dropped by the
# following kexec.
exec /lu/bin/luo_kexec unretrieved "$1"
