// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: LUO overview
 *
 * Live Update Orchestrator (LUO): /dev/liveupdate and the reboot.
 *
 * Userspace groups the files that must survive a kexec into named sessions
 * (luo_session.c); each file is preserved by the handler of its type
 * (luo_file.c), and objects several files depend on are preserved once
 * (luo_flb.c).  At the kexec reboot, kernel_kexec() calls
 * liveupdate_reboot(), which freezes every open outgoing session and writes
 * them into KHO memory; the next kernel finds them through the KHO subtree
 * "LUO" and shows them to the first opener of /dev/liveupdate.
 *
 * Incoming data this kernel cannot take up (malformed, or of another
 * format) is refused with a log line: RETRIEVE_SESSION then fails with
 * -EIO and the preserved memory stays reserved, so nothing a device may
 * still use is reused.  The system keeps running, and new outgoing
 * sessions work, so the host can update again; the next kexec frees what
 * was refused.  A file whose handler this kernel lacks is refused alone
 * (luo_file.c): the rest of its session can be retrieved.
 *
 * Locking: luo_state_rwsem is taken for reading by every ioctl and by the
 * release of a session, and for writing by the reboot, which keeps it when
 * it succeeds so that nothing changes any more.  Below it, the session list
 * lock, then a session's lock, then the FLB locks.  Every callback of a
 * file handler runs under the lock of the file's session (preserve,
 * unpreserve, freeze and unfreeze as retrieve, can_finish and finish), so
 * that a handler may look at the other files of the session.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kstrtox.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "luo_internal.h"

DECLARE_RWSEM(luo_state_rwsem);

static bool luo_enable __ro_after_init;

static int __init luo_parse_enable(char *p)
{
	return kstrtobool(p, &luo_enable);
}
early_param("liveupdate", luo_parse_enable);

/* What the previous kernel handed over. */
static struct {
	struct mutex lock;	/* serializes the deserialization */
	bool present;		/* a valid header was found */
	bool done;		/* deserialization was attempted */
	int err;		/* its result; opens fail when non-zero */
	struct luo_ser ser;	/* copy of the header */
} luo_in = {
	.lock = __MUTEX_INITIALIZER(luo_in.lock),
};

static atomic_t luo_dev_busy = ATOMIC_INIT(0);

/**
 * liveupdate_enabled - whether live update is on
 *
 * It is on with liveupdate=on on the command line, provided kexec handover
 * is on too.
 *
 * Return: true if it is.
 */
bool liveupdate_enabled(void)
{
	return luo_enable && kho_is_enabled();
}
EXPORT_SYMBOL_GPL(liveupdate_enabled);

/* Live updates that led to this kernel. */
u64 luo_liveupdate_num(void)
{
	return luo_in.present ? luo_in.ser.liveupdate_num : 0;
}

/* Whether the previous kernel's sessions were refused. */
static bool luo_incoming_refused(void)
{
	guard(mutex)(&luo_in.lock);
	return luo_in.err;
}

/* ------------------------------------------------------------------------
 * ioctl plumbing, shared with the session file descriptors
 */

/**
 * luo_ucmd_respond - copy an ioctl's result back to userspace
 * @ucmd: the ioctl
 * @kernel_cmd_size: size of its structure as this kernel knows it
 *
 * Return: 0 or -EFAULT.
 */
int luo_ucmd_respond(struct luo_ucmd *ucmd, size_t kernel_cmd_size)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, kernel_cmd_size)))
		return -EFAULT;
	return 0;
}

/**
 * luo_ioctl_dispatch - serve an ioctl from a table
 * @ops: the table, indexed by command number minus @base
 * @nr_ops: its length
 * @base: the first command number
 * @cmd: the ioctl command
 * @arg: its argument, a pointer to a size-prefixed structure
 * @ctx: passed to the handler
 *
 * Return: the handler's result; -EINVAL for a number outside the table or
 * a size below the mandatory part, -ENOIOCTLCMD for a number in it whose
 * full command differs, -E2BIG for unknown non-zero trailing bytes, or
 * -EFAULT.
 */
long luo_ioctl_dispatch(const struct luo_ioctl_op *ops, unsigned int nr_ops,
			unsigned int base, unsigned int cmd,
			unsigned long arg, void *ctx)
{
	union {
		struct liveupdate_ioctl_create_session create;
		struct liveupdate_ioctl_retrieve_session retrieve;
		struct liveupdate_session_preserve_fd preserve;
		struct liveupdate_session_retrieve_fd retrieve_fd;
		struct liveupdate_session_finish finish;
		struct liveupdate_session_get_name get_name;
	} buf;
	struct luo_ucmd ucmd = { .ubuffer = (void __user *)arg, .cmd = &buf };
	const struct luo_ioctl_op *op;
	unsigned int nr = _IOC_NR(cmd);
	int err;

	if (nr < base || nr - base >= nr_ops)
		return -EINVAL;
	op = &ops[nr - base];
	if (op->ioctl_num != cmd)
		return -ENOIOCTLCMD;
	if (WARN_ON_ONCE(op->size > sizeof(buf)))
		return -EINVAL;

	if (get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer))
		return -EFAULT;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	err = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (err)
		return err;

	guard(rwsem_read)(&luo_state_rwsem);
	return op->execute(&ucmd, ctx);
}

/* ------------------------------------------------------------------------
 * /dev/liveupdate
 */

/*
 * Give userspace a new session file, created or retrieved by @get.  The
 * file descriptor is reserved first, so that running out of them changes
 * nothing; if the result cannot be copied back, the session is abandoned:
 * a created one is dropped, a retrieved one goes back to LUO as it was,
 * nothing finished, for the next RETRIEVE_SESSION.
 */
static int luo_install_session(struct luo_ucmd *ucmd, const u8 *name,
			       int (*get)(const char *name, struct file **filep),
			       s32 *fdp, size_t size)
{
	struct file *file;
	int fd, err;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	err = get(name, &file);
	if (err)
		goto out_fd;
	*fdp = fd;
	err = luo_ucmd_respond(ucmd, size);
	if (err)
		goto out_session;
	fd_install(fd, file);
	return 0;

out_session:
	luo_session_abandon(file);
out_fd:
	put_unused_fd(fd);
	return err;
}

/* A name is 1 to 63 characters and NUL-terminated within the field. */
static int luo_check_name(const u8 *name)
{
	size_t len = strnlen(name, LIVEUPDATE_SESSION_NAME_LENGTH);

	if (!len || len == LIVEUPDATE_SESSION_NAME_LENGTH)
		return -EINVAL;
	return 0;
}

static int luo_ioctl_create_session(struct luo_ucmd *ucmd, void *ctx)
{
	struct liveupdate_ioctl_create_session *cmd = ucmd->cmd;
	int err;

	err = luo_check_name(cmd->name);
	if (err)
		return err;
	return luo_install_session(ucmd, cmd->name, luo_session_create,
				   &cmd->fd, sizeof(*cmd));
}

static int luo_ioctl_retrieve_session(struct luo_ucmd *ucmd, void *ctx)
{
	struct liveupdate_ioctl_retrieve_session *cmd = ucmd->cmd;

	if (luo_incoming_refused())
		return -EIO;
	if (luo_check_name(cmd->name))
		return -ENOENT;
	return luo_install_session(ucmd, cmd->name, luo_session_retrieve,
				   &cmd->fd, sizeof(*cmd));
}

static const struct luo_ioctl_op luo_ioctl_ops[] = {
	LUO_IOCTL_OP(LIVEUPDATE_CMD_BASE, LIVEUPDATE_IOCTL_CREATE_SESSION,
		     luo_ioctl_create_session,
		     struct liveupdate_ioctl_create_session, name),
	LUO_IOCTL_OP(LIVEUPDATE_CMD_BASE, LIVEUPDATE_IOCTL_RETRIEVE_SESSION,
		     luo_ioctl_retrieve_session,
		     struct liveupdate_ioctl_retrieve_session, name),
};

static long luo_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	return luo_ioctl_dispatch(luo_ioctl_ops, ARRAY_SIZE(luo_ioctl_ops),
				  LIVEUPDATE_CMD_BASE, cmd, arg, NULL);
}

/*
 * Take up the previous kernel's sessions, once, at the first open.  If
 * they cannot be taken up, RETRIEVE_SESSION fails with -EIO from then on,
 * while new outgoing sessions work: the host can still update again, and
 * the next kexec frees what was refused.
 */
static void luo_deserialize(void)
{
	int err;

	guard(mutex)(&luo_in.lock);
	if (luo_in.done)
		return;
	luo_in.done = true;
	if (!luo_in.present)
		return;

	err = luo_session_deserialize(luo_in.ser.sessions,
				      luo_in.ser.nr_sessions);
	if (err) {
		pr_err("cannot take up the sessions of the previous kernel (%d); none can be retrieved, preserved memory stays reserved\n",
		       err);
		luo_in.err = -EIO;
	}
}

/*
 * Opening /dev/liveupdate takes CAP_SYS_ADMIN, whatever the node's mode
 * says: what it gives (holding memory and devices across a kexec, taking
 * the previous kernel's up) is the host's, not a file owner's.  Session
 * fds are capabilities of their own: whoever holds one, passed or
 * inherited, may use it (a VMM that dropped its privileges, a reaper).
 */
static int luo_dev_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (atomic_cmpxchg(&luo_dev_busy, 0, 1))
		return -EBUSY;
	luo_deserialize();
	return 0;
}

static int luo_dev_release(struct inode *inode, struct file *file)
{
	atomic_set(&luo_dev_busy, 0);
	return 0;
}

static const struct file_operations luo_dev_fops = {
	.owner = THIS_MODULE,
	.open = luo_dev_open,
	.release = luo_dev_release,
	.unlocked_ioctl = luo_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice luo_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "liveupdate",
	.fops = &luo_dev_fops,
	.mode = 0600,
};

/* ------------------------------------------------------------------------
 * Reboot
 */

#ifdef CONFIG_LIVEUPDATE_TEST
/*
 * Test-only corruption of the outgoing handover, so that tests can check
 * that the next kernel refuses it and keeps running.
 */
enum {
	LUO_CORRUPT_NONE,
	LUO_CORRUPT_VERSION,
	LUO_CORRUPT_CHAIN,
	LUO_CORRUPT_HANDLER,
};

static const char * const luo_corrupt_names[] = {
	"none", "version", "chain", "handler",
};

static struct liveupdate_test_knob luo_corrupt_knob = {
	.modes = luo_corrupt_names,
	.nr_modes = ARRAY_SIZE(luo_corrupt_names),
};

/* The first entry of the block at @phys. */
static void *luo_first_entry(u64 phys)
{
	return phys_to_virt(phys) + sizeof(struct luo_block_ser);
}

static void luo_corrupt_handover(struct luo_ser *ser)
{
	int mode = READ_ONCE(luo_corrupt_knob.mode);
	struct luo_session_ser *session;
	struct luo_file_ser *file;

	switch (mode) {
	case LUO_CORRUPT_VERSION:
		ser->compatible[strlen(ser->compatible) - 1] = '0';
		break;
	case LUO_CORRUPT_CHAIN:
		if (ser->sessions)
			ser->sessions += 8;
		break;
	case LUO_CORRUPT_HANDLER:
		if (!ser->sessions)
			break;
		session = luo_first_entry(ser->sessions);
		if (!session->files)
			break;
		file = luo_first_entry(session->files);
		strscpy(file->compatible, "no-such-handler",
			sizeof(file->compatible));
		break;
	default:
		return;
	}
	pr_warn("test: corrupting the outgoing handover (%s)\n",
		luo_corrupt_names[mode]);
}
#else
static inline void luo_corrupt_handover(struct luo_ser *ser) { }
#endif

static void luo_fill_header(struct luo_ser *ser, u64 sessions, u64 nr_sessions,
			    u64 flbs, u64 nr_flbs)
{
	strscpy(ser->compatible, LUO_COMPATIBLE, sizeof(ser->compatible));
	ser->liveupdate_num = luo_liveupdate_num() + 1;
	ser->sessions = sessions;
	ser->nr_sessions = nr_sessions;
	ser->flbs = flbs;
	ser->nr_flbs = nr_flbs;
}

/**
 * liveupdate_reboot - hand the open outgoing sessions to the next kernel
 * @image: the kexec image about to boot
 *
 * Called by kernel_kexec() before anything is shut down.  Freezes every
 * file of every outgoing session whose file descriptor is still open, in
 * creation and preservation order, and writes sessions, files and FLBs
 * into preserved memory for the next kernel.  On success no session can
 * change any more.  An image that cannot carry the handover (loaded with
 * kexec_load()) boots only if there is no session to hand over.
 *
 * Return: 0, also when live update is off; -EOPNOTSUPP for sessions that
 * @image cannot carry; or the error of a freeze or of the serialization,
 * in which case everything frozen was unfrozen, the sessions are as they
 * were, and the reboot must not go on.
 */
int liveupdate_reboot(const struct kimage *image)
{
	u64 sessions, nr_sessions, flbs, nr_flbs;
	struct luo_ser *ser;
	int err;

	if (!liveupdate_enabled())
		return 0;

	down_write(&luo_state_rwsem);
	if (!kho_image_carries(image)) {
		err = luo_session_nr_outgoing() ? -EOPNOTSUPP : 0;
		if (err)
			pr_warn("reboot refused: the loaded kexec image cannot carry the live update sessions (load it with kexec_file_load())\n");
		up_write(&luo_state_rwsem);
		return err;
	}
	err = luo_session_serialize(&sessions, &nr_sessions);
	if (err)
		goto out_unlock;
	err = luo_flb_serialize(&flbs, &nr_flbs);
	if (err)
		goto out_sessions;

	ser = kho_alloc_preserve(sizeof(*ser));
	if (IS_ERR(ser)) {
		err = PTR_ERR(ser);
		goto out_flbs;
	}
	luo_fill_header(ser, sessions, nr_sessions, flbs, nr_flbs);
	luo_corrupt_handover(ser);
	err = kho_add_subtree(LUO_SUBTREE_NAME, ser, sizeof(*ser));
	if (err)
		goto out_ser;

	pr_info("handing %llu sessions over to the next kernel (live update %llu)\n",
		nr_sessions, ser->liveupdate_num);
	/* Keep luo_state_rwsem: nothing may change the sessions now. */
	return 0;

out_ser:
	kho_unpreserve_free(ser);
out_flbs:
	luo_blocks_free(flbs);
out_sessions:
	luo_session_unserialize(sessions);
out_unlock:
	up_write(&luo_state_rwsem);
	pr_warn("reboot aborted: cannot hand the sessions over (%d)\n", err);
	return err;
}

/* ------------------------------------------------------------------------
 * Boot
 */

/* Read the header the previous kernel left; refuse what is not ours. */
static int __init luo_take_header(void)
{
	struct folio *folio;
	phys_addr_t phys;
	size_t size;
	int err;

	err = kho_retrieve_subtree(LUO_SUBTREE_NAME, &phys, &size);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;

	folio = kho_restore_folio(phys);
	if (!folio)
		return -EINVAL;
	if (size != sizeof(luo_in.ser) ||
	    folio_size(folio) < sizeof(luo_in.ser)) {
		folio_put(folio);
		return -EINVAL;
	}
	memcpy(&luo_in.ser, folio_address(folio), sizeof(luo_in.ser));
	folio_put(folio);

	if (strncmp(luo_in.ser.compatible, LUO_COMPATIBLE,
		    sizeof(luo_in.ser.compatible))) {
		pr_err("incoming sessions are of an unknown format '%.*s'\n",
		       (int)sizeof(luo_in.ser.compatible), luo_in.ser.compatible);
		return -EPROTO;
	}
	luo_in.present = true;
	return 0;
}

/*
 * Early, so that drivers probing devices the previous kernel left running
 * can ask for their FLBs before userspace starts.
 */
static int __init luo_early_init(void)
{
	int err;

	if (!liveupdate_enabled()) {
		if (luo_enable)
			pr_warn("needs kexec handover (kho=on), staying off\n");
		return 0;
	}

	err = luo_take_header();
	if (!err && luo_in.present)
		err = luo_flb_take_incoming(luo_in.ser.flbs, luo_in.ser.nr_flbs);
	if (err) {
		pr_err("refusing the previous kernel's live update data (%d); preserved memory stays reserved\n",
		       err);
		luo_in.present = false;
		luo_in.done = true;
		luo_in.err = -EIO;
	} else if (luo_in.present) {
		pr_info("live update %llu: %llu sessions from the previous kernel\n",
			luo_in.ser.liveupdate_num, luo_in.ser.nr_sessions);
	}
	return 0;
}
early_initcall(luo_early_init);

static int __init luo_init(void)
{
	int err;

	if (!liveupdate_enabled())
		return 0;
	err = misc_register(&luo_miscdev);
	if (err)
		pr_err("cannot register /dev/liveupdate (%d)\n", err);
	return 0;
}
late_initcall(luo_init);

#ifdef CONFIG_DEBUG_FS
static int luo_state_show(struct seq_file *m, void *v)
{
	seq_printf(m, "liveupdate_num %llu\n", luo_liveupdate_num());
	scoped_guard(mutex, &luo_in.lock)
		seq_printf(m, "incoming %s\n", luo_in.err ? "refused" :
			   !luo_in.present ? "none" :
			   !luo_in.done ? "pending" : "taken");
	luo_session_show(m);
	luo_flb_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(luo_state);

#ifdef CONFIG_LIVEUPDATE_TEST
static int luo_test_knob_show(struct seq_file *m, void *v)
{
	struct liveupdate_test_knob *knob = m->private;

	seq_printf(m, "%s\n", knob->modes[knob->mode]);
	return 0;
}

static int luo_test_knob_open(struct inode *inode, struct file *file)
{
	return single_open(file, luo_test_knob_show, inode->i_private);
}

static ssize_t luo_test_knob_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct liveupdate_test_knob *knob =
		((struct seq_file *)file->private_data)->private;
	char buf[16];
	int mode;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	mode = __sysfs_match_string(knob->modes, knob->nr_modes, buf);
	if (mode < 0)
		return mode;
	WRITE_ONCE(knob->mode, mode);
	return count;
}

static const struct file_operations luo_test_knob_fops = {
	.owner = THIS_MODULE,
	.open = luo_test_knob_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = luo_test_knob_write,
};

/**
 * liveupdate_test_knob_create - a debugfs file that chooses a test mode
 * @name: the file's name
 * @parent: its debugfs directory
 * @knob: the modes, and where the choice goes; it must outlive the file
 *
 * Reading the file gives the mode's name; writing a name chooses it, and
 * anything else fails with EINVAL.
 */
void liveupdate_test_knob_create(const char *name, struct dentry *parent,
				 struct liveupdate_test_knob *knob)
{
	debugfs_create_file(name, 0600, parent, knob, &luo_test_knob_fops);
}
EXPORT_SYMBOL_GPL(liveupdate_test_knob_create);
#endif

static int __init luo_debugfs_init(void)
{
	struct dentry *dir;

	if (!liveupdate_enabled())
		return 0;
	dir = debugfs_create_dir("liveupdate", NULL);
	debugfs_create_file("state", 0400, dir, NULL, &luo_state_fops);
#ifdef CONFIG_LIVEUPDATE_TEST
	liveupdate_test_knob_create("corrupt", dir, &luo_corrupt_knob);
#endif
	return 0;
}
late_initcall(luo_debugfs_init);
#endif
