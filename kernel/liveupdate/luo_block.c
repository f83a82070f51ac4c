// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: LUO block chains
 *
 * Live Update Orchestrator: chains of preserved one-page blocks.
 *
 * Sessions, the files of a session and the FLBs are handed over as chains
 * of one-page blocks, each a struct luo_block_ser header followed by
 * fixed-size entries, so there is no limit on their number and the cost per
 * entry is the same however many there are.
 *
 * The next kernel restores each block before it reads it.  Since a block
 * can be restored only once, a chain that loops, or two chains that share
 * a block, stop at the first block seen twice: no cycle detection needed.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>

#include "luo_internal.h"

/**
 * luo_blocks_write - hand entries over as a chain of preserved blocks
 * @entry_size: size of one entry
 * @nr: number of entries
 * @fill: writes entry @i into @entry, which is zeroed
 * @arg: passed to @fill
 * @first: returns the physical address of the first block, 0 if @nr is 0
 *
 * Return: 0, or -ENOMEM (or another error of kho_alloc_preserve()) with
 * nothing left preserved.
 */
int luo_blocks_write(size_t entry_size, unsigned long nr,
		     void (*fill)(void *entry, unsigned long i, void *arg),
		     void *arg, u64 *first)
{
	unsigned long per_block = LUO_BLOCK_ENTRIES(entry_size), i = 0, n;
	struct luo_block_ser *block, *prev = NULL;

	*first = 0;
	while (i < nr) {
		block = kho_alloc_preserve(PAGE_SIZE);
		if (IS_ERR(block)) {
			luo_blocks_free(*first);
			*first = 0;
			return PTR_ERR(block);
		}
		if (prev)
			prev->next = virt_to_phys(block);
		else
			*first = virt_to_phys(block);

		n = min(per_block, nr - i);
		block->count = n;
		for (; n; n--, i++)
			fill((void *)(block + 1) + (i % per_block) * entry_size,
			     i, arg);
		prev = block;
	}
	return 0;
}

/**
 * luo_blocks_free - give back a chain written by luo_blocks_write()
 * @first: physical address of its first block, or 0
 */
void luo_blocks_free(u64 first)
{
	struct luo_block_ser *block;

	while (first) {
		block = phys_to_virt(first);
		first = block->next;
		kho_unpreserve_free(block);
	}
}

/**
 * luo_blocks_read - read a chain of blocks the previous kernel handed over
 * @first: physical address of the first block, or 0 when @nr is 0
 * @entry_size: size of one entry
 * @nr: number of entries the chain must hold
 * @take: takes entry @i; a non-zero return stops the walk
 * @arg: passed to @take
 *
 * Each block is restored, read and freed.  On an error, the blocks not yet
 * reached stay reserved for this kernel's life.
 *
 * Return: 0, -EINVAL for a malformed chain (a block not preserved, seen
 * twice or holding a bad count, or a number of entries other than @nr),
 * or the error of @take.
 */
int luo_blocks_read(u64 first, size_t entry_size, unsigned long nr,
		    int (*take)(const void *entry, unsigned long i, void *arg),
		    void *arg)
{
	unsigned long per_block = LUO_BLOCK_ENTRIES(entry_size), i = 0, j;
	const struct luo_block_ser *block;
	struct folio *folio;
	int err = 0;

	while (first && !err) {
		folio = kho_restore_folio(first);
		if (!folio) {
			pr_err("block at %#llx was not handed over, or twice\n",
			       first);
			return -EINVAL;
		}
		block = folio_address(folio);
		if (folio_order(folio) || !block->count ||
		    block->count > per_block || block->count > nr - i) {
			pr_err("block at %#llx is malformed\n", first);
			folio_put(folio);
			return -EINVAL;
		}
		for (j = 0; j < block->count && !err; j++, i++)
			err = take((const void *)(block + 1) + j * entry_size,
				   i, arg);
		first = block->next;
		folio_put(folio);
	}
	if (!err && (first || i != nr)) {
		pr_err("a chain holds %lu entries, not %lu\n", i, nr);
		err = -EINVAL;
	}
	return err;
}
