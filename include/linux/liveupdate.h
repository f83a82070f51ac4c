/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live Update Orchestrator (LUO): in-kernel interface for file handlers and
 * file-lifecycle-bound (FLB) objects.  See Documentation/core-api/liveupdate.rst.
 */
#ifndef _LINUX_LIVEUPDATE_H
#define _LINUX_LIVEUPDATE_H

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <uapi/linux/liveupdate.h>

struct file;
struct kimage;
struct module;
struct liveupdate_session;

/* Room for a handler's or an FLB's compatible string, with its NUL. */
#define LIVEUPDATE_HNDL_COMPAT_LENGTH	48
#define LIVEUPDATE_FLB_COMPAT_LENGTH	48

struct liveupdate_file_handler;

/**
 * struct liveupdate_file_op_args - arguments of a file handler callback
 * @handler: the handler called
 * @session: the session the file belongs to; handlers of dependent files
 *	use it with liveupdate_get_token_outgoing() and
 *	liveupdate_get_file_incoming()
 * @retrieve_status: for @can_finish and @finish: 0 if the file was never
 *	retrieved, 1 if it was, or the error its retrieve returned
 * @file: the file: input to every callback but @retrieve, whose output it
 *	is; NULL for @can_finish and @finish of a file never retrieved
 * @serialized_data: the handler's handle to the file's preserved state,
 *	set by @preserve (and may be updated by @freeze), given back to
 *	@retrieve, @can_finish and @finish in the next kernel
 * @private_data: the handler's runtime state of the file, not handed
 *	over: outgoing, set by @preserve, for @freeze, @unfreeze and
 *	@unpreserve; incoming, what a failed @retrieve kept of the
 *	preserved state, for the next @retrieve and for @finish
 */
struct liveupdate_file_op_args {
	struct liveupdate_file_handler *handler;
	struct liveupdate_session *session;
	int retrieve_status;
	struct file *file;
	u64 serialized_data;
	void *private_data;
};

/**
 * struct liveupdate_file_ops - what a file handler does
 * @can_preserve: required; whether this handler serves @file (a cheap
 *	type check).  Handlers are asked in registration order.
 * @preserve: required; preserve the file now, at PRESERVE_FD: the heavy
 *	work belongs here, not at reboot.  Sets @serialized_data.  On
 *	failure it undoes its own work; @unpreserve is not called then.
 * @unpreserve: required; give the file back (its outgoing session closed).
 * @freeze: optional; last step at the kexec reboot, oldest file first.
 *	May update @serialized_data.  A failure aborts the reboot.
 * @unfreeze: optional; undo @freeze when a later file's freeze failed.
 * @retrieve: required; in the next kernel, rebuild the file from
 *	@serialized_data and set @file.  Called until it succeeds: after a
 *	failure userspace may try again, so a failed retrieve leaves what
 *	it took of the preserved state in @private_data for the next call
 *	(and for @finish, which must then release it).
 * @can_finish: optional; whether the file may be finished now.  A "no"
 *	makes FINISH fail with -EBUSY and changes nothing.
 * @finish: required; the live update of the file is over: release what
 *	the handler still holds of the preserved state, and free it all if
 *	the file was never retrieved.  Newest file first.
 * @get_id: optional; the key under which a file counts as preserved, so
 *	that it is preserved at most once; default the struct file itself.
 *	A handler whose state lives in the inode returns the inode.
 * @owner: the module of the handler; held while it has a preserved file
 */
struct liveupdate_file_ops {
	bool (*can_preserve)(struct liveupdate_file_handler *handler,
			     struct file *file);
	int (*preserve)(struct liveupdate_file_op_args *args);
	void (*unpreserve)(struct liveupdate_file_op_args *args);
	int (*freeze)(struct liveupdate_file_op_args *args);
	void (*unfreeze)(struct liveupdate_file_op_args *args);
	int (*retrieve)(struct liveupdate_file_op_args *args);
	bool (*can_finish)(struct liveupdate_file_op_args *args);
	void (*finish)(struct liveupdate_file_op_args *args);
	unsigned long (*get_id)(struct file *file);
	struct module *owner;
};

/**
 * struct liveupdate_file_handler - a file type LUO can carry over
 * @ops: its callbacks
 * @compatible: names the handler and its data format across kernels; the
 *	next kernel gives a file to the handler with the same string
 * @list: private: link in the list of handlers
 * @flbs: private: the FLBs this handler's files depend on
 */
struct liveupdate_file_handler {
	const struct liveupdate_file_ops *ops;
	const char compatible[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	struct list_head __private list;
	struct list_head __private flbs;
};

struct liveupdate_flb;

/**
 * struct liveupdate_flb_op_args - arguments of an FLB callback
 * @flb: the FLB called
 * @data: the FLB's handle to its preserved state: output of @preserve,
 *	input of @unpreserve, @retrieve and @finish
 * @obj: the live object: output of @preserve and @retrieve, input of
 *	@unpreserve and @finish
 */
struct liveupdate_flb_op_args {
	struct liveupdate_flb *flb;
	u64 data;
	void *obj;
};

/**
 * struct liveupdate_flb_ops - what a file-lifecycle-bound object does
 * @preserve: the first file depending on the FLB is being preserved
 * @unpreserve: the last such file was given back before any reboot
 * @retrieve: in the next kernel, rebuild the object from @data, on demand
 * @finish: the last file depending on it finished; release what is left
 * @owner: the module of the FLB
 *
 * All four callbacks are required.
 */
struct liveupdate_flb_ops {
	int (*preserve)(struct liveupdate_flb_op_args *args);
	void (*unpreserve)(struct liveupdate_flb_op_args *args);
	int (*retrieve)(struct liveupdate_flb_op_args *args);
	void (*finish)(struct liveupdate_flb_op_args *args);
	struct module *owner;
};

/**
 * struct liveupdate_flb_state - private: one side (incoming or outgoing)
 * @count: files depending on the FLB
 * @users: references taken with the get functions
 * @data: handle to the preserved state
 * @obj: the live object, or NULL
 * @live: outgoing: preserved and not yet unpreserved; incoming: handed
 *	over and not yet finished
 * @retrieved: incoming: @retrieve ran
 * @err: incoming: the error @retrieve returned, sticky
 */
struct liveupdate_flb_state {
	long count;
	long users;
	u64 data;
	void *obj;
	bool live;
	bool retrieved;
	int err;
};

/**
 * struct liveupdate_flb - an object shared by the files of some handlers
 * @ops: its callbacks
 * @compatible: names the FLB and its data format across kernels
 * @lock: private: serializes the callbacks and the states
 * @in: private: the state handed over by the previous kernel
 * @out: private: the state handed to the next kernel
 * @list: private: link in the list of all FLBs
 * @links: private: how many handlers it is linked to
 */
struct liveupdate_flb {
	const struct liveupdate_flb_ops *ops;
	const char compatible[LIVEUPDATE_FLB_COMPAT_LENGTH];
	struct mutex __private lock;
	struct liveupdate_flb_state __private in;
	struct liveupdate_flb_state __private out;
	struct list_head __private list;
	unsigned int __private links;
};

#ifdef CONFIG_LIVEUPDATE

bool liveupdate_enabled(void);
int liveupdate_reboot(const struct kimage *image);

int liveupdate_register_file_handler(struct liveupdate_file_handler *fh);
void liveupdate_unregister_file_handler(struct liveupdate_file_handler *fh);

int liveupdate_register_flb(struct liveupdate_file_handler *fh,
			    struct liveupdate_flb *flb);
void liveupdate_unregister_flb(struct liveupdate_file_handler *fh,
			       struct liveupdate_flb *flb);
int liveupdate_flb_hold(struct liveupdate_flb *flb);
int liveupdate_flb_get_incoming(struct liveupdate_flb *flb, void **objp);
void liveupdate_flb_put_incoming(struct liveupdate_flb *flb);
int liveupdate_flb_get_outgoing(struct liveupdate_flb *flb, void **objp);
void liveupdate_flb_put_outgoing(struct liveupdate_flb *flb);

int liveupdate_get_token_outgoing(struct liveupdate_session *session,
				  struct file *file, u64 *tokenp);
int liveupdate_get_file_incoming(struct liveupdate_session *session,
				 u64 token, struct file **filep);
bool liveupdate_session_holds(struct liveupdate_session *session,
			      struct liveupdate_file_handler *fh, u64 data);

#ifdef CONFIG_LIVEUPDATE_TEST
struct dentry;

/**
 * struct liveupdate_test_knob - a test mode chosen by name (LIVEUPDATE_TEST)
 * @modes: the names of the modes; mode 0 means none
 * @nr_modes: how many
 * @mode: the mode chosen; its user sets it back to 0 once it has used it
 *
 * For the tests of malformed handover data: LUO and each file handler
 * break what they hand over in ways a knob of this kind names.
 */
struct liveupdate_test_knob {
	const char * const *modes;
	unsigned int nr_modes;
	int mode;
};

void liveupdate_test_knob_create(const char *name, struct dentry *parent,
				 struct liveupdate_test_knob *knob);
#endif

#else /* !CONFIG_LIVEUPDATE */

static inline bool liveupdate_enabled(void) { return false; }
static inline int liveupdate_reboot(const struct kimage *image) { return 0; }

static inline int liveupdate_register_file_handler(struct liveupdate_file_handler *fh)
{
	return -EOPNOTSUPP;
}

static inline void liveupdate_unregister_file_handler(struct liveupdate_file_handler *fh) { }

static inline int liveupdate_register_flb(struct liveupdate_file_handler *fh,
					  struct liveupdate_flb *flb)
{
	return -EOPNOTSUPP;
}

static inline void liveupdate_unregister_flb(struct liveupdate_file_handler *fh,
					     struct liveupdate_flb *flb) { }
static inline int liveupdate_flb_hold(struct liveupdate_flb *flb)
{
	return -EOPNOTSUPP;
}

static inline int liveupdate_flb_get_incoming(struct liveupdate_flb *flb, void **objp)
{
	return -EOPNOTSUPP;
}

static inline void liveupdate_flb_put_incoming(struct liveupdate_flb *flb) { }

static inline int liveupdate_flb_get_outgoing(struct liveupdate_flb *flb, void **objp)
{
	return -EOPNOTSUPP;
}

static inline void liveupdate_flb_put_outgoing(struct liveupdate_flb *flb) { }

static inline int liveupdate_get_token_outgoing(struct liveupdate_session *session,
						struct file *file, u64 *tokenp)
{
	return -EOPNOTSUPP;
}

static inline int liveupdate_get_file_incoming(struct liveupdate_session *session,
					       u64 token, struct file **filep)
{
	return -EOPNOTSUPP;
}

static inline bool liveupdate_session_holds(struct liveupdate_session *session,
					    struct liveupdate_file_handler *fh,
					    u64 data)
{
	return false;
}

#endif /* CONFIG_LIVEUPDATE */

#endif /* _LINUX_LIVEUPDATE_H */
