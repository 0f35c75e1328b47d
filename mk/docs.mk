# docs: the manual pages, the guides installed beside them, and the test that keeps them clean and in step
# with the programs (every config key, ctl command and daemon option).
dist_man_MANS = docs/databackupd.8 docs/databackupctl.8 docs/databackup.conf.5
# The guides the configuration file and the man pages point at, in
# $(docdir) (/usr/share/doc/databackup with --prefix=/usr).
dist_doc_DATA = README docs/configuration.md docs/operations.md \
	docs/control.md docs/databackupctl.md docs/journal.md docs/security.md
TESTS += tests/integration/man-lint.sh tests/integration/docs-commands.sh
