// SPDX-License-Identifier: GPL-2.0
/*
 * luo_fuzz: random but plausible calls into the live update uAPI, in one
 * kernel, from several threads that share their file descriptors.
 *
 * What it calls:
 *  - /dev/liveupdate: CREATE_SESSION, RETRIEVE_SESSION; session fds:
 *    PRESERVE_FD, RETRIEVE_FD, FINISH, GET_NAME; ioctl numbers next to
 *    those.  The size field is 0, too small, exact, larger with a zero or
 *    a non-zero tail, or huge with the buffer ending at a guard page; the
 *    buffer is sometimes read-only (the result cannot be copied back) or a
 *    pointer that faults.  Names are empty, 63 bytes, without a NUL,
 *    non-ASCII, unique or those of live sessions; tokens small, colliding
 *    or huge.  PRESERVE_FD gets fds of every type: memfds (sealed, resized,
 *    read-only reopened, hugetlb when there is a pool), /dev/liveupdate_test0
 *    and 1 files, iommufds, the edu device's vfio cdev (bound to vfio-pci
 *    here when there is one), pipes, eventfds, /dev/null, sessions,
 *    /dev/liveupdate itself, numbers never open and numbers just closed.
 *  - iommufd: IOMMU_IOAS_ALLOC, IOMMU_DESTROY, IOMMU_HWPT_ALLOC,
 *    IOMMU_IOAS_MAP_FILE, IOMMU_IOAS_MAP, IOMMU_IOAS_UNMAP,
 *    IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, IOMMU_HWPT_LIVEUPDATE_RESTORE and
 *    numbers next to them, with random IDs, flags, offsets and lengths
 *    (overflowing ones too); VFIO_DEVICE_BIND_IOMMUFD, _ATTACH_IOMMUFD_PT
 *    and _DETACH_IOMMUFD_PT to build what a VMM preserves, and now and
 *    then a VMM's whole sequence (memfd, IOAS, MAP_FILE, HWPT on the
 *    device, attach, mark, session, preserve memfd, iommufd and device).
 *  - open, close, dup, ftruncate, write, fallocate and F_ADD_SEALS on the
 *    same fds, while other threads use them: preserve races the close of
 *    its session (unpreserve), of the file, and the file's resizing.
 *
 * Each thread has its own generator, seeded from the seed and its number:
 * with -j 1 a seed gives the same calls.  It never reboots or kexecs, and
 * writes no debugfs knob.  The kernel's console is the main oracle (the
 * harness fails any splat); besides, the results must be among those the
 * kernel can give: a call must not succeed with a size below the mandatory
 * part or a non-zero unknown tail, EFAULT comes only from a pointer made to
 * fault, RETRIEVE_SESSION, RETRIEVE_FD, FINISH and
 * IOMMU_HWPT_LIVEUPDATE_RESTORE cannot succeed in a kernel that was not
 * live updated, and, where no other thread closed anything during the
 * call, the errno is the one the kernel's code gives for that file type
 * and argument.  At the end everything is closed, no outgoing session may
 * be left, and a session with a preserved memfd must work.
 *
 * Usage: luo_fuzz [-s SEED] [-n CALLS] [-t SECONDS] [-j THREADS] [-v]
 *	[-D]
 * It stops at CALLS calls (default a million) or after SECONDS (default
 * 60), whichever comes first; 4 threads and a seed from the clock unless
 * told otherwise; -D leaves the vfio device alone, -v prints every call.
 * No call may take 30 s: closes that unbind the vfio device race
 * IOMMU_HWPT_ALLOC, whose wakeup 6.12 lost (a 60 s stall) until this
 * series fixed it.  The
 * long pass, in the test VM:
 *	tools/testing/selftests/liveupdate/vmtest.sh -k build/bzImage \
 *		-i build/initrd.cpio -o build/fuzz -t luo_fuzz_long -s 1 \
 *		-T 3600 -a hugepages=16
 * runs the long pass (tests/luo_fuzz_long.sh: a million calls), which is
 * also "make fuzz"; tests/luo_fuzz.sh is the short pass of "make check".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "../kselftest.h"
#include "luo_lib.h"

#define PAGE		4096UL
#define ARENA_PAGES	3		/* read-write, then a guard page */
#define ROOM		(ARENA_PAGES * PAGE)
#define MAX_SLOTS	192
#define MAX_OBJS	256
#define MAX_TOKENS	32
#define MAX_IDS		24
#define MAX_PRES	256
#define MAX_MEMFD	(4UL << 20)
#define SCRATCH_SIZE	(2UL << 20)
#define NR_ERRNO	134
#define NAME_LEN	LIVEUPDATE_SESSION_NAME_LENGTH
#define NOFILE		2048
#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define SYSFS_PCI	"/sys/bus/pci/devices"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL	0x0008U
#define MFD_EXEC	0x0010U
#endif

/* Kinds of file descriptors, and of numbers that are none */
enum kind {
	K_BADFD,	/* never open */
	K_UNKNOWN,	/* just closed: anything may have it now */
	K_STDIO,
	K_LUDEV,
	K_SESSION,
	K_MEMFD,
	K_MEMFD_RO,
	K_HUGETLB,
	K_TESTFILE,
	K_IOMMUFD,
	K_VFIO,
	K_PIPE,
	K_EVENTFD,
	K_DEVNULL,
	NR_KINDS
};

static const char * const kind_names[NR_KINDS] = {
	"badfd", "unknown", "stdio", "liveupdate", "session", "memfd",
	"memfd-ro", "hugetlb", "testfile", "iommufd", "vfio", "pipe",
	"eventfd", "null",
};

/* How many fds of each kind may be open at once */
static const int kind_cap[NR_KINDS] = {
	[K_LUDEV] = 3, [K_SESSION] = 48, [K_MEMFD] = 20, [K_MEMFD_RO] = 6,
	[K_HUGETLB] = 4, [K_TESTFILE] = 16, [K_IOMMUFD] = 6, [K_VFIO] = 3,
	[K_PIPE] = 6, [K_EVENTFD] = 4, [K_DEVNULL] = 4,
};

#define KB(k)		(1U << (k))
#define K_ANY		(~0U & ~(KB(K_BADFD) | KB(K_UNKNOWN) | KB(K_STDIO)))
#define K_MEMFDS	(KB(K_MEMFD) | KB(K_MEMFD_RO) | KB(K_HUGETLB))

enum call_op {
	OP_CREATE, OP_RETRIEVE, OP_PRESERVE, OP_RETRIEVE_FD, OP_FINISH,
	OP_GET_NAME, OP_LU_BOGUS,
	OP_IOAS_ALLOC, OP_DESTROY, OP_HWPT_ALLOC, OP_MAP_FILE, OP_MAP,
	OP_UNMAP, OP_MARK, OP_RESTORE, OP_IOMMU_BOGUS,
	OP_BIND, OP_ATTACH, OP_DETACH,
	OP_OPEN, OP_CLOSE, OP_DUP, OP_FILE, OP_VMM,
	NR_OPS
};

static const char * const op_names[NR_OPS] = {
	"CREATE_SESSION", "RETRIEVE_SESSION", "PRESERVE_FD", "RETRIEVE_FD",
	"FINISH", "GET_NAME", "liveupdate-other",
	"IOAS_ALLOC", "DESTROY", "HWPT_ALLOC", "IOAS_MAP_FILE", "IOAS_MAP",
	"IOAS_UNMAP", "HWPT_LU_MARK", "HWPT_LU_RESTORE", "iommufd-other",
	"VFIO_BIND", "VFIO_ATTACH", "VFIO_DETACH",
	"open", "close", "dup", "file-op", "vmm-chain",
};

/* Relative weights of the operations a thread picks */
static const int op_weight[NR_OPS] = {
	[OP_CREATE] = 70, [OP_RETRIEVE] = 25, [OP_PRESERVE] = 180,
	[OP_RETRIEVE_FD] = 20, [OP_FINISH] = 20, [OP_GET_NAME] = 30,
	[OP_LU_BOGUS] = 30,
	[OP_IOAS_ALLOC] = 30, [OP_DESTROY] = 25, [OP_HWPT_ALLOC] = 30,
	[OP_MAP_FILE] = 50, [OP_MAP] = 15, [OP_UNMAP] = 20, [OP_MARK] = 40,
	[OP_RESTORE] = 15, [OP_IOMMU_BOGUS] = 20,
	[OP_BIND] = 20, [OP_ATTACH] = 25, [OP_DETACH] = 10,
	[OP_OPEN] = 120, [OP_CLOSE] = 110, [OP_DUP] = 30, [OP_FILE] = 50,
	[OP_VMM] = 15,
};

/* iommufd object IDs a thread has seen, by type */
enum { ID_IOAS = 1, ID_HWPT, ID_HWPT_NEST, ID_DEV };

/* An open file, shared by the slots that are its dups */
struct obj {
	uint64_t uid;		/* 0: free */
	int kind;
	int refs;		/* slots holding it */
	uint64_t key;		/* what LUO counts as the same file */
	char name[NAME_LEN];	/* session */
	int nr_tokens;
	uint64_t tokens[MAX_TOKENS];	/* session: used for sure */
	int nr_ids;
	uint32_t ids[MAX_IDS];	/* iommufd */
	uint8_t id_type[MAX_IDS];
	bool id_marked[MAX_IDS];
	bool holds_dev;		/* session: a vfio fd is preserved in it */
	uint64_t bound_to;	/* vfio: the uid of its iommufd */
	uint32_t dev_id;
};

struct slot {
	int fd;			/* -1: free */
	uint64_t uid;
};

/* A file preserved for sure, by its LUO key, and in which session */
struct pres {
	uint64_t key;
	uint64_t session;
};

/* What a thread took from the table: valid while nothing was closed */
struct ref {
	int fd;
	int kind;
	uint64_t uid;
	uint64_t key;
	unsigned long epoch;
	unsigned long id_epoch;
	bool ids_unsure;	/* an IOMMU_DESTROY was under way */
};

struct thr {
	int id;
	uint64_t rng;
	char *arena;
	unsigned long uniq;
	pthread_t pt;
	pid_t tid;
	int op;			/* __atomic: the op under way, or -1 */
	int64_t since_ms;	/* __atomic: since when */
};

/* One ioctl's argument as laid out in the arena */
struct call {
	enum call_op op;
	unsigned long cmd;
	size_t ksize, min;	/* the kernel's struct and mandatory part */
	char *buf;
	void *ptr;		/* what the ioctl gets */
	uint32_t size;
	size_t acc;		/* bytes readable from buf */
	bool ro;		/* the result cannot be copied back */
	bool bad;		/* ptr faults */
	bool uptr;		/* holds a user pointer that may fault */
	int size_err;		/* the size rules' verdict, 0 if it passes */
	char what[48];		/* for the log: what else the call got */
};

/* A set of results: bit 0 is success, bit N errno N */
struct eset {
	uint64_t w[3];
};

static struct slot slots[MAX_SLOTS];
static struct obj objs[MAX_OBJS];
static struct pres pres[MAX_PRES];
static pthread_mutex_t tbl = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t next_uid = 1;
static unsigned long close_epoch;	/* bumped before every close */
static unsigned long id_epoch;		/* bumped when IDs may be freed */
static unsigned long destroys;		/* IOMMU_DESTROY calls under way */
static int recent_closed[16];

static uint64_t hist[NR_OPS][NR_ERRNO + 1];
/*
 * The IOASes (iommufd uid, IOAS ID) asked to map a range the process has
 * not mapped all of, under tbl.  An IOAS without a domain pins nothing, so
 * the map succeeds, and a domain built over it later (HWPT_ALLOC) fails
 * with EFAULT.  Once the table is full, every IOAS counts as one.
 */
#define MAX_BAD_MAPS	256
static struct {
	uint64_t uid;
	uint32_t ioas;
} bad_maps[MAX_BAD_MAPS];
static unsigned int nr_bad_maps;
static bool bad_maps_full;
static uint64_t nr_calls, nr_precise, nr_violations;
static uint64_t max_calls = 1000000;
static double max_seconds = 60;
static struct timespec t_start;
static bool stop;	/* __atomic */
static int verbose;

static char vfio_path[NAME_MAX + 32];
static bool have_vfio, have_iommufd, have_hugetlb, have_testfile;
static char *scratch;

/* ------------------------------------------------------------------------
 * Random numbers
 */

static uint64_t rnd(struct thr *t)
{
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct thr *t, uint64_t n)
{
	return n ? rnd(t) % n : 0;
}

static bool one_in(struct thr *t, unsigned int n)
{
	return !below(t, n);
}

/* ------------------------------------------------------------------------
 * Results
 */

static void eset_add(struct eset *s, int e)
{
	if (e >= 0 && e < 192)
		s->w[e / 64] |= 1ULL << (e % 64);
}

static bool eset_has(const struct eset *s, int e)
{
	return e >= 0 && e < 192 && (s->w[e / 64] >> (e % 64) & 1);
}

/* The set of the results given, terminated by -1 */
static struct eset eset_of(int e, ...)
{
	struct eset s = {};
	va_list ap;

	va_start(ap, e);
	for (; e >= 0; e = va_arg(ap, int))
		eset_add(&s, e);
	va_end(ap);
	return s;
}

static const char *ename(int e)
{
	const char *n = e ? strerrorname_np(e) : "ok";

	return n ? n : "E?";
}

static double elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - t_start.tv_sec +
	       (now.tv_nsec - t_start.tv_nsec) / 1e9;
}

/* Count a call and its result */
static void note(enum call_op op, int err)
{
	uint64_t n;

	if (err < 0 || err > NR_ERRNO)
		err = NR_ERRNO;
	__atomic_fetch_add(&hist[op][err], 1, __ATOMIC_RELAXED);
	n = __atomic_add_fetch(&nr_calls, 1, __ATOMIC_RELAXED);
	if (!(n % 100000))
		printf("# %llu calls in %.0f s\n", (unsigned long long)n,
		       elapsed());
	if (n >= max_calls || (!(n & 63) && elapsed() >= max_seconds))
		__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
}

/*
 * The last calls of every thread, for the report of a violation (the
 * threads race: what another did just before often explains it); -v
 * prints every call instead.  Under log_lock.
 */
#define RECENT		48
static char recent[RECENT][160];
static unsigned int recent_next;

static void print_recent(void)
{
	unsigned int i, n;

	for (i = 0; i < RECENT; i++) {
		n = (recent_next + i) % RECENT;
		if (recent[n][0])
			printf("#   %s\n", recent[n]);
	}
}

static __printf(3, 4) void violation(struct thr *t, enum call_op op,
				     const char *fmt, ...)
{
	uint64_t n = __atomic_add_fetch(&nr_violations, 1, __ATOMIC_RELAXED);
	va_list ap;

	if (n > 40)
		return;
	pthread_mutex_lock(&log_lock);
	printf("# VIOLATION thread %d %s: ", t->id, op_names[op]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!verbose && n <= 5) {
		printf("# the last calls, oldest first:\n");
		print_recent();
	}
	fflush(stdout);
	pthread_mutex_unlock(&log_lock);
}

static __printf(2, 3) void trace(struct thr *t, const char *fmt, ...)
{
	char *line;
	va_list ap;
	int len;

	pthread_mutex_lock(&log_lock);
	line = recent[recent_next];
	recent_next = (recent_next + 1) % RECENT;
	len = snprintf(line, sizeof(recent[0]), "[%d] ", t->id);
	va_start(ap, fmt);
	vsnprintf(line + len, sizeof(recent[0]) - len, fmt, ap);
	va_end(ap);
	if (verbose)
		printf("# %s\n", line);
	pthread_mutex_unlock(&log_lock);
}

/* ------------------------------------------------------------------------
 * The table of open files
 */

static struct obj *obj_find(uint64_t uid)
{
	int i;

	for (i = 0; uid && i < MAX_OBJS; i++)
		if (objs[i].uid == uid)
			return &objs[i];
	return NULL;
}

static int kind_count(int kind)
{
	int i, n = 0;

	for (i = 0; i < MAX_SLOTS; i++)
		if (slots[i].fd >= 0 && obj_find(slots[i].uid)->kind == kind)
			n++;
	return n;
}

/* Whether the file of @key is preserved in a session that is open */
static bool preserved(uint64_t key)
{
	int i;

	for (i = 0; i < MAX_PRES; i++)
		if (pres[i].session && pres[i].key == key)
			return true;
	return false;
}

static void pres_add(uint64_t key, uint64_t session)
{
	int i;

	for (i = 0; i < MAX_PRES; i++) {
		if (!pres[i].session) {
			pres[i].key = key;
			pres[i].session = session;
			return;
		}
	}
}

/* Forget what a file that is no longer open told; table lock held */
static void obj_free(struct obj *o)
{
	struct obj *other;
	int i, j;

	if (o->kind == K_SESSION) {
		for (i = 0; i < MAX_PRES; i++)
			if (pres[i].session == o->uid)
				pres[i].session = 0;
	}
	if (o->kind == K_VFIO && o->bound_to) {
		other = obj_find(o->bound_to);
		for (j = 0; other && j < other->nr_ids; j++) {
			if (other->ids[j] == o->dev_id &&
			    other->id_type[j] == ID_DEV)
				other->id_type[j] = 0;
		}
	}
	memset(o, 0, sizeof(*o));
}

/* Put @fd in the table as a new file; table lock held */
static struct obj *slot_add_locked(int fd, int kind, uint64_t key)
{
	struct obj *o = NULL;
	int i, s = -1;

	for (i = 0; i < MAX_SLOTS && s < 0; i++)
		if (slots[i].fd < 0)
			s = i;
	for (i = 0; i < MAX_OBJS && !o; i++)
		if (!objs[i].uid)
			o = &objs[i];
	if (s < 0 || !o)
		return NULL;
	o->uid = next_uid++;
	o->kind = kind;
	o->refs = 1;
	o->key = key ? key : o->uid;
	slots[s].fd = fd;
	slots[s].uid = o->uid;
	return o;
}

/* Put @fd in the table, or close it when the table is full */
static struct obj *slot_add(int fd, int kind, uint64_t key)
{
	struct obj *o;

	pthread_mutex_lock(&tbl);
	o = slot_add_locked(fd, kind, key);
	pthread_mutex_unlock(&tbl);
	if (!o) {
		__atomic_fetch_add(&close_epoch, 1, __ATOMIC_SEQ_CST);
		close(fd);
	}
	return o;
}

/* Close slot @i; table lock held, dropped */
static int slot_close_unlock(int i)
{
	int fd = slots[i].fd;
	struct obj *o = obj_find(slots[i].uid);
	int kind = o->kind;

	slots[i].fd = -1;
	if (!--o->refs)
		obj_free(o);
	recent_closed[fd % 16] = fd;
	__atomic_fetch_add(&close_epoch, 1, __ATOMIC_SEQ_CST);
	if (kind == K_VFIO || kind == K_IOMMUFD)
		__atomic_fetch_add(&id_epoch, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&tbl);
	return close(fd) ? errno : 0;
}

static void ref_fill(struct ref *r, int i)
{
	struct obj *o = obj_find(slots[i].uid);

	r->fd = slots[i].fd;
	r->kind = o->kind;
	r->uid = o->uid;
	r->key = o->key;
}

/* A random open fd whose kind is in @mask; table lock held */
static int pick_locked(struct thr *t, unsigned int mask)
{
	int cand[MAX_SLOTS], n = 0, i;

	for (i = 0; i < MAX_SLOTS; i++)
		if (slots[i].fd >= 0 &&
		    mask & KB(obj_find(slots[i].uid)->kind))
			cand[n++] = i;
	return n ? cand[below(t, n)] : -1;
}

/*
 * A random fd for an ioctl: mostly of a kind in @mask, now and then of any
 * kind or a number that is none.
 */
static bool pick(struct thr *t, unsigned int mask, struct ref *r)
{
	unsigned int r100 = below(t, 100);
	int i;

	pthread_mutex_lock(&tbl);
	r->epoch = __atomic_load_n(&close_epoch, __ATOMIC_SEQ_CST);
	r->id_epoch = __atomic_load_n(&id_epoch, __ATOMIC_SEQ_CST);
	r->ids_unsure = __atomic_load_n(&destroys, __ATOMIC_SEQ_CST);
	r->uid = 0;
	r->key = 0;
	if (r100 < 3) {
		r->kind = K_BADFD;
		r->fd = one_in(t, 2) ? -1 : 1500 + below(t, 500);
	} else if (r100 < 5) {
		r->kind = K_UNKNOWN;
		r->fd = recent_closed[below(t, 16)];
	} else {
		i = pick_locked(t, r100 < 12 ? K_ANY : mask);
		if (i < 0)
			i = pick_locked(t, K_ANY);
		if (i < 0) {
			pthread_mutex_unlock(&tbl);
			return false;
		}
		ref_fill(r, i);
	}
	pthread_mutex_unlock(&tbl);
	return true;
}

/* Whether nothing was closed since @r was taken */
static bool still(const struct ref *r)
{
	return __atomic_load_n(&close_epoch, __ATOMIC_SEQ_CST) == r->epoch;
}

/*
 * Whether no ID was freed either since @r was taken: no IOMMU_DESTROY was
 * under way then, and none started since.
 */
static bool ids_still(const struct ref *r)
{
	return still(r) && !r->ids_unsure &&
	       __atomic_load_n(&id_epoch, __ATOMIC_SEQ_CST) == r->id_epoch;
}

/* ------------------------------------------------------------------------
 * ioctl arguments: sizes, tails, guard page, read-only, faulting pointers
 */

static const uint32_t huge_sizes[] = {
	ROOM + 1, 65536, 1U << 20, 0x7fffffff, 0x80000000, 0xffffffff,
};

/*
 * Lay @st (@ksize bytes, of which @min mandatory) out in the arena for
 * @cmd, with a size field and a placement chosen at random unless @exact,
 * and predict what the size rules make of it.
 */
static void call_setup(struct thr *t, struct call *c, enum call_op op,
		       unsigned long cmd, const void *st, size_t ksize,
		       size_t min, bool exact)
{
	static char * const bad_ptrs[] = {
		NULL, (char *)16, (char *)0xffff888000000000UL,
		(char *)0x7ffffffff000UL,
	};
	unsigned int r = exact ? 0 : below(t, 100);
	size_t len, scan, i;
	int tail = 0;

	memset(c, 0, sizeof(*c));
	c->op = op;
	c->cmd = cmd;
	c->ksize = ksize;
	c->min = min;
	c->size = ksize;
	if (r < 50) {
		c->size = ksize;
	} else if (r < 55) {
		c->size = 0;
	} else if (r < 62) {
		c->size = below(t, min);
	} else if (r < 66) {
		c->size = min + below(t, ksize - min + 1);
	} else if (r < 78) {
		c->size = ksize + 1 + below(t, 64);
		tail = 1;
	} else if (r < 86) {
		c->size = ksize + 1 + below(t, 64);
		tail = 2;
	} else if (r < 90) {
		c->size = ksize + below(t, ROOM - ksize + 1);
		tail = one_in(t, 3) ? 2 : 1;
	} else if (r < 97) {
		c->size = one_in(t, 4) ? (uint32_t)rnd(t) :
			huge_sizes[below(t, ARRAY_SIZE(huge_sizes))];
		tail = one_in(t, 4) ? 2 : 1;
	} else {
		c->bad = true;
	}

	/* Past the accessible bytes is the guard page */
	if (c->size > ROOM || (r >= 90 && r < 97))
		len = ksize + below(t, 65);
	else
		len = c->size > ksize ? c->size : ksize;
	if (len > ROOM)
		len = ROOM;
	c->acc = len;
	c->buf = t->arena + ROOM - len;
	memset(c->buf, 0, len);
	memcpy(c->buf, st, ksize);
	memcpy(c->buf, &c->size, sizeof(c->size));
	scan = c->size < len ? c->size : len;
	if (tail == 2 && scan > ksize)
		c->buf[ksize + below(t, scan - ksize)] = 1 + below(t, 255);
	c->ptr = c->bad ? bad_ptrs[below(t, ARRAY_SIZE(bad_ptrs))] : c->buf;
	c->ro = !exact && one_in(t, 25);

	if (c->size < min) {
		c->size_err = EINVAL;
	} else if (c->size > ksize) {
		for (i = ksize; i < scan; i++)
			if (c->buf[i])
				break;
		if (i < scan)
			c->size_err = E2BIG;
		else if (c->size > c->acc)
			c->size_err = EFAULT;
	}
}

static int call_do(struct thr *t, int fd, struct call *c)
{
	int err;

	if (c->ro)
		mprotect(t->arena, ROOM, PROT_READ);
	err = ioctl(fd, c->cmd, c->ptr) < 0 ? errno : 0;
	if (c->ro)
		mprotect(t->arena, ROOM, PROT_READ | PROT_WRITE);
	note(c->op, err);
	trace(t, "%s fd %d cmd %#lx size %u acc %zu%s%s: %s", op_names[c->op],
	      fd, c->cmd, c->size, c->acc, c->ro ? " ro" : "",
	      c->bad ? " bad" : "", ename(err));
	return err;
}

/* The commands of /dev/liveupdate and of session fds, by number */
static const unsigned long lu_dev_cmds[] = {
	LIVEUPDATE_IOCTL_CREATE_SESSION, LIVEUPDATE_IOCTL_RETRIEVE_SESSION,
};

static const unsigned long lu_session_cmds[] = {
	LIVEUPDATE_SESSION_PRESERVE_FD, LIVEUPDATE_SESSION_RETRIEVE_FD,
	LIVEUPDATE_SESSION_FINISH, LIVEUPDATE_SESSION_GET_NAME,
};

/* iommufd's table: numbers 0x80 to 0xa0, those with a command */
static bool iommufd_nr_used(unsigned int nr)
{
	return (nr >= 0x80 && nr <= 0x8f) || nr == 0x97 || nr == 0x98 ||
	       nr == 0xa0;
}

static const unsigned long iommufd_cmds[] = {
	IOMMU_DESTROY, IOMMU_IOAS_ALLOC, IOMMU_IOAS_ALLOW_IOVAS,
	IOMMU_IOAS_COPY, IOMMU_IOAS_IOVA_RANGES, IOMMU_IOAS_MAP,
	IOMMU_IOAS_UNMAP, IOMMU_OPTION, IOMMU_VFIO_IOAS, IOMMU_HWPT_ALLOC,
	IOMMU_GET_HW_INFO, IOMMU_HWPT_SET_DIRTY_TRACKING,
	IOMMU_HWPT_GET_DIRTY_BITMAP, IOMMU_HWPT_INVALIDATE,
	IOMMU_FAULT_QUEUE_ALLOC, IOMMU_IOAS_MAP_FILE,
	IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, IOMMU_HWPT_LIVEUPDATE_RESTORE,
};

static bool in_list(unsigned long cmd, const unsigned long *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] == cmd)
			return true;
	return false;
}

#define RUNS	1	/* the dispatcher calls the command */

/* luo_ioctl_dispatch(): -errno, or RUNS */
static int luo_dispatch(const struct call *c, unsigned int base,
			const unsigned long *cmds, unsigned int n)
{
	unsigned int nr = _IOC_NR(c->cmd);

	if (nr < base || nr - base >= n)
		return -EINVAL;
	if (cmds[nr - base] != c->cmd)
		return -ENOTTY;
	if (c->bad)
		return -EFAULT;
	return c->size_err ? -c->size_err : RUNS;
}

/* iommufd_fops_ioctl(): -errno, or RUNS */
static int iommufd_dispatch(const struct call *c)
{
	unsigned int nr = _IOC_NR(c->cmd);

	if (nr < 0x80 || nr > 0xa0)
		return -ENOTTY;		/* VFIO compat: none of those */
	if (c->bad)
		return -EFAULT;
	if (!iommufd_nr_used(nr) ||
	    !in_list(c->cmd, iommufd_cmds, ARRAY_SIZE(iommufd_cmds)))
		return -ENOTTY;
	return c->size_err ? -c->size_err : RUNS;
}

/*
 * Check the result @err of @c on an fd of @kind.  @sem is what the command
 * itself may give when it runs (NULL: not checked); @precise says nothing
 * was closed meanwhile, so that @kind is still the fd's kind.
 */
static void check(struct thr *t, const struct call *c, int kind, bool precise,
		  int err, const struct eset *sem)
{
	struct eset got = {};
	int d;

	if (!c->bad && c->size_err && !err)
		violation(t, c->op, "ok with size %u (struct %zu, min %zu, %zu readable)",
			  c->size, c->ksize, c->min, c->acc);
	if (err == EFAULT && !c->bad && !c->ro && !c->uptr &&
	    c->size <= c->acc)
		violation(t, c->op, "EFAULT without a faulting pointer (size %u, %zu readable)",
			  c->size, c->acc);
	if (!precise)
		return;
	__atomic_fetch_add(&nr_precise, 1, __ATOMIC_RELAXED);

	switch (kind) {
	case K_BADFD:
		d = -EBADF;
		break;
	case K_UNKNOWN:
		return;
	case K_LUDEV:
		d = luo_dispatch(c, LIVEUPDATE_CMD_BASE, lu_dev_cmds,
				 ARRAY_SIZE(lu_dev_cmds));
		break;
	case K_SESSION:
		d = luo_dispatch(c, LIVEUPDATE_CMD_SESSION_BASE,
				 lu_session_cmds, ARRAY_SIZE(lu_session_cmds));
		break;
	case K_IOMMUFD:
		d = iommufd_dispatch(c);
		break;
	default:
		/* No such ioctl on these files; an unbound vfio fd: EINVAL */
		got = eset_of(ENOTTY, EINVAL, -1);
		if (!eset_has(&got, err))
			violation(t, c->op, "%s on a %s fd (cmd %#lx)",
				  ename(err), kind_names[kind], c->cmd);
		return;
	}
	if (d != RUNS) {
		if (err != -d)
			violation(t, c->op, "%s, not %s (%s fd, cmd %#lx, size %u/%zu%s)",
				  ename(err), ename(-d), kind_names[kind],
				  c->cmd, c->size, c->acc,
				  c->bad ? ", bad pointer" : "");
		return;
	}
	if (sem && !eset_has(sem, err))
		violation(t, c->op, "unexpected %s (%s fd, size %u%s%s)",
			  ename(err), kind_names[kind], c->size,
			  c->ro ? ", read-only buffer" : "", c->what);
}

/* The fd a successful call wrote at @off of its buffer */
static int out_fd(const struct call *c, size_t off)
{
	int fd = -1;

	if (!c->bad && c->size >= off + sizeof(fd))
		memcpy(&fd, c->buf + off, sizeof(fd));
	return fd;
}

static uint32_t out_u32(const struct call *c, size_t off)
{
	uint32_t v = 0;

	if (!c->bad && c->size >= off + sizeof(v))
		memcpy(&v, c->buf + off, sizeof(v));
	return v;
}

/* ------------------------------------------------------------------------
 * /dev/liveupdate and sessions
 */

static bool name_valid(const uint8_t *name)
{
	size_t n = strnlen((const char *)name, NAME_LEN);

	return n && n < NAME_LEN;
}

/* A live session's name, or false; table lock held */
static bool live_name_locked(struct thr *t, uint8_t *name)
{
	int i = pick_locked(t, KB(K_SESSION));

	if (i < 0)
		return false;
	memcpy(name, obj_find(slots[i].uid)->name, NAME_LEN);
	return true;
}

/*
 * A random name in @name (NAME_LEN bytes); *unique is set for a name no
 * other call uses.
 */
static void gen_name(struct thr *t, uint8_t *name, bool *unique)
{
	unsigned int r = below(t, 100), len, i;

	memset(name, 0, NAME_LEN);
	*unique = false;
	if (r < 30) {
		snprintf((char *)name, NAME_LEN, "fz-%u", (unsigned int)below(t, 8));
	} else if (r < 45) {
		len = 1 + below(t, NAME_LEN - 1);
		for (i = 0; i < len; i++)
			name[i] = 0x20 + below(t, 0x5f);
	} else if (r < 53) {
		memset(name, 'm', NAME_LEN - 1);
	} else if (r < 60) {
		/* empty */
	} else if (r < 67) {
		for (i = 0; i < NAME_LEN; i++)
			name[i] = 1 + below(t, 255);
	} else if (r < 77) {
		len = 1 + below(t, NAME_LEN - 1);
		for (i = 0; i < len; i++)
			name[i] = 0x80 + below(t, 0x80);
	} else if (r < 90) {
		snprintf((char *)name, NAME_LEN, "u-%d-%lu", t->id, t->uniq++);
		*unique = true;
	} else {
		pthread_mutex_lock(&tbl);
		if (!live_name_locked(t, name))
			snprintf((char *)name, NAME_LEN, "fz-0");
		pthread_mutex_unlock(&tbl);
	}
}

/* Whether an open session has @name; table lock held */
static bool name_live_locked(const uint8_t *name)
{
	int i;

	for (i = 0; i < MAX_OBJS; i++)
		if (objs[i].uid && objs[i].kind == K_SESSION &&
		    !memcmp(objs[i].name, name, NAME_LEN))
			return true;
	return false;
}

static struct obj *session_add(int fd, const uint8_t *name)
{
	struct obj *o;

	pthread_mutex_lock(&tbl);
	o = slot_add_locked(fd, K_SESSION, 0);
	if (o)
		memcpy(o->name, name, NAME_LEN);
	pthread_mutex_unlock(&tbl);
	if (!o) {
		__atomic_fetch_add(&close_epoch, 1, __ATOMIC_SEQ_CST);
		close(fd);
	}
	return o;
}

/*
 * CREATE_SESSION with @name on @lu; returns the errno, and the session's
 * fd in *fdp.
 */
static int create(struct thr *t, const struct ref *lu, const uint8_t *name,
		  bool exact, int *fdp)
{
	struct liveupdate_ioctl_create_session st = { .size = sizeof(st) };
	struct eset sem;
	struct call c;
	bool live;
	int err;

	memcpy(st.name, name, NAME_LEN);
	pthread_mutex_lock(&tbl);
	live = name_live_locked(name);
	pthread_mutex_unlock(&tbl);
	call_setup(t, &c, OP_CREATE, LIVEUPDATE_IOCTL_CREATE_SESSION, &st,
		   sizeof(st), sizeof(st), exact);
	err = call_do(t, lu->fd, &c);
	if (!name_valid(name))
		sem = eset_of(EINVAL, -1);
	else if (live)
		sem = eset_of(EEXIST, -1);
	else
		sem = eset_of(0, EEXIST, ENOMEM, EMFILE, -1);
	if (c.ro && !live && name_valid(name))
		eset_add(&sem, EFAULT);
	check(t, &c, lu->kind, still(lu), err, &sem);
	*fdp = -1;
	if (!err) {
		*fdp = out_fd(&c, offsetof(typeof(st), fd));
		if (*fdp >= 0)
			session_add(*fdp, name);
	}
	return err;
}

static void op_create(struct thr *t)
{
	uint8_t name[NAME_LEN];
	struct ref lu;
	bool unique;
	int err, fd;

	if (!pick(t, KB(K_LUDEV), &lu))
		return;
	gen_name(t, name, &unique);
	err = create(t, &lu, name, false, &fd);
	/*
	 * A create whose result could not be copied back changes nothing:
	 * the name, used by no one else, is free again.
	 */
	if (err == EFAULT && unique && lu.kind == K_LUDEV && still(&lu)) {
		err = create(t, &lu, name, true, &fd);
		if (err == EEXIST && still(&lu))
			violation(t, OP_CREATE, "a session abandoned for EFAULT kept its name '%s'",
				  name);
	}
}

static void op_retrieve(struct thr *t)
{
	struct liveupdate_ioctl_retrieve_session st = { .size = sizeof(st) };
	struct eset sem = eset_of(ENOENT, EMFILE, -1);
	struct call c;
	struct ref lu;
	bool unique;
	int err, fd;

	if (!pick(t, KB(K_LUDEV), &lu))
		return;
	gen_name(t, st.name, &unique);
	call_setup(t, &c, OP_RETRIEVE, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &st,
		   sizeof(st), sizeof(st), false);
	err = call_do(t, lu.fd, &c);
	check(t, &c, lu.kind, still(&lu), err, &sem);
	if (!err) {
		violation(t, OP_RETRIEVE, "retrieved '%.63s' in a kernel no live update led to",
			  st.name);
		fd = out_fd(&c, offsetof(typeof(st), fd));
		if (fd > 2)
			close(fd);
	}
}

static uint64_t gen_token(struct thr *t)
{
	static const uint64_t tokens[] = {
		0, 1, 2, 3, 4, 0x7fffffffffffffffULL, 1ULL << 63, ~0ULL,
	};

	if (one_in(t, 4))
		return rnd(t);
	return tokens[below(t, ARRAY_SIZE(tokens))];
}

/* A target fd for PRESERVE_FD: any kind, or a number that is none */
static bool pick_target(struct thr *t, const struct ref *session,
			struct ref *r)
{
	unsigned int r100 = below(t, 100);

	if (r100 < 3) {
		*r = *session;
		return true;
	}
	if (r100 < 6) {
		memset(r, 0, sizeof(*r));
		r->fd = below(t, 3);
		r->kind = K_STDIO;
		r->epoch = session->epoch;
		return true;
	}
	if (!pick(t, r100 < 40 ? K_MEMFDS : r100 < 60 ?
		  KB(K_TESTFILE) | KB(K_IOMMUFD) | KB(K_VFIO) : K_ANY, r))
		return false;
	/* The older of the two epochs covers both */
	r->epoch = session->epoch;
	r->id_epoch = session->id_epoch;
	return true;
}

/* What PRESERVE_FD of a file of @kind may give once the token is free */
static struct eset preserve_sem(int kind)
{
	switch (kind) {
	case K_MEMFD:
	case K_HUGETLB:
		return eset_of(0, EEXIST, EBUSY, EOPNOTSUPP, ENOMEM, EAGAIN,
			       EINVAL, -1);
	case K_MEMFD_RO:
		return eset_of(EACCES, EEXIST, EBUSY, -1);
	case K_TESTFILE:
		return eset_of(0, EEXIST, EBUSY, ENOMEM, -1);
	case K_IOMMUFD:
	case K_VFIO:
		return eset_of(0, EEXIST, EBUSY, EINVAL, EXDEV, EOPNOTSUPP,
			       ENOSPC, ENOMEM, -1);
	case K_BADFD:
		return eset_of(EBADF, -1);
	default:	/* no handler takes it */
		return eset_of(ENOENT, EEXIST, -1);
	}
}

static bool token_used_locked(uint64_t session, uint64_t token)
{
	struct obj *o = obj_find(session);
	int i;

	for (i = 0; o && i < o->nr_tokens; i++)
		if (o->tokens[i] == token)
			return true;
	return false;
}

/* PRESERVE_FD of @target in @session under @token: the errno */
static int preserve(struct thr *t, const struct ref *session,
		    const struct ref *target, uint64_t token, bool exact)
{
	struct liveupdate_session_preserve_fd st = {
		.size = sizeof(st), .fd = target->fd, .token = token,
	};
	bool used, busy, precise;
	struct eset sem;
	struct call c;
	struct obj *o;
	int err;

	pthread_mutex_lock(&tbl);
	used = token_used_locked(session->uid, token);
	busy = target->kind != K_BADFD && target->kind != K_UNKNOWN &&
	       target->kind != K_STDIO && preserved(target->key);
	pthread_mutex_unlock(&tbl);

	call_setup(t, &c, OP_PRESERVE, LIVEUPDATE_SESSION_PRESERVE_FD, &st,
		   sizeof(st), sizeof(st), exact);
	snprintf(c.what, sizeof(c.what), ", %s fd %d, token %#llx",
		 kind_names[target->kind], target->fd,
		 (unsigned long long)token);
	err = call_do(t, session->fd, &c);
	precise = still(session) && target->kind != K_UNKNOWN;
	if (target->kind == K_BADFD)
		sem = eset_of(EBADF, -1);
	else if (used)
		sem = eset_of(EEXIST, -1);
	else if (busy)
		sem = eset_of(EBUSY, EEXIST, -1);
	else
		sem = preserve_sem(target->kind);
	/* Preserved, but the token could not be copied back */
	if (c.ro && eset_has(&sem, 0))
		eset_add(&sem, EFAULT);
	if (target->kind == K_UNKNOWN && session->kind == K_SESSION &&
	    still(session))
		check(t, &c, session->kind, true, err, NULL);
	else
		check(t, &c, session->kind, precise, err, &sem);

	if ((!err || (err == EFAULT && c.ro && !c.size_err && !c.bad)) &&
	    session->kind == K_SESSION && precise) {
		pthread_mutex_lock(&tbl);
		o = obj_find(session->uid);
		if (o && o->nr_tokens < MAX_TOKENS)
			o->tokens[o->nr_tokens++] = token;
		if (o)
			pres_add(target->key, session->uid);
		if (o && target->kind == K_VFIO)
			o->holds_dev = true;
		pthread_mutex_unlock(&tbl);
	}
	return err;
}

static void op_preserve(struct thr *t)
{
	struct ref s, target;

	if (!pick(t, KB(K_SESSION), &s) || !pick_target(t, &s, &target))
		return;
	preserve(t, &s, &target, gen_token(t), false);
}

static void op_retrieve_fd(struct thr *t)
{
	struct liveupdate_session_retrieve_fd st = {
		.size = sizeof(st), .token = gen_token(t),
	};
	struct eset sem = eset_of(EINVAL, -1);
	struct call c;
	struct ref s;
	int err, fd;

	if (!pick(t, KB(K_SESSION), &s))
		return;
	call_setup(t, &c, OP_RETRIEVE_FD, LIVEUPDATE_SESSION_RETRIEVE_FD, &st,
		   sizeof(st), sizeof(st), false);
	err = call_do(t, s.fd, &c);
	check(t, &c, s.kind, still(&s), err, &sem);
	if (!err) {
		violation(t, OP_RETRIEVE_FD, "RETRIEVE_FD worked on a %s fd",
			  kind_names[s.kind]);
		fd = out_fd(&c, offsetof(typeof(st), fd));
		if (fd > 2)
			close(fd);
	}
}

static void op_finish(struct thr *t)
{
	struct liveupdate_session_finish st = { .size = sizeof(st) };
	struct eset sem = eset_of(EINVAL, -1);
	struct call c;
	struct ref s;
	int err;

	if (!pick(t, KB(K_SESSION), &s))
		return;
	if (one_in(t, 4))
		st.reserved = rnd(t);
	call_setup(t, &c, OP_FINISH, LIVEUPDATE_SESSION_FINISH, &st,
		   sizeof(st), sizeof(st), false);
	err = call_do(t, s.fd, &c);
	check(t, &c, s.kind, still(&s), err, &sem);
	if (!err)
		violation(t, OP_FINISH, "FINISH worked on a %s fd",
			  kind_names[s.kind]);
}

static void op_get_name(struct thr *t)
{
	struct liveupdate_session_get_name st = { .size = sizeof(st) };
	char want[NAME_LEN];
	struct eset sem;
	struct call c;
	struct obj *o;
	struct ref s;
	bool precise;
	int err;

	if (!pick(t, KB(K_SESSION), &s))
		return;
	if (one_in(t, 4))
		st.reserved = rnd(t);
	memset(st.name, 0xa5, sizeof(st.name));
	pthread_mutex_lock(&tbl);
	o = obj_find(s.uid);
	if (o)
		memcpy(want, o->name, NAME_LEN);
	pthread_mutex_unlock(&tbl);
	call_setup(t, &c, OP_GET_NAME, LIVEUPDATE_SESSION_GET_NAME, &st,
		   sizeof(st), sizeof(st), false);
	err = call_do(t, s.fd, &c);
	precise = still(&s);
	sem = st.reserved ? eset_of(EINVAL, -1) : eset_of(0, -1);
	if (c.ro && !st.reserved)
		sem = eset_of(EFAULT, -1);
	check(t, &c, s.kind, precise, err, &sem);
	if (!err && precise && s.kind == K_SESSION && o &&
	    c.size >= sizeof(st) &&
	    strncmp(c.buf + offsetof(typeof(st), name), want, NAME_LEN))
		violation(t, OP_GET_NAME, "name '%.63s', created as '%.63s'",
			  c.buf + offsetof(typeof(st), name), want);
}

/* A command number next to the real ones, none of them */
static unsigned long near_cmd(struct thr *t, unsigned int type,
			      unsigned int lo, unsigned int n)
{
	static const unsigned int types[] = { 0xB9, 0xBB, ';', 0xBA };
	unsigned long cmd;

	if (one_in(t, 6))
		type = types[below(t, ARRAY_SIZE(types))];
	cmd = _IOC(below(t, 4), type, lo + below(t, n),
		   one_in(t, 2) ? 0 : below(t, 128));
	if (in_list(cmd, lu_dev_cmds, ARRAY_SIZE(lu_dev_cmds)) ||
	    in_list(cmd, lu_session_cmds, ARRAY_SIZE(lu_session_cmds)) ||
	    in_list(cmd, iommufd_cmds, ARRAY_SIZE(iommufd_cmds)) ||
	    cmd == _IO(';', 0xa0))
		cmd ^= _IOC(0, 0, 0, 1);
	return cmd;
}

static void op_lu_bogus(struct thr *t)
{
	struct liveupdate_session_get_name st = { .size = sizeof(st) };
	unsigned long cmd;
	struct call c;
	struct ref r;
	int err;

	if (!pick(t, KB(K_LUDEV) | KB(K_SESSION), &r))
		return;
	cmd = one_in(t, 2) ? near_cmd(t, LIVEUPDATE_IOCTL_TYPE, 0, 4) :
		near_cmd(t, LIVEUPDATE_IOCTL_TYPE, 0x3e, 8);
	call_setup(t, &c, OP_LU_BOGUS, cmd, &st, sizeof(st), sizeof(st),
		   false);
	err = call_do(t, r.fd, &c);
	check(t, &c, r.kind, still(&r), err, NULL);
	if (!err)
		violation(t, OP_LU_BOGUS, "cmd %#lx worked on a %s fd", cmd,
			  kind_names[r.kind]);
}

/* ------------------------------------------------------------------------
 * iommufd
 */

/* An iommufd and the IDs seen on it */
struct iref {
	struct ref r;
	int nr;
	uint32_t ids[MAX_IDS];
	uint8_t type[MAX_IDS];
	bool marked[MAX_IDS];
};

static bool pick_iommufd(struct thr *t, struct iref *ir)
{
	struct obj *o;

	if (!pick(t, KB(K_IOMMUFD), &ir->r))
		return false;
	ir->nr = 0;
	pthread_mutex_lock(&tbl);
	o = obj_find(ir->r.uid);
	if (o && o->kind == K_IOMMUFD) {
		ir->nr = o->nr_ids;
		memcpy(ir->ids, o->ids, sizeof(ir->ids));
		memcpy(ir->type, o->id_type, sizeof(ir->type));
		memcpy(ir->marked, o->id_marked, sizeof(ir->marked));
	}
	pthread_mutex_unlock(&tbl);
	return true;
}

/* An ID of a type in @mask if there is one, else any; its type in *type */
static uint32_t pick_id(struct thr *t, const struct iref *ir,
			unsigned int mask, int *idx)
{
	int cand[MAX_IDS], n = 0, i;

	*idx = -1;
	if (!one_in(t, 10)) {
		for (i = 0; i < ir->nr; i++)
			if (ir->type[i] && mask & (1U << ir->type[i]))
				cand[n++] = i;
		if (!n)
			for (i = 0; i < ir->nr; i++)
				if (ir->type[i])
					cand[n++] = i;
		if (n) {
			*idx = cand[below(t, n)];
			return ir->ids[*idx];
		}
	}
	if (one_in(t, 4))
		return one_in(t, 2) ? 0 : ~0U;
	return below(t, 64);
}

static void id_add(uint64_t uid, uint32_t id, int type)
{
	struct obj *o;
	int i;

	pthread_mutex_lock(&tbl);
	o = obj_find(uid);
	if (o && o->kind == K_IOMMUFD) {
		for (i = 0; i < o->nr_ids; i++)
			if (!o->id_type[i] || o->ids[i] == id)
				break;
		if (i < MAX_IDS) {
			o->ids[i] = id;
			o->id_type[i] = type;
			o->id_marked[i] = false;
			if (i == o->nr_ids)
				o->nr_ids++;
		}
	}
	pthread_mutex_unlock(&tbl);
}

static void id_del(uint64_t uid, uint32_t id)
{
	struct obj *o;
	int i;

	pthread_mutex_lock(&tbl);
	o = obj_find(uid);
	for (i = 0; o && o->kind == K_IOMMUFD && i < o->nr_ids; i++)
		if (o->ids[i] == id)
			o->id_type[i] = 0;
	pthread_mutex_unlock(&tbl);
}

static void forget_ids(void)
{
	int i;

	pthread_mutex_lock(&tbl);
	for (i = 0; i < MAX_OBJS; i++)
		if (objs[i].kind == K_IOMMUFD)
			objs[i].nr_ids = 0;
	pthread_mutex_unlock(&tbl);
}

static void id_mark(uint64_t uid, uint32_t id)
{
	struct obj *o;
	int i;

	pthread_mutex_lock(&tbl);
	o = obj_find(uid);
	for (i = 0; o && o->kind == K_IOMMUFD && i < o->nr_ids; i++)
		if (o->ids[i] == id && o->id_type[i] == ID_HWPT)
			o->id_marked[i] = true;
	pthread_mutex_unlock(&tbl);
}

static int ioas_alloc(struct thr *t, struct iref *ir, bool exact,
		      uint32_t *id)
{
	struct iommu_ioas_alloc st = { .size = sizeof(st) };
	struct eset sem;
	struct call c;
	int err;

	if (!exact && one_in(t, 8))
		st.flags = rnd(t);
	call_setup(t, &c, OP_IOAS_ALLOC, IOMMU_IOAS_ALLOC, &st, sizeof(st),
		   sizeof(st), exact);
	err = call_do(t, ir->r.fd, &c);
	sem = st.flags ? eset_of(EOPNOTSUPP, -1) :
		eset_of(0, ENOMEM, -1);
	if (c.ro && !st.flags)
		eset_add(&sem, EFAULT);
	check(t, &c, ir->r.kind, still(&ir->r), err, &sem);
	if (!err) {
		*id = out_u32(&c, offsetof(typeof(st), out_ioas_id));
		if (still(&ir->r))
			id_add(ir->r.uid, *id, ID_IOAS);
	}
	return err;
}

static void op_ioas_alloc(struct thr *t)
{
	struct iref ir;
	uint32_t id;

	if (pick_iommufd(t, &ir))
		ioas_alloc(t, &ir, false, &id);
}

static void op_destroy(struct thr *t)
{
	struct iommu_destroy st = { .size = sizeof(st) };
	struct iref ir;
	struct call c;
	int err, idx;

	if (!pick_iommufd(t, &ir))
		return;
	st.id = pick_id(t, &ir, ~0U, &idx);
	call_setup(t, &c, OP_DESTROY, IOMMU_DESTROY, &st, sizeof(st),
		   sizeof(st), false);
	__atomic_fetch_add(&destroys, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&id_epoch, 1, __ATOMIC_SEQ_CST);
	err = call_do(t, ir.r.fd, &c);
	check(t, &c, ir.r.kind, still(&ir.r), err, NULL);
	if (!err && still(&ir.r))
		id_del(ir.r.uid, st.id);
	else if (!err)
		forget_ids();	/* an ID of some iommufd is gone */
	__atomic_fetch_sub(&destroys, 1, __ATOMIC_SEQ_CST);
}

static void note_bad_map(uint64_t uid, uint32_t ioas)
{
	pthread_mutex_lock(&tbl);
	if (nr_bad_maps < MAX_BAD_MAPS) {
		bad_maps[nr_bad_maps].uid = uid;
		bad_maps[nr_bad_maps++].ioas = ioas;
	} else {
		bad_maps_full = true;
	}
	pthread_mutex_unlock(&tbl);
}

static bool bad_map(uint64_t uid, uint32_t ioas)
{
	unsigned int i;
	bool bad;

	pthread_mutex_lock(&tbl);
	bad = bad_maps_full;
	for (i = 0; i < nr_bad_maps && !bad; i++)
		bad = bad_maps[i].uid == uid && bad_maps[i].ioas == ioas;
	pthread_mutex_unlock(&tbl);
	return bad;
}

static int hwpt_alloc(struct thr *t, struct iref *ir, uint32_t dev_id,
		      uint32_t pt_id, bool exact, uint32_t *id)
{
	struct iommu_hwpt_alloc st = {
		.size = sizeof(st), .dev_id = dev_id, .pt_id = pt_id,
	};
	struct call c;
	int err;

	if (!exact && one_in(t, 6))
		st.flags = below(t, 16);
	if (!exact && one_in(t, 10)) {
		st.data_type = below(t, 3);
		st.data_len = below(t, 40);
		st.data_uptr = (uintptr_t)(one_in(t, 2) ? scratch : NULL);
	}
	call_setup(t, &c, OP_HWPT_ALLOC, IOMMU_HWPT_ALLOC, &st, sizeof(st),
		   offsetof(typeof(st), __reserved) + sizeof(st.__reserved),
		   exact);
	c.uptr = (st.data_len && !st.data_uptr) || bad_map(ir->r.uid, pt_id);
	err = call_do(t, ir->r.fd, &c);
	trace(t, "  dev %u pt %u flags %#x data type %u len %u", dev_id, pt_id,
	      st.flags, st.data_type, st.data_len);
	check(t, &c, ir->r.kind, still(&ir->r), err, NULL);
	if (!err) {
		*id = out_u32(&c, offsetof(typeof(st), out_hwpt_id));
		if (still(&ir->r))
			id_add(ir->r.uid, *id,
			       st.flags & IOMMU_HWPT_ALLOC_NEST_PARENT ?
			       ID_HWPT_NEST : ID_HWPT);
	}
	return err;
}

static void op_hwpt_alloc(struct thr *t)
{
	uint32_t dev, pt, id;
	struct iref ir;
	int idx;

	if (!pick_iommufd(t, &ir))
		return;
	dev = pick_id(t, &ir, 1U << ID_DEV, &idx);
	pt = pick_id(t, &ir, 1U << ID_IOAS, &idx);
	hwpt_alloc(t, &ir, dev, pt, false, &id);
}

/* A memfd, mostly, for IOMMU_IOAS_MAP_FILE */
static bool pick_memfd(struct thr *t, struct ref *r)
{
	return pick(t, K_MEMFDS, r);
}

static int map_file(struct thr *t, struct iref *ir, uint32_t ioas,
		    const struct ref *m, uint64_t start, uint64_t length,
		    uint64_t iova, uint32_t flags, bool exact)
{
	struct iommu_ioas_map_file st = {
		.size = sizeof(st), .flags = flags, .ioas_id = ioas,
		.fd = m->fd, .start = start, .length = length, .iova = iova,
	};
	const uint32_t rw = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	struct eset sem;
	struct call c;
	int err;

	call_setup(t, &c, OP_MAP_FILE, IOMMU_IOAS_MAP_FILE, &st, sizeof(st),
		   sizeof(st), exact);
	err = call_do(t, ir->r.fd, &c);
	if (flags & ~(rw | IOMMU_IOAS_MAP_FIXED_IOVA))
		sem = eset_of(EOPNOTSUPP, -1);
	else if (iova == ~0ULL || length == ~0ULL || start == ~0ULL)
		sem = eset_of(EOVERFLOW, -1);
	else if (!(flags & rw))
		sem = eset_of(EINVAL, -1);
	else
		sem = eset_of(0, ENOENT, EBADF, EACCES, EINVAL, EOVERFLOW,
			      EPERM, EAGAIN, EEXIST, ENOSPC, EBUSY, ENOMEM,
			      -1);
	if (c.ro && eset_has(&sem, 0))
		eset_add(&sem, EFAULT);
	check(t, &c, ir->r.kind, still(&ir->r) && still(m), err, &sem);
	return err;
}

static uint64_t gen_len(struct thr *t)
{
	switch (below(t, 10)) {
	case 0:
		return 0;
	case 1:
		return ~0ULL - below(t, 2) * PAGE;
	case 2:
		return below(t, MAX_MEMFD) + 1;
	default:
		return (1 + below(t, MAX_MEMFD / PAGE)) * PAGE;
	}
}

static void op_map_file(struct thr *t)
{
	const uint32_t rw = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	uint64_t start, length, iova = 0;
	uint32_t ioas, flags;
	struct iref ir;
	struct ref m;
	int idx;

	if (!pick_iommufd(t, &ir) || !pick_memfd(t, &m))
		return;
	ioas = pick_id(t, &ir, 1U << ID_IOAS, &idx);
	flags = one_in(t, 8) ? rnd(t) & 0xf : rw & ~(below(t, 4) << 1);
	if (one_in(t, 3)) {
		flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
		iova = one_in(t, 10) ? rnd(t) : below(t, 1 << 18) * PAGE;
	}
	start = one_in(t, 6) ? rnd(t) : below(t, MAX_MEMFD / PAGE) * PAGE;
	if (one_in(t, 8))
		start += below(t, PAGE);
	length = gen_len(t);
	map_file(t, &ir, ioas, &m, start, length, iova, flags, false);
}

static void op_map(struct thr *t)
{
	struct iommu_ioas_map st = { .size = sizeof(st) };
	struct iref ir;
	struct call c;
	uint64_t off;
	int err, idx;

	if (!pick_iommufd(t, &ir))
		return;
	st.ioas_id = pick_id(t, &ir, 1U << ID_IOAS, &idx);
	st.flags = one_in(t, 8) ? rnd(t) & 0xf : IOMMU_IOAS_MAP_READABLE |
		   IOMMU_IOAS_MAP_WRITEABLE;
	if (one_in(t, 3)) {
		st.flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
		st.iova = below(t, 1 << 18) * PAGE;
	}
	if (one_in(t, 8))
		st.user_va = one_in(t, 2) ? rnd(t) : PAGE;
	else
		st.user_va = (uintptr_t)scratch +
			     below(t, SCRATCH_SIZE / PAGE) * PAGE;
	st.length = one_in(t, 8) ? gen_len(t) :
		    (1 + below(t, 64)) * PAGE;
	call_setup(t, &c, OP_MAP, IOMMU_IOAS_MAP, &st, sizeof(st), sizeof(st),
		   false);
	c.uptr = true;
	/*
	 * Noted before the call, which a HWPT_ALLOC may race, and whatever
	 * it returns: an IOAS_MAP that fails to write its IOVA back (EFAULT)
	 * keeps its mapping
	 */
	off = st.user_va - (uintptr_t)scratch;
	if (off >= SCRATCH_SIZE || st.length > SCRATCH_SIZE - off)
		note_bad_map(ir.r.uid, st.ioas_id);
	err = call_do(t, ir.r.fd, &c);
	trace(t, "  ioas %u va %#llx length %#llx", st.ioas_id,
	      (unsigned long long)st.user_va, (unsigned long long)st.length);
	check(t, &c, ir.r.kind, still(&ir.r), err, NULL);
}

static void op_unmap(struct thr *t)
{
	struct iommu_ioas_unmap st = { .size = sizeof(st) };
	struct iref ir;
	struct call c;
	int err, idx;

	if (!pick_iommufd(t, &ir))
		return;
	st.ioas_id = pick_id(t, &ir, 1U << ID_IOAS, &idx);
	if (one_in(t, 3)) {
		st.iova = 0;
		st.length = ~0ULL;
	} else {
		st.iova = one_in(t, 8) ? rnd(t) : below(t, 1 << 18) * PAGE;
		st.length = gen_len(t);
	}
	call_setup(t, &c, OP_UNMAP, IOMMU_IOAS_UNMAP, &st, sizeof(st),
		   sizeof(st), false);
	err = call_do(t, ir.r.fd, &c);
	check(t, &c, ir.r.kind, still(&ir.r), err, NULL);
}

static uint64_t gen_hwpt_token(struct thr *t)
{
	static const uint64_t tokens[] = { 1, 2, 3, 0, ~0ULL, 1ULL << 63 };

	if (one_in(t, 6))
		return rnd(t);
	return tokens[below(t, ARRAY_SIZE(tokens))];
}

static int mark(struct thr *t, struct iref *ir, uint32_t id, int idx,
		uint64_t token, bool exact)
{
	struct iommu_hwpt_lu_mark_preserve st = {
		.size = sizeof(st), .hwpt_id = id, .hwpt_token = token,
	};
	struct eset sem;
	struct call c;
	int err;

	call_setup(t, &c, OP_MARK, IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &st,
		   sizeof(st), sizeof(st), exact);
	err = call_do(t, ir->r.fd, &c);
	if (idx >= 0 && (ir->type[idx] == ID_IOAS || ir->type[idx] == ID_DEV))
		sem = eset_of(ENOENT, -1);
	else if (idx >= 0 && ir->type[idx] == ID_HWPT && ir->marked[idx])
		sem = eset_of(EALREADY, -1);
	else if (idx >= 0 && ir->type[idx] == ID_HWPT_NEST)
		sem = eset_of(EINVAL, ENOENT, -1);
	else
		sem = eset_of(0, ENOENT, EINVAL, EADDRINUSE, EALREADY, EBUSY,
			      -1);
	check(t, &c, ir->r.kind, ids_still(&ir->r), err, &sem);
	if (!err && still(&ir->r))
		id_mark(ir->r.uid, id);
	return err;
}

static void op_mark(struct thr *t)
{
	struct iref ir;
	uint32_t id;
	int idx;

	if (!pick_iommufd(t, &ir))
		return;
	id = pick_id(t, &ir, 1U << ID_HWPT | 1U << ID_HWPT_NEST, &idx);
	mark(t, &ir, id, idx, gen_hwpt_token(t), false);
}

static void op_restore(struct thr *t)
{
	struct iommu_hwpt_lu_restore st = {
		.size = sizeof(st), .hwpt_token = gen_hwpt_token(t),
	};
	struct eset sem;
	struct iref ir;
	struct call c;
	int err;

	if (!pick_iommufd(t, &ir))
		return;
	if (one_in(t, 5))
		st.flags = rnd(t);
	if (one_in(t, 5))
		st.__reserved = rnd(t);
	call_setup(t, &c, OP_RESTORE, IOMMU_HWPT_LIVEUPDATE_RESTORE, &st,
		   sizeof(st), offsetof(typeof(st), __reserved) +
		   sizeof(st.__reserved), false);
	err = call_do(t, ir.r.fd, &c);
	sem = st.flags || st.__reserved ? eset_of(EOPNOTSUPP, -1) :
	      eset_of(ENOENT, -1);
	check(t, &c, ir.r.kind, still(&ir.r), err, &sem);
	if (!err)
		violation(t, OP_RESTORE, "HWPT %u restored from token %#llx, no live update",
			  out_u32(&c, offsetof(typeof(st), out_hwpt_id)),
			  (unsigned long long)st.hwpt_token);
}

static void op_iommu_bogus(struct thr *t)
{
	struct iommu_ioas_map_file st = { .size = sizeof(st) };
	unsigned long cmd;
	struct call c;
	struct ref r;
	int err;

	if (!pick(t, KB(K_IOMMUFD), &r))
		return;
	cmd = near_cmd(t, IOMMUFD_TYPE, 0x7e, 0x22);
	call_setup(t, &c, OP_IOMMU_BOGUS, cmd, &st, sizeof(st), sizeof(st),
		   false);
	err = call_do(t, r.fd, &c);
	check(t, &c, r.kind, still(&r), err, NULL);
	if (!err)
		violation(t, OP_IOMMU_BOGUS, "cmd %#lx worked on a %s fd", cmd,
			  kind_names[r.kind]);
}

/* ------------------------------------------------------------------------
 * The vfio device
 */

static int vfio_bind(struct thr *t, const struct ref *v, const struct ref *i,
		     bool exact, uint32_t *dev_id)
{
	struct vfio_device_bind_iommufd st = {
		.argsz = sizeof(st), .iommufd = i->fd,
	};
	struct obj *o;
	int err;

	if (!exact && one_in(t, 10))
		st.flags = rnd(t);
	if (!exact && one_in(t, 10))
		st.argsz = below(t, 2 * sizeof(st));
	memcpy(t->arena, &st, sizeof(st));
	err = ioctl(v->fd, VFIO_DEVICE_BIND_IOMMUFD, t->arena) ? errno : 0;
	note(OP_BIND, err);
	trace(t, "VFIO_BIND %d to %d: %s", v->fd, i->fd, ename(err));
	if (err)
		return err;
	memcpy(&st, t->arena, sizeof(st));
	*dev_id = st.out_devid;
	if (!still(v) || v->kind != K_VFIO || i->kind != K_IOMMUFD)
		return 0;
	pthread_mutex_lock(&tbl);
	o = obj_find(v->uid);
	if (o) {
		o->bound_to = i->uid;
		o->dev_id = st.out_devid;
	}
	pthread_mutex_unlock(&tbl);
	id_add(i->uid, st.out_devid, ID_DEV);
	return 0;
}

static void op_bind(struct thr *t)
{
	struct ref v, i;
	uint32_t dev_id;

	if (pick(t, KB(K_VFIO), &v) && pick(t, KB(K_IOMMUFD), &i)) {
		i.epoch = v.epoch;
		vfio_bind(t, &v, &i, false, &dev_id);
	}
}

/* The iommufd a vfio fd is bound to, as an iref; false if none known */
static bool vfio_iommufd(const struct ref *v, struct iref *ir)
{
	struct obj *o, *io;
	bool ok = false;

	pthread_mutex_lock(&tbl);
	o = obj_find(v->uid);
	io = o ? obj_find(o->bound_to) : NULL;
	if (io) {
		memset(ir, 0, sizeof(*ir));
		ir->r.uid = io->uid;
		ir->r.kind = K_IOMMUFD;
		ir->nr = io->nr_ids;
		memcpy(ir->ids, io->ids, sizeof(ir->ids));
		memcpy(ir->type, io->id_type, sizeof(ir->type));
		ok = true;
	}
	pthread_mutex_unlock(&tbl);
	return ok;
}

static int vfio_attach(struct thr *t, const struct ref *v, uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt st = {
		.argsz = sizeof(st), .pt_id = pt_id,
	};
	int err;

	memcpy(t->arena, &st, sizeof(st));
	__atomic_fetch_add(&id_epoch, 1, __ATOMIC_SEQ_CST);
	err = ioctl(v->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, t->arena) ?
		errno : 0;
	note(OP_ATTACH, err);
	trace(t, "VFIO_ATTACH %d to %u: %s", v->fd, pt_id, ename(err));
	return err;
}

static void op_attach(struct thr *t)
{
	struct iref ir = {};
	struct ref v;
	int idx;

	if (!pick(t, KB(K_VFIO), &v))
		return;
	vfio_iommufd(&v, &ir);
	vfio_attach(t, &v, pick_id(t, &ir, 1U << ID_IOAS | 1U << ID_HWPT |
				   1U << ID_HWPT_NEST, &idx));
}

static void op_detach(struct thr *t)
{
	struct vfio_device_detach_iommufd_pt st = { .argsz = sizeof(st) };
	struct ref v;
	int err;

	if (!pick(t, KB(K_VFIO), &v))
		return;
	if (one_in(t, 10))
		st.flags = rnd(t);
	memcpy(t->arena, &st, sizeof(st));
	__atomic_fetch_add(&id_epoch, 1, __ATOMIC_SEQ_CST);
	err = ioctl(v.fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, t->arena) ?
		errno : 0;
	note(OP_DETACH, err);
	trace(t, "VFIO_DETACH %d: %s", v.fd, ename(err));
}

/* ------------------------------------------------------------------------
 * Opening, closing and changing files
 */

static uint64_t file_key(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	return (uint64_t)st.st_dev << 40 ^ st.st_ino ^ 1ULL << 63;
}

/* Write @pages pages at random places of the first @size bytes of @fd */
static void touch(struct thr *t, int fd, size_t size, unsigned int pages)
{
	char byte = 1 + below(t, 255);

	while (size >= PAGE && pages--) {
		if (pwrite(fd, &byte, 1, below(t, size / PAGE) * PAGE +
			   below(t, PAGE)) < 0)
			break;
	}
}

static size_t gen_size(struct thr *t)
{
	static const size_t sizes[] = {
		0, PAGE, 16 * PAGE, 1UL << 20, 2UL << 20, MAX_MEMFD,
	};

	if (one_in(t, 4))
		return below(t, MAX_MEMFD + 1);
	return sizes[below(t, ARRAY_SIZE(sizes))];
}

static int open_memfd(struct thr *t, bool sealed)
{
	unsigned int flags = MFD_ALLOW_SEALING | MFD_CLOEXEC;
	size_t size = sealed ? (1 + below(t, 4)) * PAGE * 64 : gen_size(t);
	int fd;

	if (one_in(t, 8))
		flags |= one_in(t, 2) ? MFD_NOEXEC_SEAL : MFD_EXEC;
	fd = memfd_create("luo_fuzz", flags);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size))
		goto out;
	touch(t, fd, size, below(t, 16));
	if (sealed || one_in(t, 2))
		fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK);
	if (!sealed && one_in(t, 8))
		fcntl(fd, F_ADD_SEALS, (int)below(t, 64));
	return fd;
out:
	close(fd);
	return -ENOMEM;
}

static int open_hugetlb(struct thr *t)
{
	size_t size = (1 + below(t, 2)) * (2UL << 20);
	int fd;

	fd = memfd_create("luo_fuzz_huge",
			  MFD_HUGETLB | MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size)) {
		close(fd);
		return -ENOMEM;
	}
	if (one_in(t, 2))
		fallocate(fd, 0, 0, 2UL << 20);
	if (one_in(t, 2))
		fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK);
	return fd;
}

static int open_testfile(struct thr *t)
{
	uint64_t tag = rnd(t);
	int fd;

	fd = open(one_in(t, 2) ? LUO_TEST_DEV0 : LUO_TEST_DEV1,
		  O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, &tag, sizeof(tag), 0) < 0) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* A new file of @kind (not a session); its fd or -errno */
static int open_kind(struct thr *t, int kind, uint64_t *key, int *fd2)
{
	char path[64];
	struct ref m;
	int fd, p[2];

	*key = 0;
	*fd2 = -1;
	switch (kind) {
	case K_LUDEV:
		fd = open(LUO_DEV, O_RDWR | O_CLOEXEC);
		break;
	case K_MEMFD:
		fd = open_memfd(t, one_in(t, 3));
		break;
	case K_MEMFD_RO:
		if (!pick(t, KB(K_MEMFD) | KB(K_HUGETLB), &m) ||
		    m.kind == K_BADFD || m.kind == K_UNKNOWN)
			return -ENOENT;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", m.fd);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		/* Its fd may have been closed and reused meanwhile */
		if (fd >= 0 && file_key(fd) != m.key) {
			close(fd);
			return -ESTALE;
		}
		break;
	case K_HUGETLB:
		fd = open_hugetlb(t);
		break;
	case K_TESTFILE:
		fd = open_testfile(t);
		break;
	case K_IOMMUFD:
		fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
		break;
	case K_VFIO:
		fd = open(vfio_path, O_RDWR | O_CLOEXEC);
		break;
	case K_PIPE:
		if (pipe2(p, O_CLOEXEC))
			return -errno;
		fd = p[0];
		*fd2 = p[1];
		break;
	case K_EVENTFD:
		fd = eventfd(0, EFD_CLOEXEC);
		break;
	default:
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		break;
	}
	if (fd < 0)
		return fd < -1 ? fd : -errno;
	if (kind == K_MEMFD || kind == K_MEMFD_RO || kind == K_HUGETLB)
		*key = file_key(fd);
	return fd;
}

static bool kind_usable(int kind)
{
	switch (kind) {
	case K_HUGETLB:
		return have_hugetlb;
	case K_TESTFILE:
		return have_testfile;
	case K_IOMMUFD:
		return have_iommufd;
	case K_VFIO:
		return have_vfio;
	default:
		return kind >= K_LUDEV && kind != K_SESSION;
	}
}

static void close_one(struct thr *t, unsigned int mask)
{
	int i, err;

	pthread_mutex_lock(&tbl);
	i = pick_locked(t, mask);
	if (i < 0) {
		pthread_mutex_unlock(&tbl);
		return;
	}
	trace(t, "close %d", slots[i].fd);
	err = slot_close_unlock(i);
	note(OP_CLOSE, err);
	if (err)
		violation(t, OP_CLOSE, "close of a table fd: %s", ename(err));
}

static void op_open(struct thr *t)
{
	int kind = K_LUDEV + below(t, NR_KINDS - K_LUDEV);
	bool busy, full;
	uint64_t key;
	int fd, fd2;
	struct ref r;

	if (kind == K_SESSION || !kind_usable(kind))
		kind = K_MEMFD;
	pthread_mutex_lock(&tbl);
	full = kind_count(kind) >= kind_cap[kind];
	busy = kind == K_LUDEV && kind_count(K_LUDEV);
	r.epoch = __atomic_load_n(&close_epoch, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&tbl);
	if (full) {
		close_one(t, KB(kind));
		return;
	}
	fd = open_kind(t, kind, &key, &fd2);
	note(OP_OPEN, fd < 0 ? -fd : 0);
	trace(t, "open %s: %d", kind_names[kind], fd);
	/* /dev/liveupdate opens once at a time */
	if (busy && fd >= 0 && still(&r))
		violation(t, OP_OPEN, "a second open of " LUO_DEV " worked");
	if (fd < 0)
		return;
	slot_add(fd, kind, key);
	if (fd2 >= 0)
		slot_add(fd2, kind, 0);
}

static void op_close(struct thr *t)
{
	close_one(t, K_ANY);
}

static void op_dup(struct thr *t)
{
	struct obj *o;
	int i, fd, s;

	pthread_mutex_lock(&tbl);
	i = pick_locked(t, K_ANY);
	if (i < 0) {
		pthread_mutex_unlock(&tbl);
		return;
	}
	o = obj_find(slots[i].uid);
	if (kind_count(o->kind) >= kind_cap[o->kind]) {
		pthread_mutex_unlock(&tbl);
		return;
	}
	/* Under the lock: nothing closes it meanwhile */
	fd = fcntl(slots[i].fd, one_in(t, 2) ? F_DUPFD_CLOEXEC : F_DUPFD, 3);
	note(OP_DUP, fd < 0 ? errno : 0);
	if (fd >= 0) {
		for (s = 0; s < MAX_SLOTS && slots[s].fd >= 0; s++)
			;
		if (s < MAX_SLOTS) {
			slots[s].fd = fd;
			slots[s].uid = o->uid;
			o->refs++;
			fd = -1;
		}
	}
	pthread_mutex_unlock(&tbl);
	if (fd >= 0) {
		__atomic_fetch_add(&close_epoch, 1, __ATOMIC_SEQ_CST);
		close(fd);
	}
}

/*
 * Write a byte through a shared mapping, which fills a hole: only into a
 * shmem memfd that cannot shrink (no SIGBUS) and within its size.
 */
static int mmap_touch(struct thr *t, const struct ref *r)
{
	int seals = fcntl(r->fd, F_GET_SEALS);
	off_t size = lseek(r->fd, 0, SEEK_END);
	char *p;

	if (r->kind != K_MEMFD || seals < 0 || !(seals & F_SEAL_SHRINK) ||
	    size < (off_t)PAGE)
		return 0;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
		 below(t, size / PAGE) * PAGE);
	if (p == MAP_FAILED)
		return 1;
	p[below(t, PAGE)] = 1;
	munmap(p, PAGE);
	return 0;
}

/* What a VMM does to its guest memory meanwhile, and worse */
static void op_file(struct thr *t)
{
	char buf[64];
	size_t size;
	struct ref r;
	int err = 0;

	if (!pick(t, K_MEMFDS | KB(K_TESTFILE), &r))
		return;
	size = gen_size(t);
	memset(buf, (int)below(t, 256), sizeof(buf));
	switch (below(t, 7)) {
	case 0:
		err = ftruncate(r.fd, size);
		break;
	case 1:
		err = pwrite(r.fd, buf, 1 + below(t, sizeof(buf)),
			     below(t, size + 65536)) < 0;
		break;
	case 2:
		err = fallocate(r.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				below(t, size + 1), below(t, size + 1));
		break;
	case 3:
		err = fallocate(r.fd, one_in(t, 2) ? FALLOC_FL_KEEP_SIZE : 0,
				below(t, size / PAGE + 1) * PAGE,
				(1 + below(t, 64)) * PAGE);
		break;
	case 4:
		err = fcntl(r.fd, F_ADD_SEALS, (int)below(t, 64)) < 0;
		break;
	case 5:
		err = mmap_touch(t, &r);
		break;
	default:
		err = lseek(r.fd, below(t, size + 1), SEEK_SET) < 0;
		break;
	}
	note(OP_FILE, err ? errno : 0);
}

/* ------------------------------------------------------------------------
 * A VMM's preserve, step by step, on fresh objects that the other threads
 * may then break: memfd -> IOAS -> MAP_FILE -> HWPT on the device ->
 * attach -> mark -> session -> preserve memfd, iommufd and device.
 */

/* The table's view of @fd, as of @epoch */
static void ref_of(int fd, unsigned long epoch, unsigned long ids,
		   struct ref *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->kind = K_UNKNOWN;
	pthread_mutex_lock(&tbl);
	for (i = 0; i < MAX_SLOTS; i++)
		if (slots[i].fd == fd)
			ref_fill(r, i);
	pthread_mutex_unlock(&tbl);
	r->epoch = epoch;
	r->id_epoch = ids;
	r->ids_unsure = true;	/* the chain uses no ID it did not make */
}

/* A new fd of @kind in the table (a sealed memfd for K_MEMFD) */
static bool vmm_open(struct thr *t, int kind, unsigned long epoch,
		     unsigned long ids, struct ref *r)
{
	uint64_t key = 0;
	int fd, fd2 = -1;

	if (kind == K_MEMFD) {
		fd = open_memfd(t, true);
		if (fd >= 0)
			key = file_key(fd);
	} else {
		fd = open_kind(t, kind, &key, &fd2);
	}
	note(OP_OPEN, fd < 0 ? -fd : 0);
	if (fd < 0 || !slot_add(fd, kind, key))
		return false;
	ref_of(fd, epoch, ids, r);
	return true;
}

/* Close the fd of @r if the table still has it */
static void close_ref(struct thr *t, const struct ref *r)
{
	int i;

	pthread_mutex_lock(&tbl);
	for (i = 0; i < MAX_SLOTS; i++) {
		if (slots[i].fd == r->fd && slots[i].uid == r->uid) {
			note(OP_CLOSE, slot_close_unlock(i));
			return;
		}
	}
	pthread_mutex_unlock(&tbl);
}

/* Close every fd of the device, and the sessions known to hold it */
static void close_device(void)
{
	struct obj *o;
	int i;

	for (i = 0; i < MAX_SLOTS; i++) {
		pthread_mutex_lock(&tbl);
		o = slots[i].fd >= 0 ? obj_find(slots[i].uid) : NULL;
		if (o && (o->kind == K_VFIO || o->holds_dev)) {
			note(OP_CLOSE, slot_close_unlock(i));
			continue;
		}
		pthread_mutex_unlock(&tbl);
	}
}

static void op_vmm(struct thr *t)
{
	const uint32_t rw = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	uint32_t ioas, hwpt, dev_id = 0;
	struct ref lu, s, m, v, dev;
	uint8_t name[NAME_LEN];
	unsigned long e0;
	unsigned long i0;
	struct iref ir;
	uint64_t tok;
	bool full;
	int fd;

	if (!have_vfio || !have_iommufd)
		return;
	/*
	 * Mostly, the device's other fds go first, and the sessions holding
	 * it, so that this one binds.
	 */
	if (!one_in(t, 4))
		close_device();
	for (fd = K_MEMFD; fd <= K_VFIO; fd++) {
		pthread_mutex_lock(&tbl);
		full = kind_count(fd) >= kind_cap[fd];
		pthread_mutex_unlock(&tbl);
		if (full)
			close_one(t, KB(fd));
	}

	/* Every step is checked as of this epoch: nothing closed since */
	i0 = __atomic_load_n(&id_epoch, __ATOMIC_SEQ_CST);
	e0 = __atomic_load_n(&close_epoch, __ATOMIC_SEQ_CST);
	memset(&ir, 0, sizeof(ir));
	if (!vmm_open(t, K_IOMMUFD, e0, i0, &ir.r) ||
	    ioas_alloc(t, &ir, true, &ioas) ||
	    !vmm_open(t, K_MEMFD, e0, i0, &m))
		return;
	if (!one_in(t, 4))
		map_file(t, &ir, ioas, &m, 0, lseek(m.fd, 0, SEEK_END), 0, rw,
			 true);
	if (!vmm_open(t, K_VFIO, e0, i0, &v))
		return;
	vfio_bind(t, &v, &ir.r, true, &dev_id);
	if (hwpt_alloc(t, &ir, dev_id, ioas, true, &hwpt))
		return;
	vfio_attach(t, &v, hwpt);
	mark(t, &ir, hwpt, -1, 1 + below(t, 3), true);

	if (!pick(t, KB(K_LUDEV), &lu) || lu.kind != K_LUDEV)
		return;
	lu.epoch = e0;
	memset(name, 0, sizeof(name));
	snprintf((char *)name, NAME_LEN, "vmm-%d-%lu", t->id, t->uniq++);
	if (create(t, &lu, name, true, &fd))
		return;
	ref_of(fd, e0, i0, &s);
	tok = 100 + below(t, 4) * 100;
	preserve(t, &s, &m, tok, true);
	preserve(t, &s, &ir.r, tok + 1, true);
	/* The device through the fd it was bound with, or another one */
	dev = v;
	if (one_in(t, 3) && pick(t, KB(K_VFIO), &dev))
		dev.epoch = e0;
	preserve(t, &s, &dev, tok + 2, true);
	/* The VMM exits: its device fd first, then the session */
	if (one_in(t, 4)) {
		close_ref(t, &v);
		close_ref(t, &s);
	}
}

/* ------------------------------------------------------------------------
 * Threads
 */

static void (* const ops[NR_OPS])(struct thr *t) = {
	[OP_CREATE] = op_create, [OP_RETRIEVE] = op_retrieve,
	[OP_PRESERVE] = op_preserve, [OP_RETRIEVE_FD] = op_retrieve_fd,
	[OP_FINISH] = op_finish, [OP_GET_NAME] = op_get_name,
	[OP_LU_BOGUS] = op_lu_bogus,
	[OP_IOAS_ALLOC] = op_ioas_alloc, [OP_DESTROY] = op_destroy,
	[OP_HWPT_ALLOC] = op_hwpt_alloc, [OP_MAP_FILE] = op_map_file,
	[OP_MAP] = op_map, [OP_UNMAP] = op_unmap, [OP_MARK] = op_mark,
	[OP_RESTORE] = op_restore, [OP_IOMMU_BOGUS] = op_iommu_bogus,
	[OP_BIND] = op_bind, [OP_ATTACH] = op_attach, [OP_DETACH] = op_detach,
	[OP_OPEN] = op_open, [OP_CLOSE] = op_close, [OP_DUP] = op_dup,
	[OP_FILE] = op_file, [OP_VMM] = op_vmm,
};

static void trace_slow(struct thr *t, enum call_op op, double dt, double t0)
{
	pthread_mutex_lock(&log_lock);
	printf("# thread %d: %s took %.1f s (from %.1f s on)\n", t->id,
	       op_names[op], dt, t0);
	pthread_mutex_unlock(&log_lock);
}

/* Print the kernel stack of thread @tid (CONFIG_STACKTRACE) */
static void print_stack(pid_t tid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", tid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("#     %s", line);
	fclose(f);
}

#define STUCK_S		60

/*
 * A call that never returns is reported only by a watchdog: every 5 s it
 * looks for an op under way for STUCK_S seconds, and then prints that op,
 * the last calls and the kernel stack of every thread, and ends the
 * process (the harness would only see a hang).  It runs until the
 * process exits.
 */
static void *watchdog(void *arg)
{
	struct thr *thr = arg;
	int64_t now, since;
	int i, op;

	for (;;) {
		sleep(5);
		now = (int64_t)(elapsed() * 1000);
		for (i = 0; thr[i].id >= 0; i++) {
			op = __atomic_load_n(&thr[i].op, __ATOMIC_ACQUIRE);
			since = __atomic_load_n(&thr[i].since_ms,
						__ATOMIC_RELAXED);
			if (op >= 0 && now - since >= STUCK_S * 1000)
				break;
		}
		if (thr[i].id < 0)
			continue;
		/* Not waiting: the stuck thread may hold it */
		pthread_mutex_trylock(&log_lock);
		printf("# STUCK: thread %d in %s for %.0f s; the last calls:\n",
		       thr[i].id, op_names[op], (now - since) / 1000.0);
		print_recent();
		for (i = 0; thr[i].id >= 0; i++) {
			printf("#   thread %d (tid %d), kernel stack:\n",
			       thr[i].id, thr[i].tid);
			print_stack(thr[i].tid);
		}
		fflush(stdout);
		ksft_exit_fail_msg("a call did not return in %d s\n", STUCK_S);
	}
	return NULL;
}

static void op_begin(struct thr *t, int op)
{
	__atomic_store_n(&t->since_ms, (int64_t)(elapsed() * 1000),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&t->op, op, __ATOMIC_RELEASE);
}

static void op_end(struct thr *t)
{
	__atomic_store_n(&t->op, -1, __ATOMIC_RELEASE);
}

static void *worker(void *arg)
{
	struct thr *t = arg;
	int total = 0, i;
	double t0, dt;
	uint64_t r;

	t->tid = gettid();
	for (i = 0; i < NR_OPS; i++)
		total += op_weight[i];
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		r = below(t, total);
		for (i = 0; r >= (uint64_t)op_weight[i]; i++)
			r -= op_weight[i];
		t0 = elapsed();
		op_begin(t, i);
		ops[i](t);
		op_end(t);
		dt = elapsed() - t0;
		/* Nothing here may block for long */
		if (dt >= 30)
			violation(t, i, "took %.1f s (from %.1f s on)", dt, t0);
		else if (dt >= 5)
			trace_slow(t, i, dt, t0);
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Setup and the end
 */

static int write_str(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

static unsigned long read_hex(const char *bdf, const char *attr)
{
	char path[160], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/%s", bdf, attr);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strtoul(buf, NULL, 16);
}

/*
 * Bind the first edu device to vfio-pci, as the vfio selftests do
 * (driver_override, drivers_probe), and find its cdev.
 */
static void setup_vfio(void)
{
	char bdf[NAME_MAX + 1] = "", path[2 * NAME_MAX], link[256];
	struct dirent *e;
	ssize_t n;
	DIR *d;

	d = opendir(SYSFS_PCI);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] != '.' && !bdf[0] &&
		    read_hex(e->d_name, "vendor") == EDU_VENDOR &&
		    read_hex(e->d_name, "device") == EDU_DEVICE)
			snprintf(bdf, sizeof(bdf), "%s", e->d_name);
	}
	if (d)
		closedir(d);
	if (!bdf[0]) {
		ksft_print_msg("no edu device: no vfio fds\n");
		return;
	}
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	if (!strstr(link, "/vfio-pci")) {
		if (n > 0) {
			snprintf(path, sizeof(path),
				 SYSFS_PCI "/%s/driver/unbind", bdf);
			write_str(path, bdf);
		}
		snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver_override",
			 bdf);
		write_str(path, "vfio-pci");
		write_str("/sys/bus/pci/drivers_probe", bdf);
	}
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/vfio-dev", bdf);
	d = opendir(path);
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4))
			snprintf(vfio_path, sizeof(vfio_path),
				 "/dev/vfio/devices/%s", e->d_name);
	if (d)
		closedir(d);
	have_vfio = vfio_path[0] && !access(vfio_path, R_OK | W_OK);
	ksft_print_msg("edu device %s: %s\n", bdf,
		       have_vfio ? vfio_path : "no vfio cdev");
}

static void print_histogram(void)
{
	char line[1024];
	size_t n;
	int op, e;

	ksft_print_msg("results per call (ok or errno=count):\n");
	for (op = 0; op < NR_OPS; op++) {
		n = 0;
		line[0] = '\0';
		for (e = 0; e <= NR_ERRNO; e++) {
			if (!hist[op][e] || n >= sizeof(line) - 40)
				continue;
			n += snprintf(line + n, sizeof(line) - n, " %s=%llu",
				      e == NR_ERRNO ? "other" : ename(e),
				      (unsigned long long)hist[op][e]);
		}
		if (n)
			ksft_print_msg("  %-18s%s\n", op_names[op], line);
	}
}

/* Close every fd of the table: 0, or the number of closes that failed */
static int close_all(void)
{
	int i, bad = 0;

	for (i = 0; i < MAX_SLOTS; i++) {
		pthread_mutex_lock(&tbl);
		if (slots[i].fd < 0) {
			pthread_mutex_unlock(&tbl);
			continue;
		}
		bad += !!slot_close_unlock(i);
	}
	return bad;
}

/* The number of outgoing sessions LUO's debugfs state shows, or -1 */
static long outgoing_sessions(void)
{
	char line[512];
	long n = -1;
	FILE *f;

	f = fopen("/sys/kernel/debug/liveupdate/state", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "outgoing sessions %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* After the fuzzing: a session with a preserved memfd still works */
static int check_sanity(void)
{
	char name[NAME_LEN];
	int lu, s, m, ret = -1;

	lu = open(LUO_DEV, O_RDWR);
	if (lu < 0) {
		ksft_print_msg("open " LUO_DEV ": %s\n", strerror(errno));
		return -1;
	}
	snprintf(name, sizeof(name), "luo-fuzz-end-%d", getpid());
	s = luo_create_session(lu, name);
	if (s < 0) {
		ksft_print_msg("CREATE_SESSION: %s\n", strerror(-s));
		goto out_lu;
	}
	m = memfd_create("sanity", 0);
	if (m < 0 || ftruncate(m, 1 << 20) || pwrite(m, "x", 1, 4096) != 1) {
		ksft_print_msg("memfd: %s\n", strerror(errno));
		goto out_s;
	}
	ret = luo_preserve(s, m, 1);
	if (ret)
		ksft_print_msg("PRESERVE_FD of a memfd: %s\n", strerror(-ret));
	if (!ret && close(s)) {
		ksft_print_msg("close of the session: %s\n", strerror(errno));
		ret = -1;
	}
	s = -1;
	close(m);
out_s:
	if (s >= 0)
		close(s);
out_lu:
	if (close(lu))
		ret = -1;
	return ret;
}

static void print_usage(const char *prog)
{
	fprintf(stderr, "%s [-s SEED] [-n CALLS] [-t SECONDS] [-j THREADS] [-v] [-D]\n",
		prog);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	struct rlimit rl = { NOFILE, NOFILE };
	uint64_t seed = 0;
	bool no_vfio = false, seeded = false;
	struct thr *thr;
	pthread_t wd;
	int nthreads = 4, i, opt, lu, bad;
	long left;
	double took;
	FILE *f;

	while ((opt = getopt(argc, argv, "s:n:t:j:vD")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'n':
			max_calls = strtoull(optarg, NULL, 0);
			break;
		case 't':
			max_seconds = strtod(optarg, NULL);
			break;
		case 'j':
			nthreads = atoi(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'D':
			no_vfio = true;
			break;
		default:
			print_usage(argv[0]);
		}
	}
	if (nthreads < 1 || nthreads > 64)
		print_usage(argv[0]);
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ts.tv_sec * 1000003ULL ^ ts.tv_nsec ^ getpid();
	}

	ksft_print_header();
	ksft_set_plan(3);
	ksft_print_msg("seed %llu, %d threads, at most %llu calls and %.0f s\n",
		       (unsigned long long)seed, nthreads,
		       (unsigned long long)max_calls, max_seconds);
	ksft_print_msg("the same calls again: -s %llu -j 1\n",
		       (unsigned long long)seed);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (setrlimit(RLIMIT_NOFILE, &rl))
		ksft_print_msg("RLIMIT_NOFILE: %s\n", strerror(errno));
	for (i = 0; i < MAX_SLOTS; i++)
		slots[i].fd = -1;
	for (i = 0; i < 16; i++)
		recent_closed[i] = 1000 + i;

	lu = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	if (lu < 0)
		ksft_exit_fail_msg("open " LUO_DEV ": %s\n", strerror(errno));
	slot_add(lu, K_LUDEV, 0);
	have_testfile = !access(LUO_TEST_DEV0, R_OK | W_OK);
	have_iommufd = !access("/dev/iommu", R_OK | W_OK);
	f = fopen("/proc/sys/vm/nr_hugepages", "r");
	if (f) {
		have_hugetlb = fscanf(f, "%ld", &left) == 1 && left >= 2;
		fclose(f);
	}
	if (!no_vfio && have_iommufd)
		setup_vfio();
	ksft_print_msg("fds: test files %s, iommufd %s, vfio %s, hugetlb %s\n",
		       have_testfile ? "yes" : "no",
		       have_iommufd ? "yes" : "no", have_vfio ? "yes" : "no",
		       have_hugetlb ? "yes" : "no");

	scratch = mmap(NULL, SCRATCH_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	/* The workers, then the main thread's end, then an id of -1 */
	thr = calloc(nthreads + 2, sizeof(*thr));
	if (scratch == MAP_FAILED || !thr)
		ksft_exit_fail_msg("out of memory\n");

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	thr[nthreads].id = nthreads;
	thr[nthreads].tid = gettid();
	thr[nthreads].op = -1;
	thr[nthreads + 1].id = -1;
	for (i = 0; i < nthreads; i++)
		thr[i].op = -1;
	if (pthread_create(&wd, NULL, watchdog, thr))
		ksft_exit_fail_msg("pthread_create\n");
	for (i = 0; i < nthreads; i++) {
		thr[i].id = i;
		thr[i].rng = seed * 0x100000001b3ULL + i;
		thr[i].arena = mmap(NULL, ROOM + PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (thr[i].arena == MAP_FAILED ||
		    mprotect(thr[i].arena + ROOM, PAGE, PROT_NONE))
			ksft_exit_fail_msg("arena: %s\n", strerror(errno));
		if (pthread_create(&thr[i].pt, NULL, worker, &thr[i]))
			ksft_exit_fail_msg("pthread_create\n");
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(thr[i].pt, NULL);
	took = elapsed();
	/* The closes at the end are watched too, as the main thread's */
	op_begin(&thr[nthreads], OP_CLOSE);

	print_histogram();
	ksft_print_msg("%llu calls in %.1f s (%.0f calls/s), %llu checked precisely\n",
		       (unsigned long long)nr_calls, took, nr_calls / took,
		       (unsigned long long)nr_precise);
	ksft_test_result(!nr_violations,
			 "fuzz: %llu calls, %llu unexpected results\n",
			 (unsigned long long)nr_calls,
			 (unsigned long long)nr_violations);

	bad = close_all();
	left = outgoing_sessions();
	if (left > 0)
		ksft_print_msg("%ld outgoing sessions left after every fd was closed\n",
			       left);
	ksft_test_result(!bad && left <= 0,
			 "close: every fd closed (%d failed), no outgoing session left (%ld)\n",
			 bad, left);
	ksft_test_result(!check_sanity(),
			 "sanity: a new session preserves a memfd and closes\n");
	ksft_finished();
}
