# emulator part: the loopback Google API emulator (tests/emulator/), its
# unit tests and its integration tests.  Built by "make", never installed.
noinst_LIBRARIES += tests/emulator/libemulator.a
tests_emulator_libemulator_a_SOURCES = tests/emulator/emu.h \
	tests/emulator/emu_util.c tests/emulator/emu_fleet.c \
	tests/emulator/emu_gen.c tests/emulator/emu_route.c \
	tests/emulator/emu_auth.c tests/emulator/emu_crm.c \
	tests/emulator/emu_sql.c tests/emulator/emu_storage.c \
	tests/emulator/emu_fault.c tests/emulator/emu_server.c \
	tests/emulator/emu_monitoring.c
tests_emulator_libemulator_a_CPPFLAGS = $(AM_CPPFLAGS) $(ZLIB_CFLAGS)

noinst_PROGRAMS += tests/emulator/gcp-emulator
tests_emulator_gcp_emulator_SOURCES = tests/emulator/gcp-emulator.c
tests_emulator_gcp_emulator_LDADD = $(EMU_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/check_emulator
endif
tests_check_emulator_SOURCES = tests/check_emulator.c
tests_check_emulator_LDADD = $(EMU_LIBS) $(CHECK_LIBS)

if HAVE_CHECK
TESTS += tests/check_emulator
endif
TESTS += tests/integration/emu-auth.sh tests/integration/emu-crm.sh \
	tests/integration/emu-sql.sh tests/integration/emu-import.sh \
	tests/integration/emu-faults.sh tests/integration/emu-monitoring.sh \
	tests/integration/gcloud-fidelity.sh
