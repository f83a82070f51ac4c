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
#include <linux/bsearch.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "kexec_handover_internal.h"

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
	for (order = 0; order < KHO_NR_ORDERS; order++)
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

	for (order = 0; order < KHO_NR_ORDERS; order++) {
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

static int kho_track_check(unsigned long pfn, unsigned int order)
{
	if (order > KHO_MAX_FOLIO_ORDER || !IS_ALIGNED(pfn, 1UL << order))
		return -EINVAL;
	return 0;
}

/**
 * kho_track_batch_begin - lock a tracker for many changes
 * @track: the tracker
 * @batch: the batch, set up here
 *
 * Blocks are then added and removed with kho_track_batch_add() and
 * kho_track_batch_del() until kho_track_batch_end().  A batch takes the
 * lock once, and remembers the bitmap chunk it used last: blocks near one
 * another, as the folios of a file mostly are, find their bit without a
 * lookup.  Bitmap chunks are freed only with the tracker, so the one
 * remembered stays valid.
 */
void kho_track_batch_begin(struct kho_track *track, struct kho_track_batch *batch)
{
	*batch = (struct kho_track_batch) { .track = track };
	mutex_lock(&track->lock);
}

/**
 * kho_track_batch_end - unlock a tracker after kho_track_batch_begin()
 * @batch: the batch
 */
void kho_track_batch_end(struct kho_track_batch *batch)
{
	mutex_unlock(&batch->track->lock);
}

/* The bitmap chunk of block @block of @order: the remembered one, or looked up. */
static unsigned long *kho_track_batch_chunk(struct kho_track_batch *batch,
					    unsigned int order,
					    unsigned long block, bool create)
{
	unsigned long chunk = block / KHO_CHUNK_BITS, *bitmap;

	if (batch->bitmap && batch->order == order && batch->chunk == chunk)
		return batch->bitmap;
	bitmap = kho_track_chunk(batch->track, order, chunk, create);
	if (!IS_ERR_OR_NULL(bitmap)) {
		batch->bitmap = bitmap;
		batch->order = order;
		batch->chunk = chunk;
	}
	return bitmap;
}

/**
 * kho_track_batch_add_run - record consecutive preserved blocks in a batch
 * @batch: the batch
 * @pfn: first page frame of the first block, aligned to 2^@order
 * @nr: how many blocks of @order follow one another from @pfn, all
 *	within one bitmap chunk (kho_track_run_max())
 * @order: block order
 *
 * Their bits are checked and set a word at a time: a run of a thousand
 * pages costs about what one page does.
 *
 * Return: as kho_track_add(), and -EINVAL for a run of none or one that
 * leaves its chunk; on an error none of the run is recorded.
 */
int kho_track_batch_add_run(struct kho_track_batch *batch, unsigned long pfn,
			    unsigned long nr, unsigned int order)
{
	unsigned long block = pfn >> order, bit, *bitmap;
	int err;

	err = kho_track_check(pfn, order);
	if (err)
		return err;
	if (!nr || nr > kho_track_run_max(pfn, order))
		return -EINVAL;
	bitmap = kho_track_batch_chunk(batch, order, block, true);
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);
	bit = block % KHO_CHUNK_BITS;
	if (nr == 1) {
		/* A lone block, as most of a fragmented file's folios are */
		if (__test_and_set_bit(bit, bitmap))
			return -EEXIST;
	} else {
		if (find_next_bit(bitmap, bit + nr, bit) < bit + nr)
			return -EEXIST;
		bitmap_set(bitmap, bit, nr);
	}
	batch->track->nr_blocks[order] += nr;
	return 0;
}

/**
 * kho_track_batch_add - record a preserved block in a batch
 * @batch: the batch
 * @pfn: first page frame of the block, aligned to 2^@order
 * @order: block order
 *
 * Return: as kho_track_add().
 */
int kho_track_batch_add(struct kho_track_batch *batch, unsigned long pfn,
			unsigned int order)
{
	return kho_track_batch_add_run(batch, pfn, 1, order);
}

/**
 * kho_track_batch_del - forget a preserved block in a batch
 * @batch: the batch
 * @pfn: first page frame of the block
 * @order: block order, as recorded
 *
 * Return: as kho_track_del().
 */
int kho_track_batch_del(struct kho_track_batch *batch, unsigned long pfn,
			unsigned int order)
{
	unsigned long block = pfn >> order, *bitmap;
	int err;

	err = kho_track_check(pfn, order);
	if (err)
		return err;
	bitmap = kho_track_batch_chunk(batch, order, block, false);
	if (!bitmap || !__test_and_clear_bit(block % KHO_CHUNK_BITS, bitmap))
		return -ENOENT;
	batch->track->nr_blocks[order]--;
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
	struct kho_track_batch batch;
	int err;

	kho_track_batch_begin(track, &batch);
	err = kho_track_batch_add(&batch, pfn, order);
	kho_track_batch_end(&batch);
	return err;
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
	struct kho_track_batch batch;
	int err;

	kho_track_batch_begin(track, &batch);
	err = kho_track_batch_del(&batch, pfn, order);
	kho_track_batch_end(&batch);
	return err;
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
	unsigned long block = pfn >> order, *bitmap;
	struct kho_track_batch batch;
	bool ret;

	if (kho_track_check(pfn, order))
		return false;

	kho_track_batch_begin(track, &batch);
	bitmap = kho_track_batch_chunk(&batch, order, block, false);
	ret = bitmap && test_bit(block % KHO_CHUNK_BITS, bitmap);
	kho_track_batch_end(&batch);
	return ret;
}

/* Whether a directory entry is well formed; it is not read further here. */
static bool kho_map_entry_ok(const struct kho_map_entry *entry,
			     const struct kho_map_read *read)
{
	if (entry->order > KHO_MAX_FOLIO_ORDER || entry->reserved ||
	    !PAGE_ALIGNED(entry->bitmap) ||
	    !read->page_ok(entry->bitmap, read->arg))
		return false;
	/* The last block of the chunk must be a valid page frame number. */
	return entry->chunk < BIT_ULL(MAX_PHYSMEM_BITS - PAGE_SHIFT - entry->order) /
			      KHO_CHUNK_BITS;
}

/*
 * Walk the directory chain, checking every page and entry, and count the
 * entries; or, with @chunks, record them there.  Every directory and every
 * bitmap is a page of RAM, so a chain with more of them than RAM has pages
 * loops or lies: the walk stops there.
 */
static int kho_map_scan(phys_addr_t head, const struct kho_map_read *read,
			struct kho_map_chunk *chunks, unsigned long *nr,
			unsigned long *nr_meta)
{
	unsigned long n = 0, nr_dirs = 0;
	const struct kho_map_page *dir;
	phys_addr_t phys = head;
	unsigned int i;

	while (phys) {
		if (!PAGE_ALIGNED(phys) || !read->page_ok(phys, read->arg))
			return -EINVAL;
		dir = phys_to_virt(phys);
		if (dir->nr > KHO_MAP_ENTRIES || dir->reserved)
			return -EINVAL;
		if (++nr_dirs + n + dir->nr > read->max_pages)
			return -ELOOP;
		for (i = 0; i < dir->nr; i++, n++) {
			const struct kho_map_entry *entry = &dir->entries[i];

			if (!chunks) {
				if (!kho_map_entry_ok(entry, read))
					return -EINVAL;
				continue;
			}
			chunks[n] = (struct kho_map_chunk) {
				.bitmap = phys_to_virt(entry->bitmap),
				.chunk = entry->chunk,
				.order = entry->order,
			};
		}
		phys = dir->next;
	}
	*nr = n;
	*nr_meta = nr_dirs + n;
	return 0;
}

static int kho_map_chunk_cmp(const void *a, const void *b)
{
	const struct kho_map_chunk *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	if (x->chunk != y->chunk)
		return x->chunk < y->chunk ? -1 : 1;
	return 0;
}

/* The bitmap of chunk @chunk of @order, or NULL. */
static const unsigned long *kho_map_find(const struct kho_map_index *index,
					 unsigned int order, u64 chunk)
{
	const struct kho_map_chunk key = { .chunk = chunk, .order = order };
	const struct kho_map_chunk *found;

	found = bsearch(&key, index->chunks, index->nr, sizeof(key),
			kho_map_chunk_cmp);
	return found ? found->bitmap : NULL;
}

/*
 * The lower-order chunk looked up last, per order: blocks are visited in
 * address order, so the next block of an order mostly needs the same ones.
 */
struct kho_map_cache {
	u64 chunk[KHO_NR_ORDERS];
	const unsigned long *bitmap[KHO_NR_ORDERS];
};

/*
 * Whether the block at @pfn of @order overlaps a block of a lower order.
 * Checking every block against the lower orders covers every pair.  The
 * bits of a lower order under the block fill whole chunks or lie in one,
 * since blocks and chunks are both naturally aligned: a gigantic block
 * covers several chunks of order 0 (a GiB is eight).  @orders has a bit
 * for each order that has blocks at all.
 */
static bool kho_map_overlaps(const struct kho_map_index *index,
			     struct kho_map_cache *cache, unsigned long pfn,
			     unsigned int order, unsigned long orders)
{
	unsigned long first, end, base, stop;
	unsigned int lower;
	u64 chunk;

	for_each_set_bit(lower, &orders, order) {
		first = pfn >> lower;
		end = first + (1UL << (order - lower));
		for (; first < end; first = stop) {
			chunk = first / KHO_CHUNK_BITS;
			base = chunk * KHO_CHUNK_BITS;
			stop = min(end, base + KHO_CHUNK_BITS);
			if (cache->chunk[lower] != chunk) {
				cache->chunk[lower] = chunk;
				cache->bitmap[lower] = kho_map_find(index, lower,
								    chunk);
			}
			if (cache->bitmap[lower] &&
			    find_next_bit(cache->bitmap[lower], stop - base,
					  first - base) < stop - base)
				return true;
		}
	}
	return false;
}

/*
 * Call @fn for every block of @index, by order, then in address order; with
 * @overlap_orders (the orders that have blocks), first refuse a block that
 * overlaps one of a lower order.  One loop for both, so that checking a map
 * costs no second indirect call per block: a GiB is 262144 of them.
 */
static int kho_map_visit(const struct kho_map_index *index, kho_block_fn fn,
			 void *arg, unsigned long overlap_orders)
{
	struct kho_map_cache cache;
	const struct kho_map_chunk *c;
	unsigned long i, bit, first, pfn;
	int ret;

	memset(cache.chunk, 0xff, sizeof(cache.chunk));
	for (i = 0; i < index->nr; i++) {
		c = &index->chunks[i];
		first = c->chunk * KHO_CHUNK_BITS;
		for_each_set_bit(bit, c->bitmap, KHO_CHUNK_BITS) {
			pfn = (first + bit) << c->order;
			if ((overlap_orders & (BIT(c->order) - 1)) &&
			    kho_map_overlaps(index, &cache, pfn, c->order,
					     overlap_orders))
				return -EINVAL;
			ret = fn(pfn, c->order, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/**
 * kho_map_walk_blocks - visit every block of a checked map
 * @index: the map, as kho_map_check() indexed it
 * @fn: called for each block, by order, then in address order; a non-zero
 *	return stops the walk and is returned
 * @arg: passed to @fn
 *
 * Return: 0 or what @fn returned.
 */
int kho_map_walk_blocks(const struct kho_map_index *index, kho_block_fn fn,
			void *arg)
{
	return kho_map_visit(index, fn, arg, 0);
}

/**
 * kho_map_check - check and index a map handed over by the previous kernel
 * @head: physical address of its first directory page
 * @read: how to read it
 * @index: returns the index of its chunks, allocated with @read->alloc,
 *	   which the caller frees, also on an error
 *
 * The map comes from another kernel and is trusted for nothing.  Every
 * page is checked with @read->page_ok before it is read; entries must be
 * well formed; a chunk may not be listed twice, and blocks may not overlap,
 * within an order or across orders; and the metadata and the preserved
 * memory may not add up to more pages than @read->max_pages, so the work is
 * bounded by the size of RAM however the map was made.  Then
 * @read->block checks every block.
 *
 * Return: 0, -EINVAL for a malformed map or overlapping blocks, -ELOOP for
 * a chain of more pages than RAM (a cycle), -E2BIG for more preserved
 * pages than RAM, -ENOMEM, or what @read->block returned.
 */
int kho_map_check(phys_addr_t head, const struct kho_map_read *read,
		  struct kho_map_index *index)
{
	unsigned long i, weight, meta, orders = 0;
	int err;

	memset(index, 0, sizeof(*index));
	err = kho_map_scan(head, read, NULL, &index->nr, &meta);
	if (err || !index->nr)
		return err;
	index->chunks = read->alloc(array_size(index->nr,
					       sizeof(*index->chunks)));
	if (!index->chunks)
		return -ENOMEM;
	kho_map_scan(head, read, index->chunks, &index->nr, &meta);
	sort(index->chunks, index->nr, sizeof(*index->chunks),
	     kho_map_chunk_cmp, NULL);

	for (i = 0; i < index->nr; i++) {
		const struct kho_map_chunk *c = &index->chunks[i];

		if (i && !kho_map_chunk_cmp(c - 1, c))
			return -EINVAL;		/* listed twice */
		weight = bitmap_weight(c->bitmap, KHO_CHUNK_BITS);
		if (weight)
			orders |= BIT(c->order);
		index->nr_pages += weight << c->order;
		if (meta + index->nr_pages > read->max_pages)
			return -E2BIG;
	}
	return kho_map_visit(index, read->block, read->arg, orders);
}
