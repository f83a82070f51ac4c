// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec handover: the tracker of preserved memory.
 *
 * One bit per naturally aligned block of 2^order pages, in sparse per-order
 * bitmaps of one page each.  Order-0 pages cost one bit each, larger blocks
 * less, so the metadata stays within a small factor of one bit per page
 * wherever the preserved memory lies.  The bitmaps and the directory that
 * lists them are built as memory is preserved and handed to the next kernel
 * in place.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "kexec_handover_internal.h"

/* Bound on directory pages walked, so a corrupt (cyclic) chain ends. */
#define KHO_MAX_DIRS		BIT(16)

/**
 * kho_track_init - set up an empty tracker
 * @track: the tracker
 *
 * Return: 0 or -ENOMEM.
 */
int kho_track_init(struct kho_track *track)
{
	unsigned int order;

	memset(track, 0, sizeof(*track));
	mutex_init(&track->lock);
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		xa_init(&track->chunks[order]);

	track->head = (void *)get_zeroed_page(GFP_KERNEL);
	if (!track->head)
		return -ENOMEM;
	track->tail = track->head;
	track->nr_meta_pages = 1;
	return 0;
}

/**
 * kho_track_destroy - free a tracker's metadata
 * @track: the tracker
 *
 * Only the metadata is freed; the tracked memory is not touched.
 */
void kho_track_destroy(struct kho_track *track)
{
	struct kho_map_page *dir, *next;
	unsigned long *bitmap;
	unsigned int order;
	unsigned long idx;

	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		xa_for_each(&track->chunks[order], idx, bitmap)
			free_page((unsigned long)bitmap);
		xa_destroy(&track->chunks[order]);
	}
	for (dir = track->head; dir; dir = next) {
		next = dir->next ? phys_to_virt(dir->next) : NULL;
		free_page((unsigned long)dir);
	}
	track->head = NULL;
	track->tail = NULL;
}

/* Add a directory entry for a new bitmap chunk. */
static int kho_track_list(struct kho_track *track, unsigned int order,
			  unsigned long chunk, unsigned long *bitmap)
{
	struct kho_map_page *tail = track->tail;
	struct kho_map_entry *entry;

	if (tail->nr == KHO_MAP_ENTRIES) {
		struct kho_map_page *dir = (void *)get_zeroed_page(GFP_KERNEL);

		if (!dir)
			return -ENOMEM;
		tail->next = virt_to_phys(dir);
		track->tail = dir;
		track->nr_meta_pages++;
		tail = dir;
	}

	entry = &tail->entries[tail->nr];
	entry->bitmap = virt_to_phys(bitmap);
	entry->order = order;
	entry->chunk = chunk;
	tail->nr++;
	return 0;
}

/* The bitmap chunk for @chunk of @order, created when @create is set. */
static unsigned long *kho_track_chunk(struct kho_track *track, unsigned int order,
				      unsigned long chunk, bool create)
{
	unsigned long *bitmap = xa_load(&track->chunks[order], chunk);
	int err;

	if (bitmap || !create)
		return bitmap;

	bitmap = (void *)get_zeroed_page(GFP_KERNEL);
	if (!bitmap)
		return ERR_PTR(-ENOMEM);

	err = xa_err(xa_store(&track->chunks[order], chunk, bitmap, GFP_KERNEL));
	if (!err) {
		err = kho_track_list(track, order, chunk, bitmap);
		if (err)
			xa_erase(&track->chunks[order], chunk);
	}
	if (err) {
		free_page((unsigned long)bitmap);
		return ERR_PTR(err);
	}
	track->nr_meta_pages++;
	return bitmap;
}

/*
 * The bitmap chunk that holds the bit of block @pfn of @order, created when
 * @create is set; the bit's index goes to @bit.  Called with the lock held
 * after kho_track_check().
 */
static unsigned long *kho_track_locate(struct kho_track *track, unsigned long pfn,
				       unsigned int order, bool create,
				       unsigned long *bit)
{
	unsigned long block = pfn >> order;

	*bit = block % KHO_CHUNK_BITS;
	return kho_track_chunk(track, order, block / KHO_CHUNK_BITS, create);
}

static int kho_track_check(unsigned long pfn, unsigned int order)
{
	if (order > MAX_PAGE_ORDER || !IS_ALIGNED(pfn, 1UL << order))
		return -EINVAL;
	return 0;
}

/**
 * kho_track_add - record a preserved block
 * @track: the tracker
 * @pfn: first page frame of the block, aligned to 2^@order
 * @order: block order
 *
 * Return: 0, -EINVAL for a bad order or alignment, -EEXIST when the block
 * is recorded already, or -ENOMEM.
 */
int kho_track_add(struct kho_track *track, unsigned long pfn, unsigned int order)
{
	unsigned long *bitmap, bit;
	int err;

	err = kho_track_check(pfn, order);
	if (err)
		return err;

	guard(mutex)(&track->lock);
	bitmap = kho_track_locate(track, pfn, order, true, &bit);
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);
	if (__test_and_set_bit(bit, bitmap))
		return -EEXIST;
	track->nr_blocks[order]++;
	return 0;
}

/**
 * kho_track_del - forget a preserved block
 * @track: the tracker
 * @pfn: first page frame of the block
 * @order: block order, as recorded
 *
 * Return: 0, -EINVAL for a bad order or alignment, -ENOENT when the block
 * is not recorded with this order.
 */
int kho_track_del(struct kho_track *track, unsigned long pfn, unsigned int order)
{
	unsigned long *bitmap, bit;
	int err;

	err = kho_track_check(pfn, order);
	if (err)
		return err;

	guard(mutex)(&track->lock);
	bitmap = kho_track_locate(track, pfn, order, false, &bit);
	if (!bitmap || !__test_and_clear_bit(bit, bitmap))
		return -ENOENT;
	track->nr_blocks[order]--;
	return 0;
}

/**
 * kho_track_has - is a block recorded?
 * @track: the tracker
 * @pfn: first page frame of the block
 * @order: block order
 *
 * Return: true when exactly this block is recorded with this order.
 */
bool kho_track_has(struct kho_track *track, unsigned long pfn, unsigned int order)
{
	unsigned long *bitmap, bit;

	if (kho_track_check(pfn, order))
		return false;

	guard(mutex)(&track->lock);
	bitmap = kho_track_locate(track, pfn, order, false, &bit);
	return bitmap && test_bit(bit, bitmap);
}

static int kho_map_walk_entry(const struct kho_map_entry *entry,
			      const struct kho_map_walk *walk)
{
	unsigned long first, bit, *bitmap;
	int ret;

	if (entry->order > MAX_PAGE_ORDER || !PAGE_ALIGNED(entry->bitmap) ||
	    !walk->page_ok(entry->bitmap, walk->arg))
		return -EINVAL;
	/* The last block of the chunk must be a valid page frame number. */
	if (entry->chunk >= BIT_ULL(MAX_PHYSMEM_BITS - PAGE_SHIFT - entry->order) /
			    KHO_CHUNK_BITS)
		return -EINVAL;

	bitmap = phys_to_virt(entry->bitmap);
	first = entry->chunk * KHO_CHUNK_BITS;
	for_each_set_bit(bit, bitmap, KHO_CHUNK_BITS) {
		ret = walk->block((first + bit) << entry->order, entry->order,
				  walk->arg);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * kho_map_walk - visit every block of a handed-over map
 * @head: physical address of the first directory page
 * @walk: callbacks
 *
 * The map comes from another kernel and is trusted for nothing: every page
 * is checked with @walk->page_ok before it is read, entries must be well
 * formed and the chain of directory pages must end.
 *
 * Return: 0, -EINVAL or -ELOOP for a malformed map, or what @walk->block
 * returned.
 */
int kho_map_walk(phys_addr_t head, const struct kho_map_walk *walk)
{
	unsigned long nr_dirs = 0;
	phys_addr_t phys = head;
	unsigned int i;
	int ret;

	while (phys) {
		const struct kho_map_page *dir;

		if (!PAGE_ALIGNED(phys) || !walk->page_ok(phys, walk->arg))
			return -EINVAL;
		if (++nr_dirs > KHO_MAX_DIRS)
			return -ELOOP;

		dir = phys_to_virt(phys);
		if (dir->nr > KHO_MAP_ENTRIES)
			return -EINVAL;
		for (i = 0; i < dir->nr; i++) {
			ret = kho_map_walk_entry(&dir->entries[i], walk);
			if (ret)
				return ret;
		}
		phys = dir->next;
	}
	return 0;
}
