/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kexec handover internals: the tracker of preserved memory and the layout
 * in which it is handed to the next kernel.
 */
#ifndef _KEXEC_HANDOVER_INTERNAL_H
#define _KEXEC_HANDOVER_INTERNAL_H

#include <linux/kexec_handover.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

/* Compatible string of the root FDT; bump on any change of the layout. */
#define KHO_FDT_COMPATIBLE	"linux,kho-612-v1"
/* Root FDT property: physical address of the first struct kho_map_page. */
#define KHO_FDT_MAP		"preserved-memory-map"
/* Subtree node properties. */
#define KHO_FDT_BLOB		"blob"
#define KHO_FDT_BLOB_SIZE	"blob-size"

/*
 * Most scratch areas a kernel takes from the previous one: two per node
 * (below and above the low-memory limit), or two and one per node as
 * kho_scratch= sizes them; and 14 more for requests that no free range
 * fits, which are split (kho_scratch_add()).
 */
#define KHO_MAX_SCRATCH		(2 * MAX_NUMNODES + 16)

unsigned int kho_scratch_count(u64 size);

/*
 * Preserved memory is a set of naturally aligned blocks of 2^order pages.
 * For each order there is a sparse bitmap with one bit per block, kept in
 * page-sized chunks: chunk c of order o covers the blocks c * KHO_CHUNK_BITS
 * to (c + 1) * KHO_CHUNK_BITS - 1.  The next kernel finds the chunks through
 * a chain of directory pages.  Both are allocated as the bits are set, so
 * the structure is always ready to hand over: nothing is serialized at
 * kexec time.
 */
#define KHO_CHUNK_BITS		(PAGE_SIZE * BITS_PER_BYTE)

/* Block orders a map may have: up to KHO_MAX_FOLIO_ORDER. */
#define KHO_NR_ORDERS		(KHO_MAX_FOLIO_ORDER + 1)

/**
 * struct kho_map_entry - one bitmap chunk in the handover
 * @bitmap: physical address of the page-sized bitmap
 * @order: block order the bitmap describes
 * @reserved: zero
 * @chunk: index of the chunk within its order
 */
struct kho_map_entry {
	u64 bitmap;
	u32 order;
	u32 reserved;
	u64 chunk;
};

/**
 * struct kho_map_page - a directory page of the handover
 * @next: physical address of the next directory page, 0 for the last
 * @nr: number of valid entries
 * @reserved: zero
 * @entries: the bitmap chunks
 */
struct kho_map_page {
	u64 next;
	u32 nr;
	u32 reserved;
	struct kho_map_entry entries[];
};

#define KHO_MAP_ENTRIES \
	((PAGE_SIZE - sizeof(struct kho_map_page)) / sizeof(struct kho_map_entry))

/**
 * struct kho_track - the preserved memory of this kernel
 * @lock: serializes changes
 * @chunks: per order, chunk index -> bitmap page
 * @head: first directory page (handed over)
 * @tail: directory page that takes the next entry
 * @nr_blocks: per order, number of preserved blocks
 * @nr_meta_pages: pages used by bitmaps and directory pages
 */
struct kho_track {
	struct mutex lock;	/* serializes changes */
	struct xarray chunks[KHO_NR_ORDERS];
	struct kho_map_page *head;
	struct kho_map_page *tail;
	unsigned long nr_blocks[KHO_NR_ORDERS];
	unsigned long nr_meta_pages;
};

/**
 * struct kho_track_batch - changes to a tracker under one lock
 * @track: the tracker, locked for the batch
 * @bitmap: the bitmap chunk used last, or NULL
 * @chunk: its index
 * @order: its order
 */
struct kho_track_batch {
	struct kho_track *track;
	unsigned long *bitmap;
	unsigned long chunk;
	unsigned int order;
};

int kho_track_init(struct kho_track *track);
void kho_track_destroy(struct kho_track *track);
int kho_track_add(struct kho_track *track, unsigned long pfn, unsigned int order);
int kho_track_del(struct kho_track *track, unsigned long pfn, unsigned int order);
bool kho_track_has(struct kho_track *track, unsigned long pfn, unsigned int order);
/**
 * kho_track_run_max - the most blocks a run from a block may have
 * @pfn: first page frame of the block, aligned to 2^@order
 * @order: block order
 *
 * A run of kho_track_batch_add_run() stays in the bitmap chunk of its
 * first block.
 *
 * Return: the blocks from @pfn's to the end of its chunk, at least 1.
 */
static inline unsigned long kho_track_run_max(unsigned long pfn,
					      unsigned int order)
{
	return KHO_CHUNK_BITS - (pfn >> order) % KHO_CHUNK_BITS;
}

void kho_track_batch_begin(struct kho_track *track, struct kho_track_batch *batch);
int kho_track_batch_add(struct kho_track_batch *batch, unsigned long pfn,
			unsigned int order);
int kho_track_batch_add_run(struct kho_track_batch *batch, unsigned long pfn,
			    unsigned long nr, unsigned int order);
int kho_track_batch_del(struct kho_track_batch *batch, unsigned long pfn,
			unsigned int order);
void kho_track_batch_end(struct kho_track_batch *batch);

/* Called for a block of preserved memory; non-zero stops a walk. */
typedef int (*kho_block_fn)(unsigned long pfn, unsigned int order, void *arg);

/**
 * struct kho_map_chunk - a bitmap chunk of a handed-over map, as indexed
 * @bitmap: the bitmap, mapped
 * @chunk: its index within its order
 * @order: the block order it describes
 */
struct kho_map_chunk {
	const unsigned long *bitmap;
	u64 chunk;
	unsigned int order;
};

/**
 * struct kho_map_index - a handed-over map, checked and indexed
 * @chunks: its bitmap chunks, sorted by order, then by chunk index
 * @nr: their number
 * @nr_pages: pages in all its blocks
 */
struct kho_map_index {
	struct kho_map_chunk *chunks;
	unsigned long nr;
	unsigned long nr_pages;
};

/**
 * struct kho_map_read - how to read a handed-over map
 * @page_ok: is the page at this physical address safe to read (RAM, not
 *	     scratch)?  Called for every directory and bitmap page.
 * @block: called for every preserved block once the map is known to be
 *	   well formed; a non-zero return stops the walk and is returned
 * @alloc: allocates the index (zeroed), or returns NULL
 * @max_pages: the pages of RAM: neither the metadata pages nor the
 *	       preserved pages may be more, which bounds the work
 * @arg: passed to @page_ok and @block
 */
struct kho_map_read {
	bool (*page_ok)(phys_addr_t phys, void *arg);
	kho_block_fn block;
	void *(*alloc)(size_t size);
	unsigned long max_pages;
	void *arg;
};

int kho_map_check(phys_addr_t head, const struct kho_map_read *read,
		  struct kho_map_index *index);
int kho_map_walk_blocks(const struct kho_map_index *index, kho_block_fn fn,
			void *arg);

#endif /* _KEXEC_HANDOVER_INTERNAL_H */
