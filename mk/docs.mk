# docs: the manual pages, and the test that keeps them clean and in step
# with the programs (every config key, ctl command and daemon option).
dist_man_MANS = docs/databackupd.8 docs/databackupctl.8 docs/databackup.conf.5
TESTS += tests/integration/man-lint.sh
