/*
 * databackupd.c: main of the daemon.
 */
#include <stdio.h>

#include "log.h"

int
main(int argc, char *argv[])
{
	log_init(0, "databackupd");
	(void)argc;
	(void)argv;
	return (0);
}
