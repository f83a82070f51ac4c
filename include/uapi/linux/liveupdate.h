/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Live Update Orchestrator (LUO) userspace interface: /dev/liveupdate.
 *
 * A process (usually a VMM) groups file descriptors that must survive a
 * kexec-based kernel update into named sessions.  Files are preserved when
 * they are added to a session; at the kexec reboot every outgoing session
 * that is still open is handed to the next kernel, where it is retrieved by
 * name and its files by token.
 */
#ifndef _UAPI_LINUX_LIVEUPDATE_H
#define _UAPI_LINUX_LIVEUPDATE_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: General ioctl format
 *
 * Every ioctl takes a pointer to a structure whose first member is
 * ``__u32 size``, the size of the structure as userspace knows it.  The
 * kernel refuses a size smaller than the structure's mandatory part with
 * EINVAL, accepts a larger one only if every byte it does not know is zero
 * (else E2BIG), and copies back at most the smaller of the two sizes.  New
 * members are only ever appended, so old binaries keep working.
 *
 * Errors common to all ioctls:
 *
 * - EINVAL: an ioctl number this file does not have, a size below the
 *   mandatory part, a member that is invalid, or an operation not allowed
 *   on this kind of session
 * - ENOTTY: the ioctl number is one of this file's, but the command around
 *   it (type, direction or size bits) is not
 * - E2BIG: the structure has non-zero bytes the kernel does not know
 * - EOPNOTSUPP: a member holds a value that is not supported
 * - EFAULT: the structure cannot be read, or the result cannot be written
 *   back; an ioctl that makes a file descriptor then changes nothing
 * - ENOENT: no object with this name or token
 * - ENOMEM: out of memory
 * - EOVERFLOW: a value does not fit the structure
 */

/* The ioctl type of /dev/liveupdate and of session file descriptors. */
#define LIVEUPDATE_IOCTL_TYPE		0xBA

/* Size of a session name, including its terminating NUL. */
#define LIVEUPDATE_SESSION_NAME_LENGTH	64

/* Commands of /dev/liveupdate. */
enum {
	LIVEUPDATE_CMD_BASE = 0x00,
	LIVEUPDATE_CMD_CREATE_SESSION = LIVEUPDATE_CMD_BASE,
	LIVEUPDATE_CMD_RETRIEVE_SESSION = 0x01,
};

/* Commands of a session file descriptor. */
enum {
	LIVEUPDATE_CMD_SESSION_BASE = 0x40,
	LIVEUPDATE_CMD_SESSION_PRESERVE_FD = LIVEUPDATE_CMD_SESSION_BASE,
	LIVEUPDATE_CMD_SESSION_RETRIEVE_FD = 0x41,
	LIVEUPDATE_CMD_SESSION_FINISH = 0x42,
	LIVEUPDATE_CMD_SESSION_GET_NAME = 0x43,
};

/**
 * struct liveupdate_ioctl_create_session - LIVEUPDATE_IOCTL_CREATE_SESSION
 * @size: sizeof(struct liveupdate_ioctl_create_session)
 * @fd: output; the new session's file descriptor (close-on-exec)
 * @name: input; the session's name, NUL-terminated, not empty
 *
 * Creates an empty outgoing session.  Files added to it with
 * LIVEUPDATE_SESSION_PRESERVE_FD travel to the next kernel if the session
 * file descriptor is still open at the kexec reboot; closing it earlier
 * gives every file back.
 *
 * Return: 0, or EINVAL for an empty name or one without a NUL in
 * @name, EEXIST if another outgoing session has this name, ENOMEM, EMFILE.
 */
struct liveupdate_ioctl_create_session {
	__u32 size;
	__s32 fd;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_IOCTL_CREATE_SESSION \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_CREATE_SESSION)

/**
 * struct liveupdate_ioctl_retrieve_session - LIVEUPDATE_IOCTL_RETRIEVE_SESSION
 * @size: sizeof(struct liveupdate_ioctl_retrieve_session)
 * @fd: output; the session's file descriptor (close-on-exec)
 * @name: input; the name the session had in the previous kernel
 *
 * Takes up a session the previous kernel handed over.  A session can be
 * retrieved once; closing its file descriptor finishes it.  A failed call
 * (EMFILE, EFAULT) leaves the session as it was, to be retrieved again.
 *
 * Return: 0, or ENOENT if no incoming session has this name, EINVAL if it
 * was already retrieved, EIO if this kernel refused what the previous one
 * handed over (the kernel log says why), ENOMEM, EMFILE.
 */
struct liveupdate_ioctl_retrieve_session {
	__u32 size;
	__s32 fd;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_IOCTL_RETRIEVE_SESSION \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_RETRIEVE_SESSION)

/**
 * struct liveupdate_session_preserve_fd - LIVEUPDATE_SESSION_PRESERVE_FD
 * @size: sizeof(struct liveupdate_session_preserve_fd)
 * @fd: input; the file descriptor to preserve
 * @token: input; the caller's key for the file, unique in the session
 *
 * Preserves the file now, through the file handler of its type; the
 * session holds its own reference, so @fd may be closed afterwards.  Only
 * on outgoing sessions.
 *
 * Return: 0, or EBADF, EEXIST if @token is already used in the session,
 * ENOENT if no handler supports the file, EBUSY if the file is already
 * preserved (in any session), EINVAL on an incoming session, ENOMEM, or an
 * error from the handler.
 */
struct liveupdate_session_preserve_fd {
	__u32 size;
	__s32 fd;
	__aligned_u64 token;
};

#define LIVEUPDATE_SESSION_PRESERVE_FD \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_PRESERVE_FD)

/**
 * struct liveupdate_session_retrieve_fd - LIVEUPDATE_SESSION_RETRIEVE_FD
 * @size: sizeof(struct liveupdate_session_retrieve_fd)
 * @fd: output; a new file descriptor for the file (close-on-exec)
 * @token: input; the token the file was preserved with
 *
 * Gives back a file of an incoming session.  Files can be retrieved in any
 * order; retrieving one again returns another descriptor of the same file.
 * A retrieve that failed leaves the file with the kernel: a later
 * RETRIEVE_FD, from this or another process, tries again.
 *
 * Return: 0, or ENOENT for an unknown token or for a file this kernel has
 * no handler for, EINVAL on an outgoing session, EMFILE, or an error from
 * the handler.
 */
struct liveupdate_session_retrieve_fd {
	__u32 size;
	__s32 fd;
	__aligned_u64 token;
};

#define LIVEUPDATE_SESSION_RETRIEVE_FD \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_RETRIEVE_FD)

/**
 * struct liveupdate_session_finish - LIVEUPDATE_SESSION_FINISH
 * @size: sizeof(struct liveupdate_session_finish)
 * @reserved: must be zero
 *
 * Ends the live update of an incoming session: every file, retrieved or
 * not, is finished newest first, and what was never retrieved is freed.
 * Retrieved files stay usable.  Finishing an already finished session
 * succeeds and does nothing.
 *
 * Return: 0, or EBUSY if a file cannot be finished yet (nothing changed;
 * retry later), EINVAL on an outgoing session.
 */
struct liveupdate_session_finish {
	__u32 size;
	__u32 reserved;
};

#define LIVEUPDATE_SESSION_FINISH \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_FINISH)

/**
 * struct liveupdate_session_get_name - LIVEUPDATE_SESSION_GET_NAME
 * @size: sizeof(struct liveupdate_session_get_name)
 * @reserved: must be zero
 * @name: output; the session's name, NUL-terminated
 *
 * Works on outgoing and incoming sessions, so a process that inherited a
 * session descriptor can tell which one it holds.
 *
 * Return: 0, or EINVAL if @reserved is not zero.
 */
struct liveupdate_session_get_name {
	__u32 size;
	__u32 reserved;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_SESSION_GET_NAME \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_GET_NAME)

#endif /* _UAPI_LINUX_LIVEUPDATE_H */
