#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec multi_session: four sessions, two of them empty, all come back;
# incoming names do not block new outgoing sessions.
exec /lu/bin/luo_kexec multi_session "$1"
