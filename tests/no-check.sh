#!/bin/sh
# no-check.sh: in "make check" when configure found no Check library: the
# unit suites were not built, and the run must not look complete.
echo "ERROR: the unit suites need the Check library: apt-get install check," \
    "then ./configure again" >&2
exit 99
