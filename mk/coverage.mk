# coverage part: "make coverage" runs the whole of make check in a build of
# its own, coverage/tree (a copy of the distributed files, configured with
# gcov's instrumentation), so the developer's build and objects stay as
# they are.  gcovr (Debian package gcovr) writes, for src/ only:
# coverage/summary.txt (overall), coverage/coverage.txt (per file) and
# coverage/html/index.html.  Not part of make check or CI: a full suite at
# -O0 takes a while.  Warnings are not errors there: at -O0 GCC's
# truncation checks see less and warn where the real build does not.
GCOVR = gcovr
COVERAGE_DIR = $(abs_top_builddir)/coverage

.PHONY: coverage
coverage:
	@command -v $(GCOVR) >/dev/null 2>&1 || { \
	    echo "make coverage: gcovr is missing; run: apt-get install -y gcovr" >&2; \
	    exit 1; }
	rm -rf $(COVERAGE_DIR) && $(MKDIR_P) $(COVERAGE_DIR)
	$(MAKE) $(AM_MAKEFLAGS) distdir distdir=$(COVERAGE_DIR)/tree
	cd $(COVERAGE_DIR)/tree && ./configure -q --disable-werror \
	    CFLAGS='-O0 -g --coverage' LDFLAGS='--coverage' && \
	    rm -f *.gcno *.gcda
	cd $(COVERAGE_DIR)/tree && { $(MAKE) $(AM_MAKEFLAGS) check; \
	    echo $$? >$(COVERAGE_DIR)/check.status; }
	$(MKDIR_P) $(COVERAGE_DIR)/html
	cd $(COVERAGE_DIR)/tree && $(GCOVR) --root . --filter 'src/' \
	    --txt $(COVERAGE_DIR)/coverage.txt \
	    --html-details $(COVERAGE_DIR)/html/index.html \
	    --html-title 'databackup: make check coverage' \
	    --print-summary >$(COVERAGE_DIR)/summary.txt
	@cat $(COVERAGE_DIR)/summary.txt
	@echo "make coverage: per file in coverage/coverage.txt," \
	    "HTML in coverage/html/index.html"
	@test "$$(cat $(COVERAGE_DIR)/check.status)" = 0 || { \
	    echo "make coverage: make check failed in coverage/tree" \
	        "(its logs are there); the figures count what ran" >&2; \
	    exit 1; }

clean-local: coverage-clean
.PHONY: coverage-clean
coverage-clean:
	-rm -rf $(COVERAGE_DIR)
