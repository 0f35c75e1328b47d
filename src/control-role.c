/*
 * control-role.c: who may do what on the control socket.
 *
 * Each connection's peer is known from the kernel (SO_PEERCRED for its
 * uid and gid, SO_PEERGROUPS for the supplementary groups the connecting
 * process holds), never from what it says.  Root and the daemon's own
 * user may do everything, and have a connection kept for them beyond
 * [control] max_connections (control_privileged); members of [control] operators may trigger and
 * reload as well as read; members of [control] readers may only read.
 * With neither key set, whoever can open the socket (mode 0660, the
 * daemon's group) may do everything.  The decision (control_role,
 * control_allow) is pure; control_peer_role() is the only part that asks
 * the kernel.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "xmalloc.h"

#define CONTROL_GROUPS_START	64	/* grown on ERANGE */

const char *
control_role_name(enum control_role r)
{
	switch (r) {
	case CONTROL_ROLE_NONE:
		return ("none");
	case CONTROL_ROLE_READER:
		return ("reader");
	case CONTROL_ROLE_OPERATOR:
		return ("operator");
	case CONTROL_ROLE_ADMIN:
		return ("admin");
	}
	return ("unknown");
}

/* Whether gid is among the n of gids. */
static int
control_in_groups(gid_t gid, const gid_t *gids, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (gids[i] == gid)
			return (1);
	return (0);
}

/* Whether uid is root or the daemon's own user. */
int
control_privileged(const struct control_acl *acl, uid_t uid)
{
	return (uid == 0 || uid == acl->self);
}

/*
 * The role of a peer with uid and the n groups of gids (primary and
 * supplementary) under acl.  Borrows everything.
 */
enum control_role
control_role(const struct control_acl *acl, uid_t uid, const gid_t *gids,
    size_t n)
{
	if (control_privileged(acl, uid))
		return (CONTROL_ROLE_ADMIN);
	if (acl->operators == NULL && acl->readers == NULL)
		return (CONTROL_ROLE_ADMIN);	/* as the socket mode allows */
	if (acl->operators != NULL &&
	    control_in_groups(acl->operators_gid, gids, n))
		return (CONTROL_ROLE_OPERATOR);
	if (acl->readers != NULL &&
	    control_in_groups(acl->readers_gid, gids, n))
		return (CONTROL_ROLE_READER);
	return (CONTROL_ROLE_NONE);
}

/*
 * May a peer with role have run cmd, which needs role need?  Returns 0 if
 * so; else -1 with err naming what the peer lacks.
 */
int
control_allow(const struct control_acl *acl, enum control_role have,
    enum control_role need, const char *cmd, char *err, size_t errlen)
{
	if (have >= need)
		return (0);
	switch (need) {
	case CONTROL_ROLE_READER:
		if (acl->readers != NULL && acl->operators != NULL)
			snprintf(err, errlen, "permission denied: %s needs "
			    "membership of group '%s' (readers) or '%s' "
			    "(operators)", cmd, acl->readers, acl->operators);
		else if (acl->readers != NULL)
			snprintf(err, errlen, "permission denied: %s needs "
			    "membership of group '%s' (readers)", cmd,
			    acl->readers);
		else
			snprintf(err, errlen, "permission denied: %s needs "
			    "membership of group '%s' (operators)", cmd,
			    acl->operators);
		break;
	case CONTROL_ROLE_OPERATOR:
		if (acl->operators != NULL)
			snprintf(err, errlen, "permission denied: %s needs "
			    "membership of group '%s' (operators)", cmd,
			    acl->operators);
		else
			snprintf(err, errlen, "permission denied: %s needs "
			    "root or the daemon's user ([control] operators "
			    "is not set)", cmd);
		break;
	case CONTROL_ROLE_ADMIN:
	case CONTROL_ROLE_NONE:
		snprintf(err, errlen, "permission denied: %s needs root or "
		    "the daemon's user", cmd);
		break;
	}
	return (-1);
}

/*
 * The groups of the process at the other end of fd, primary gid first:
 * SO_PEERGROUPS, or, on a kernel without it, the groups of the uid's
 * passwd entry.  Returns a new array (caller frees) and its count in
 * *n, or NULL.
 */
static gid_t *
control_peer_groups(int fd, uid_t uid, gid_t gid, size_t *n)
{
	struct passwd	*pw;
	gid_t		*g;
	socklen_t	 len;
	int		 ng = CONTROL_GROUPS_START, r;

	g = xreallocarray(NULL, (size_t)ng + 1, sizeof(*g));
	g[0] = gid;
	len = (socklen_t)((size_t)ng * sizeof(*g));
	r = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g + 1, &len);
	if (r == -1 && errno == ERANGE) {
		/* len is now the size needed. */
		ng = (int)(len / sizeof(*g));
		g = xreallocarray(g, (size_t)ng + 1, sizeof(*g));
		r = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g + 1, &len);
	}
	if (r == 0) {
		*n = 1 + len / sizeof(*g);
		return (g);
	}
	*n = 1;
	if ((pw = getpwuid(uid)) == NULL)
		return (g);
	if (getgrouplist(pw->pw_name, gid, g + 1, &ng) == -1) {
		/* ng is now the count needed. */
		g = xreallocarray(g, (size_t)ng + 1, sizeof(*g));
		if (getgrouplist(pw->pw_name, gid, g + 1, &ng) == -1)
			return (g);
	}
	*n = 1 + (size_t)ng;
	return (g);
}

/*
 * Whether the peer on fd is root or the daemon's user: SO_PEERCRED alone,
 * cheap enough to ask of every connection over the cap.
 */
int
control_peer_privileged(const struct control_acl *acl, int fd)
{
	struct ucred	cr;
	socklen_t	len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return (0);
	return (control_privileged(acl, cr.uid));
}

/*
 * The role of the peer on fd under acl; its uid in *uid.  A peer whose
 * credentials cannot be read gets no role.
 */
enum control_role
control_peer_role(const struct control_acl *acl, int fd, uid_t *uid)
{
	struct ucred		 cr;
	socklen_t		 len = sizeof(cr);
	gid_t			*g;
	size_t			 n;
	enum control_role	 r;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		*uid = (uid_t)-1;
		return (CONTROL_ROLE_NONE);
	}
	*uid = cr.uid;
	if (acl->operators == NULL && acl->readers == NULL)
		return (control_role(acl, cr.uid, NULL, 0));
	g = control_peer_groups(fd, cr.uid, cr.gid, &n);
	r = control_role(acl, cr.uid, g, n);
	free(g);
	return (r);
}
