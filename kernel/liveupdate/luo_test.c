// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator test file type, for the liveupdate selftests.
 *
 * /dev/liveupdate_test0 and /dev/liveupdate_test1: each open gives a new
 * object holding one page of data, read and written like a 4096-byte file.
 * Its tag is the u64 in its first eight bytes.  Files of the two devices
 * have a handler each ("liveupdate-test-0-v1", "liveupdate-test-1-v1");
 * both depend on one FLB ("liveupdate-test-flb-v1").  The data page is
 * preserved in place, and the retrieved file is of the same type, so it
 * can be carried through any number of live updates.
 *
 * /sys/kernel/debug/liveupdate_test/events lists what LUO asked of the
 * handlers and the FLB, one "<op> <tag>" line each, oldest first; a write
 * clears it.  fail_preserve, fail_freeze, fail_retrieve and busy_finish
 * take a tag (0 for none): that file's preserve then fails with -ENOSPC,
 * its freeze with -EAGAIN, its retrieve with -EIO, and its can_finish says
 * no.  flb_hold holds the outgoing FLB as a driver would (1) or lets it
 * go (0).  Freeze and unfreeze look the file up in its session, which
 * checks that LUO calls them under the session's lock.
 */

#define pr_fmt(fmt) "liveupdate_test: " fmt

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#define LUO_TEST_MAGIC		0x4c554f54455354ULL	/* "LUOTEST" */
#define LUO_TEST_FLB_MAGIC	0x4c554f544642ULL	/* "LUOTFB" */
#define LUO_TEST_NR_DEVS	2
#define LUO_TEST_MAX_EVENTS	100000

/* A test file's preserved record, from kho_alloc_preserve(). */
struct luo_test_ser {
	u64 magic;
	u64 tag;
	u64 data;	/* physical address of the data page */
	u64 dev;
};

struct luo_test_obj {
	unsigned int dev;
	struct folio *folio;
	struct luo_test_ser *rec;	/* retrieved: the record, until finish */
};

static u64 fail_preserve, fail_freeze, fail_retrieve, busy_finish;

/* ------------------------------------------------------------------------
 * Event log
 */

struct luo_test_event {
	struct list_head list;
	const char *op;
	u64 tag;
	bool has_tag;
};

static LIST_HEAD(luo_test_events);
static DEFINE_MUTEX(luo_test_events_lock);
static unsigned long luo_test_nr_events;

static void luo_test_log(const char *op, bool has_tag, u64 tag)
{
	struct luo_test_event *ev;

	guard(mutex)(&luo_test_events_lock);
	if (luo_test_nr_events >= LUO_TEST_MAX_EVENTS)
		return;
	ev = kmalloc(sizeof(*ev), GFP_KERNEL);
	if (!ev)
		return;
	ev->op = op;
	ev->tag = tag;
	ev->has_tag = has_tag;
	list_add_tail(&ev->list, &luo_test_events);
	luo_test_nr_events++;
}

static int luo_test_events_show(struct seq_file *m, void *v)
{
	struct luo_test_event *ev;

	guard(mutex)(&luo_test_events_lock);
	list_for_each_entry(ev, &luo_test_events, list) {
		if (ev->has_tag)
			seq_printf(m, "%s %#llx\n", ev->op, ev->tag);
		else
			seq_printf(m, "%s\n", ev->op);
	}
	return 0;
}

static int luo_test_events_open(struct inode *inode, struct file *file)
{
	return single_open(file, luo_test_events_show, NULL);
}

static ssize_t luo_test_events_write(struct file *file, const char __user *buf,
				     size_t count, loff_t *ppos)
{
	struct luo_test_event *ev, *tmp;

	guard(mutex)(&luo_test_events_lock);
	list_for_each_entry_safe(ev, tmp, &luo_test_events, list) {
		list_del(&ev->list);
		kfree(ev);
	}
	luo_test_nr_events = 0;
	return count;
}

static const struct file_operations luo_test_events_fops = {
	.owner = THIS_MODULE,
	.open = luo_test_events_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = luo_test_events_write,
};

/* ------------------------------------------------------------------------
 * The test file
 */

static const struct file_operations luo_test_fops;
static struct miscdevice luo_test_misc[LUO_TEST_NR_DEVS];

static u64 luo_test_tag(struct luo_test_obj *obj)
{
	return *(u64 *)folio_address(obj->folio);
}

static void luo_test_obj_free(struct luo_test_obj *obj)
{
	if (obj->rec)
		folio_put(virt_to_folio(obj->rec));
	if (obj->folio)
		folio_put(obj->folio);
	kfree(obj);
}

static struct luo_test_obj *luo_test_obj_alloc(unsigned int dev,
					       struct folio *folio)
{
	struct luo_test_obj *obj = kzalloc(sizeof(*obj), GFP_KERNEL);

	if (!obj)
		return NULL;
	obj->dev = dev;
	obj->folio = folio;
	return obj;
}

static int luo_test_open(struct inode *inode, struct file *file)
{
	struct miscdevice *misc = file->private_data;
	struct luo_test_obj *obj;
	struct folio *folio;

	folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!folio)
		return -ENOMEM;
	obj = luo_test_obj_alloc(misc - luo_test_misc, folio);
	if (!obj) {
		folio_put(folio);
		return -ENOMEM;
	}
	file->private_data = obj;
	return 0;
}

static int luo_test_release(struct inode *inode, struct file *file)
{
	luo_test_obj_free(file->private_data);
	return 0;
}

static ssize_t luo_test_read(struct file *file, char __user *buf, size_t count,
			     loff_t *ppos)
{
	struct luo_test_obj *obj = file->private_data;

	return simple_read_from_buffer(buf, count, ppos,
				       folio_address(obj->folio), PAGE_SIZE);
}

static ssize_t luo_test_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct luo_test_obj *obj = file->private_data;

	if (count && *ppos >= PAGE_SIZE)
		return -ENOSPC;
	return simple_write_to_buffer(folio_address(obj->folio), PAGE_SIZE,
				      ppos, buf, count);
}

static loff_t luo_test_llseek(struct file *file, loff_t offset, int whence)
{
	return fixed_size_llseek(file, offset, whence, PAGE_SIZE);
}

static const struct file_operations luo_test_fops = {
	.owner = THIS_MODULE,
	.open = luo_test_open,
	.release = luo_test_release,
	.read = luo_test_read,
	.write = luo_test_write,
	.llseek = luo_test_llseek,
};

/* ------------------------------------------------------------------------
 * The handlers
 */

static struct liveupdate_flb luo_test_flb;

static bool luo_test_can_preserve(struct liveupdate_file_handler *fh,
				  struct file *file)
{
	struct luo_test_obj *obj = file->private_data;
	char expect[LIVEUPDATE_HNDL_COMPAT_LENGTH];

	if (file->f_op != &luo_test_fops)
		return false;
	snprintf(expect, sizeof(expect), "liveupdate-test-%u-v1", obj->dev);
	return !strcmp(fh->compatible, expect);
}

static int luo_test_preserve(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *obj = args->file->private_data;
	u64 tag = luo_test_tag(obj);
	struct luo_test_ser *rec;
	int err;

	luo_test_log("preserve", true, tag);
	if (fail_preserve && tag == fail_preserve)
		return -ENOSPC;

	rec = kho_alloc_preserve(sizeof(*rec));
	if (IS_ERR(rec))
		return PTR_ERR(rec);
	err = kho_preserve_folio(obj->folio);
	if (err) {
		kho_unpreserve_free(rec);
		return err;
	}
	rec->magic = LUO_TEST_MAGIC;
	rec->tag = tag;
	rec->data = PFN_PHYS(folio_pfn(obj->folio));
	rec->dev = obj->dev;
	args->serialized_data = virt_to_phys(rec);
	args->private_data = rec;
	return 0;
}

static void luo_test_unpreserve(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *obj = args->file->private_data;
	struct luo_test_ser *rec = args->private_data;

	luo_test_log("unpreserve", true, rec->tag);
	WARN_ON(kho_unpreserve_folio(obj->folio));
	kho_unpreserve_free(rec);
}

/*
 * Look the file up in its own session, as a handler of a dependent file
 * looks up what it depends on: LUO must hold the session's lock around
 * every callback for that (lockdep checks).
 */
static int luo_test_find_self(struct liveupdate_file_op_args *args)
{
	u64 token;

	return liveupdate_get_token_outgoing(args->session, args->file, &token);
}

static int luo_test_freeze(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *obj = args->file->private_data;
	struct luo_test_ser *rec = args->private_data;
	int err;

	rec->tag = luo_test_tag(obj);
	luo_test_log("freeze", true, rec->tag);
	err = luo_test_find_self(args);
	if (err)
		return err;
	if (fail_freeze && rec->tag == fail_freeze)
		return -EAGAIN;
	return 0;
}

static void luo_test_unfreeze(struct liveupdate_file_op_args *args)
{
	struct luo_test_ser *rec = args->private_data;

	luo_test_log("unfreeze", true, rec->tag);
	WARN_ON(luo_test_find_self(args));
}

/*
 * The record of a handed-over file, still unrestored: it is reserved
 * memory in the direct map, so it can be read before deciding.
 */
static const struct luo_test_ser *luo_test_peek(u64 data)
{
	const struct luo_test_ser *rec = phys_to_virt(data);

	if (!PAGE_ALIGNED(data) || rec->magic != LUO_TEST_MAGIC ||
	    rec->dev >= LUO_TEST_NR_DEVS)
		return NULL;
	return rec;
}

static int luo_test_check_flb(void)
{
	void *obj;
	int err;

	err = liveupdate_flb_get_incoming(&luo_test_flb, &obj);
	if (err)
		return err;
	liveupdate_flb_put_incoming(&luo_test_flb);
	return 0;
}

static int luo_test_retrieve(struct liveupdate_file_op_args *args)
{
	const struct luo_test_ser *peek = luo_test_peek(args->serialized_data);
	struct luo_test_obj *obj;
	struct folio *rec, *data;
	struct file *file;
	int err;

	if (!peek)
		return -EINVAL;
	luo_test_log("retrieve", true, peek->tag);
	if (fail_retrieve && peek->tag == fail_retrieve)
		return -EIO;
	err = luo_test_check_flb();
	if (err)
		return err;

	/*
	 * What can fail for want of memory comes first, so that such a
	 * failure leaves the preserved state for the next retrieve.
	 */
	obj = luo_test_obj_alloc(peek->dev, NULL);
	if (!obj)
		return -ENOMEM;
	file = anon_inode_getfile("[liveupdate_test]", &luo_test_fops, obj,
				  O_RDWR);
	if (IS_ERR(file)) {
		kfree(obj);
		return PTR_ERR(file);
	}
	rec = kho_restore_folio(args->serialized_data);
	data = rec ? kho_restore_folio(peek->data) : NULL;
	if (!data) {
		if (rec)
			folio_put(rec);
		fput(file);	/* frees obj */
		return -EINVAL;
	}
	obj->folio = data;
	obj->rec = folio_address(rec);
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE;
	args->file = file;
	return 0;
}

static bool luo_test_can_finish(struct liveupdate_file_op_args *args)
{
	const struct luo_test_ser *peek = luo_test_peek(args->serialized_data);
	u64 tag = peek ? peek->tag : 0;

	luo_test_log("can_finish", true, tag);
	return !(busy_finish && tag == busy_finish);
}

static void luo_test_finish(struct liveupdate_file_op_args *args)
{
	const struct luo_test_ser *peek = luo_test_peek(args->serialized_data);
	struct luo_test_obj *obj;

	luo_test_log("finish", true, peek ? peek->tag : 0);
	if (args->retrieve_status > 0) {
		/* The file lives on; only the record goes. */
		obj = args->file->private_data;
		folio_put(virt_to_folio(obj->rec));
		obj->rec = NULL;
		return;
	}
	if (args->retrieve_status < 0 || !peek)
		return;		/* Nothing restored; it stays reserved. */
	kho_restore_free(phys_to_virt(peek->data));
	kho_restore_free(phys_to_virt(args->serialized_data));
}

static const struct liveupdate_file_ops luo_test_file_ops = {
	.can_preserve = luo_test_can_preserve,
	.preserve = luo_test_preserve,
	.unpreserve = luo_test_unpreserve,
	.freeze = luo_test_freeze,
	.unfreeze = luo_test_unfreeze,
	.retrieve = luo_test_retrieve,
	.can_finish = luo_test_can_finish,
	.finish = luo_test_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_file_handler luo_test_handlers[LUO_TEST_NR_DEVS] = {
	{ .ops = &luo_test_file_ops, .compatible = "liveupdate-test-0-v1" },
	{ .ops = &luo_test_file_ops, .compatible = "liveupdate-test-1-v1" },
};

/* ------------------------------------------------------------------------
 * The FLB
 */

static int luo_test_flb_preserve(struct liveupdate_flb_op_args *args)
{
	u64 *page;

	luo_test_log("flb-preserve", false, 0);
	page = kho_alloc_preserve(PAGE_SIZE);
	if (IS_ERR(page))
		return PTR_ERR(page);
	*page = LUO_TEST_FLB_MAGIC;
	args->data = virt_to_phys(page);
	args->obj = page;
	return 0;
}

static void luo_test_flb_unpreserve(struct liveupdate_flb_op_args *args)
{
	luo_test_log("flb-unpreserve", false, 0);
	kho_unpreserve_free(args->obj);
}

static int luo_test_flb_retrieve(struct liveupdate_flb_op_args *args)
{
	struct folio *folio;

	luo_test_log("flb-retrieve", false, 0);
	folio = kho_restore_folio(args->data);
	if (!folio)
		return -EINVAL;
	if (*(u64 *)folio_address(folio) != LUO_TEST_FLB_MAGIC) {
		folio_put(folio);
		return -EINVAL;
	}
	args->obj = folio_address(folio);
	return 0;
}

static void luo_test_flb_finish(struct liveupdate_flb_op_args *args)
{
	luo_test_log("flb-finish", false, 0);
	if (args->obj)
		folio_put(virt_to_folio(args->obj));
	else
		kho_restore_free(phys_to_virt(args->data));
}

static const struct liveupdate_flb_ops luo_test_flb_ops = {
	.preserve = luo_test_flb_preserve,
	.unpreserve = luo_test_flb_unpreserve,
	.retrieve = luo_test_flb_retrieve,
	.finish = luo_test_flb_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_flb luo_test_flb = {
	.ops = &luo_test_flb_ops,
	.compatible = "liveupdate-test-flb-v1",
};

/*
 * flb_hold: write 1 to take a reference on the outgoing FLB with
 * liveupdate_flb_get_outgoing(), as a driver using the preserved object
 * would, and 0 to put it.  An FLB held only that way, with no file
 * depending on it, must not be handed over.
 */
static bool luo_test_flb_held;
static DEFINE_MUTEX(luo_test_flb_hold_lock);

static int luo_test_flb_hold_get(void *data, u64 *val)
{
	*val = luo_test_flb_held;
	return 0;
}

static int luo_test_flb_hold_set(void *data, u64 val)
{
	void *obj;
	int err;

	guard(mutex)(&luo_test_flb_hold_lock);
	if (!!val == luo_test_flb_held)
		return 0;
	if (val) {
		err = liveupdate_flb_get_outgoing(&luo_test_flb, &obj);
		if (err)
			return err;
	} else {
		liveupdate_flb_put_outgoing(&luo_test_flb);
	}
	luo_test_flb_held = val;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(luo_test_flb_hold_fops, luo_test_flb_hold_get,
			 luo_test_flb_hold_set, "%llu\n");

/* ------------------------------------------------------------------------
 * Setup
 */

static void __init luo_test_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("liveupdate_test", NULL);

	debugfs_create_file("events", 0600, dir, NULL, &luo_test_events_fops);
	debugfs_create_u64("fail_preserve", 0600, dir, &fail_preserve);
	debugfs_create_u64("fail_freeze", 0600, dir, &fail_freeze);
	debugfs_create_u64("fail_retrieve", 0600, dir, &fail_retrieve);
	debugfs_create_u64("busy_finish", 0600, dir, &busy_finish);
	debugfs_create_file("flb_hold", 0600, dir, NULL,
			    &luo_test_flb_hold_fops);
}

static int __init luo_test_register(unsigned int i)
{
	static const char * const names[] = {
		"liveupdate_test0", "liveupdate_test1",
	};
	int err;

	err = liveupdate_register_file_handler(&luo_test_handlers[i]);
	if (err)
		return err;
	err = liveupdate_register_flb(&luo_test_handlers[i], &luo_test_flb);
	if (err)
		goto out_handler;
	luo_test_misc[i] = (struct miscdevice) {
		.minor = MISC_DYNAMIC_MINOR,
		.name = names[i],
		.fops = &luo_test_fops,
		.mode = 0600,
	};
	err = misc_register(&luo_test_misc[i]);
	if (err)
		goto out_handler;
	return 0;

out_handler:
	liveupdate_unregister_file_handler(&luo_test_handlers[i]);
	return err;
}

static int __init luo_test_init(void)
{
	unsigned int i;
	int err;

	if (!liveupdate_enabled())
		return 0;
	for (i = 0; i < LUO_TEST_NR_DEVS; i++) {
		err = luo_test_register(i);
		if (err) {
			pr_err("cannot register test handler %u (%d)\n", i, err);
			return 0;
		}
	}
	luo_test_debugfs_init();
	return 0;
}
device_initcall(luo_test_init);
