#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# luo_kexec memfd_lazy: a shmem memfd's folios are put back after
# RETRIEVE_FD returns, by a worker or by whoever needs them first: without
# a worker nothing is back until asked for; a read takes up its 2 MiB;
# writes, stores through a mapping and fallocate() into pages not back
# keep the old data around them; SEEK_HOLE/SEEK_DATA, fstat() and finish
# see the memfd as an eager retrieve leaves it; a memfd read while its
# worker runs is intact; the last close of a memfd whose session just
# finished frees its memory at once; one preserved again comes back whole.
exec /lu/bin/luo_kexec memfd_lazy "$1"
