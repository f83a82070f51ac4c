// SPDX-License-Identifier: GPL-2.0
/*
 * lu_kexec - load this kernel again with kexec_file_load() and reboot into
 * it, for the next stage of a multi-stage live update test.
 *
 * The kernel comes from /boot/bzImage, the initramfs from /sys/firmware/initrd
 * (the test kernel boots with retain_initrd, so the initramfs can be handed
 * on unchanged), and the command line is this kernel's with lu_stage=N+1.
 *
 * Usage: lu_kexec [--load-only] [--append ARG]
 *   --load-only  load the image but do not reboot (tests of the reboot path
 *                call reboot(LINUX_REBOOT_CMD_KEXEC) themselves).
 *   --append ARG add ARG to the next command line, to tell the next stage
 *                something no handover carries (a measurement, say).
 *
 * Before rebooting it writes "LU-KEXEC <stage>" to the result channel
 * (/dev/ttyS1), which the host harness timestamps.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KERNEL_PATH	"/boot/bzImage"
#define INITRD_PATH	"/sys/firmware/initrd"
#define RESULT_TTY	"/dev/ttyS1"
#define STAGE_KEY	"lu_stage="

static int read_cmdline(char *buf, size_t size)
{
	ssize_t len;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		return -1;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Copy @in to @out with lu_stage= one more than in @in, and @append. */
static int next_cmdline(const char *in, char *out, size_t size, int *stage,
			const char *append)
{
	const char *p = strstr(in, STAGE_KEY);
	int n;

	*stage = p ? atoi(p + strlen(STAGE_KEY)) : 1;
	if (!p) {
		n = snprintf(out, size, "%s %s%d", in, STAGE_KEY, *stage + 1);
	} else {
		const char *rest = p + strcspn(p, " ");

		n = snprintf(out, size, "%.*s%s%d%s", (int)(p - in), in,
			     STAGE_KEY, *stage + 1, rest);
	}
	if (n >= 0 && (size_t)n < size && append)
		n += snprintf(out + n, size - n, " %s", append);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void report(const char *fmt, int stage)
{
	FILE *f = fopen(RESULT_TTY, "w");

	if (!f)
		return;
	fprintf(f, fmt, stage);
	fclose(f);
}

int main(int argc, char **argv)
{
	char cur[4096], next[4096];
	const char *append = NULL;
	int kfd, ifd, stage, i;
	int load_only = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--load-only")) {
			load_only = 1;
		} else if (!strcmp(argv[i], "--append") && i + 1 < argc) {
			append = argv[++i];
		} else {
			fprintf(stderr, "usage: lu_kexec [--load-only] [--append ARG]\n");
			return 2;
		}
	}

	if (read_cmdline(cur, sizeof(cur)) ||
	    next_cmdline(cur, next, sizeof(next), &stage, append)) {
		fprintf(stderr, "lu_kexec: cannot build the next command line\n");
		return 1;
	}

	kfd = open(KERNEL_PATH, O_RDONLY);
	ifd = open(INITRD_PATH, O_RDONLY);
	if (kfd < 0 || ifd < 0) {
		fprintf(stderr, "lu_kexec: open %s: %s\n",
			kfd < 0 ? KERNEL_PATH : INITRD_PATH, strerror(errno));
		return 1;
	}

	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(next) + 1, next, 0UL)) {
		fprintf(stderr, "lu_kexec: kexec_file_load: %s\n", strerror(errno));
		return 1;
	}
	close(kfd);
	close(ifd);
	if (load_only)
		return 0;

	report("LU-KEXEC %d\n", stage);
	sync();
	reboot(LINUX_REBOOT_CMD_KEXEC);
	fprintf(stderr, "lu_kexec: reboot(LINUX_REBOOT_CMD_KEXEC): %s\n",
		strerror(errno));
	report("LU-KEXEC-FAILED %d\n", stage);
	return 1;
}
