/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live Update Orchestrator: what its files share.
 */
#ifndef _KERNEL_LIVEUPDATE_LUO_INTERNAL_H
#define _KERNEL_LIVEUPDATE_LUO_INTERNAL_H

#include <linux/liveupdate.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/xarray.h>

/*
 * Handover format (kernel to kernel, not a userspace ABI).  The KHO subtree
 * "LUO" is a struct luo_ser.  Sessions, the files of each session and the
 * FLBs are each a chain of preserved one-page blocks: a struct
 * luo_block_ser header, then as many entries as fit.  All values are
 * native-endian; physical addresses are u64.  A kernel only takes up data
 * whose compatible string it knows.
 */
#define LUO_SUBTREE_NAME	"LUO"
#define LUO_COMPATIBLE		"luo-612-v1"

/**
 * struct luo_ser - the LUO handover header
 * @compatible: LUO_COMPATIBLE, NUL-padded
 * @liveupdate_num: how many live updates led to the next kernel
 * @sessions: first block of struct luo_session_ser entries, or 0
 * @nr_sessions: number of sessions in all those blocks
 * @flbs: first block of struct luo_flb_ser entries, or 0
 * @nr_flbs: number of FLBs in all those blocks
 */
struct luo_ser {
	char compatible[16];
	u64 liveupdate_num;
	u64 sessions;
	u64 nr_sessions;
	u64 flbs;
	u64 nr_flbs;
} __packed;

/**
 * struct luo_block_ser - header of a one-page block of entries
 * @next: physical address of the next block, or 0 for the last
 * @count: entries in this block, at least one
 */
struct luo_block_ser {
	u64 next;
	u64 count;
} __packed;

/**
 * struct luo_session_ser - a session as handed over
 * @name: its name, NUL-terminated
 * @files: first block of struct luo_file_ser entries, or 0
 * @nr_files: number of files in all those blocks
 */
struct luo_session_ser {
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	u64 files;
	u64 nr_files;
} __packed;

/**
 * struct luo_file_ser - a file as handed over, in preservation order
 * @compatible: its handler's compatible string
 * @data: the handler's serialized_data
 * @token: the token userspace gave it
 */
struct luo_file_ser {
	char compatible[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	u64 data;
	u64 token;
} __packed;

/**
 * struct luo_flb_ser - an FLB as handed over
 * @compatible: its compatible string
 * @data: its serialized data
 * @count: how many handed-over files depend on it
 */
struct luo_flb_ser {
	char compatible[LIVEUPDATE_FLB_COMPAT_LENGTH];
	u64 data;
	u64 count;
} __packed;

/* Entries of a given size in one block. */
#define LUO_BLOCK_ENTRIES(size) \
	((PAGE_SIZE - sizeof(struct luo_block_ser)) / (size))

/* Runtime state. */

/**
 * struct luo_file - a preserved file, outgoing or incoming
 * @list: link in its session's files, in preservation order
 * @fh: its handler; incoming, NULL while this kernel has none
 * @missing: incoming, without a handler: the compatible string of the
 *	handler it needs
 * @file: outgoing: the preserved file; incoming: the retrieved file or
 *	NULL.  LUO holds a reference on it.
 * @token: the token userspace gave it
 * @data: the handler's serialized_data
 * @private_data: the handler's runtime state (outgoing)
 * @id: the key it holds in the preserved-files index, or 0
 * @retrieve_status: incoming: 0 not yet, 1 retrieved, or the error
 * @frozen: outgoing: its freeze succeeded
 *
 * Everything is protected by the lock of its session.
 */
struct luo_file {
	struct list_head list;
	struct liveupdate_file_handler *fh;
	char *missing;
	struct file *file;
	u64 token;
	u64 data;
	void *private_data;
	unsigned long id;
	int retrieve_status;
	bool frozen;
};

/**
 * struct luo_session - a session, outgoing (created) or incoming
 * @name: its name
 * @list: link in the list of its direction, in creation order
 * @hnode: link in the name hash of its direction
 * @incoming: handed over by the previous kernel
 * @retrieved: incoming: a session file descriptor exists
 * @lock: protects the files, and serializes the handler callbacks of
 *	the session's files
 * @files: its files, in preservation order
 * @tokens: its files by token
 * @nr_files: number of files
 * @ser_files: handover: first block of its files
 * @ser_nr_files: handover: number of files in those blocks
 */
struct luo_session {
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	struct list_head list;
	struct hlist_node hnode;
	bool incoming;
	bool retrieved;
	struct mutex lock;		/* files, tokens, callbacks */
	struct list_head files;
	struct xarray tokens;
	unsigned long nr_files;
	u64 ser_files;
	u64 ser_nr_files;
};

/* Handlers see a session as an opaque struct liveupdate_session. */
static inline struct liveupdate_session *to_lu_session(struct luo_session *s)
{
	return (struct liveupdate_session *)s;
}

static inline struct luo_session *to_luo_session(struct liveupdate_session *s)
{
	return (struct luo_session *)s;
}

/**
 * struct luo_ucmd - an ioctl being served
 * @ubuffer: the user's argument
 * @user_size: its size as the user gave it
 * @cmd: the kernel's copy, in a buffer large enough for any command
 */
struct luo_ucmd {
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

int luo_ucmd_respond(struct luo_ucmd *ucmd, size_t kernel_cmd_size);

/**
 * struct luo_ioctl_op - one ioctl of a dispatch table
 * @size: size of its structure as this kernel knows it
 * @min_size: the smallest size userspace may pass (mandatory part)
 * @ioctl_num: the full ioctl number
 * @execute: serves it
 */
struct luo_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct luo_ucmd *ucmd, void *ctx);
};

/* An entry of a dispatch table whose first command number is @_base. */
#define LUO_IOCTL_OP(_base, _ioctl, _fn, _struct, _last)		\
	[_IOC_NR(_ioctl) - (_base)] = {					\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.execute = _fn,						\
	}

long luo_ioctl_dispatch(const struct luo_ioctl_op *ops, unsigned int nr_ops,
			unsigned int base, unsigned int cmd,
			unsigned long arg, void *ctx);

/* luo_core.c */
extern struct rw_semaphore luo_state_rwsem;
u64 luo_liveupdate_num(void);

/* luo_block.c */
int luo_blocks_write(size_t entry_size, unsigned long nr,
		     void (*fill)(void *entry, unsigned long i, void *arg),
		     void *arg, u64 *first);
void luo_blocks_free(u64 first);
int luo_blocks_read(u64 first, size_t entry_size, unsigned long nr,
		    int (*take)(const void *entry, unsigned long i, void *arg),
		    void *arg);

/* luo_session.c */
int luo_session_create(const char *name, struct file **filep);
int luo_session_retrieve(const char *name, struct file **filep);
void luo_session_abandon(struct file *file);
unsigned long luo_session_nr_outgoing(void);
int luo_session_serialize(u64 *first, u64 *nr);
void luo_session_unserialize(u64 first);
void luo_session_discard_incoming(void);
int luo_session_deserialize(u64 first, u64 nr);
void luo_session_show(struct seq_file *m);

/* luo_file.c */
int luo_file_preserve(struct luo_session *s, int fd, u64 token);
void luo_file_unpreserve_all(struct luo_session *s);
int luo_file_retrieve(struct luo_session *s, u64 token, struct file **filep);
int luo_file_finish_all(struct luo_session *s);
int luo_file_freeze_all(struct luo_session *s);
void luo_file_unfreeze_all(struct luo_session *s);
int luo_file_serialize(struct luo_session *s);
int luo_file_deserialize(struct luo_session *s);
void luo_file_discard_incoming(struct luo_session *s);
void luo_file_show(struct seq_file *m, struct luo_session *s);
struct liveupdate_file_handler *luo_handler_find(const char *compatible);

/* luo_flb.c */
int luo_flb_file_preserve(struct liveupdate_file_handler *fh);
void luo_flb_file_unpreserve(struct liveupdate_file_handler *fh);
void luo_flb_file_finish(struct liveupdate_file_handler *fh);
int luo_flb_serialize(u64 *first, u64 *nr);
int luo_flb_take_incoming(u64 first, u64 nr);
void luo_flb_unlink_handler(struct liveupdate_file_handler *fh);
void luo_flb_show(struct seq_file *m);

#endif /* _KERNEL_LIVEUPDATE_LUO_INTERNAL_H */
