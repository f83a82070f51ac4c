#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a guest that never finishes must be killed and failed.
sleep 100000
