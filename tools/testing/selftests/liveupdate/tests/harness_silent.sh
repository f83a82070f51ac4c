#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a guest that goes away without reporting a result
# (as after a crash) must be failed.
reboot -f
sleep 100000
