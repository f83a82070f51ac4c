#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a test that passes in stage 1 when three stages are
# required must be failed.
exit 0
