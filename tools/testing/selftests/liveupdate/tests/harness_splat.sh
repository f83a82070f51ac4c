#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a splat in the log fails a test that otherwise passed.
echo "<4>WARNING: CPU: 0 PID: 1 at lu/harness_splat (injected by the test)" > /dev/kmsg
exit 0
