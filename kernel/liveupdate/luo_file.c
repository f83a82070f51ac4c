// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: LUO files
 *
 * Live Update Orchestrator: file handlers and preserved files.
 *
 * A file handler serves one file type: it says which files it can
 * preserve, preserves one when userspace adds it to a session, and rebuilds
 * it in the next kernel.  Its compatible string names it across kernels.
 *
 * Life of a file, in the outgoing kernel: preserved (PRESERVE_FD), then
 * either unpreserved (its session closed) or frozen at the reboot and handed
 * over.  In the incoming kernel: handed over, optionally retrieved (later
 * retrieves give the same file; after a failed one the file stays with LUO
 * and the next RETRIEVE_FD tries again), then finished (FINISH, or the
 * close of its retrieved session).  Unpreserve and finish go newest file
 * first; freeze goes oldest first, and a failure unfreezes what was
 * frozen, newest first, as any undo does.
 *
 * An incoming file whose handler this kernel does not have is refused on
 * its own: RETRIEVE_FD of it fails with -ENOENT, as PRESERVE_FD of a file
 * no handler takes does, and the rest of its session is retrieved as
 * usual.  Its memory stays reserved: if the handler is registered later
 * (its module loaded), the file can be retrieved then; finishing it
 * without one leaves the memory to be freed by the next kexec.
 *
 * A file is preserved at most once across all sessions: LUO indexes every
 * preserved or retrieved-and-not-finished file by its handler's get_id(),
 * so a second PRESERVE_FD of it fails with -EBUSY.  LUO holds its own
 * reference on the file from preserve to unpreserve or finish, and one on
 * the handler's module.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/file.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "luo_internal.h"

static LIST_HEAD(luo_handlers);
static DECLARE_RWSEM(luo_handlers_rwsem);

/* Files preserved, or retrieved and not finished, by get_id(). */
static DEFINE_XARRAY(luo_preserved);

#define luo_fh_list(fh)	ACCESS_PRIVATE(fh, list)

/* ------------------------------------------------------------------------
 * Handlers
 */

static bool luo_handler_ops_valid(const struct liveupdate_file_ops *ops)
{
	return ops && ops->can_preserve && ops->preserve && ops->unpreserve &&
	       ops->retrieve && ops->finish;
}

/* Caller holds luo_handlers_rwsem. */
static struct liveupdate_file_handler *luo_handler_lookup(const char *compatible)
{
	struct liveupdate_file_handler *fh;

	list_for_each_entry(fh, &luo_handlers, list)
		if (!strcmp(fh->compatible, compatible))
			return fh;
	return NULL;
}

/**
 * luo_handler_find - the registered handler with a compatible string
 * @compatible: the string
 *
 * Return: the handler, or NULL.
 */
struct liveupdate_file_handler *luo_handler_find(const char *compatible)
{
	guard(rwsem_read)(&luo_handlers_rwsem);
	return luo_handler_lookup(compatible);
}

/**
 * liveupdate_register_file_handler - let LUO carry files of a type over
 * @fh: the handler; its compatible string must be unique
 *
 * Register before userspace first opens /dev/liveupdate, since the files
 * handed over are given to their handlers then.
 *
 * Return: 0, -EOPNOTSUPP when live update is off, -EINVAL for a missing
 * required callback or compatible string, -EEXIST for a compatible string
 * in use.
 */
int liveupdate_register_file_handler(struct liveupdate_file_handler *fh)
{
	if (!liveupdate_enabled())
		return -EOPNOTSUPP;
	if (!luo_handler_ops_valid(fh->ops) || !fh->compatible[0] ||
	    !memchr(fh->compatible, 0, sizeof(fh->compatible)))
		return -EINVAL;

	guard(rwsem_write)(&luo_handlers_rwsem);
	if (luo_handler_lookup(fh->compatible))
		return -EEXIST;
	INIT_LIST_HEAD(&ACCESS_PRIVATE(fh, flbs));
	list_add_tail(&luo_fh_list(fh), &luo_handlers);
	return 0;
}
EXPORT_SYMBOL_GPL(liveupdate_register_file_handler);

/**
 * liveupdate_unregister_file_handler - stop carrying files of a type over
 * @fh: a registered handler
 *
 * Also unlinks the FLBs linked to it.  No file of the handler may be
 * preserved or handed over any more: each holds a reference on the
 * handler's module, so only a built-in handler can get this wrong.
 */
void liveupdate_unregister_file_handler(struct liveupdate_file_handler *fh)
{
	if (!liveupdate_enabled())
		return;
	luo_flb_unlink_handler(fh);
	guard(rwsem_write)(&luo_handlers_rwsem);
	list_del_init(&luo_fh_list(fh));
}
EXPORT_SYMBOL_GPL(liveupdate_unregister_file_handler);

/* The first handler that takes @file, with a reference on its module. */
static struct liveupdate_file_handler *luo_handler_for(struct file *file)
{
	struct liveupdate_file_handler *fh;

	guard(rwsem_read)(&luo_handlers_rwsem);
	list_for_each_entry(fh, &luo_handlers, list) {
		if (fh->ops->can_preserve(fh, file) &&
		    try_module_get(fh->ops->owner))
			return fh;
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Outgoing files
 */

static unsigned long luo_file_id(struct liveupdate_file_handler *fh,
				 struct file *file)
{
	return fh->ops->get_id ? fh->ops->get_id(file) : (unsigned long)file;
}

static void luo_file_args(struct luo_file *lf, struct luo_session *s,
			  struct liveupdate_file_op_args *args)
{
	*args = (struct liveupdate_file_op_args) {
		.handler = lf->fh,
		.session = to_lu_session(s),
		.retrieve_status = lf->retrieve_status,
		.file = lf->file,
		.serialized_data = lf->data,
		.private_data = lf->private_data,
	};
}

/* Drop LUO's hold on a file that was unpreserved or finished. */
static void luo_file_release(struct luo_session *s, struct luo_file *lf)
{
	list_del(&lf->list);
	xa_erase(&s->tokens, lf->token);
	s->nr_files--;
	if (lf->id)
		xa_erase(&luo_preserved, lf->id);
	if (lf->file)
		fput(lf->file);
	if (lf->fh)
		module_put(lf->fh->ops->owner);
	kfree(lf->missing);
	kfree(lf);
}

/**
 * luo_file_preserve - preserve a file in an outgoing session
 * @s: the session
 * @fd: the caller's file descriptor of the file
 * @token: the caller's key for it
 *
 * Return: 0, -EBADF, -EEXIST for a token in use in @s, -ENOENT when no
 * handler takes the file, -EBUSY when it is preserved already, -ENOMEM,
 * or the error of an FLB or of the handler.  Nothing changes on an error.
 */
int luo_file_preserve(struct luo_session *s, int fd, u64 token)
{
	struct liveupdate_file_op_args args;
	struct luo_file *lf;
	int err;

	lf = kzalloc(sizeof(*lf), GFP_KERNEL);
	if (!lf)
		return -ENOMEM;
	lf->token = token;
	lf->file = fget(fd);
	if (!lf->file) {
		kfree(lf);
		return -EBADF;
	}

	mutex_lock(&s->lock);
	err = xa_insert(&s->tokens, token, lf, GFP_KERNEL);
	if (err) {
		err = err == -EBUSY ? -EEXIST : err;
		goto out_unlock;
	}
	lf->fh = luo_handler_for(lf->file);
	if (!lf->fh) {
		err = -ENOENT;
		goto out_token;
	}
	lf->id = luo_file_id(lf->fh, lf->file);
	err = xa_insert(&luo_preserved, lf->id, lf, GFP_KERNEL);
	if (err)
		goto out_module;
	err = luo_flb_file_preserve(lf->fh);
	if (err)
		goto out_id;

	luo_file_args(lf, s, &args);
	err = lf->fh->ops->preserve(&args);
	if (err)
		goto out_flb;
	lf->data = args.serialized_data;
	lf->private_data = args.private_data;
	list_add_tail(&lf->list, &s->files);
	s->nr_files++;
	mutex_unlock(&s->lock);
	return 0;

out_flb:
	luo_flb_file_unpreserve(lf->fh);
out_id:
	xa_erase(&luo_preserved, lf->id);
out_module:
	module_put(lf->fh->ops->owner);
out_token:
	xa_erase(&s->tokens, token);
out_unlock:
	mutex_unlock(&s->lock);
	fput(lf->file);
	kfree(lf);
	return err;
}

/**
 * luo_file_unpreserve_all - give back every file of an outgoing session
 * @s: the session, being closed
 */
void luo_file_unpreserve_all(struct luo_session *s)
{
	struct liveupdate_file_op_args args;
	struct luo_file *lf, *tmp;

	guard(mutex)(&s->lock);
	list_for_each_entry_safe_reverse(lf, tmp, &s->files, list) {
		luo_file_args(lf, s, &args);
		lf->fh->ops->unpreserve(&args);
		luo_flb_file_unpreserve(lf->fh);
		luo_file_release(s, lf);
	}
}

static void luo_file_unfreeze(struct luo_session *s, struct luo_file *lf)
{
	struct liveupdate_file_op_args args;

	if (!lf->frozen)
		return;
	if (lf->fh->ops->unfreeze) {
		luo_file_args(lf, s, &args);
		lf->fh->ops->unfreeze(&args);
	}
	lf->frozen = false;
}

/* Unfreeze the frozen files of @s, newest first; its lock held. */
static void luo_file_unfreeze_locked(struct luo_session *s)
{
	struct luo_file *lf;

	lockdep_assert_held(&s->lock);
	list_for_each_entry_reverse(lf, &s->files, list)
		luo_file_unfreeze(s, lf);
}

/**
 * luo_file_unfreeze_all - undo luo_file_freeze_all(), newest file first
 * @s: the session
 */
void luo_file_unfreeze_all(struct luo_session *s)
{
	guard(mutex)(&s->lock);
	luo_file_unfreeze_locked(s);
}

/**
 * luo_file_freeze_all - freeze every file of an outgoing session
 * @s: the session
 *
 * Called at the reboot, with luo_state_rwsem held for writing.  The freeze
 * callbacks run under the session's lock, as every handler callback does,
 * so that they can look up the files they depend on.
 *
 * Return: 0, or the error of the first freeze that failed, with every file
 * of @s unfrozen.
 */
int luo_file_freeze_all(struct luo_session *s)
{
	struct liveupdate_file_op_args args;
	struct luo_file *lf;
	int err;

	guard(mutex)(&s->lock);
	list_for_each_entry(lf, &s->files, list) {
		if (lf->fh->ops->freeze) {
			luo_file_args(lf, s, &args);
			err = lf->fh->ops->freeze(&args);
			if (err) {
				pr_warn("session '%s': freezing token %#llx failed (%d)\n",
					s->name, lf->token, err);
				luo_file_unfreeze_locked(s);
				return err;
			}
			lf->data = args.serialized_data;
		}
		lf->frozen = true;
	}
	return 0;
}

static void luo_file_fill(void *entry, unsigned long i, void *arg)
{
	struct luo_file **cursor = arg, *lf = *cursor;
	struct luo_file_ser *ser = entry;

	strscpy(ser->compatible, lf->fh->compatible, sizeof(ser->compatible));
	ser->data = lf->data;
	ser->token = lf->token;
	*cursor = list_next_entry(lf, list);
}

/**
 * luo_file_serialize - write the files of a frozen session into blocks
 * @s: the session; its block chain goes to @s->ser_files
 *
 * Return: 0 or -ENOMEM, with nothing preserved then.
 */
int luo_file_serialize(struct luo_session *s)
{
	struct luo_file *cursor;

	guard(mutex)(&s->lock);
	cursor = list_first_entry_or_null(&s->files, struct luo_file, list);
	s->ser_nr_files = s->nr_files;
	return luo_blocks_write(sizeof(struct luo_file_ser), s->nr_files,
				luo_file_fill, &cursor, &s->ser_files);
}

/* ------------------------------------------------------------------------
 * Incoming files
 */

/*
 * The registered handler named @compatible, with a reference on its
 * module, or NULL.
 */
static struct liveupdate_file_handler *luo_handler_get(const char *compatible)
{
	struct liveupdate_file_handler *fh;

	guard(rwsem_read)(&luo_handlers_rwsem);
	fh = luo_handler_lookup(compatible);
	if (fh && !try_module_get(fh->ops->owner))
		fh = NULL;
	return fh;
}

/*
 * Give an incoming file whose handler was missing its handler, if it has
 * been registered since (a module loaded after the first open).
 *
 * Return: 0, or -ENOENT while there is no such handler.
 */
static int luo_file_resolve(struct luo_file *lf)
{
	if (lf->fh)
		return 0;
	lf->fh = luo_handler_get(lf->missing);
	if (!lf->fh)
		return -ENOENT;
	kfree(lf->missing);
	lf->missing = NULL;
	return 0;
}

static int luo_file_take(const void *entry, unsigned long i, void *arg)
{
	const struct luo_file_ser *ser = entry;
	struct luo_session *s = arg;
	struct luo_file *lf;
	int err;

	if (!ser->compatible[0] ||
	    !memchr(ser->compatible, 0, sizeof(ser->compatible))) {
		pr_err("session '%s': file %lu has a malformed handler name\n",
		       s->name, i);
		return -EINVAL;
	}
	lf = kzalloc(sizeof(*lf), GFP_KERNEL);
	if (!lf)
		return -ENOMEM;
	lf->token = ser->token;
	lf->data = ser->data;
	lf->fh = luo_handler_get(ser->compatible);
	if (!lf->fh) {
		/*
		 * Refuse this file alone: the rest of the session can be
		 * retrieved, and its own memory stays reserved in case the
		 * handler is registered later.
		 */
		pr_warn("session '%s': no handler '%s' for token %#llx; that file cannot be retrieved until one is registered\n",
			s->name, ser->compatible, ser->token);
		lf->missing = kstrdup(ser->compatible, GFP_KERNEL);
		if (!lf->missing) {
			err = -ENOMEM;
			goto out_free;
		}
	}
	err = xa_insert(&s->tokens, lf->token, lf, GFP_KERNEL);
	if (err) {
		pr_err("session '%s': token %#llx appears twice\n", s->name,
		       lf->token);
		err = -EINVAL;
		goto out_module;
	}
	list_add_tail(&lf->list, &s->files);
	s->nr_files++;
	return 0;

out_module:
	if (lf->fh)
		module_put(lf->fh->ops->owner);
out_free:
	kfree(lf->missing);
	kfree(lf);
	return err;
}

/**
 * luo_file_deserialize - take up the files of an incoming session
 * @s: the session, with @s->ser_files and @s->ser_nr_files from the
 *	previous kernel
 *
 * Return: 0, or an error of luo_blocks_read().
 */
int luo_file_deserialize(struct luo_session *s)
{
	guard(mutex)(&s->lock);
	return luo_blocks_read(s->ser_files, sizeof(struct luo_file_ser),
			       s->ser_nr_files, luo_file_take, s);
}

/**
 * luo_file_discard_incoming - forget the files of an incoming session
 * @s: the session
 *
 * No handler is called: what the files preserved stays reserved.
 */
void luo_file_discard_incoming(struct luo_session *s)
{
	struct luo_file *lf, *tmp;

	guard(mutex)(&s->lock);
	list_for_each_entry_safe(lf, tmp, &s->files, list)
		luo_file_release(s, lf);
}

/*
 * Retrieve @lf unless it was; caller holds the session lock.  A failed
 * retrieve is tried again: what the handler kept of it is in
 * private_data.
 */
static int luo_file_retrieve_locked(struct luo_session *s, struct luo_file *lf)
{
	struct liveupdate_file_op_args args;
	int err;

	if (lf->retrieve_status > 0)
		return 0;
	err = luo_file_resolve(lf);
	if (err)
		return err;

	luo_file_args(lf, s, &args);
	args.file = NULL;
	err = lf->fh->ops->retrieve(&args);
	lf->private_data = args.private_data;
	if (!err && WARN_ON_ONCE(!args.file))
		err = -EINVAL;
	if (err) {
		lf->retrieve_status = err;
		return err;
	}
	lf->file = args.file;
	lf->retrieve_status = 1;
	lf->id = luo_file_id(lf->fh, lf->file);
	if (xa_insert(&luo_preserved, lf->id, lf, GFP_KERNEL))
		lf->id = 0;
	return 0;
}

/* The file of @token in @s, retrieved now if need be; session lock held. */
static struct luo_file *luo_file_get_retrieved(struct luo_session *s, u64 token)
{
	struct luo_file *lf;
	int err;

	lf = xa_load(&s->tokens, token);
	if (!lf)
		return ERR_PTR(-ENOENT);
	err = luo_file_retrieve_locked(s, lf);
	return err ? ERR_PTR(err) : lf;
}

/**
 * luo_file_retrieve - get a file of an incoming session back
 * @s: the session
 * @token: the file's token
 * @filep: returns a new reference to the file
 *
 * Return: 0, -ENOENT for an unknown token or a file whose handler this
 * kernel lacks, or the error of the handler's retrieve; the file then
 * stays with LUO and a later call tries again.
 */
int luo_file_retrieve(struct luo_session *s, u64 token, struct file **filep)
{
	struct luo_file *lf;

	guard(mutex)(&s->lock);
	lf = luo_file_get_retrieved(s, token);
	if (IS_ERR(lf))
		return PTR_ERR(lf);
	*filep = get_file(lf->file);
	return 0;
}

/**
 * luo_file_finish_all - end the live update of an incoming session's files
 * @s: the session
 *
 * First every file's handler is asked whether it can be finished; then
 * each is finished, newest first, retrieved or not, and LUO lets go of it.
 *
 * Return: 0 (also when there is nothing left to finish), or -EBUSY when a
 * handler refused, with nothing changed.
 */
int luo_file_finish_all(struct luo_session *s)
{
	struct liveupdate_file_op_args args;
	struct luo_file *lf, *tmp;

	guard(mutex)(&s->lock);
	list_for_each_entry(lf, &s->files, list) {
		if (luo_file_resolve(lf) || !lf->fh->ops->can_finish)
			continue;
		luo_file_args(lf, s, &args);
		if (!lf->fh->ops->can_finish(&args))
			return -EBUSY;
	}
	list_for_each_entry_safe_reverse(lf, tmp, &s->files, list) {
		if (lf->fh) {
			luo_file_args(lf, s, &args);
			lf->fh->ops->finish(&args);
			luo_flb_file_finish(lf->fh);
		} else {
			pr_warn("session '%s': token %#llx finished without a handler; its memory stays reserved until the next kexec\n",
				s->name, lf->token);
		}
		luo_file_release(s, lf);
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * For handlers of files that depend on other files
 */

/**
 * liveupdate_get_token_outgoing - the token of a file preserved in a session
 * @session: the session, as given to a handler callback
 * @file: a file that must already be preserved in @session
 * @tokenp: returns its token
 *
 * Lets the handler of a file that depends on another (an iommufd on the
 * memfds it maps, say) refuse to preserve it before its dependencies, and
 * record them by token.  Call it only from a handler callback of
 * @session, which holds the session's lock.
 *
 * Return: 0, or -ENOENT when @file is not preserved in @session.
 */
int liveupdate_get_token_outgoing(struct liveupdate_session *session,
				  struct file *file, u64 *tokenp)
{
	struct luo_session *s = to_luo_session(session);
	struct luo_file *lf;

	lockdep_assert_held(&s->lock);
	list_for_each_entry(lf, &s->files, list) {
		if (lf->file == file) {
			*tokenp = lf->token;
			return 0;
		}
	}
	return -ENOENT;
}
EXPORT_SYMBOL_GPL(liveupdate_get_token_outgoing);

/**
 * liveupdate_get_file_incoming - a file of an incoming session, by token
 * @session: the session, as given to a handler callback
 * @token: the file's token
 * @filep: returns the file (retrieved now if it was not yet); LUO keeps
 *	its own reference, the caller gets none
 *
 * The counterpart of liveupdate_get_token_outgoing() in the next kernel.
 * Call it only from a handler callback of @session.
 *
 * Return: 0, -ENOENT for an unknown token, or the retrieve's error.
 */
int liveupdate_get_file_incoming(struct liveupdate_session *session,
				 u64 token, struct file **filep)
{
	struct luo_session *s = to_luo_session(session);
	struct luo_file *lf;

	lockdep_assert_held(&s->lock);
	lf = luo_file_get_retrieved(s, token);
	if (IS_ERR(lf))
		return PTR_ERR(lf);
	*filep = lf->file;
	return 0;
}
EXPORT_SYMBOL_GPL(liveupdate_get_file_incoming);

/**
 * liveupdate_session_holds - whether an incoming session holds a file, by
 *	what the previous kernel handed over for it
 * @session: the session, as given to a handler callback
 * @fh: the file's handler
 * @data: the file's serialized data, as handed over
 *
 * For a handler that must tell whether state another handler's record
 * names belongs to this session, without believing a record of its own.
 * Call it only from a handler callback of @session.
 *
 * Return: true if @session has a file of @fh handed over with @data,
 * retrieved or not.
 */
bool liveupdate_session_holds(struct liveupdate_session *session,
			      struct liveupdate_file_handler *fh, u64 data)
{
	struct luo_session *s = to_luo_session(session);
	struct luo_file *lf;

	lockdep_assert_held(&s->lock);
	if (!s->incoming)
		return false;
	list_for_each_entry(lf, &s->files, list)
		if (lf->fh == fh && lf->data == data)
			return true;
	return false;
}
EXPORT_SYMBOL_GPL(liveupdate_session_holds);

static const char *luo_file_state(struct luo_session *s, struct luo_file *lf)
{
	if (!s->incoming)
		return lf->frozen ? "frozen" : "preserved";
	if (!lf->fh)
		return "no-handler";
	if (lf->retrieve_status < 0)
		return "retrieve-failed";
	return lf->retrieve_status ? "retrieved" : "handed-over";
}

/**
 * luo_file_show - list the files of a session, for debugfs
 * @m: where to
 * @s: the session
 */
void luo_file_show(struct seq_file *m, struct luo_session *s)
{
	struct luo_file *lf;

	guard(mutex)(&s->lock);
	list_for_each_entry(lf, &s->files, list)
		seq_printf(m, "    token %#llx handler %s state %s\n", lf->token,
			   lf->fh ? lf->fh->compatible : lf->missing,
			   luo_file_state(s, lf));
}
