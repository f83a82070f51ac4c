// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: LUO sessions
 *
 * Live Update Orchestrator: sessions.
 *
 * A session is a named group of preserved files with a file descriptor of
 * its own.  Outgoing sessions are created by userspace; at the reboot every
 * one whose descriptor is still open goes to the next kernel, and closing
 * one earlier gives its files back.  Incoming sessions are those the
 * previous kernel handed over; userspace retrieves one by name, takes its
 * files back by token and finishes it, explicitly or by closing it.
 *
 * When finishing a closed session is refused (a file's handler says it
 * cannot be finished yet), the session stays with LUO and can be retrieved
 * again, for instance by a process that takes over from a crashed VMM.
 * A session never retrieved keeps its files, and their memory, for the
 * life of this kernel; the next reboot does not carry it on, so it is gone
 * after the next kexec.
 *
 * Names are looked up in a hash per direction, so neither creating nor
 * retrieving costs more as the number of sessions grows.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stringhash.h>

#include "luo_internal.h"

#define LUO_SESSION_HASH_BITS	10

/* Sessions of one direction: a list in creation order and a name hash. */
struct luo_session_list {
	struct list_head list;
	DECLARE_HASHTABLE(hash, LUO_SESSION_HASH_BITS);
	unsigned long count;
};

static struct luo_session_list luo_out = {
	.list = LIST_HEAD_INIT(luo_out.list),
};

static struct luo_session_list luo_in_sessions = {
	.list = LIST_HEAD_INIT(luo_in_sessions.list),
};

/* Protects both session lists and the retrieved flags. */
static DEFINE_MUTEX(luo_sessions_lock);

static u32 luo_name_hash(const char *name)
{
	return full_name_hash(NULL, name, strlen(name));
}

static struct luo_session *luo_session_find(struct luo_session_list *sl,
					    const char *name)
{
	struct luo_session *s;

	hash_for_each_possible(sl->hash, s, hnode, luo_name_hash(name))
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

static void luo_session_link(struct luo_session_list *sl, struct luo_session *s)
{
	list_add_tail(&s->list, &sl->list);
	hash_add(sl->hash, &s->hnode, luo_name_hash(s->name));
	sl->count++;
}

static void luo_session_unlink(struct luo_session_list *sl, struct luo_session *s)
{
	list_del(&s->list);
	hash_del(&s->hnode);
	sl->count--;
}

static struct luo_session *luo_session_alloc(const char *name, bool incoming)
{
	struct luo_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	strscpy(s->name, name, sizeof(s->name));
	s->incoming = incoming;
	mutex_init(&s->lock);
	INIT_LIST_HEAD(&s->files);
	xa_init(&s->tokens);
	return s;
}

static void luo_session_free(struct luo_session *s)
{
	xa_destroy(&s->tokens);
	mutex_destroy(&s->lock);
	kfree(s);
}

/* ------------------------------------------------------------------------
 * The session file descriptor
 */

static int luo_session_ioctl_preserve_fd(struct luo_ucmd *ucmd, void *ctx)
{
	struct liveupdate_session_preserve_fd *cmd = ucmd->cmd;
	struct luo_session *s = ctx;
	int err;

	if (s->incoming)
		return -EINVAL;
	err = luo_file_preserve(s, cmd->fd, cmd->token);
	if (err)
		return err;
	/* The file stays preserved; userspace learns the copy-back failed. */
	return luo_ucmd_respond(ucmd, sizeof(*cmd));
}

static int luo_session_ioctl_retrieve_fd(struct luo_ucmd *ucmd, void *ctx)
{
	struct liveupdate_session_retrieve_fd *cmd = ucmd->cmd;
	struct luo_session *s = ctx;
	struct file *file;
	int fd, err;

	if (!s->incoming)
		return -EINVAL;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	err = luo_file_retrieve(s, cmd->token, &file);
	if (err)
		goto out_fd;
	cmd->fd = fd;
	err = luo_ucmd_respond(ucmd, sizeof(*cmd));
	if (err)
		goto out_file;
	fd_install(fd, file);
	return 0;

out_file:
	fput(file);
out_fd:
	put_unused_fd(fd);
	return err;
}

static int luo_session_ioctl_finish(struct luo_ucmd *ucmd, void *ctx)
{
	struct liveupdate_session_finish *cmd = ucmd->cmd;
	struct luo_session *s = ctx;

	if (!s->incoming || cmd->reserved)
		return -EINVAL;
	return luo_file_finish_all(s);
}

static int luo_session_ioctl_get_name(struct luo_ucmd *ucmd, void *ctx)
{
	struct liveupdate_session_get_name *cmd = ucmd->cmd;
	struct luo_session *s = ctx;

	if (cmd->reserved)
		return -EINVAL;
	memcpy(cmd->name, s->name, sizeof(cmd->name));
	return luo_ucmd_respond(ucmd, sizeof(*cmd));
}

#define LUO_SESSION_OP(...)	LUO_IOCTL_OP(LIVEUPDATE_CMD_SESSION_BASE, __VA_ARGS__)

static const struct luo_ioctl_op luo_session_ioctl_ops[] = {
	LUO_SESSION_OP(LIVEUPDATE_SESSION_PRESERVE_FD,
		       luo_session_ioctl_preserve_fd,
		       struct liveupdate_session_preserve_fd, token),
	LUO_SESSION_OP(LIVEUPDATE_SESSION_RETRIEVE_FD,
		       luo_session_ioctl_retrieve_fd,
		       struct liveupdate_session_retrieve_fd, token),
	LUO_SESSION_OP(LIVEUPDATE_SESSION_FINISH, luo_session_ioctl_finish,
		       struct liveupdate_session_finish, reserved),
	LUO_SESSION_OP(LIVEUPDATE_SESSION_GET_NAME, luo_session_ioctl_get_name,
		       struct liveupdate_session_get_name, name),
};

static long luo_session_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	return luo_ioctl_dispatch(luo_session_ioctl_ops,
				  ARRAY_SIZE(luo_session_ioctl_ops),
				  LIVEUPDATE_CMD_SESSION_BASE, cmd, arg,
				  file->private_data);
}

/* An outgoing session closed before the reboot: give its files back. */
static void luo_session_release_outgoing(struct luo_session *s)
{
	scoped_guard(mutex, &luo_sessions_lock)
		luo_session_unlink(&luo_out, s);
	luo_file_unpreserve_all(s);
	luo_session_free(s);
}

/*
 * A retrieved session closed: finish it.  If a file cannot be finished
 * yet, the session stays with LUO and can be retrieved again.
 */
static void luo_session_release_incoming(struct luo_session *s)
{
	int err = luo_file_finish_all(s);

	guard(mutex)(&luo_sessions_lock);
	if (err) {
		pr_warn("session '%s' closed but not finished (%d); it can be retrieved again\n",
			s->name, err);
		s->retrieved = false;
		return;
	}
	luo_session_unlink(&luo_in_sessions, s);
	luo_session_free(s);
}

static int luo_session_release(struct inode *inode, struct file *file)
{
	struct luo_session *s = file->private_data;

	if (!s)		/* abandoned before userspace saw it */
		return 0;
	guard(rwsem_read)(&luo_state_rwsem);
	if (s->incoming)
		luo_session_release_incoming(s);
	else
		luo_session_release_outgoing(s);
	return 0;
}

static const struct file_operations luo_session_fops = {
	.owner = THIS_MODULE,
	.release = luo_session_release,
	.unlocked_ioctl = luo_session_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct file *luo_session_getfile(struct luo_session *s)
{
	char name[sizeof("[luo_session] ") + LIVEUPDATE_SESSION_NAME_LENGTH];

	snprintf(name, sizeof(name), "[luo_session] %s", s->name);
	return anon_inode_getfile(name, &luo_session_fops, s, O_RDWR);
}

/**
 * luo_session_create - create an outgoing session
 * @name: its name, valid
 * @filep: returns its file
 *
 * Return: 0, -EEXIST if an outgoing session has this name, or -ENOMEM.
 */
int luo_session_create(const char *name, struct file **filep)
{
	struct luo_session *s;
	struct file *file;

	guard(mutex)(&luo_sessions_lock);
	if (luo_session_find(&luo_out, name))
		return -EEXIST;
	s = luo_session_alloc(name, false);
	if (!s)
		return -ENOMEM;
	file = luo_session_getfile(s);
	if (IS_ERR(file)) {
		luo_session_free(s);
		return PTR_ERR(file);
	}
	luo_session_link(&luo_out, s);
	*filep = file;
	return 0;
}

/**
 * luo_session_retrieve - take up an incoming session
 * @name: its name
 * @filep: returns a new file for it
 *
 * Return: 0, -ENOENT if there is no such incoming session, -EINVAL if it
 * is retrieved already, or -ENOMEM.
 */
int luo_session_retrieve(const char *name, struct file **filep)
{
	struct luo_session *s;
	struct file *file;

	guard(mutex)(&luo_sessions_lock);
	s = luo_session_find(&luo_in_sessions, name);
	if (!s)
		return -ENOENT;
	if (s->retrieved)
		return -EINVAL;
	file = luo_session_getfile(s);
	if (IS_ERR(file))
		return PTR_ERR(file);
	s->retrieved = true;
	*filep = file;
	return 0;
}

/**
 * luo_session_abandon - undo luo_session_create() or luo_session_retrieve()
 * @file: the file either returned, not yet given to userspace
 *
 * For an ioctl that fails after it made the session file.  A created
 * session, still empty, is dropped; a retrieved one goes back to LUO as it
 * was, nothing finished, and can be retrieved again.  @file is put.
 */
void luo_session_abandon(struct file *file)
{
	struct luo_session *s = file->private_data;

	scoped_guard(mutex, &luo_sessions_lock) {
		if (s->incoming)
			s->retrieved = false;
		else
			luo_session_unlink(&luo_out, s);
	}
	if (!s->incoming)
		luo_session_free(s);
	file->private_data = NULL;
	fput(file);
}

/**
 * luo_session_nr_outgoing - how many outgoing sessions there are
 *
 * Return: their number; luo_state_rwsem held keeps it stable.
 */
unsigned long luo_session_nr_outgoing(void)
{
	guard(mutex)(&luo_sessions_lock);
	return luo_out.count;
}

/* ------------------------------------------------------------------------
 * Handover
 */

static void luo_session_unfreeze_from(struct luo_session *s)
{
	list_for_each_entry_continue_reverse(s, &luo_out.list, list)
		luo_file_unfreeze_all(s);
}

static void luo_session_fill(void *entry, unsigned long i, void *arg)
{
	struct luo_session **cursor = arg, *s = *cursor;
	struct luo_session_ser *ser = entry;

	memcpy(ser->name, s->name, sizeof(ser->name));
	ser->files = s->ser_files;
	ser->nr_files = s->ser_nr_files;
	*cursor = list_next_entry(s, list);
}

/**
 * luo_session_serialize - freeze the outgoing sessions and hand them over
 * @first: returns the first block of sessions, or 0
 * @nr: returns the number of sessions
 *
 * luo_state_rwsem is held for writing.
 *
 * Return: 0, or the error of a freeze or an allocation; nothing is left
 * frozen or preserved then.
 */
int luo_session_serialize(u64 *first, u64 *nr)
{
	struct luo_session *s, *cursor;
	int err;

	lockdep_assert_held_write(&luo_state_rwsem);

	list_for_each_entry(s, &luo_out.list, list) {
		err = luo_file_freeze_all(s);
		if (err) {
			luo_session_unfreeze_from(s);
			return err;
		}
	}
	list_for_each_entry(s, &luo_out.list, list) {
		err = luo_file_serialize(s);
		if (err)
			goto out_files;
	}

	cursor = list_first_entry_or_null(&luo_out.list, struct luo_session, list);
	err = luo_blocks_write(sizeof(struct luo_session_ser), luo_out.count,
			       luo_session_fill, &cursor, first);
	if (err)
		goto out_all_files;
	*nr = luo_out.count;
	return 0;

out_all_files:
	s = list_entry(&luo_out.list, struct luo_session, list);
out_files:
	list_for_each_entry_continue_reverse(s, &luo_out.list, list) {
		luo_blocks_free(s->ser_files);
		s->ser_files = 0;
	}
	list_for_each_entry_reverse(s, &luo_out.list, list)
		luo_file_unfreeze_all(s);
	return err;
}

/**
 * luo_session_unserialize - undo a successful luo_session_serialize()
 * @first: the first block it returned
 */
void luo_session_unserialize(u64 first)
{
	struct luo_session *s;

	lockdep_assert_held_write(&luo_state_rwsem);

	luo_blocks_free(first);
	list_for_each_entry_reverse(s, &luo_out.list, list) {
		luo_blocks_free(s->ser_files);
		s->ser_files = 0;
		luo_file_unfreeze_all(s);
	}
}

static int luo_session_take(const void *entry, unsigned long i, void *arg)
{
	const struct luo_session_ser *ser = entry;
	struct luo_session *s;

	if (!memchr(ser->name, 0, sizeof(ser->name)) || !ser->name[0]) {
		pr_err("incoming session %lu has no valid name\n", i);
		return -EINVAL;
	}
	if (luo_session_find(&luo_in_sessions, ser->name)) {
		pr_err("incoming session '%s' appears twice\n", ser->name);
		return -EINVAL;
	}
	s = luo_session_alloc(ser->name, true);
	if (!s)
		return -ENOMEM;
	s->ser_files = ser->files;
	s->ser_nr_files = ser->nr_files;
	luo_session_link(&luo_in_sessions, s);
	return 0;
}

/**
 * luo_session_discard_incoming - forget every incoming session
 *
 * For a handover that cannot be taken up: the LUO structures are freed,
 * while the memory the handlers preserved stays reserved.
 */
void luo_session_discard_incoming(void)
{
	struct luo_session *s, *tmp;

	guard(mutex)(&luo_sessions_lock);
	list_for_each_entry_safe(s, tmp, &luo_in_sessions.list, list) {
		luo_file_discard_incoming(s);
		luo_session_unlink(&luo_in_sessions, s);
		luo_session_free(s);
	}
}

/**
 * luo_session_deserialize - take up the sessions of the previous kernel
 * @first: the first block of sessions, or 0
 * @nr: the number of sessions
 *
 * Return: 0, or -EINVAL for malformed data or -ENOMEM; no session exists
 * then.
 */
int luo_session_deserialize(u64 first, u64 nr)
{
	struct luo_session *s;
	int err;

	scoped_guard(mutex, &luo_sessions_lock) {
		err = luo_blocks_read(first, sizeof(struct luo_session_ser), nr,
				      luo_session_take, NULL);
		if (err)
			goto out;
		list_for_each_entry(s, &luo_in_sessions.list, list) {
			err = luo_file_deserialize(s);
			if (err)
				goto out;
		}
	}
	return 0;

out:
	luo_session_discard_incoming();
	return err;
}

static void luo_session_show_list(struct seq_file *m, const char *dir,
				  struct luo_session_list *sl)
{
	struct luo_session *s;

	seq_printf(m, "%s sessions %lu\n", dir, sl->count);
	list_for_each_entry(s, &sl->list, list) {
		seq_printf(m, "  session '%s'%s files %lu\n", s->name,
			   s->incoming && s->retrieved ? " retrieved" : "",
			   s->nr_files);
		luo_file_show(m, s);
	}
}

/**
 * luo_session_show - list every session and file, for debugfs
 * @m: where to
 */
void luo_session_show(struct seq_file *m)
{
	guard(mutex)(&luo_sessions_lock);
	luo_session_show_list(m, "outgoing", &luo_out);
	luo_session_show_list(m, "incoming", &luo_in_sessions);
}
